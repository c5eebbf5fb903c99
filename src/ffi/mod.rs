//! The C ABI (`bsor_*`): opaque handles, status codes, one panic
//! boundary. Converts and validates only; all logic lives in the core.
//!
//! Layout of this module:
//! - this file: the status codes (declared once, here), the thread-local
//!   last-error message, the one panic boundary ([`boundary`]) every
//!   exported function runs in, poisoning handles ([`Poisonable`]), the
//!   pointer/slice conversions (null, alignment and size checks happen here
//!   and nowhere else) and the C-enum conversions with the "NaN means no
//!   context" rule ([`nan_means_none`]);
//! - [`api`]: the exported `bsor_*` functions, thin wrappers over
//!   [`crate::Preconditioner`].
//!
//! The PETSc plugin (petsc/src/lib.rs) runs its own `bsorp_*` exports
//! through the same boundary, poisoning and conversions, so both C faces of
//! the library give the same guarantees. Hidden from the Rust docs: this is
//! the C ABI's machinery, not a Rust API.
//!
//! `include/banditsor.h` is generated from these two files by cbindgen
//! (see `cbindgen.toml` and `tests/ffi_header.rs`).

#![allow(non_camel_case_types)]

pub mod api;

pub use api::*;

use crate::error::Error;
use crate::learn::LearnerKind;
use crate::pc::Preconditioner;
use crate::solve::Method;
use crate::sweep::SweepKind;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// Status returned by every `bsor_*` function that returns `int`.
///
/// `BSOR_OK` (0) is success; every failure kind has its own non-zero code.
/// Codes are stable: a code is never reused for another meaning and new
/// kinds get new numbers. After a failure, `bsor_last_error()` returns a
/// message naming what was wrong (which argument, row, column or value).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum bsor_status {
    /// Success.
    BSOR_OK = 0,
    /// A required pointer argument (handle, array, output, path) was NULL.
    BSOR_ERR_NULL_POINTER = 1,
    /// A Rust panic was caught at the C boundary (a library bug: please
    /// report it). The handle it happened on is poisoned: every later call
    /// on it returns this code; destroy it.
    BSOR_ERR_PANIC = 2,
    /// A size or count is negative, zero where not allowed, or too large.
    BSOR_ERR_INVALID_SIZE = 3,
    /// Array lengths disagree with each other or with the operator.
    BSOR_ERR_INCONSISTENT_SIZES = 4,
    /// The row pointer array does not start at 0, decreases, or ends
    /// negative.
    BSOR_ERR_INVALID_ROW_POINTER = 5,
    /// A column index is outside [0, n).
    BSOR_ERR_COLUMN_OUT_OF_RANGE = 6,
    /// The columns of a row are not increasing.
    BSOR_ERR_UNSORTED_COLUMNS = 7,
    /// A column appears twice in one row.
    BSOR_ERR_DUPLICATE_COLUMN = 8,
    /// A matrix value is NaN or infinite.
    BSOR_ERR_NON_FINITE_VALUE = 9,
    /// A row has no stored diagonal entry.
    BSOR_ERR_MISSING_DIAGONAL = 10,
    /// A row's diagonal entry is zero.
    BSOR_ERR_ZERO_DIAGONAL = 11,
    /// omega outside the open interval (0, 2), or not finite.
    BSOR_ERR_INVALID_OMEGA = 12,
    /// An interval (omega grid, context range) is empty, inverted, not
    /// finite, or (omega grid) not inside (0, 2).
    BSOR_ERR_INVALID_RANGE = 13,
    /// An omega grid with fewer than 1 or more than 10000 points.
    BSOR_ERR_INVALID_GRID_SIZE = 14,
    /// A scalar argument out of its domain (unknown enum value, negative
    /// tolerance, converged flag not 0/1, ...).
    BSOR_ERR_INVALID_ARGUMENT = 15,
    /// A vector's length does not match the operator.
    BSOR_ERR_DIMENSION_MISMATCH = 16,
    /// apply, solve or update_values called before an operator was set.
    BSOR_ERR_NO_OPERATOR = 17,
    /// postsolve called without a matching presolve.
    BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE = 18,
    /// A negative iteration count was reported to postsolve.
    BSOR_ERR_NEGATIVE_ITERATIONS = 19,
    /// The state file could not be read or written.
    BSOR_ERR_STATE_IO = 20,
    /// The state file is not a valid banditsor state.
    BSOR_ERR_STATE_CORRUPT = 21,
    /// The state file was saved by another learner configuration.
    BSOR_ERR_STATE_MISMATCH = 22,
    /// `bsor_solve` stopped at `max_it` without meeting `rtol`. Not an
    /// input error: x holds the last iterate, `*iterations_out` is set and
    /// the learner was charged a failed solve.
    BSOR_ERR_NOT_CONVERGED = 23,
    /// A pointer argument is not aligned for its type.
    BSOR_ERR_MISALIGNED_POINTER = 24,
}

