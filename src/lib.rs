//! banditsor: an SOR/SSOR preconditioner whose relaxation factor omega is
//! learned online, solve after solve, by a bandit fed only the iteration
//! counts the host solver reports (Khodak et al., "Learning to Relax",
//! ICLR 2024).
//!
//! Layers, top to bottom: [`ffi`] (the C ABI), [`pc`] (the preconditioner
//! and the host-solver protocol), [`solve`] (built-in solvers), [`learn`]
//! (the learners), [`sweep`] (kernels), [`matrix`] (validated CSR).
//!
//! ```
//! use banditsor::{laplacian_2d, Method, Preconditioner};
//! let mut pc = Preconditioner::new(); // Tsallis-INF over 20 omegas in [1, 1.95]
//! pc.set_operator(laplacian_2d(20, 1.0));
//! let b = vec![1.0; 400];
//! for _ in 0..10 {
//!     let mut x = vec![0.0; 400];
//!     let out = pc.solve(Method::SsorCg, None, &b, &mut x, 1e-8, 1000).unwrap();
//!     assert!(out.converged);
//! }
//! assert_eq!(pc.stats().solves, 10);
//! ```

pub mod error;
#[doc(hidden)]
pub mod ffi;
pub mod learn;
pub mod matrix;
pub mod pc;
pub mod solve;
mod state;
pub mod sweep;
pub mod tuner;

pub use error::{Error, Result};
pub use learn::{ContextRange, Learner, LearnerConfig, LearnerKind, OmegaGrid};
pub use matrix::{
    laplacian_2d, laplacian_3d, validate_csr, CsrIndex, CsrMatrix, CsrView, Diagonal,
};
pub use pc::Preconditioner;
pub use solve::{Method, SolveOutcome};
pub use state::{FORMAT as STATE_FORMAT, VERSION as STATE_VERSION};
pub use sweep::SweepKind;
pub use tuner::{OmegaTuner, SolveStats};

/// The README's Rust example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
