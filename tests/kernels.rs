//! Every kernel checked against a dense reference on random diagonally
//! dominant (general) and SPD matrices, with proptest.

use banditsor::sweep::{self, SweepKind};
use banditsor::CsrMatrix;
use proptest::prelude::*;

/// A random sparse n x n matrix as dense rows plus its CSR copy.
#[derive(Debug, Clone)]
struct Case {
    dense: Vec<Vec<f64>>,
    csr: CsrMatrix,
}

fn to_csr(dense: &[Vec<f64>]) -> CsrMatrix {
    let n = dense.len();
    let (mut rp, mut ci, mut va) = (vec![0i64], vec![], vec![]);
    for row in dense {
        for (j, &v) in row.iter().enumerate() {
            if v != 0.0 {
                ci.push(j as i64);
                va.push(v);
            }
        }
        rp.push(ci.len() as i64);
    }
    CsrMatrix::from_csr(n as i64, &rp, &ci, &va).unwrap()
}

/// Strictly diagonally dominant, nonsymmetric, random pattern.
fn dominant() -> impl Strategy<Value = Case> {
    (1usize..12).prop_flat_map(|n| {
        proptest::collection::vec(proptest::option::weighted(0.4, -1.0f64..1.0), n * n).prop_map(
            move |entries| {
                let mut dense = vec![vec![0.0; n]; n];
                for i in 0..n {
                    let mut off = 0.0;
                    for j in 0..n {
                        if i != j {
                            if let Some(v) = entries[i * n + j] {
                                dense[i][j] = v;
                                off += v.abs();
                            }
                        }
                    }
                    dense[i][i] = off + 0.5 + (i as f64 * 0.37).sin().abs();
                }
                let csr = to_csr(&dense);
                Case { dense, csr }
            },
        )
    })
}

/// SPD: symmetric and diagonally dominant with a positive diagonal.
fn spd() -> impl Strategy<Value = Case> {
    dominant().prop_map(|c| {
        let n = c.dense.len();
        let mut dense: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        if i == j {
                            0.0
                        } else {
                            0.5 * (c.dense[i][j] + c.dense[j][i])
                        }
                    })
                    .collect()
            })
            .collect();
        for (i, row) in dense.iter_mut().enumerate() {
            row[i] = row.iter().map(|v| v.abs()).sum::<f64>() + 1.0;
        }
        let csr = to_csr(&dense);
        Case { dense, csr }
    })
}

/// A case's CSR arrays as 32- and 64-bit indices, each validated (the
/// diagonals the unchecked views need).
struct IndexWidths {
    rp32: Vec<i32>,
    ci32: Vec<i32>,
    rp64: Vec<i64>,
    ci64: Vec<i64>,
    d32: banditsor::Diagonal,
    d64: banditsor::Diagonal,
}

fn index_widths(case: &Case) -> IndexWidths {
    let n = case.dense.len() as i64;
    let s = case.csr.as_sprs();
    let rp32: Vec<i32> = s.indptr().raw_storage().iter().map(|&v| v as i32).collect();
    let ci32: Vec<i32> = s.indices().iter().map(|&v| v as i32).collect();
    let rp64: Vec<i64> = rp32.iter().map(|&v| v as i64).collect();
    let ci64: Vec<i64> = ci32.iter().map(|&v| v as i64).collect();
    let d32 = banditsor::validate_csr(n, &rp32, &ci32, s.data()).unwrap();
    let d64 = banditsor::validate_csr(n, &rp64, &ci64, s.data()).unwrap();
    IndexWidths {
        rp32,
        ci32,
        rp64,
        ci64,
        d32,
        d64,
    }
}

fn vector(n: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-2.0f64..2.0, n)
}

/// Gauss-Seidel-style SOR on dense rows, written from the definition.
fn dense_sweep(a: &[Vec<f64>], b: &[f64], x: &mut [f64], w: f64, rows: &[usize]) {
    for &i in rows {
        let sigma: f64 = (0..a.len())
            .filter(|&j| j != i)
            .map(|j| a[i][j] * x[j])
            .sum();
        x[i] = (1.0 - w) * x[i] + w * (b[i] - sigma) / a[i][i];
    }
}