impl bsor_status {
    /// Every status, in code order.
    const ALL: [bsor_status; 25] = [
        bsor_status::BSOR_OK,
        bsor_status::BSOR_ERR_NULL_POINTER,
        bsor_status::BSOR_ERR_PANIC,
        bsor_status::BSOR_ERR_INVALID_SIZE,
        bsor_status::BSOR_ERR_INCONSISTENT_SIZES,
        bsor_status::BSOR_ERR_INVALID_ROW_POINTER,
        bsor_status::BSOR_ERR_COLUMN_OUT_OF_RANGE,
        bsor_status::BSOR_ERR_UNSORTED_COLUMNS,
        bsor_status::BSOR_ERR_DUPLICATE_COLUMN,
        bsor_status::BSOR_ERR_NON_FINITE_VALUE,
        bsor_status::BSOR_ERR_MISSING_DIAGONAL,
        bsor_status::BSOR_ERR_ZERO_DIAGONAL,
        bsor_status::BSOR_ERR_INVALID_OMEGA,
        bsor_status::BSOR_ERR_INVALID_RANGE,
        bsor_status::BSOR_ERR_INVALID_GRID_SIZE,
        bsor_status::BSOR_ERR_INVALID_ARGUMENT,
        bsor_status::BSOR_ERR_DIMENSION_MISMATCH,
        bsor_status::BSOR_ERR_NO_OPERATOR,
        bsor_status::BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE,
        bsor_status::BSOR_ERR_NEGATIVE_ITERATIONS,
        bsor_status::BSOR_ERR_STATE_IO,
        bsor_status::BSOR_ERR_STATE_CORRUPT,
        bsor_status::BSOR_ERR_STATE_MISMATCH,
        bsor_status::BSOR_ERR_NOT_CONVERGED,
        bsor_status::BSOR_ERR_MISALIGNED_POINTER,
    ];

    /// Every status, in code order.
    pub fn all() -> &'static [bsor_status] {
        &Self::ALL
    }

    /// The status with this code, if any.
    pub fn from_code(code: c_int) -> Option<bsor_status> {
        Self::ALL.iter().copied().find(|s| *s as c_int == code)
    }

    /// The constant's name as spelled in the C header, NUL-terminated
    /// (the variant's name: cbindgen keeps it).
    pub fn name_cstr(self) -> &'static CStr {
        static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            Self::ALL
                .iter()
                .map(|s| CString::new(format!("{s:?}")).expect("no NUL in a variant name"))
                .collect()
        });
        names[self as usize].as_c_str()
    }

    /// The status of a core error: the one mapping from [`Error`] variants
    /// to codes ([`Error::code`] reads it from here).
    pub fn of_error(e: &Error) -> bsor_status {
        use bsor_status::*;
        match e {
            Error::InvalidSize { .. } => BSOR_ERR_INVALID_SIZE,
            Error::InconsistentSizes { .. } => BSOR_ERR_INCONSISTENT_SIZES,
            Error::InvalidRowPointer(_) => BSOR_ERR_INVALID_ROW_POINTER,
            Error::ColumnOutOfRange { .. } => BSOR_ERR_COLUMN_OUT_OF_RANGE,
            Error::UnsortedColumns { .. } => BSOR_ERR_UNSORTED_COLUMNS,
            Error::DuplicateColumn { .. } => BSOR_ERR_DUPLICATE_COLUMN,
            Error::NonFiniteValue { .. } => BSOR_ERR_NON_FINITE_VALUE,
            Error::MissingDiagonal { .. } => BSOR_ERR_MISSING_DIAGONAL,
            Error::ZeroDiagonal { .. } => BSOR_ERR_ZERO_DIAGONAL,
            Error::InvalidOmega(_) => BSOR_ERR_INVALID_OMEGA,
            Error::InvalidRange { .. } => BSOR_ERR_INVALID_RANGE,
            Error::InvalidGridSize(_) => BSOR_ERR_INVALID_GRID_SIZE,
            Error::InvalidArgument { .. } => BSOR_ERR_INVALID_ARGUMENT,
            Error::DimensionMismatch { .. } => BSOR_ERR_DIMENSION_MISMATCH,
            Error::NoOperator => BSOR_ERR_NO_OPERATOR,
            Error::PostsolveWithoutPresolve => BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE,
            Error::NegativeIterations(_) => BSOR_ERR_NEGATIVE_ITERATIONS,
            Error::StateIo { .. } => BSOR_ERR_STATE_IO,
            Error::StateCorrupt { .. } => BSOR_ERR_STATE_CORRUPT,
            Error::StateMismatch { .. } => BSOR_ERR_STATE_MISMATCH,
        }
    }
}

