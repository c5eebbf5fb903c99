//! The automatic context: one scalar per operator that tracks where the
//! optimal omega sits, computed from the matrix values alone, so that a
//! contextual learner can tell systems apart when the caller gives no
//! context.
//!
//! The feature is the mean diagonal-dominance ratio
//!
//!   r(A) = (1/n) sum_i sum_{j != i} |a_ij| / |a_ii|,
//!
//! one pass over the stored values (cheaper than one matrix-vector
//! product), recomputed only when the operator's values change.
//!
//! What it tracks. SOR's optimal omega is a function of the Jacobi
//! spectral radius rho_J (Young: omega* = 2 / (1 + sqrt(1 - rho_J^2)) for
//! consistently ordered matrices), and the SSOR-CG optimum moves the same
//! way. Gershgorin bounds rho_J <= max_i of the row ratio; on the model
//! problems the mean ratio is rho_J times a constant:
//! - 5-point Laplacian plus c I on an m x m grid: r = 4 (1 - 1/m) / (4 + c)
//!   while rho_J = 4 cos(pi / (m + 1)) / (4 + c);
//! - backward Euler / Crank-Nicolson heat step I + s K (K the 5-point
//!   stencil with diagonal 4): r = 4 s (1 - 1/m) / (1 + 4 s), while
//!   rho_J = 4 s cos(pi / (m + 1)) / (1 + 4 s).
//!
//! So along a sequence whose matrices change by a shift, a time step, a
//! diffusion coefficient or a reaction term, r orders the systems exactly
//! as rho_J (hence omega*) does, and the learner's map from r to omega is
//! learned from the iteration counts.
//!
//! Where it does not help. Whenever the spectrum changes without the
//! row ratios changing: scaling the whole matrix, the right-hand side or
//! the tolerance (r is unchanged; the learner then pools those solves, as
//! without context); anisotropy or coefficient jumps that keep each row's
//! ratio (e.g. a_x + a_y fixed); refining the mesh (r moves by O(1/m)
//! while rho_J moves by O(1/m^2) relative to 1); matrices with
//! off-diagonal entries of mixed signs or strong nonsymmetry, where the
//! ratio is only a loose upper bound of rho_J. A constant operator gives a
//! constant context, which costs nothing (all solves share one cell).

use crate::matrix::{CsrIndex, CsrView};

/// Sum over rows of sum_{j != i} |a_ij| / |a_ii| and the number of rows:
/// the pieces of [`dominance_ratio`] that add up across the row blocks of
/// a distributed matrix (sum both over ranks, then divide).
pub fn dominance_sums<I: CsrIndex>(a: &CsrView<'_, I>) -> (f64, usize) {
    dominance_sums_with(a, |_| 0.0)
}

/// [`dominance_sums`] of a row block whose rows have more off-diagonal
/// entries stored elsewhere: `extra_abs(row)` is the sum of |a_ij| over
/// them, e.g. the off-process columns of a distributed matrix's rows (PETSc
/// MPIAIJ keeps them in a second CSR block), so that the sums of all row
/// blocks add up to the sums of the whole matrix.
pub fn dominance_sums_with<I: CsrIndex>(
    a: &CsrView<'_, I>,
    mut extra_abs: impl FnMut(usize) -> f64,
) -> (f64, usize) {
    let rowptr = a.rowptr();
    let values = a.values();
    let diag = a.diagonal();
    let mut total = 0.0;
    for (row, (&p, &inv)) in diag.positions().iter().zip(diag.inverses()).enumerate() {
        let start = rowptr[row].index_unchecked();
        let end = rowptr[row + 1].index_unchecked();
        let off: f64 = values[start..end].iter().map(|v| v.abs()).sum::<f64>() - values[p].abs();
        total += (off.max(0.0) + extra_abs(row)) * inv.abs();
    }
    (total, a.n())
}

/// The mean diagonal-dominance ratio r(A) of the module docs (0 for an
/// empty or diagonal matrix).
pub fn dominance_ratio<I: CsrIndex>(a: &CsrView<'_, I>) -> f64 {
    let (sum, rows) = dominance_sums(a);
    if rows == 0 {
        0.0
    } else {
        sum / rows as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::laplacian_2d;

    #[test]
    fn shifted_laplacian_ratio_follows_the_formula() {
        let m = 10;
        for c in [-0.15, 0.0, 0.45] {
            let mut a = laplacian_2d(m, 1.0);
            a.shift_diagonal(c).unwrap();
            let want = 4.0 * (1.0 - 1.0 / m as f64) / (4.0 + c);
            let got = dominance_ratio(&a.view());
            assert!((got - want).abs() < 1e-12, "c = {c}: {got} vs {want}");
        }
    }

    /// The sums of the row blocks of a distributed matrix, each block's
    /// off-block columns passed as `extra_abs`, add up to the sums of the
    /// whole matrix, whatever the split (how the PETSc plugin makes np = 1
    /// and np = 3 give one context).
    #[test]
    fn row_block_sums_add_up_to_the_whole_matrix() {
        let mut a = laplacian_2d(9, 1.0);
        a.shift_diagonal(0.3).unwrap();
        let whole = a.view();
        let want = dominance_ratio(&whole);
        for splits in [vec![0, 81], vec![0, 40, 81], vec![0, 7, 50, 81]] {
            let (mut sum, mut rows, mut sum_local_only) = (0.0, 0, 0.0);
            for w in splits.windows(2) {
                let (r0, r1) = (w[0], w[1]);
                let (mut rp, mut ci, mut va, mut extra) = (vec![0usize], vec![], vec![], vec![]);
                for row in r0..r1 {
                    let mut off_block = 0.0;
                    for k in whole.rowptr()[row]..whole.rowptr()[row + 1] {
                        let col = whole.colind()[k];
                        if (r0..r1).contains(&col) {
                            ci.push(col - r0);
                            va.push(whole.values()[k]);
                        } else {
                            off_block += whole.values()[k].abs();
                        }
                    }
                    rp.push(ci.len());
                    extra.push(off_block);
                }
                let diag = crate::matrix::validate_csr((r1 - r0) as i64, &rp, &ci, &va).unwrap();
                // SAFETY: diag was computed from these arrays just above.
                let block = unsafe { CsrView::new_unchecked(&rp, &ci, &va, &diag) };
                let (s, n) = dominance_sums_with(&block, |row| extra[row]);
                sum += s;
                rows += n;
                sum_local_only += dominance_sums(&block).0;
            }
            assert_eq!(rows, 81);
            let got = sum / rows as f64;
            assert!((got - want).abs() < 1e-14, "{splits:?}: {got} vs {want}");
            // without the off-block columns the value would depend on the split
            if splits.len() > 2 {
                assert!(want - sum_local_only / rows as f64 > 1e-3, "{splits:?}");
            }
        }
    }

    #[test]
    fn heat_step_ratio_follows_the_formula() {
        let m = 7;
        let s = 3.0;
        let mut a = laplacian_2d(m, s);
        a.shift_diagonal(1.0).unwrap();
        let want = 4.0 * s * (1.0 - 1.0 / m as f64) / (1.0 + 4.0 * s);
        assert!((dominance_ratio(&a.view()) - want).abs() < 1e-12);
    }
}
