//! banditsor: an SOR/SSOR preconditioner whose relaxation factor omega is
//! learned online, solve after solve, by a bandit fed only the iteration
//! counts the host solver reports (Khodak et al., "Learning to Relax",
//! ICLR 2024).
//!
//! # Module map
//!
//! Layers, top to bottom (each uses only the ones below it):
//!
//! | module | what lives there |
//! | --- | --- |
//! | `ffi` (hidden) | the C ABI: `bsor_*` functions, status codes, the one panic boundary, C-enum conversions; shared with the PETSc plugin |
//! | [`pc`] | [`Preconditioner`] = operator + sweep settings + [`OmegaTuner`]; `apply` and the built-in `solve` |
//! | [`solve`] | built-in host solvers: SOR-Richardson, CG, SSOR-PCG |
//! | [`tuner`] | [`OmegaTuner`], the learning object: `presolve(context) -> omega`, `postsolve(cost)`, statistics, save/load |
//! | `state` (private) | the versioned JSON state file (atomic save, validated load) |
//! | [`learn`] | the [`Learner`] trait, [`LearnerConfig`], one file per learner, the portable random stream |
//! | [`sweep`] | SOR/SSOR kernels over [`CsrView`] |
//! | [`matrix`] | validated CSR views and owned matrices, the diagonal index |
//! | [`error`] | the one [`Error`] type |
//!
//! Outside this crate, in the same workspace: `capi/` builds the C library
//! (`libbanditsor.so`, `libbanditsor.a`) from `ffi`; `petsc/` is the PETSc
//! plugin; `demo/` holds the demo command, problem generators and plots.
//!
//! # Adding a learner
//!
//! 1. `src/learn/<name>.rs`: a type implementing [`Learner`]; its state
//!    for persistence is a serde-derived struct with a `validate()` that
//!    rejects what the learner could not continue from (wrong sizes, NaN,
//!    inconsistent counts), so a bad file leaves the learner untouched.
//! 2. `src/learn/mod.rs`: a [`LearnerKind`] variant (with its `name()` and
//!    `from_name()` spellings, used by options and state files), its arm in
//!    [`LearnerConfig::build`], and any new [`LearnerConfig`] field with a
//!    `#[serde(default)]` so existing state files keep loading.
//! 3. C ABI: a `BSOR_LEARNER_*` constant in `src/ffi/api.rs`, its arm in
//!    `ffi::learner_kind`, the header regenerated
//!    (`BANDITSOR_BLESS_HEADER=1 cargo test --test ffi_header`), and the
//!    constant in `include/banditsor.hpp` and `include/banditsor.f90`.
//! 4. PETSc: `-pc_banditsor_learner` takes the `from_name` spellings
//!    already; list the new one in the shim's help text and docs/petsc.md.
//! 5. Tests: add it to the learner contract tests (tests/learners.rs) and
//!    give it a scenario in tests/replay_fixtures.rs (recorded once).
//!
//! ```
//! use banditsor::{laplacian_2d, Method, Preconditioner};
//! let mut pc = Preconditioner::new(); // SmoothTS over 20 omegas in [1, 1.95]
//! pc.set_operator(laplacian_2d(20, 1.0));
//! let b = vec![1.0; 400];
//! for _ in 0..10 {
//!     let mut x = vec![0.0; 400];
//!     let out = pc.solve(Method::SsorCg, None, &b, &mut x, 1e-8, 1000).unwrap();
//!     assert!(out.converged);
//! }
//! assert_eq!(pc.stats().solves, 10);
//! ```

pub mod context;
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
    laplacian_2d, laplacian_3d, validate_csr, CompactPattern, CsrIndex, CsrMatrix, CsrView,
    Diagonal,
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