/// Why a C call failed, before it is turned into a status and a message.
#[derive(Debug)]
pub enum Failure {
    /// An error of the core, passed through with its own code.
    Core(Error),
    /// A NULL pointer where one was required; names the argument.
    Null(&'static str),
    /// A pointer not aligned for its type; names the argument.
    Misaligned(&'static str),
    /// A handle poisoned by an earlier caught panic.
    Poisoned,
    /// A panic caught at the boundary, with its message.
    Panic(String),
    /// A message composed by the caller (the PETSc plugin names the
    /// option at fault), reported as BSOR_ERR_INVALID_ARGUMENT.
    Message(String),
    /// bsor_solve hit max_it.
    NotConverged {
        iterations: u64,
        relative_residual: f64,
        rtol: f64,
        omega: f64,
    },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl Failure {
    fn status(&self) -> bsor_status {
        match self {
            Failure::Core(e) => bsor_status::of_error(e),
            Failure::Null(_) => bsor_status::BSOR_ERR_NULL_POINTER,
            Failure::Misaligned(_) => bsor_status::BSOR_ERR_MISALIGNED_POINTER,
            Failure::Poisoned | Failure::Panic(_) => bsor_status::BSOR_ERR_PANIC,
            Failure::Message(_) => bsor_status::BSOR_ERR_INVALID_ARGUMENT,
            Failure::NotConverged { .. } => bsor_status::BSOR_ERR_NOT_CONVERGED,
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Core(e) => c_message(e),
            Failure::Null(what) => format!("{what} is NULL"),
            Failure::Misaligned(what) => format!("{what} is not aligned for its type"),
            Failure::Poisoned => "handle is poisoned by an earlier caught panic; destroy it".into(),
            Failure::Panic(msg) => {
                format!("internal panic caught at the C boundary (please report): {msg}")
            }
            Failure::Message(msg) => msg.clone(),
            Failure::NotConverged {
                iterations,
                relative_residual,
                rtol,
                omega,
            } => format!(
                "not converged: relative residual {relative_residual:e} > rtol {rtol:e} \
                 after {iterations} iterations (omega {omega}); x holds the last iterate"
            ),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Message(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Message(message.to_string())
    }
}

/// A core error as C callers read it: the messages that tell the caller
/// what to call name the C functions (the core's name the Rust methods).
pub(crate) fn c_message(e: &Error) -> String {
    match e {
        Error::NoOperator => "no operator set: call bsor_pc_set_operator_csr or \
                              bsor_pc_set_operator_csr_i32 first"
            .into(),
        Error::PostsolveWithoutPresolve => {
            "postsolve without presolve: call bsor_pc_presolve before each bsor_pc_postsolve".into()
        }
        Error::NegativeIterations(n) => {
            format!("negative iteration count {n} reported to bsor_pc_postsolve")
        }
        other => other.to_string(),
    }
}

/// Result type of the bodies run inside [`boundary`].
pub(crate) type FfiResult<T = ()> = Result<T, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Record `message` as this thread's last error (interior NULs escaped).
fn set_last_error(message: String) {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // try_with: never panic, even during thread-local destruction.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = message;
        }
    });
}

/// Pointer to this thread's last error message ("" if none yet); stays
/// valid until the next failing call on this thread.
pub fn last_error_ptr() -> *const c_char {
    static EMPTY: &[u8] = b"\0";
    LAST_ERROR
        .try_with(|slot| match slot.try_borrow() {
            Ok(s) => s.as_ptr(),
            Err(_) => EMPTY.as_ptr().cast(),
        })
        .unwrap_or(EMPTY.as_ptr().cast())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

/// Drop a caught panic payload without letting a panic escape: dropping
/// it can panic (pathological Drop impls), and so can dropping that
/// panic's payload, which is then leaked instead.
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

/// THE panic boundary: every exported function's body runs in here.
///
/// Catches panics (returns `BSOR_ERR_PANIC`, never unwinds into C, never
/// aborts), turns failures into their status code and records
/// "`func`: message" as the thread's last error.
pub fn boundary(func: &'static str, body: impl FnOnce() -> Result<(), Failure>) -> c_int {
    guarded(Some(func), body)
}

/// [`boundary`] recording the message without a function name: for the
/// PETSc plugin, whose shim reports it as "banditsor: message" to users
/// who never call the `bsorp_*` functions themselves.
pub fn boundary_unnamed(body: impl FnOnce() -> Result<(), Failure>) -> c_int {
    guarded(None, body)
}

fn guarded(func: Option<&'static str>, body: impl FnOnce() -> FfiResult) -> c_int {
    let outcome = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let msg = panic_message(payload.as_ref());
            drop_payload(payload);
            Err(Failure::Panic(msg))
        }
    };
    match outcome {
        Ok(()) => bsor_status::BSOR_OK as c_int,
        Err(failure) => {
            let status = failure.status();
            let message =
                catch_unwind(AssertUnwindSafe(|| failure.message())).unwrap_or_else(|payload| {
                    drop_payload(payload);
                    "failure message could not be formatted".into()
                });
            set_last_error(match func {
                Some(func) => format!("{func}: {message}"),
                None => message,
            });
            status as c_int
        }
    }
}

// ----- handles -------------------------------------------------------

/// An object behind a C handle that a panic caught while it was held
/// mutably poisons: its state may be half-updated, so later calls refuse
/// it (BSOR_ERR_PANIC) until it is destroyed.
#[derive(Debug)]
pub struct Poisonable<T> {
    value: T,
    poisoned: bool,
}

impl<T> Poisonable<T> {
    pub fn new(value: T) -> Self {
        Self {
            value,
            poisoned: false,
        }
    }

