//! The exported `bsor_*` functions. Each one is a single call to
//! [`boundary`] whose body converts its arguments with the helpers of
//! [`crate::ffi`] and calls one method of [`crate::Preconditioner`].
//!
//! The doc comments below are copied into `include/banditsor.h`.

use super::{
    array_len, boundary, bsor_pc, bsor_status, check_out, handle_mut, handle_ref, last_error_ptr,
    learner_kind, method_kind, nan_means_none, overlaps, path_arg, slice, slice_mut, sweep_kind,
    write_out, Failure, FfiResult,
};
use crate::error::Error;
use crate::matrix::CsrIndex;
use std::ffi::{c_char, c_int};

/// Which learner picks omega (argument of `bsor_pc_set_learner`).
pub type bsor_learner = i32;
/// Always the omega set by `bsor_pc_set_omega` (default 1.0).
pub const BSOR_LEARNER_FIXED: bsor_learner = 0;
/// Tsallis-INF bandit over the omega grid, no context (the paper's learner).
pub const BSOR_LEARNER_TSALLIS_INF: bsor_learner = 1;
/// ChebCB contextual bandit (Chebyshev features of the context).
pub const BSOR_LEARNER_CHEBCB: bsor_learner = 2;
/// One Tsallis-INF per context bin.
pub const BSOR_LEARNER_TSALLIS_INF_CB: bsor_learner = 3;
/// SmoothTS: Thompson sampling on a smooth model of log-cost over the
/// ordered omega grid, per context when one is given (or automatic); the
/// default.
pub const BSOR_LEARNER_SMOOTH_TS: bsor_learner = 4;

/// Direction of the SOR sweeps (argument of `bsor_pc_set_sweep`).
pub type bsor_sweep = i32;
/// Rows 0..n-1.
pub const BSOR_SWEEP_FORWARD: bsor_sweep = 0;
/// Rows n-1..0.
pub const BSOR_SWEEP_BACKWARD: bsor_sweep = 1;
/// Forward then backward (SSOR, the default; symmetric for symmetric A).
pub const BSOR_SWEEP_SYMMETRIC: bsor_sweep = 2;

/// Built-in host solver (argument of `bsor_solve`).
pub type bsor_method = i32;
/// Stationary SOR/SSOR iteration x <- x + M^-1 (b - A x).
pub const BSOR_METHOD_SOR: bsor_method = 0;
/// Conjugate gradients preconditioned by SSOR (A symmetric positive definite).
pub const BSOR_METHOD_SSOR_CG: bsor_method = 1;
/// Plain conjugate gradients (omega unused; the learner still sees the cost).
pub const BSOR_METHOD_CG: bsor_method = 2;

/// Counters over the solves a preconditioner has seen
/// (`bsor_pc_get_stats`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct bsor_stats {
    /// Completed solves (postsolve calls, including each `bsor_solve`).
    pub solves: i64,
    /// Sum of the reported iteration counts.
    pub total_iterations: i64,
    /// Solves reported as not converged.
    pub failed_solves: i64,
    /// Largest iteration count of a converged solve.
    pub max_converged_iterations: i64,
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

// ----- library ---------------------------------------------------------

/// The library version, "MAJOR.MINOR.PATCH" (the same as the
/// BSOR_VERSION_* macros of the header the program was compiled with, if
/// header and library match).
///
/// Returns a static NUL-terminated string: never NULL, never free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn bsor_version_string() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The message of the last failed `bsor_*` call on the calling thread,
/// naming the function and what was wrong, e.g.
/// "bsor_pc_set_operator_csr: zero diagonal entry in row 3".
///
/// Returns "" if no call has failed on this thread yet. Successful calls
/// do not clear it. Never NULL; owned by the library: do not free it. The
/// pointer stays valid until the next failing call on the same thread.
/// Thread-safe (each thread has its own message).
#[no_mangle]
pub extern "C" fn bsor_last_error() -> *const c_char {
    last_error_ptr()
}

