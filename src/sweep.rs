//! SOR / SSOR kernels: free functions over a [`CsrView`] with
//! caller-provided output, no allocation.
//!
//! Conventions (PETSc's MatSOR): a forward sweep updates rows 0..n-1 in
//! place, x_i <- x_i + omega (b_i - (A x)_i) / a_ii; a backward sweep does
//! the same from row n-1 down; a symmetric sweep is forward then backward.
//! With a zero initial guess the first sweep touches only the triangle
//! that can be non-zero, and a symmetric sweep from zero costs one
//! matrix-vector product in all (the forward pass's lower products are
//! reused by the backward pass), exactly the work MatSOR does.

use crate::matrix::{CsrIndex, CsrView};
use serde::{Deserialize, Serialize};

/// Direction of an SOR sweep. Values are part of the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepKind {
    Forward = 0,
    Backward = 1,
    /// Forward then backward (SSOR); symmetric for symmetric A.
    Symmetric = 2,
}

impl SweepKind {
    pub fn name(self) -> &'static str {
        match self {
            SweepKind::Forward => "forward",
            SweepKind::Backward => "backward",
            SweepKind::Symmetric => "symmetric",
        }
    }
}

/// init - sum_{k in start..end} values[k] * x[colind[k]].
///
/// Starting from `init` (b_i) rather than 0 keeps one addition off the
/// row-to-row dependency chain of a sweep (the same trick as PETSc's
/// PetscSparseDenseMinusDot).
///
/// # Safety
/// `start..end` within `colind`/`values`, column indices within `x`
/// (guaranteed for a validated view and `x.len() == n`).
#[inline(always)]
unsafe fn row_minus_dot<I: CsrIndex>(
    init: f64,
    colind: &[I],
    values: &[f64],
    x: &[f64],
    start: usize,
    end: usize,
) -> f64 {
    let mut sum = init;
    for k in start..end {
        sum -= values.get_unchecked(k) * x.get_unchecked(colind.get_unchecked(k).index_unchecked());
    }
    sum
}

/// As [`row_minus_dot`] with the entries taken from `end - 1` down to `start`.
///
/// # Safety
/// As [`row_minus_dot`].
#[inline(always)]
unsafe fn row_minus_dot_rev<I: CsrIndex>(
    init: f64,
    colind: &[I],
    values: &[f64],
    x: &[f64],
    start: usize,
    end: usize,
) -> f64 {
    let mut sum = init;
    for k in (start..end).rev() {
        sum -= values.get_unchecked(k) * x.get_unchecked(colind.get_unchecked(k).index_unchecked());
    }
    sum
}

#[inline(always)]
fn check_lengths<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &[f64]) {
    assert_eq!(b.len(), a.n(), "right-hand side length must equal n");
    assert_eq!(x.len(), a.n(), "solution length must equal n");
}

/// One forward sweep from the current x.
pub fn forward_sweep<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64) {
    check_lengths(a, b, x);
    let (rp, ci, va) = (a.rowptr(), a.colind(), a.values());
    let (pos, inv) = (a.diagonal().positions(), a.diagonal().inverses());
    for i in 0..a.n() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, d, e) = (
                rp.get_unchecked(i).index_unchecked(),
                *pos.get_unchecked(i),
                rp.get_unchecked(i + 1).index_unchecked(),
            );
            // Entries at and right of the diagonal read values from before
            // this sweep: sum them first, the lower part (ascending, so the
            // just-updated x[i-1] comes last) after. Each row then waits on
            // the previous one for a single multiply-add, not a whole row.
            let old = row_minus_dot(*b.get_unchecked(i), ci, va, x, d, e);
            let r = row_minus_dot(old, ci, va, x, s, d);
            *x.get_unchecked_mut(i) += r * (omega * inv.get_unchecked(i));
        }
    }
}

/// One backward sweep from the current x.
pub fn backward_sweep<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64) {
    check_lengths(a, b, x);
    let (rp, ci, va) = (a.rowptr(), a.colind(), a.values());
    let (pos, inv) = (a.diagonal().positions(), a.diagonal().inverses());
    for i in (0..a.n()).rev() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, d, e) = (
                rp.get_unchecked(i).index_unchecked(),
                *pos.get_unchecked(i),
                rp.get_unchecked(i + 1).index_unchecked(),
            );
            // Mirror of forward_sweep: old values (left of and at the
            // diagonal) first, then the upper part descending so the
            // just-updated x[i+1] comes last.
            let old = row_minus_dot(*b.get_unchecked(i), ci, va, x, s, d + 1);
            let r = row_minus_dot_rev(old, ci, va, x, d + 1, e);
            *x.get_unchecked_mut(i) += r * (omega * inv.get_unchecked(i));
        }
    }
}

/// Forward sweep from x = 0 (x is output only): lower triangle only.
pub fn forward_sweep_zero<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64) {
    check_lengths(a, b, x);
    let (rp, ci, va) = (a.rowptr(), a.colind(), a.values());
    let (pos, inv) = (a.diagonal().positions(), a.diagonal().inverses());
    for i in 0..a.n() {
        // SAFETY: validated view; only x[j], j < i (already written) is read.
        unsafe {
            let (s, d) = (rp.get_unchecked(i).index_unchecked(), *pos.get_unchecked(i));
            let r = row_minus_dot(*b.get_unchecked(i), ci, va, x, s, d);
            *x.get_unchecked_mut(i) = r * (omega * inv.get_unchecked(i));
        }
    }
}