    /// Shared access, refused once poisoned.
    pub fn get(&self) -> Result<&T, Failure> {
        if self.poisoned {
            return Err(Failure::Poisoned);
        }
        Ok(&self.value)
    }

    /// Mutable access, refused once poisoned; poisons if a panic unwinds
    /// while the returned guard is alive.
    pub fn get_mut(&mut self) -> Result<PoisonOnPanic<'_, T>, Failure> {
        if self.poisoned {
            return Err(Failure::Poisoned);
        }
        Ok(PoisonOnPanic { inner: self })
    }
}

/// Mutable access to a [`Poisonable`]; poisons it if a panic unwinds while
/// held.
pub struct PoisonOnPanic<'a, T> {
    inner: &'a mut Poisonable<T>,
}

impl<T> std::ops::Deref for PoisonOnPanic<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner.value
    }
}

impl<T> std::ops::DerefMut for PoisonOnPanic<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner.value
    }
}

impl<T> Drop for PoisonOnPanic<'_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.inner.poisoned = true;
        }
    }
}

/// Opaque preconditioner handle: create with `bsor_pc_create`, free with
/// `bsor_pc_destroy`.
pub struct bsor_pc {
    pc: Poisonable<Preconditioner>,
}

impl bsor_pc {
    pub(crate) fn new() -> Self {
        Self {
            pc: Poisonable::new(Preconditioner::new()),
        }
    }
}

/// The object behind a handle pointer, mutably (NULL and misaligned
/// pointers refused, naming `what`).
///
/// # Safety
/// `p` is NULL or points to a live object not used by another thread at
/// the same time.
pub unsafe fn object_mut<'a, T>(what: &'static str, p: *mut T) -> Result<&'a mut T, Failure> {
    check_ptr(what, p.cast_const())?;
    Ok(&mut *p)
}

/// The object behind a handle pointer, shared.
///
/// # Safety
/// As [`object_mut`], except that concurrent shared uses are allowed.
pub unsafe fn object_ref<'a, T>(what: &'static str, p: *const T) -> Result<&'a T, Failure> {
    check_ptr(what, p)?;
    Ok(&*p)
}

fn check_ptr<T>(what: &'static str, p: *const T) -> FfiResult {
    if p.is_null() {
        Err(Failure::Null(what))
    } else if !p.is_aligned() {
        Err(Failure::Misaligned(what))
    } else {
        Ok(())
    }
}

/// The handle behind `pc`, mutably.
///
/// # Safety
/// `pc` is NULL or a live handle from `bsor_pc_create` not used by another
/// thread at the same time.
pub(crate) unsafe fn handle_mut<'a>(
    pc: *mut bsor_pc,
) -> FfiResult<PoisonOnPanic<'a, Preconditioner>> {
    object_mut("pc (handle)", pc)?.pc.get_mut()
}

/// The handle behind `pc`, shared.
///
/// # Safety
/// As [`handle_mut`], except that concurrent shared uses are allowed.
pub(crate) unsafe fn handle_ref<'a>(pc: *const bsor_pc) -> FfiResult<&'a Preconditioner> {
    object_ref("pc (handle)", pc)?.pc.get()
}