fn dense_sor(a: &[Vec<f64>], b: &[f64], x: &mut [f64], w: f64, kind: SweepKind, its: usize) {
    let n = a.len();
    let fwd: Vec<usize> = (0..n).collect();
    let bwd: Vec<usize> = (0..n).rev().collect();
    for _ in 0..its {
        match kind {
            SweepKind::Forward => dense_sweep(a, b, x, w, &fwd),
            SweepKind::Backward => dense_sweep(a, b, x, w, &bwd),
            SweepKind::Symmetric => {
                dense_sweep(a, b, x, w, &fwd);
                dense_sweep(a, b, x, w, &bwd);
            }
        }
    }
}

fn assert_close(got: &[f64], want: &[f64], scale: f64) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-10 * scale.max(1.0),
            "entry {i}: got {g}, want {w}"
        );
    }
}

fn norm_inf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

const KINDS: [SweepKind; 3] = [
    SweepKind::Forward,
    SweepKind::Backward,
    SweepKind::Symmetric,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sweeps_match_dense_reference(
        (case, b, x0) in dominant().prop_flat_map(|c| {
            let n = c.dense.len();
            (Just(c), vector(n), vector(n))
        }),
        w in 0.05f64..1.95,
        its in 1usize..4,
        kind_index in 0usize..3,
    ) {
        let kind = KINDS[kind_index];
        let view = case.csr.view();
        // From a given initial guess.
        let mut want = x0.clone();
        dense_sor(&case.dense, &b, &mut want, w, kind, its);
        let mut got = x0.clone();
        sweep::sor(&view, &b, &mut got, w, kind, its, false);
        assert_close(&got, &want, norm_inf(&want));
        // From zero: the zero-guess path must ignore x's content.
        let mut want0 = vec![0.0; b.len()];
        dense_sor(&case.dense, &b, &mut want0, w, kind, its);
        let mut got0 = vec![f64::NAN; b.len()];
        sweep::sor(&view, &b, &mut got0, w, kind, its, true);
        assert_close(&got0, &want0, norm_inf(&want0));
    }

    #[test]
    fn ssor_apply_inverts_the_ssor_matrix(
        (case, r) in spd().prop_flat_map(|c| {
            let n = c.dense.len();
            (Just(c), vector(n))
        }),
        w in 0.05f64..1.95,
    ) {
        // M = (D + wL) D^-1 (D + wU) / (w (2 - w)); check M z = r densely.
        let a = &case.dense;
        let n = a.len();
        let mut z = vec![0.0; n];
        sweep::ssor_apply(&case.csr.view(), &r, &mut z, w);
        // t = (D + wU) z
        let t: Vec<f64> = (0..n)
            .map(|i| a[i][i] * z[i] + w * (i + 1..n).map(|j| a[i][j] * z[j]).sum::<f64>())
            .collect();
        // s = D^-1 t
        let s: Vec<f64> = (0..n).map(|i| t[i] / a[i][i]).collect();
        // m = (D + wL) s / (w (2 - w))
        let m: Vec<f64> = (0..n)
            .map(|i| {
                (a[i][i] * s[i] + w * (0..i).map(|j| a[i][j] * s[j]).sum::<f64>())
                    / (w * (2.0 - w))
            })
            .collect();
        assert_close(&m, &r, norm_inf(&r) * 10.0);
    }

    #[test]
    fn spmv_and_residual_match_dense(
        (case, x, b) in dominant().prop_flat_map(|c| {
            let n = c.dense.len();
            (Just(c), vector(n), vector(n))
        }),
    ) {
        let n = case.dense.len();
        let want: Vec<f64> = (0..n).map(|i| (0..n).map(|j| case.dense[i][j] * x[j]).sum()).collect();
        let mut y = vec![0.0; n];
        sweep::spmv(&case.csr.view(), &x, &mut y);
        assert_close(&y, &want, norm_inf(&want));
        let mut r = vec![0.0; n];
        let norm = sweep::residual(&case.csr.view(), &b, &x, &mut r);
        let want_r: Vec<f64> = (0..n).map(|i| b[i] - want[i]).collect();
        assert_close(&r, &want_r, norm_inf(&want_r));
        prop_assert!((norm - sweep::norm2(&want_r)).abs() <= 1e-10 * norm.max(1.0));
    }

    /// Every kernel on 32-bit, 64-bit and usize index views of the same
    /// matrix: each matches the dense reference and the three agree
    /// bit for bit (the C ABI and petsc64 hand the kernels i64 arrays).
    #[test]
    fn kernels_on_i32_i64_and_usize_views_agree(
        (case, b, x0) in dominant().prop_flat_map(|c| {
            let n = c.dense.len();
            (Just(c), vector(n), vector(n))
        }),
        w in 0.1f64..1.9,
        its in 1usize..3,
        kind_index in 0usize..3,
    ) {
        let kind = KINDS[kind_index];
        let n = case.dense.len();
        let s = case.csr.as_sprs();
        let IndexWidths { rp32, ci32, rp64, ci64, d32, d64 } = index_widths(&case);
        prop_assert_eq!(&d32, case.csr.view().diagonal());
        prop_assert_eq!(&d64, case.csr.view().diagonal());
        // SAFETY: the diagonals were just computed from these arrays.
        let v32 = unsafe { banditsor::CsrView::new_unchecked(&rp32, &ci32, s.data(), &d32) };
        let v64 = unsafe { banditsor::CsrView::new_unchecked(&rp64, &ci64, s.data(), &d64) };
        let vus = case.csr.view();
        let mut want = x0.clone();
        dense_sor(&case.dense, &b, &mut want, w, kind, its);
        let mut want0 = vec![0.0; n];
        dense_sor(&case.dense, &b, &mut want0, w, kind, its);
        let want_ax: Vec<f64> = (0..n).map(|i| (0..n).map(|j| case.dense[i][j] * x0[j]).sum()).collect();
        macro_rules! run_all {
            ($v:expr) => {{
                let mut from_x0 = x0.clone();
                sweep::sor(&$v, &b, &mut from_x0, w, kind, its, false);
                let mut from_zero = vec![f64::NAN; n];
                sweep::sor(&$v, &b, &mut from_zero, w, kind, its, true);
                let mut ssor = vec![0.0; n];
                sweep::ssor_apply(&$v, &b, &mut ssor, w);
                let mut ax = vec![0.0; n];
                sweep::spmv(&$v, &x0, &mut ax);
                let mut r = vec![0.0; n];
                let rnorm = sweep::residual(&$v, &b, &x0, &mut r);
                (from_x0, from_zero, ssor, ax, r, rnorm)
            }};
        }
        let r32 = run_all!(v32);
        let r64 = run_all!(v64);
        let rus = run_all!(vus);
        assert_close(&r64.0, &want, norm_inf(&want));
        assert_close(&r64.1, &want0, norm_inf(&want0));
        assert_close(&r64.3, &want_ax, norm_inf(&want_ax));
        let mut ssor_ref = vec![0.0; n];
        dense_sor(&case.dense, &b, &mut ssor_ref, w, SweepKind::Symmetric, 1);
        assert_close(&r64.2, &ssor_ref, norm_inf(&ssor_ref));
        prop_assert_eq!(&r32, &r64);
        prop_assert_eq!(&rus, &r64);
    }
}

