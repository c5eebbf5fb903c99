//! The one error type of the core. Every variant names what was wrong
//! (which row, which index, which value) so that the C ABI and the PETSc
//! shim can pass the message through unchanged.

use std::path::PathBuf;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core library.
///
/// The FFI layer maps each variant to a stable status code
/// ([`Error::code`]); codes are part of the public C contract and are never
/// reused for another meaning.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// A size or count is negative, zero where not allowed, or too large.
    #[error("invalid size: {what} = {value}")]
    InvalidSize { what: &'static str, value: i64 },

    /// Array lengths disagree with each other or with the matrix size.
    #[error("inconsistent sizes: {what} (expected {expected}, got {got})")]
    InconsistentSizes {
        what: &'static str,
        expected: i64,
        got: i64,
    },

    /// The row pointer array does not start at 0 or decreases.
    #[error("invalid row pointer: {0}")]
    InvalidRowPointer(String),

    /// A column index is outside [0, n).
    #[error("column index out of range: row {row}, column {col} (matrix has {n} columns)")]
    ColumnOutOfRange { row: usize, col: i64, n: usize },

    /// Columns of a row are not strictly increasing.
    #[error("unsorted columns in row {row}: column {col} follows column {prev}")]
    UnsortedColumns { row: usize, prev: i64, col: i64 },

    /// A column appears twice in one row.
    #[error("duplicate column in row {row}: column {col} appears more than once")]
    DuplicateColumn { row: usize, col: i64 },

    /// A matrix entry is NaN or infinite.
    #[error("non-finite value in row {row}, column {col}: {value}")]
    NonFiniteValue { row: usize, col: i64, value: f64 },

    /// A row has no stored diagonal entry (SOR divides by it).
    #[error("missing diagonal entry in row {row}")]
    MissingDiagonal { row: usize },

    /// A row's diagonal entry is zero (SOR divides by it).
    #[error("zero diagonal entry in row {row}")]
    ZeroDiagonal { row: usize },

    /// omega outside the open interval (0, 2), or not finite.
    #[error("invalid omega {0}: SOR needs 0 < omega < 2")]
    InvalidOmega(f64),

    /// An interval (omega grid, context range) is empty, inverted or not finite.
    #[error("invalid {what} range [{lo}, {hi}]: need finite lo < hi{extra}")]
    InvalidRange {
        what: &'static str,
        lo: f64,
        hi: f64,
        extra: &'static str,
    },

    /// A grid with fewer than one point or too many.
    #[error("invalid omega grid size {0}: need 1 <= count <= 10000")]
    InvalidGridSize(i64),

    /// A scalar argument that has no better-fitting variant.
    #[error("invalid argument {what}: {detail}")]
    InvalidArgument { what: &'static str, detail: String },

    /// A vector has the wrong length for the operator.
    #[error("dimension mismatch: {what} has length {got}, operator has n = {expected}")]
    DimensionMismatch {
        what: &'static str,
        expected: usize,
        got: usize,
    },

    /// apply/solve called before an operator was set. (The C ABI words
    /// this and the other messages naming API functions with the C names,
    /// see `ffi::c_message`.)
    #[error(
        "no operator set: call Preconditioner::set_operator_csr or set_operator \
         before apply, solve or update_values"
    )]
    NoOperator,

    /// postsolve called without a matching presolve.
    #[error("postsolve without presolve: call Preconditioner::presolve before each postsolve")]
    PostsolveWithoutPresolve,

    /// A negative iteration count reported to postsolve.
    #[error("negative iteration count {0} reported to postsolve")]
    NegativeIterations(i64),

    /// The learner state file could not be read or written.
    #[error("state file {path}: {detail}")]
    StateIo { path: PathBuf, detail: String },

    /// The learner state file is not a valid banditsor state.
    #[error("corrupt state file {path}: {detail}")]
    StateCorrupt { path: PathBuf, detail: String },

    /// The learner state file belongs to another learner configuration.
    #[error("state file {path} does not match this learner: {detail}")]
    StateMismatch { path: PathBuf, detail: String },
}

impl Error {
    /// Stable numeric status code for the C ABI (0 is success; never
    /// reused). The codes are declared once, by the C ABI's `bsor_status`.
    pub fn code(&self) -> i32 {
        crate::ffi::bsor_status::of_error(self) as i32
    }
}