/// Check an output pointer now (so bad input fails before anything
/// changes); write through it later with [`write_out`].
pub fn check_out<T>(what: &'static str, p: *mut T) -> Result<(), Failure> {
    check_ptr(what, p.cast_const())
}

/// Write `value` through an output pointer checked by [`check_out`]
/// (NULL is skipped, for optional outputs).
///
/// # Safety
/// `p` is NULL or valid for writes of a `T`.
pub unsafe fn write_out<T>(p: *mut T, value: T) {
    if !p.is_null() {
        p.write(value);
    }
}

/// Length of an array of `len` elements of `T`, checked to be a valid
/// allocation size.
pub(crate) fn array_len<T>(what: &'static str, len: i64) -> FfiResult<usize> {
    let max = isize::MAX as u64 / std::mem::size_of::<T>().max(1) as u64;
    if len < 0 || len as u64 > max {
        return Err(Error::InvalidSize { what, value: len }.into());
    }
    Ok(len as usize)
}

/// A borrowed C array of `len` elements (NULL allowed only when `len` is 0).
///
/// # Safety
/// `p` is NULL or valid for reads of `len` elements for `'a`, not written
/// through any other pointer meanwhile.
pub(crate) unsafe fn slice<'a, T>(
    what: &'static str,
    p: *const T,
    len: usize,
) -> FfiResult<&'a [T]> {
    if len == 0 && p.is_null() {
        return Ok(&[]);
    }
    check_ptr(what, p)?;
    Ok(std::slice::from_raw_parts(p, len))
}

/// A mutable borrowed C array of `len` elements (NULL allowed only when
/// `len` is 0).
///
/// # Safety
/// `p` is NULL or valid for reads and writes of `len` elements for `'a`,
/// not accessed through any other pointer meanwhile.
pub(crate) unsafe fn slice_mut<'a, T>(
    what: &'static str,
    p: *mut T,
    len: usize,
) -> FfiResult<&'a mut [T]> {
    if len == 0 && p.is_null() {
        return Ok(&mut []);
    }
    check_ptr(what, p.cast_const())?;
    Ok(std::slice::from_raw_parts_mut(p, len))
}

/// Whether two arrays of `len` doubles overlap in memory.
pub(crate) fn overlaps(a: *const f64, b: *const f64, len: usize) -> bool {
    let bytes = len * std::mem::size_of::<f64>();
    let (a, b) = (a as usize, b as usize);
    len > 0 && a < b.saturating_add(bytes) && b < a.saturating_add(bytes)
}

/// A path argument (any bytes on Unix).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub unsafe fn path_arg<'a>(what: &'static str, p: *const c_char) -> FfiResult<&'a std::path::Path> {
    if p.is_null() {
        return Err(Failure::Null(what));
    }
    let bytes = CStr::from_ptr(p).to_bytes();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(std::path::Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes)
            .map(std::path::Path::new)
            .map_err(|e| {
                Failure::Core(Error::InvalidArgument {
                    what,
                    detail: format!("path is not valid UTF-8: {e}"),
                })
            })
    }
}

// ----- C enums and sentinels -------------------------------------------

/// The "NaN means none" rule of every C entry point: a NaN context is no
/// context, a NaN failure cost the default one.
pub fn nan_means_none(value: f64) -> Option<f64> {
    (!value.is_nan()).then_some(value)
}

/// A `bsor_learner` value as the core's learner kind.
pub fn learner_kind(kind: api::bsor_learner) -> Result<LearnerKind, Failure> {
    use api::*;
    Ok(match kind {
        BSOR_LEARNER_FIXED => LearnerKind::Fixed,
        BSOR_LEARNER_TSALLIS_INF => LearnerKind::TsallisInf,
        BSOR_LEARNER_CHEBCB => LearnerKind::ChebCb,
        BSOR_LEARNER_TSALLIS_INF_CB => LearnerKind::TsallisInfCb,
        BSOR_LEARNER_SMOOTH_TS => LearnerKind::SmoothTs,
        other => {
            return Err(Error::InvalidArgument {
                what: "kind (bsor_learner)",
                detail: format!(
                    "{other} (expected BSOR_LEARNER_FIXED=0, BSOR_LEARNER_TSALLIS_INF=1, \
                     BSOR_LEARNER_CHEBCB=2, BSOR_LEARNER_TSALLIS_INF_CB=3 \
                     or BSOR_LEARNER_SMOOTH_TS=4)"
                ),
            }
            .into())
        }
    })
}