/// The sweeps from a non-zero guess take each row in one loop in cyclic
/// order (from the diagonal, or the entry after the upper neighbour,
/// wrapping to the row's start) with the just-updated neighbour last.
/// They must match the definition on a stencil in natural order (the
/// neighbour present in most rows) and on the same matrix scattered by a
/// permutation (mostly absent), with a row holding only its diagonal and
/// rows without lower or upper parts.
#[test]
fn nonzero_guess_sweeps_match_the_reference_in_both_row_loops() {
    let m = 6;
    let n = m * m;
    // 2D 5-point stencil with unequal, nonsymmetric couplings in natural
    // order; the last row holds only its diagonal.
    let mut dense = vec![vec![0.0; n]; n];
    for (i, row) in dense.iter_mut().enumerate().take(n - 1) {
        let (x, y) = (i % m, i / m);
        let mut off = 0.0;
        for (j, ok) in [
            (i.wrapping_sub(m), y > 0),
            (i.wrapping_sub(1), x > 0),
            (i + 1, x + 1 < m),
            (i + m, y + 1 < m),
        ] {
            if ok && j < n - 1 {
                let v = -0.3 - 0.1 * ((i * 7 + j * 3) % 5) as f64;
                row[j] = v;
                off += f64::abs(v);
            }
        }
        row[i] = off + 0.25;
    }
    dense[n - 1][n - 1] = 2.0;
    // the same matrix with rows and columns scattered (p: new -> old)
    let p: Vec<usize> = (0..n).map(|i| (i * 11) % n).collect();
    let scattered: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| dense[p[i]][p[j]]).collect())
        .collect();
    let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
    let x0: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
    for a in [&dense, &scattered] {
        let csr = to_csr(a);
        let view = csr.view();
        for kind in KINDS {
            for its in 1..3 {
                for w in [0.7, 1.0, 1.6] {
                    let mut want = x0.clone();
                    dense_sor(a, &b, &mut want, w, kind, its);
                    let mut got = x0.clone();
                    sweep::sor(&view, &b, &mut got, w, kind, its, false);
                    assert_close(&got, &want, norm_inf(&want));
                }
            }
        }
    }
}