/// The name of a status code as spelled in this header, e.g.
/// "BSOR_ERR_ZERO_DIAGONAL" for 11, or "BSOR_UNKNOWN_STATUS" for a code
/// this library does not know.
///
/// Returns a static string: never NULL, never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn bsor_status_name(status: c_int) -> *const c_char {
    match bsor_status::from_code(status) {
        Some(s) => s.name_cstr().as_ptr(),
        None => c"BSOR_UNKNOWN_STATUS".as_ptr(),
    }
}

// ----- lifetime --------------------------------------------------------

/// Create a preconditioner: SmoothTS learner (`BSOR_LEARNER_SMOOTH_TS`) on
/// the paper's grid (20 omegas evenly spaced on [1, 1.95]) with the
/// automatic context on, symmetric sweep, one sweep per application,
/// seed 0, context range [0, 1], no operator yet. The paper's Tsallis-INF
/// is `bsor_pc_set_learner(pc, BSOR_LEARNER_TSALLIS_INF)`.
///
/// On success `*out` receives a new handle owned by the caller, to be
/// released with `bsor_pc_destroy`.
///
/// Errors: BSOR_ERR_NULL_POINTER if `out` is NULL.
///
/// Thread safety: may be called from any number of threads at once. A
/// handle may be used by one thread at a time (functions taking `bsor_pc *`
/// are exclusive); distinct handles are independent and may be used
/// concurrently; functions taking `const bsor_pc *` may run concurrently
/// with each other on one handle. Each function's documentation states
/// its class.
///
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_create(out: *mut *mut bsor_pc) -> c_int {
    boundary("bsor_pc_create", || {
        check_out("out", out)?;
        let handle = Box::into_raw(Box::new(bsor_pc::new()));
        write_out(out, handle);
        Ok(())
    })
}

/// Destroy a preconditioner and set `*pc` to NULL.
///
/// Accepts `pc == NULL` and `*pc == NULL` (both do nothing), so calling it
/// twice on the same variable is safe.
///
/// Errors (nothing is freed, `*pc` unchanged): BSOR_ERR_MISALIGNED_POINTER
/// if `pc` or `*pc` is not aligned for its type (not something
/// `bsor_pc_create` returned).
///
/// Thread safety: exclusive, and last: no call may use the handle while
/// this one runs or after it.
///
/// # Safety
/// `pc` is NULL or points to NULL or to a handle from `bsor_pc_create`
/// that is not destroyed yet and not in use by another thread.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_destroy(pc: *mut *mut bsor_pc) -> c_int {
    boundary("bsor_pc_destroy", || {
        if pc.is_null() {
            return Ok(());
        }
        // Reading or freeing through a misaligned pointer is undefined
        // behaviour: refuse it before touching anything.
        if !pc.is_aligned() {
            return Err(Failure::Misaligned("pc (pointer to the handle)"));
        }
        let handle = *pc;
        if handle.is_null() {
            return Ok(());
        }
        if !handle.is_aligned() {
            return Err(Failure::Misaligned("*pc (handle)"));
        }
        *pc = std::ptr::null_mut();
        drop(Box::from_raw(handle));
        Ok(())
    })
}

// ----- operator --------------------------------------------------------

unsafe fn set_operator<I: CsrIndex + Copy>(
    pc: *mut bsor_pc,
    n: i64,
    rowptr: *const I,
    colind: *const I,
    values: *const f64,
) -> FfiResult {
    let mut pc = handle_mut(pc)?;
    if n < 0 {
        return Err(Error::InvalidSize {
            what: "n (matrix size)",
            value: n,
        }
        .into());
    }
    let rows = array_len::<I>("n + 1 (row pointer length)", n.saturating_add(1))?;
    let rowptr = slice("rowptr", rowptr, rows)?;
    let nnz = rowptr[rows - 1].to_i64();
    if nnz < 0 {
        return Err(Error::InvalidRowPointer(format!(
            "rowptr[n] = rowptr[{n}] = {nnz} (the number of entries) is negative"
        ))
        .into());
    }
    let len = array_len::<I>("rowptr[n] (number of entries)", nnz)?;
    let colind = slice("colind", colind, len)?;
    let values = slice("values", values, len)?;
    pc.set_operator_csr(n, rowptr, colind, values)?;
    Ok(())
}