/// A `bsor_sweep` value as the core's sweep kind.
pub fn sweep_kind(kind: api::bsor_sweep) -> Result<SweepKind, Failure> {
    use api::*;
    Ok(match kind {
        BSOR_SWEEP_FORWARD => SweepKind::Forward,
        BSOR_SWEEP_BACKWARD => SweepKind::Backward,
        BSOR_SWEEP_SYMMETRIC => SweepKind::Symmetric,
        other => {
            return Err(Error::InvalidArgument {
                what: "kind (bsor_sweep)",
                detail: format!(
                    "{other} (expected BSOR_SWEEP_FORWARD=0, BSOR_SWEEP_BACKWARD=1 \
                     or BSOR_SWEEP_SYMMETRIC=2)"
                ),
            }
            .into())
        }
    })
}

/// The core's sweep kind as a `bsor_sweep` value.
pub fn sweep_to_c(kind: SweepKind) -> api::bsor_sweep {
    match kind {
        SweepKind::Forward => api::BSOR_SWEEP_FORWARD,
        SweepKind::Backward => api::BSOR_SWEEP_BACKWARD,
        SweepKind::Symmetric => api::BSOR_SWEEP_SYMMETRIC,
    }
}

/// A `bsor_method` value as the core's built-in solver.
pub fn method_kind(method: api::bsor_method) -> Result<Method, Failure> {
    use api::*;
    Ok(match method {
        BSOR_METHOD_SOR => Method::Sor,
        BSOR_METHOD_SSOR_CG => Method::SsorCg,
        BSOR_METHOD_CG => Method::Cg,
        other => {
            return Err(Error::InvalidArgument {
                what: "method (bsor_method)",
                detail: format!(
                    "{other} (expected BSOR_METHOD_SOR=0, BSOR_METHOD_SSOR_CG=1 \
                     or BSOR_METHOD_CG=2)"
                ),
            }
            .into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_distinct_and_match_the_core() {
        for (i, s) in bsor_status::ALL.iter().enumerate() {
            assert_eq!(*s as usize, i, "{s:?} out of order");
            assert_eq!(bsor_status::from_code(i as c_int), Some(*s));
            let name = s.name_cstr().to_str().unwrap();
            assert_eq!(name, format!("{s:?}"));
        }
        assert_eq!(bsor_status::from_code(25), None);
        assert_eq!(bsor_status::from_code(-1), None);
        let errors = [
            (
                Error::InvalidSize {
                    what: "x",
                    value: -1,
                },
                bsor_status::BSOR_ERR_INVALID_SIZE,
            ),
            (
                Error::InconsistentSizes {
                    what: "x",
                    expected: 1,
                    got: 2,
                },
                bsor_status::BSOR_ERR_INCONSISTENT_SIZES,
            ),
            (
                Error::InvalidRowPointer("x".into()),
                bsor_status::BSOR_ERR_INVALID_ROW_POINTER,
            ),
            (
                Error::ColumnOutOfRange {
                    row: 0,
                    col: 5,
                    n: 2,
                },
                bsor_status::BSOR_ERR_COLUMN_OUT_OF_RANGE,
            ),
            (
                Error::UnsortedColumns {
                    row: 0,
                    prev: 1,
                    col: 0,
                },
                bsor_status::BSOR_ERR_UNSORTED_COLUMNS,
            ),
            (
                Error::DuplicateColumn { row: 0, col: 0 },
                bsor_status::BSOR_ERR_DUPLICATE_COLUMN,
            ),
            (
                Error::NonFiniteValue {
                    row: 0,
                    col: 0,
                    value: f64::NAN,
                },
                bsor_status::BSOR_ERR_NON_FINITE_VALUE,
            ),
            (
                Error::MissingDiagonal { row: 0 },
                bsor_status::BSOR_ERR_MISSING_DIAGONAL,
            ),
            (
                Error::ZeroDiagonal { row: 0 },
                bsor_status::BSOR_ERR_ZERO_DIAGONAL,
            ),
            (
                Error::InvalidOmega(3.0),
                bsor_status::BSOR_ERR_INVALID_OMEGA,
            ),
            (
                Error::InvalidRange {
                    what: "x",
                    lo: 1.0,
                    hi: 0.0,
                    extra: "",
                },
                bsor_status::BSOR_ERR_INVALID_RANGE,
            ),
            (
                Error::InvalidGridSize(0),
                bsor_status::BSOR_ERR_INVALID_GRID_SIZE,
            ),
            (
                Error::InvalidArgument {
                    what: "x",
                    detail: "y".into(),
                },
                bsor_status::BSOR_ERR_INVALID_ARGUMENT,
            ),
            (
                Error::DimensionMismatch {
                    what: "x",
                    expected: 1,
                    got: 2,
                },
                bsor_status::BSOR_ERR_DIMENSION_MISMATCH,
            ),
            (Error::NoOperator, bsor_status::BSOR_ERR_NO_OPERATOR),
            (
                Error::PostsolveWithoutPresolve,
                bsor_status::BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE,
            ),
            (
                Error::NegativeIterations(-1),
                bsor_status::BSOR_ERR_NEGATIVE_ITERATIONS,
            ),
            (
                Error::StateIo {
                    path: "p".into(),
                    detail: "d".into(),
                },
                bsor_status::BSOR_ERR_STATE_IO,
            ),
            (
                Error::StateCorrupt {
                    path: "p".into(),
                    detail: "d".into(),
                },
                bsor_status::BSOR_ERR_STATE_CORRUPT,
            ),
            (
                Error::StateMismatch {
                    path: "p".into(),
                    detail: "d".into(),
                },
                bsor_status::BSOR_ERR_STATE_MISMATCH,
            ),
        ];
        for (e, s) in &errors {
            assert_eq!(bsor_status::of_error(e), *s, "{e}");
            assert_eq!(e.code(), *s as c_int, "{e}");
        }
        // C callers read C names: no Rust path, and every identifier with
        // an underscore in a message is a bsor_ name.
        for (e, _) in &errors {
            let msg = c_message(e);
            assert!(!msg.contains("::"), "{msg}");
            for word in msg.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                assert!(
                    !word.contains('_') || word.starts_with("bsor_"),
                    "C message of {e:?} names `{word}`: {msg}"
                );
            }
        }
        assert!(c_message(&Error::NoOperator).contains("call bsor_pc_set_operator_csr"));
        assert!(c_message(&Error::PostsolveWithoutPresolve).contains("call bsor_pc_presolve"));
    }

    fn last_error() -> String {
        unsafe { CStr::from_ptr(last_error_ptr()) }
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn boundary_catches_panics_and_records_messages() {
        let rc = boundary("test_fn", || panic!("boom {}", 42));
        assert_eq!(rc, bsor_status::BSOR_ERR_PANIC as c_int);
        let msg = last_error();
        assert!(msg.starts_with("test_fn: internal panic"), "{msg}");
        assert!(msg.contains("boom 42"), "{msg}");

        let rc = boundary("other_fn", || Err(Failure::Null("values")));
        assert_eq!(rc, 1);
        assert_eq!(last_error(), "other_fn: values is NULL");

        // Success leaves the last message alone.
        assert_eq!(boundary("ok_fn", || Ok(())), 0);
        assert_eq!(last_error(), "other_fn: values is NULL");

        let rc = boundary("nul_fn", || {
            Err(Error::InvalidArgument {
                what: "x",
                detail: "a\0b".into(),
            }
            .into())
        });
        assert_eq!(rc, 15);
        assert!(last_error().contains("a\\0b"));
    }

    #[test]
    fn a_payload_whose_drop_panics_does_not_escape() {
        // Dropping the payload panics with a payload whose drop panics too.
        struct Inner;
        impl Drop for Inner {
            fn drop(&mut self) {
                panic!("inner payload drop");
            }
        }
        struct Outer;
        impl Drop for Outer {
            fn drop(&mut self) {
                std::panic::panic_any(Inner);
            }
        }
        let escaped = catch_unwind(|| boundary("bomb", || std::panic::panic_any(Outer)));
        let rc = match escaped {
            Ok(rc) => rc,
            Err(payload) => {
                std::mem::forget(payload);
                panic!("a panic escaped the boundary");
            }
        };
        assert_eq!(rc, bsor_status::BSOR_ERR_PANIC as c_int);
        assert!(last_error().contains("non-string panic payload"));
    }

    #[test]
    fn a_panic_poisons_the_handle() {
        let raw = Box::into_raw(Box::new(bsor_pc::new()));
        let rc = boundary("shared_before", || unsafe { handle_ref(raw) }.map(|_| ()));
        assert_eq!(rc, 0);
        let rc = boundary("poison", || {
            let _pc = unsafe { handle_mut(raw) }?;
            panic!("inside");
        });
        assert_eq!(rc, 2);
        let rc = boundary("after", || unsafe { handle_mut(raw) }.map(|_| ()));
        assert_eq!(rc, 2);
        assert!(last_error().contains("poisoned"), "{}", last_error());
        drop(unsafe { Box::from_raw(raw) });
    }

    #[test]
    fn last_error_is_thread_local() {
        boundary("main_thread", || Err(Failure::Null("a")));
        std::thread::spawn(|| {
            assert_eq!(last_error(), "");
            boundary("worker", || Err(Failure::Null("b")));
            assert_eq!(last_error(), "worker: b is NULL");
        })
        .join()
        .unwrap();
        assert_eq!(last_error(), "main_thread: a is NULL");
    }

    #[test]
    fn overlap_detection() {
        let v = [0.0f64; 8];
        let p = v.as_ptr();
        assert!(overlaps(p, p, 4));
        assert!(overlaps(p, unsafe { p.add(3) }, 4));
        assert!(!overlaps(p, unsafe { p.add(4) }, 4));
        // Touching the other way round: b ends where a starts
        // (cargo-mutants: `a < b + bytes` as `<=` survived).
        assert!(!overlaps(unsafe { p.add(4) }, p, 4));
        assert!(overlaps(unsafe { p.add(3) }, p, 4));
        assert!(!overlaps(p, p, 0));
    }

    /// `all()` is the whole list in code order, the one the bindings
    /// tests and the PETSc plugin walk (cargo-mutants: returning an empty
    /// slice survived).
    #[test]
    fn all_lists_every_status_in_code_order() {
        let all = bsor_status::all();
        assert_eq!(all.len(), 25);
        for (i, s) in all.iter().enumerate() {
            assert_eq!(*s as usize, i, "{s:?}");
        }
        assert_eq!(all[0], bsor_status::BSOR_OK);
        assert_eq!(all[24], bsor_status::BSOR_ERR_MISALIGNED_POINTER);
    }

    /// A failure displays as its C message, which the PETSc plugin prints
    /// (cargo-mutants: `Display` writing nothing survived).
    #[test]
    fn a_failure_displays_its_message() {
        assert_eq!(Failure::Null("values").to_string(), "values is NULL");
        assert_eq!(
            Failure::from("bad -pc_bsor_x").to_string(),
            "bad -pc_bsor_x"
        );
        assert_eq!(
            Failure::Core(Error::NoOperator).to_string(),
            c_message(&Error::NoOperator)
        );
    }

    /// The unnamed boundary returns the failure's status and records the
    /// bare message; success returns 0 (cargo-mutants: returning 0
    /// always survived: no test of the ffi group ran it).
    #[test]
    fn the_unnamed_boundary_records_the_bare_message() {
        let rc = boundary_unnamed(|| Err(Failure::Misaligned("x")));
        assert_eq!(rc, bsor_status::BSOR_ERR_MISALIGNED_POINTER as c_int);
        assert_eq!(last_error(), "x is not aligned for its type");
        let rc = boundary_unnamed(|| panic!("unnamed boom"));
        assert_eq!(rc, bsor_status::BSOR_ERR_PANIC as c_int);
        assert!(
            last_error().starts_with("internal panic"),
            "{}",
            last_error()
        );
        assert_eq!(boundary_unnamed(|| Ok(())), 0);
    }

    /// A caller's array length is refused when negative or when the array
    /// would exceed isize::MAX bytes, and accepted from 0 up to that
    /// limit (cargo-mutants: five of the comparisons' mutants survived:
    /// `<` to `==` / `<=` refusing 0, `>` to `>=` refusing the limit, `>`
    /// to `==` and `||` to `&&` accepting one past it).
    #[test]
    fn array_lengths_are_checked_against_zero_and_the_allocation_limit() {
        let max = (isize::MAX as u64 / 8) as i64;
        assert_eq!(array_len::<f64>("n", 0).unwrap(), 0);
        assert_eq!(array_len::<f64>("n", 7).unwrap(), 7);
        assert_eq!(array_len::<f64>("n", max).unwrap(), max as usize);
        assert_eq!(array_len::<u8>("n", i64::MAX).unwrap(), i64::MAX as usize);
        for bad in [-1, -5, i64::MIN, max + 1, i64::MAX] {
            match array_len::<f64>("n", bad) {
                Err(Failure::Core(e)) => {
                    assert_eq!(
                        e,
                        Error::InvalidSize {
                            what: "n",
                            value: bad
                        }
                    )
                }
                other => panic!("length {bad} accepted: {other:?}"),
            }
        }
    }

    /// The sweep kinds' C values, both ways (cargo-mutants: `sweep_to_c`
    /// returning the default, BSOR_SWEEP_FORWARD, survived; the PETSc
    /// plugin reports the sweep through it).
    #[test]
    fn sweep_kinds_convert_to_their_c_values_and_back() {
        for (kind, c) in [
            (SweepKind::Forward, api::BSOR_SWEEP_FORWARD),
            (SweepKind::Backward, api::BSOR_SWEEP_BACKWARD),
            (SweepKind::Symmetric, api::BSOR_SWEEP_SYMMETRIC),
        ] {
            assert_eq!(sweep_to_c(kind), c, "{kind:?}");
            assert_eq!(sweep_kind(c).unwrap(), kind);
        }
    }
}