/// 64-bit indices beyond the 32-bit range are validated as 64-bit values
/// (a truncating conversion would pass column 2^32 + 1 as column 1 and
/// send the unchecked kernels out of bounds).
#[test]
fn i64_indices_beyond_32_bits_are_rejected_as_themselves() {
    use banditsor::Error;
    let values = [2.0, 1.0, 1.0, 2.0];
    let big = (1i64 << 32) + 1;
    assert_eq!(
        banditsor::validate_csr(2, &[0i64, 2, 4], &[0i64, big, 0, 1], &values),
        Err(Error::ColumnOutOfRange {
            row: 0,
            col: big,
            n: 2
        })
    );
    assert_eq!(
        banditsor::validate_csr(2, &[0i64, 2, 4], &[0i64, 1, -1, 1], &values),
        Err(Error::ColumnOutOfRange {
            row: 1,
            col: -1,
            n: 2
        })
    );
    assert!(matches!(
        banditsor::validate_csr(2, &[0i64, 2, 1 << 32], &[0i64, 1, 0, 1], &values),
        Err(Error::InconsistentSizes { expected, .. }) if expected == 1 << 32
    ));
    assert!(matches!(
        banditsor::validate_csr(2, &[0i64, -(1 << 32) + 2, 4], &[0i64, 1, 0, 1], &values),
        Err(Error::InvalidRowPointer(_))
    ));
    // The same through the preconditioner and the C ABI's 64-bit entry.
    let mut pc = banditsor::Preconditioner::new();
    assert!(pc
        .set_operator_csr(2, &[0i64, 2, 4], &[0i64, big, 0, 1], &values)
        .is_err());
    assert!(pc.operator().is_none());
    let ok = CsrMatrix::from_csr(2, &[0i64, 2, 4], &[0i64, 1, 0, 1], &values).unwrap();
    assert_eq!(ok.nnz(), 4);
}

/// n = i64::MAX (from a C caller's garbage size) is refused as a size; the
/// length check that follows computed n + 1 and overflowed (a panic in
/// debug builds; found by the csr_operator fuzz target).
#[test]
fn largest_i64_size_is_refused_without_overflow() {
    use banditsor::Error;
    for rowptr in [&[][..], &[0i64][..], &[0i64, 0][..]] {
        assert_eq!(
            banditsor::validate_csr(i64::MAX, rowptr, &[], &[]),
            Err(Error::InvalidSize {
                what: "n (matrix size)",
                value: i64::MAX
            })
        );
    }
    let mut pc = banditsor::Preconditioner::new();
    assert!(matches!(
        pc.set_operator_csr(i64::MAX, &[0i32], &[], &[]),
        Err(Error::InvalidSize { .. })
    ));
}