/// Set the operator A (n x n, CSR, 0-based, 64-bit indices). The arrays
/// are validated and copied: the caller keeps ownership and may free or
/// reuse them on return.
///
/// - `n`: number of rows (= columns), >= 0;
/// - `rowptr`: n + 1 entries, rowptr[0] = 0, non-decreasing; row i holds
///   entries rowptr[i] .. rowptr[i+1]-1;
/// - `colind`, `values`: rowptr[n] entries each; columns strictly
///   increasing within a row; every row has a non-zero diagonal entry; all
///   values finite. NULL is accepted when rowptr[n] = 0.
///
/// Replaces any previous operator; the learner's state is kept (use
/// `bsor_pc_update_values` for new values on the same pattern).
///
/// Errors (the previous operator is kept): BSOR_ERR_NULL_POINTER,
/// BSOR_ERR_INVALID_SIZE (n < 0 or too large), BSOR_ERR_INVALID_ROW_POINTER,
/// BSOR_ERR_COLUMN_OUT_OF_RANGE, BSOR_ERR_UNSORTED_COLUMNS,
/// BSOR_ERR_DUPLICATE_COLUMN, BSOR_ERR_NON_FINITE_VALUE,
/// BSOR_ERR_MISSING_DIAGONAL, BSOR_ERR_ZERO_DIAGONAL.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle; `rowptr` has n + 1 readable entries; `colind` and
/// `values` have rowptr[n] readable entries.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_operator_csr(
    pc: *mut bsor_pc,
    n: i64,
    rowptr: *const i64,
    colind: *const i64,
    values: *const f64,
) -> c_int {
    boundary("bsor_pc_set_operator_csr", || {
        set_operator(pc, n, rowptr, colind, values)
    })
}

/// As `bsor_pc_set_operator_csr`, with 32-bit indices (e.g. PETSc's
/// default PetscInt); `n` >= 0.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// As `bsor_pc_set_operator_csr`.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_operator_csr_i32(
    pc: *mut bsor_pc,
    n: i32,
    rowptr: *const i32,
    colind: *const i32,
    values: *const f64,
) -> c_int {
    boundary("bsor_pc_set_operator_csr_i32", || {
        set_operator(pc, i64::from(n), rowptr, colind, values)
    })
}

/// Replace the operator's values in place, keeping its sparsity pattern
/// (e.g. the matrix of a new time step); the learner keeps learning.
///
/// `values` has `nnz` entries in the order of the operator's `colind`;
/// `nnz` must equal the operator's number of entries (see
/// `bsor_pc_get_size`). The values are copied.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER, BSOR_ERR_NO_OPERATOR,
/// BSOR_ERR_INVALID_SIZE (nnz < 0), BSOR_ERR_INCONSISTENT_SIZES (nnz differs
/// from the operator's), BSOR_ERR_NON_FINITE_VALUE, BSOR_ERR_ZERO_DIAGONAL.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle; `values` has `nnz` readable entries.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_update_values(
    pc: *mut bsor_pc,
    nnz: i64,
    values: *const f64,
) -> c_int {
    boundary("bsor_pc_update_values", || {
        let mut pc = handle_mut(pc)?;
        let have = pc.operator().ok_or(Error::NoOperator)?.nnz();
        let len = array_len::<f64>("nnz (number of values)", nnz)?;
        if len != have {
            return Err(Error::InconsistentSizes {
                what: "nnz vs the operator's number of entries",
                expected: to_i64(have as u64),
                got: nnz,
            }
            .into());
        }
        let values = slice("values", values, len)?;
        pc.update_values(values)?;
        Ok(())
    })
}