/// Backward sweep from x = 0 (x is output only): upper triangle only.
pub fn backward_sweep_zero<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64) {
    check_lengths(a, b, x);
    let (rp, ci, va) = (a.rowptr(), a.colind(), a.values());
    let (pos, inv) = (a.diagonal().positions(), a.diagonal().inverses());
    for i in (0..a.n()).rev() {
        // SAFETY: validated view; only x[j], j > i (already written) is read.
        unsafe {
            let (d, e) = (
                *pos.get_unchecked(i) + 1,
                rp.get_unchecked(i + 1).index_unchecked(),
            );
            // descending: the just-written x[i+1] enters last
            let r = row_minus_dot_rev(*b.get_unchecked(i), ci, va, x, d, e);
            *x.get_unchecked_mut(i) = r * (omega * inv.get_unchecked(i));
        }
    }
}

/// Symmetric sweep from x = 0 (x is output only) at the cost of one
/// matrix-vector product.
///
/// After the forward pass, b_i - (L x)_i = a_ii x_i / omega, so the
/// backward update x_i <- (1-w) x_i + w (b_i - (L x)_i - (U x)_i) / a_ii
/// becomes x_i <- (2 - w) x_i - w (U x)_i / a_ii: no lower products again.
pub fn symmetric_sweep_zero<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &mut [f64], omega: f64) {
    forward_sweep_zero(a, b, x, omega);
    let (rp, ci, va) = (a.rowptr(), a.colind(), a.values());
    let (pos, inv) = (a.diagonal().positions(), a.diagonal().inverses());
    let two_minus = 2.0 - omega;
    for i in (0..a.n()).rev() {
        // SAFETY: validated view, lengths checked by the forward pass.
        unsafe {
            let (d, e) = (
                *pos.get_unchecked(i) + 1,
                rp.get_unchecked(i + 1).index_unchecked(),
            );
            // (2 - w) x_i - w (U x)_i / a_ii, as one minus-dot.
            let scale = omega * inv.get_unchecked(i);
            let xi = *x.get_unchecked(i);
            // descending: the just-written x[i+1] enters last
            let upper = row_minus_dot_rev(0.0, ci, va, x, d, e);
            *x.get_unchecked_mut(i) = two_minus * xi + upper * scale;
        }
    }
}

/// `its` sweeps of the given kind on A x = b. With `zero_initial_guess`
/// the content of x on entry is ignored (treated as 0) and the first sweep
/// takes the cheaper zero-guess path.
pub fn sor<I: CsrIndex>(
    a: &CsrView<'_, I>,
    b: &[f64],
    x: &mut [f64],
    omega: f64,
    kind: SweepKind,
    its: usize,
    zero_initial_guess: bool,
) {
    let mut remaining = its;
    if zero_initial_guess {
        if its == 0 {
            check_lengths(a, b, x);
            x.fill(0.0);
            return;
        }
        match kind {
            SweepKind::Forward => forward_sweep_zero(a, b, x, omega),
            SweepKind::Backward => backward_sweep_zero(a, b, x, omega),
            SweepKind::Symmetric => symmetric_sweep_zero(a, b, x, omega),
        }
        remaining -= 1;
    }
    for _ in 0..remaining {
        match kind {
            SweepKind::Forward => forward_sweep(a, b, x, omega),
            SweepKind::Backward => backward_sweep(a, b, x, omega),
            SweepKind::Symmetric => {
                forward_sweep(a, b, x, omega);
                backward_sweep(a, b, x, omega);
            }
        }
    }
}

/// SSOR preconditioner application z = M^-1 r for CG, with
/// M = (D + w L) D^-1 (D + w U) / (w (2 - w)): one symmetric sweep from
/// zero. (Any positive multiple of M gives the same CG iterates.)
pub fn ssor_apply<I: CsrIndex>(a: &CsrView<'_, I>, r: &[f64], z: &mut [f64], omega: f64) {
    symmetric_sweep_zero(a, r, z, omega);
}

/// y = A x.
pub fn spmv<I: CsrIndex>(a: &CsrView<'_, I>, x: &[f64], y: &mut [f64]) {
    check_lengths(a, x, y);
    let (rp, ci, va) = (a.rowptr(), a.colind(), a.values());
    for (i, yi) in y.iter_mut().enumerate() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, e) = (
                rp.get_unchecked(i).index_unchecked(),
                rp.get_unchecked(i + 1).index_unchecked(),
            );
            *yi = -row_minus_dot(0.0, ci, va, x, s, e);
        }
    }
}

/// r = b - A x; returns ||r||_2.
pub fn residual<I: CsrIndex>(a: &CsrView<'_, I>, b: &[f64], x: &[f64], r: &mut [f64]) -> f64 {
    check_lengths(a, b, x);
    assert_eq!(r.len(), a.n(), "residual length must equal n");
    let (rp, ci, va) = (a.rowptr(), a.colind(), a.values());
    let mut norm2 = 0.0;
    for i in 0..a.n() {
        // SAFETY: validated view, lengths checked above.
        unsafe {
            let (s, e) = (
                rp.get_unchecked(i).index_unchecked(),
                rp.get_unchecked(i + 1).index_unchecked(),
            );
            let ri = row_minus_dot(*b.get_unchecked(i), ci, va, x, s, e);
            *r.get_unchecked_mut(i) = ri;
            norm2 += ri * ri;
        }
    }
    norm2.sqrt()
}

/// Euclidean norm.
pub fn norm2(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Dot product.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// y += alpha x.
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}