/// A row without the neighbour the sweep waits for (no lower part in a
/// forward sweep, no upper part in a backward one) is summed and scaled
/// once: pulling one of its entries out and scaling it alone, as the
/// chain to the neighbour does, overflowed (1e300 x 1 / 1e-300 = inf, and
/// inf x 0 = NaN) where the row's update is 1. Found by fuzzing: the
/// sweep from x = 0 then differed from the zero-guess sweep.
#[test]
fn rows_without_a_neighbour_are_scaled_once() {
    let forward =
        CsrMatrix::from_csr(2, &[0i32, 2, 4], &[0, 1, 0, 1], &[1e-300, 1e300, 0.5, 1.0]).unwrap();
    let backward =
        CsrMatrix::from_csr(2, &[0i32, 2, 4], &[0, 1, 0, 1], &[1.0, 0.5, 1e300, 1e-300]).unwrap();
    for (a, kind, b, want) in [
        (&forward, SweepKind::Forward, [1e-300, 1.0], [1.0, 0.5]),
        (&backward, SweepKind::Backward, [1.0, 1e-300], [0.5, 1.0]),
    ] {
        for zero_guess in [false, true] {
            let mut x = [0.0; 2];
            sweep::sor(&a.view(), &b, &mut x, 1.0, kind, 1, zero_guess);
            for (got, want) in x.iter().zip(want) {
                assert!(
                    (got - want).abs() <= 1e-15,
                    "{kind:?}, zero guess {zero_guess}: {x:?}, want {want}"
                );
            }
        }
    }
}

/// Eisenstat's transformed operator y = (D/w + L)^-1 A (D/w + U)^-1 x on
/// dense rows, from the definition (back substitution, product, forward
/// substitution).
fn dense_eisenstat_operator(a: &[Vec<f64>], w: f64, x: &[f64]) -> Vec<f64> {
    let n = a.len();
    let mut t = vec![0.0; n];
    for i in (0..n).rev() {
        let upper: f64 = (i + 1..n).map(|j| a[i][j] * t[j]).sum();
        t[i] = (x[i] - upper) * w / a[i][i];
    }
    let at: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| a[i][j] * t[j]).sum())
        .collect();
    let mut y = vec![0.0; n];
    for i in 0..n {
        let lower: f64 = (0..i).map(|j| a[i][j] * y[j]).sum();
        y[i] = (at[i] - lower) * w / a[i][i];
    }
    y
}

proptest! {
    /// The Eisenstat kernels (the transformed operator of the PETSc
    /// plugin's Eisenstat mode, and the direction/update sweeps inside
    /// `ssor_cg_eisenstat`) on 32-bit, 64-bit and usize index views: the
    /// operator matches the dense definition, and the three widths agree
    /// bit for bit (petsc64 and the C ABI hand these kernels i64 arrays;
    /// they came after the proptest above and were run on usize only).
    #[test]
    fn eisenstat_kernels_on_i32_i64_and_usize_views_agree(
        (case, x) in spd().prop_flat_map(|c| {
            let n = c.dense.len();
            (Just(c), vector(n))
        }),
        w in 0.1f64..1.9,
    ) {
        let n = case.dense.len();
        let s = case.csr.as_sprs();
        let IndexWidths { rp32, ci32, rp64, ci64, d32, d64 } = index_widths(&case);
        // SAFETY: the diagonals were just computed from these arrays.
        let v32 = unsafe { banditsor::CsrView::new_unchecked(&rp32, &ci32, s.data(), &d32) };
        let v64 = unsafe { banditsor::CsrView::new_unchecked(&rp64, &ci64, s.data(), &d64) };
        let vus = case.csr.view();
        macro_rules! run_all {
            ($v:expr) => {{
                let (mut y, mut work) = (vec![0.0; n], vec![0.0; n]);
                sweep::eisenstat_operator(&$v, w, &x, &mut y, &mut work);
                let mut solution = vec![0.0; n];
                let mut cg = banditsor::solve::CgWork::new(n);
                let outcome = banditsor::solve::ssor_cg_eisenstat(
                    &$v, w, &x, &mut solution, 1e-10, 4, &mut cg,
                );
                (y, solution, outcome.iterations, outcome.relative_residual.to_bits())
            }};
        }
        let r32 = run_all!(v32);
        let r64 = run_all!(v64);
        let rus = run_all!(vus);
        let want = dense_eisenstat_operator(&case.dense, w, &x);
        assert_close(&r64.0, &want, norm_inf(&want));
        prop_assert_eq!(&r32, &r64);
        prop_assert_eq!(&rus, &r64);
    }
}