/// The operator's size: `*n` rows and `*nnz` stored entries (0 and 0 when
/// no operator is set). Either output may be NULL.
///
/// Errors: BSOR_ERR_NULL_POINTER if `pc` is NULL.
///
/// Thread safety: read-only. May run concurrently with other read-only
/// calls (`bsor_pc_get_*`, `bsor_pc_save_state`) on the same handle, never
/// with a call that modifies it.
///
/// # Safety
/// `pc` is a live handle; non-NULL outputs are writable.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_get_size(pc: *const bsor_pc, n: *mut i64, nnz: *mut i64) -> c_int {
    boundary("bsor_pc_get_size", || {
        let pc = handle_ref(pc)?;
        if !n.is_null() {
            check_out("n", n)?;
        }
        if !nnz.is_null() {
            check_out("nnz", nnz)?;
        }
        let (rows, entries) = pc
            .operator()
            .map_or((0, 0), |a| (to_i64(a.n() as u64), to_i64(a.nnz() as u64)));
        write_out(n, rows);
        write_out(nnz, entries);
        Ok(())
    })
}

// ----- settings --------------------------------------------------------

/// Choose the learner (BSOR_LEARNER_*). The learner restarts from scratch
/// with the current grid, context range and seed; statistics are kept.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER,
/// BSOR_ERR_INVALID_ARGUMENT (unknown kind, or a learner this build lacks).
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_learner(pc: *mut bsor_pc, kind: bsor_learner) -> c_int {
    boundary("bsor_pc_set_learner", || {
        let mut pc = handle_mut(pc)?;
        let kind = learner_kind(kind)?;
        pc.set_learner(kind)?;
        Ok(())
    })
}

/// Pin omega: switches to BSOR_LEARNER_FIXED with this omega, 0 < omega < 2.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER, BSOR_ERR_INVALID_OMEGA.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_omega(pc: *mut bsor_pc, omega: f64) -> c_int {
    boundary("bsor_pc_set_omega", || {
        handle_mut(pc)?.set_omega(omega)?;
        Ok(())
    })
}

/// The bandit learners' arms: `count` omegas evenly spaced on [lo, hi],
/// 0 < lo <= hi < 2 (lo = hi only with count = 1), 1 <= count <= 10000.
/// The learner restarts from scratch.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER, BSOR_ERR_INVALID_RANGE,
/// BSOR_ERR_INVALID_GRID_SIZE.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_omega_grid(
    pc: *mut bsor_pc,
    lo: f64,
    hi: f64,
    count: i32,
) -> c_int {
    boundary("bsor_pc_set_omega_grid", || {
        handle_mut(pc)?.set_omega_grid(lo, hi, i64::from(count))?;
        Ok(())
    })
}

/// The range [lo, hi] (finite, lo < hi) of the scalar context passed to
/// `bsor_pc_presolve`/`bsor_solve`; contextual learners rescale contexts to
/// it and clamp those outside. Default [0, 1]. The learner restarts.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER, BSOR_ERR_INVALID_RANGE.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_context_range(pc: *mut bsor_pc, lo: f64, hi: f64) -> c_int {
    boundary("bsor_pc_set_context_range", || {
        handle_mut(pc)?.set_context_range(lo, hi)?;
        Ok(())
    })
}

/// Seed of the learner's random stream (default 0); the same seed gives
/// the same omega sequence on every platform. The learner restarts.
///
/// Errors: BSOR_ERR_NULL_POINTER.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_seed(pc: *mut bsor_pc, seed: u64) -> c_int {
    boundary("bsor_pc_set_seed", || {
        handle_mut(pc)?.set_seed(seed)?;
        Ok(())
    })
}

/// Automatic context on (`on` != 0, the default) or off: a presolve
/// without a context (NAN) then gives the learner the operator's mean
/// diagonal-dominance ratio, recomputed whenever the operator's values
/// change (it tracks the Jacobi spectral radius, hence the best omega).
/// Learners without context ignore it. The learner is kept.
///
/// Errors: BSOR_ERR_NULL_POINTER.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_auto_context(pc: *mut bsor_pc, on: c_int) -> c_int {
    boundary("bsor_pc_set_auto_context", || {
        handle_mut(pc)?.set_auto_context(on != 0);
        Ok(())
    })
}

