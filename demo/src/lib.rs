//! The demo and experiment side of banditsor, kept out of the library that
//! C, Fortran and PETSc users link: problem generators ([`problems`]: the
//! paper's 2D heat equation and shifted-Laplacian sequence) used by the
//! `banditsor` command (`src/main.rs`: tables, progress bars, SVG plots),
//! the tests and the experiment drivers; the per-step best oracle
//! ([`oracle`]) the learners are measured against.

pub mod oracle;
pub mod problems;