/// Every kernel's outputs (vectors, and scalars as one-element vectors) on
/// `a` from the same inputs: what the compact and CSR paths must agree on.
fn every_kernel<I: banditsor::CsrIndex>(
    a: &banditsor::CsrView<'_, I>,
    b: &[f64],
    x0: &[f64],
    w: f64,
) -> Vec<Vec<f64>> {
    let n = a.n();
    let mut out = Vec::new();
    for kind in KINDS {
        for its in 1..3 {
            for zero in [false, true] {
                let mut x = x0.to_vec();
                sweep::sor(a, b, &mut x, w, kind, its, zero);
                out.push(x);
            }
        }
    }
    let (mut y, mut z, mut t) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    sweep::ssor_apply(a, b, &mut z, w);
    out.push(z.clone());
    sweep::spmv(a, x0, &mut y);
    out.push(y.clone());
    let rnorm = sweep::residual(a, b, x0, &mut y);
    out.extend([y.clone(), vec![rnorm]]);
    sweep::upper_multiply(a, x0, &mut y, w);
    out.push(y.clone());
    sweep::eisenstat_operator(a, w, x0, &mut y, &mut t);
    out.extend([y.clone(), t.clone()]);
    let mut y2 = x0.to_vec();
    sweep::eisenstat_lower_add(a, w, b, &mut y2, &mut t);
    out.extend([y2, t.clone()]);
    let mut p_hat = x0.to_vec();
    let tat = sweep::eisenstat_direction(a, w, b, 0.3, &mut p_hat, &mut t);
    let (mut w_part, mut x, mut r, mut r_hat) = (vec![0.0; n], x0.to_vec(), b.to_vec(), z);
    let (rr, rz) = sweep::eisenstat_update(
        a,
        w,
        0.7,
        &p_hat,
        &t,
        &mut w_part,
        &mut x,
        &mut r,
        &mut r_hat,
    );
    out.extend([p_hat, t, w_part, x, r, r_hat, vec![tat, rr, rz]]);
    out
}

/// `every_kernel` through the compact pattern of (rp, ci, va) and through
/// the same arrays without it; panics unless the pattern has a compact
/// form and both paths give the same bits.
fn assert_compact_matches_csr<I: banditsor::CsrIndex>(rp: &[I], ci: &[I], va: &[f64], w: f64) {
    let n = rp.len() - 1;
    let compact = banditsor::validate_csr(n as i64, rp, ci, va).unwrap();
    assert!(compact.compact().is_some(), "no compact pattern built");
    let csr = compact.clone().without_compact();
    // SAFETY: both diagonals were computed from these arrays.
    let (vc, vr) = unsafe {
        (
            banditsor::CsrView::new_unchecked(rp, ci, va, &compact),
            banditsor::CsrView::new_unchecked(rp, ci, va, &csr),
        )
    };
    let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
    let x0: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
    let (got, want) = (every_kernel(&vc, &b, &x0, w), every_kernel(&vr, &b, &x0, w));
    for (k, (g, r)) in got.iter().zip(&want).enumerate() {
        let same = g.len() == r.len() && g.iter().zip(r).all(|(u, v)| u.to_bits() == v.to_bits());
        assert!(
            same,
            "output {k} of every_kernel differs between the compact and CSR paths"
        );
    }
}

proptest! {
    /// The compact pattern (16-bit column offsets, per-row counts, 1/a_ii
    /// recomputed) and the CSR arrays give every kernel the same numbers
    /// in the same order: identical results, bit for bit.
    #[test]
    fn compact_and_csr_paths_agree_bit_for_bit(case in dominant(), w in 0.1f64..1.9) {
        let s = case.csr.as_sprs();
        let rp32: Vec<i32> = s.indptr().raw_storage().iter().map(|&v| v as i32).collect();
        let ci32: Vec<i32> = s.indices().iter().map(|&v| v as i32).collect();
        assert_compact_matches_csr(&rp32, &ci32, s.data(), w);
        assert_compact_matches_csr(s.indptr().raw_storage(), s.indices(), s.data(), w);
    }
}