/// Sweep direction (BSOR_SWEEP_*) and number of sweeps `its` per
/// application of the preconditioner, 1 <= its <= 1000000. Default:
/// symmetric, 1. The learner is kept.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER,
/// BSOR_ERR_INVALID_ARGUMENT (unknown kind), BSOR_ERR_INVALID_SIZE (its).
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_sweep(pc: *mut bsor_pc, kind: bsor_sweep, its: i32) -> c_int {
    boundary("bsor_pc_set_sweep", || {
        let mut pc = handle_mut(pc)?;
        let kind = sweep_kind(kind)?;
        pc.set_sweep(kind, i64::from(its))?;
        Ok(())
    })
}

/// Cost (in iterations) charged to the learner for a solve reported as not
/// converged, when larger than its iteration count. NAN restores the
/// default: max_it for bsor_solve, and twice the largest converged
/// iteration count seen so far for bsor_pc_postsolve.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER,
/// BSOR_ERR_INVALID_ARGUMENT (negative or infinite cost).
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_set_failure_cost(pc: *mut bsor_pc, cost: f64) -> c_int {
    boundary("bsor_pc_set_failure_cost", || {
        handle_mut(pc)?.set_failure_cost(nan_means_none(cost))?;
        Ok(())
    })
}

// ----- host-solver protocol --------------------------------------------