/// A diagonally dominant nonsymmetric matrix with the given off-diagonal
/// entries (row, column) plus a tridiagonal band, in CSR with i64 indices.
fn with_entries(n: usize, extra: &[(usize, usize)]) -> (Vec<i64>, Vec<i64>, Vec<f64>) {
    let mut rows: Vec<Vec<(usize, f64)>> = (0..n)
        .map(|i| {
            let mut r = vec![];
            if i > 0 {
                r.push((i - 1, -0.5 - 0.1 * (i % 3) as f64));
            }
            if i + 1 < n {
                r.push((i + 1, -0.25 - 0.1 * (i % 4) as f64));
            }
            r
        })
        .collect();
    for &(i, j) in extra {
        if !rows[i].iter().any(|&(c, _)| c == j) {
            rows[i].push((j, -0.01 - 0.001 * ((i + 3 * j) % 7) as f64));
        }
    }
    let (mut rp, mut ci, mut va) = (vec![0i64], vec![], vec![]);
    for (i, r) in rows.iter_mut().enumerate() {
        let off: f64 = r.iter().map(|&(_, v)| f64::abs(v)).sum();
        r.push((i, off + 1.0 + 0.1 * (i % 5) as f64));
        r.sort_by_key(|&(c, _)| c);
        for &(c, v) in r.iter() {
            ci.push(c as i64);
            va.push(v);
        }
        rp.push(ci.len() as i64);
    }
    (rp, ci, va)
}

fn has_compact(csr: &(Vec<i64>, Vec<i64>, Vec<f64>)) -> bool {
    let d = banditsor::validate_csr(csr.0.len() as i64 - 1, &csr.0, &csr.1, &csr.2).unwrap();
    let d32 = banditsor::validate_csr(
        csr.0.len() as i64 - 1,
        &csr.0.iter().map(|&v| v as i32).collect::<Vec<_>>(),
        &csr.1.iter().map(|&v| v as i32).collect::<Vec<_>>(),
        &csr.2,
    )
    .unwrap();
    assert_eq!(
        d.compact(),
        d32.compact(),
        "32- and 64-bit indices, one pattern"
    );
    d.compact().is_some()
}

/// The compact pattern exists exactly when every column lies within i16 of
/// its row (offsets -32,768 and 32,767 included, -32,769 and 32,768 not)
/// and no row has more than 255 entries on either side of its diagonal;
/// at the limits the kernels still match the CSR path bit for bit (a
/// zero-extended or truncated offset, or a miscounted row, would not).
#[test]
fn compact_pattern_at_its_limits() {
    let n = 32_770;
    let wide_lower: Vec<(usize, usize)> = (0..254).map(|k| (1000, 700 + k)).collect();
    let wide_upper: Vec<(usize, usize)> = (0..254).map(|k| (2000, 2100 + k)).collect();
    let mut limits = vec![(0, 32_767), (32_768, 0), (32_769, 1)];
    limits.extend(&wide_lower);
    limits.extend(&wide_upper);
    let at_limits = with_entries(n, &limits);
    assert!(has_compact(&at_limits));
    let d = banditsor::validate_csr(n as i64, &at_limits.0, &at_limits.1, &at_limits.2).unwrap();
    let c = d.compact().unwrap();
    assert_eq!(c.offsets().iter().max(), Some(&32_767));
    assert_eq!(c.offsets().iter().min(), Some(&-32_768));
    assert_eq!(c.parts()[1000], [255, 1]);
    assert_eq!(c.parts()[2000], [1, 255]);
    assert_eq!(c.bytes(), 2 * at_limits.1.len() + 2 * n);
    for w in [0.8, 1.0, 1.5] {
        assert_compact_matches_csr(&at_limits.0, &at_limits.1, &at_limits.2, w);
        let (rp32, ci32): (Vec<i32>, Vec<i32>) = (
            at_limits.0.iter().map(|&v| v as i32).collect(),
            at_limits.1.iter().map(|&v| v as i32).collect(),
        );
        assert_compact_matches_csr(&rp32, &ci32, &at_limits.2, w);
    }
    // one step beyond each limit: no compact pattern, the CSR path
    let beyond: [(&str, Vec<(usize, usize)>); 4] = [
        ("offset 32,768", vec![(0, 32_768)]),
        ("offset -32,769", vec![(32_769, 0)]),
        ("256 entries before the diagonal", {
            let mut e = wide_lower.clone();
            e.push((1000, 699));
            e
        }),
        ("256 entries after the diagonal", {
            let mut e = wide_upper.clone();
            e.push((2000, 2099));
            e
        }),
    ];
    for (what, extra) in beyond {
        assert!(!has_compact(&with_entries(n, &extra)), "{what}");
    }
}