/// Start a linear solve: the learner picks omega for this `context` and
/// `bsor_pc_apply` uses it until the next presolve. `context` is a scalar
/// describing the system (e.g. a diffusion coefficient or a shift) for the
/// contextual learners; pass NAN when there is none. The chosen omega is
/// written to `*omega_out` (may be NULL if not wanted).
///
/// Call once per solve, then `bsor_pc_postsolve` when the solve ends. A
/// presolve while another solve is in flight abandons that one unlearned.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER (pc).
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle; `omega_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_presolve(
    pc: *mut bsor_pc,
    context: f64,
    omega_out: *mut f64,
) -> c_int {
    boundary("bsor_pc_presolve", || {
        let mut pc = handle_mut(pc)?;
        if !omega_out.is_null() {
            check_out("omega_out", omega_out)?;
        }
        let omega = pc.presolve(nan_means_none(context))?;
        write_out(omega_out, omega);
        Ok(())
    })
}

/// z = M^-1 r: the configured sweeps from a zero initial guess at the
/// current omega (the last presolve's choice). `r` and `z` have n entries;
/// they may be the same array (in-place application).
///
/// Errors (z untouched): BSOR_ERR_NULL_POINTER, BSOR_ERR_NO_OPERATOR.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle; `r` readable and `z` writable for n entries.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_apply(pc: *mut bsor_pc, r: *const f64, z: *mut f64) -> c_int {
    boundary("bsor_pc_apply", || {
        let pc = handle_mut(pc)?;
        let n = pc.operator().ok_or(Error::NoOperator)?.n();
        if overlaps(r, z, n) {
            let copy = slice("r", r, n)?.to_vec();
            let z = slice_mut("z", z, n)?;
            pc.apply(&copy, z)?;
        } else {
            let r = slice("r", r, n)?;
            let z = slice_mut("z", z, n)?;
            pc.apply(r, z)?;
        }
        Ok(())
    })
}

/// End a linear solve: report its cost to the learner. `iterations` >= 0
/// is the host solver's iteration count; `converged` is 1 if it met its
/// tolerance and 0 if not (a failed solve costs at least the failure
/// cost, see `bsor_pc_set_failure_cost`).
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER,
/// BSOR_ERR_INVALID_ARGUMENT (converged not 0 or 1),
/// BSOR_ERR_NEGATIVE_ITERATIONS, BSOR_ERR_POSTSOLVE_WITHOUT_PRESOLVE.
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_postsolve(
    pc: *mut bsor_pc,
    iterations: i64,
    converged: i32,
) -> c_int {
    boundary("bsor_pc_postsolve", || {
        let mut pc = handle_mut(pc)?;
        let converged = match converged {
            0 => false,
            1 => true,
            other => {
                return Err(Error::InvalidArgument {
                    what: "converged",
                    detail: format!("{other} (must be 0 or 1)"),
                }
                .into())
            }
        };
        pc.postsolve(iterations, converged)?;
        Ok(())
    })
}

/// One learned solve of A x = b with a built-in solver (BSOR_METHOD_*):
/// presolve with `context` (NAN: none), solve, postsolve.
///
/// `b` and `x` have n entries; on entry `x` holds the initial guess, on
/// return the solution (or last iterate). Stopping rule:
/// ||b - A x||_2 <= rtol ||b||_2 on the true residual, at most `max_it`
/// iterations (SOR sweeps settings or CG steps). `rtol` >= 0 and finite,
/// `max_it` >= 0. If `iterations_out` is not NULL it receives the
/// iteration count, also when the solve did not converge; NULL is allowed.
///
/// Returns BSOR_OK when converged, BSOR_ERR_NOT_CONVERGED when `max_it`
/// was reached (x holds the last iterate and the learner was charged a
/// failed solve).
///
/// Errors (nothing changes, x untouched): BSOR_ERR_NULL_POINTER,
/// BSOR_ERR_NO_OPERATOR, BSOR_ERR_INVALID_ARGUMENT (method, rtol, a NaN
/// or infinity in b or in the initial guess x: the learner is not
/// charged), BSOR_ERR_INVALID_SIZE (max_it < 0).
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle; `b` readable and `x` readable and writable for
/// n entries (they may overlap); `iterations_out` NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn bsor_solve(
    pc: *mut bsor_pc,
    method: bsor_method,
    context: f64,
    b: *const f64,
    x: *mut f64,
    rtol: f64,
    max_it: i64,
    iterations_out: *mut i64,
) -> c_int {
    boundary("bsor_solve", || {
        let mut pc = handle_mut(pc)?;
        let method = method_kind(method)?;
        let n = pc.operator().ok_or(Error::NoOperator)?.n();
        if !iterations_out.is_null() {
            check_out("iterations_out", iterations_out)?;
        }
        let copy;
        let b = if overlaps(b, x, n) {
            copy = slice("b", b, n)?.to_vec();
            &copy[..]
        } else {
            slice("b", b, n)?
        };
        let x = slice_mut("x", x, n)?;
        let outcome = pc.solve(method, nan_means_none(context), b, x, rtol, max_it)?;
        write_out(iterations_out, to_i64(outcome.iterations));
        if outcome.converged {
            Ok(())
        } else {
            Err(Failure::NotConverged {
                iterations: outcome.iterations,
                relative_residual: outcome.relative_residual,
                rtol,
                omega: pc.omega(),
            })
        }
    })
}

// ----- queries ---------------------------------------------------------

/// The omega `bsor_pc_apply` uses now: the last presolve's choice (before
/// any presolve: the first grid value, or the fixed omega).
///
/// Errors: BSOR_ERR_NULL_POINTER (pc or omega).
///
/// Thread safety: read-only. May run concurrently with other read-only
/// calls (`bsor_pc_get_*`, `bsor_pc_save_state`) on the same handle, never
/// with a call that modifies it.
///
/// # Safety
/// `pc` is a live handle; `omega` writable.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_get_omega(pc: *const bsor_pc, omega: *mut f64) -> c_int {
    boundary("bsor_pc_get_omega", || {
        let pc = handle_ref(pc)?;
        check_out("omega", omega)?;
        write_out(omega, pc.omega());
        Ok(())
    })
}

/// The omega the learner currently favours for `context` (NAN: none):
/// its most probable arm or lowest predicted cost. Does not change the
/// learner.
///
/// Errors: BSOR_ERR_NULL_POINTER (pc or omega).
///
/// Thread safety: read-only. May run concurrently with other read-only
/// calls (`bsor_pc_get_*`, `bsor_pc_save_state`) on the same handle, never
/// with a call that modifies it.
///
/// # Safety
/// `pc` is a live handle; `omega` writable.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_get_favourite_omega(
    pc: *const bsor_pc,
    context: f64,
    omega: *mut f64,
) -> c_int {
    boundary("bsor_pc_get_favourite_omega", || {
        let pc = handle_ref(pc)?;
        check_out("omega", omega)?;
        write_out(omega, pc.favourite_omega(nan_means_none(context)));
        Ok(())
    })
}

/// The context the last presolve gave the learner: the caller's, the
/// automatic one (`bsor_pc_set_auto_context`), or NAN for none (also
/// before any presolve).
///
/// Errors: BSOR_ERR_NULL_POINTER (pc or context).
///
/// Thread safety: read-only. May run concurrently with other read-only
/// calls (`bsor_pc_get_*`, `bsor_pc_save_state`) on the same handle, never
/// with a call that modifies it.
///
/// # Safety
/// `pc` is a live handle; `context` writable.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_get_last_context(pc: *const bsor_pc, context: *mut f64) -> c_int {
    boundary("bsor_pc_get_last_context", || {
        let pc = handle_ref(pc)?;
        check_out("context", context)?;
        write_out(context, pc.last_context().unwrap_or(f64::NAN));
        Ok(())
    })
}

/// Solve statistics so far (see `bsor_stats`).
///
/// Errors: BSOR_ERR_NULL_POINTER (pc or stats).
///
/// Thread safety: read-only. May run concurrently with other read-only
/// calls (`bsor_pc_get_*`, `bsor_pc_save_state`) on the same handle, never
/// with a call that modifies it.
///
/// # Safety
/// `pc` is a live handle; `stats` writable.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_get_stats(pc: *const bsor_pc, stats: *mut bsor_stats) -> c_int {
    boundary("bsor_pc_get_stats", || {
        let pc = handle_ref(pc)?;
        check_out("stats", stats)?;
        let s = pc.stats();
        write_out(
            stats,
            bsor_stats {
                solves: to_i64(s.solves),
                total_iterations: to_i64(s.total_iterations),
                failed_solves: to_i64(s.failed_solves),
                max_converged_iterations: to_i64(s.max_converged_iterations),
            },
        );
        Ok(())
    })
}

// ----- persistence -----------------------------------------------------

/// Save the learner (configuration, state, statistics) to the file `path`
/// (JSON), atomically: a temporary file in the same directory renamed over
/// the target. The operator is not saved.
///
/// Errors: BSOR_ERR_NULL_POINTER, BSOR_ERR_STATE_IO (cannot write).
///
/// Thread safety: read-only. May run concurrently with other read-only
/// calls (`bsor_pc_get_*`, `bsor_pc_save_state`) on the same handle, never
/// with a call that modifies it. Concurrent saves to one path (from one
/// or several handles) each replace the file atomically; the last wins.
///
/// # Safety
/// `pc` is a live handle; `path` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_save_state(pc: *const bsor_pc, path: *const c_char) -> c_int {
    boundary("bsor_pc_save_state", || {
        let pc = handle_ref(pc)?;
        let path = path_arg("path", path)?;
        pc.save_state(path)?;
        Ok(())
    })
}

/// Load a learner state saved by `bsor_pc_save_state` from a preconditioner
/// with the same learner configuration (learner, grid, context range,
/// seed), so learning continues across runs.
///
/// Errors (nothing changes): BSOR_ERR_NULL_POINTER, BSOR_ERR_STATE_IO
/// (cannot read), BSOR_ERR_STATE_CORRUPT (not a banditsor state),
/// BSOR_ERR_STATE_MISMATCH (another configuration).
///
/// Thread safety: exclusive. No other call may use this handle while this
/// one runs; other handles are independent, and a handle may move to
/// another thread between calls.
///
/// # Safety
/// `pc` is a live handle; `path` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn bsor_pc_load_state(pc: *mut bsor_pc, path: *const c_char) -> c_int {
    boundary("bsor_pc_load_state", || {
        let mut pc = handle_mut(pc)?;
        let path = path_arg("path", path)?;
        pc.load_state(path)?;
        Ok(())
    })
}
