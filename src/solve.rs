//! Built-in host solvers: stationary SOR/SSOR (Richardson form), CG and
//! SSOR-preconditioned CG. Free functions over a [`CsrView`]; the
//! [`crate::Preconditioner::solve`] wrapper adds the learner protocol.
//!
//! Stopping rule everywhere: ||b - A x||_2 <= rtol * ||b||_2 on the true
//! residual, so iteration counts match the paper's MATLAB (whose pcg
//! checks the recurrence residual, then confirms with the true one).

use crate::matrix::{CsrIndex, CsrView};
use crate::sweep::{
    axpy, dot, eisenstat_direction, eisenstat_update, forward_sweep_zero, norm2, residual, sor,
    spmv, SweepKind,
};
use serde::{Deserialize, Serialize};

/// Which built-in solver. Values are part of the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Stationary SOR/SSOR: x <- x + M^-1 (b - A x), one sweep setting per iteration.
    Sor = 0,
    /// CG preconditioned by SSOR (symmetric sweep from zero).
    SsorCg = 1,
    /// Plain CG (omega unused; the learner still sees the cost).
    Cg = 2,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Sor => "sor",
            Method::SsorCg => "ssor_cg",
            Method::Cg => "cg",
        }
    }
}

/// What a solve did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveOutcome {
    /// Iterations performed (sweeps for SOR, CG steps for CG).
    pub iterations: u64,
    /// Final ||b - A x||_2 / ||b||_2 (true residual; ||b|| = 0 gives ||r||).
    pub relative_residual: f64,
    /// Whether the stopping rule was met within the cap.
    pub converged: bool,
}

fn relative(rnorm: f64, bnorm: f64) -> f64 {
    if bnorm > 0.0 {
        rnorm / bnorm
    } else {
        rnorm
    }
}

/// Stationary SOR/SSOR from the initial guess in `x`: each iteration
/// applies `its` sweeps of `kind`, then checks the true residual.
/// `work` (length n) receives the final residual.
#[allow(clippy::too_many_arguments)]
pub fn stationary<I: CsrIndex>(
    a: &CsrView<'_, I>,
    kind: SweepKind,
    its: usize,
    omega: f64,
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    max_it: u64,
    work: &mut [f64],
) -> SolveOutcome {
    let bnorm = norm2(b);
    let target = rtol * bnorm;
    let mut rnorm = residual(a, b, x, work);
    let mut iterations = 0;
    while rnorm > target && rnorm.is_finite() && iterations < max_it {
        sor(a, b, x, omega, kind, its.max(1), false);
        iterations += 1;
        rnorm = residual(a, b, x, work);
    }
    SolveOutcome {
        iterations,
        relative_residual: relative(rnorm, bnorm),
        converged: rnorm <= target,
    }
}

/// Reusable vectors of a CG solve (length n each; the Eisenstat form uses
/// all five, plain CG the first four).
#[derive(Debug, Clone, Default)]
pub struct CgWork {
    r: Vec<f64>,
    z: Vec<f64>,
    p: Vec<f64>,
    q: Vec<f64>,
    t: Vec<f64>,
}

impl CgWork {
    pub fn new(n: usize) -> Self {
        let mut work = Self::default();
        work.resize(n);
        work
    }
    fn resize(&mut self, n: usize) {
        for v in [
            &mut self.r,
            &mut self.z,
            &mut self.p,
            &mut self.q,
            &mut self.t,
        ] {
            v.resize(n, 0.0);
        }
    }
}

/// Conjugate gradients from the initial guess in `x`, preconditioned by
/// SSOR at `ssor_omega` when given (plain CG otherwise). A must be
/// symmetric positive definite.
///
/// Like MATLAB's pcg: when the recurrence residual meets the tolerance the
/// true residual is computed; the solve stops only if it meets it too,
/// otherwise CG continues from the true residual. A breakdown (p'Ap <= 0,
/// non-finite values) ends the solve unconverged.
///
/// SSOR-PCG runs in Eisenstat's form (see [`ssor_cg_eisenstat`]): the same
/// iterates as textbook PCG with M = (D + wL) D^-1 (D + wU) / (w(2-w)) up
/// to rounding, at about half its cost per iteration.
#[allow(clippy::too_many_arguments)]
pub fn cg<I: CsrIndex>(
    a: &CsrView<'_, I>,
    ssor_omega: Option<f64>,
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    max_it: u64,
    work: &mut CgWork,
) -> SolveOutcome {
    match ssor_omega {
        Some(omega) => ssor_cg_eisenstat(a, omega, b, x, rtol, max_it, work),
        None => pcg(a, |r, z| z.copy_from_slice(r), b, x, rtol, max_it, work),
    }
}

/// Textbook preconditioned CG: one matrix-vector product and one
/// `precondition(r, z)` (z = M^-1 r, M SPD) per iteration. Plain CG uses it
/// with the identity; the tests use it with the SSOR sweep as the
/// reference for [`ssor_cg_eisenstat`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn pcg<I: CsrIndex>(
    a: &CsrView<'_, I>,
    precondition: impl Fn(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    max_it: u64,
    work: &mut CgWork,
) -> SolveOutcome {
    work.resize(a.n());
    let CgWork { r, z, p, q, .. } = work;
    let bnorm = norm2(b);
    let target = rtol * bnorm;
    let mut rnorm = residual(a, b, x, r);
    let done = |iterations, rnorm: f64| SolveOutcome {
        iterations,
        relative_residual: relative(rnorm, bnorm),
        converged: rnorm <= target,
    };
    if rnorm <= target || !rnorm.is_finite() {
        return done(0, rnorm);
    }
    precondition(r, z);
    p.copy_from_slice(z);
    let mut rz = dot(r, z);
    for k in 1..=max_it {
        spmv(a, p, q);
        let pq = dot(p, q);
        if !(pq > 0.0 && pq.is_finite() && rz.is_finite()) {
            let rnorm = residual(a, b, x, r);
            return SolveOutcome {
                converged: false,
                ..done(k - 1, rnorm)
            };
        }
        let alpha = rz / pq;
        axpy(alpha, p, x);
        axpy(-alpha, q, r);
        rnorm = norm2(r);
        if rnorm <= target {
            rnorm = residual(a, b, x, r);
            if rnorm <= target {
                return done(k, rnorm);
            }
        }
        if !rnorm.is_finite() {
            return done(k, rnorm);
        }
        precondition(r, z);
        let rz_new = dot(r, z);
        let beta = rz_new / rz;
        rz = rz_new;
        for (pi, zi) in p.iter_mut().zip(z.iter()) {
            *pi = zi + beta * *pi;
        }
    }
    let rnorm = residual(a, b, x, r);
    done(max_it, rnorm)
}

/// SSOR-preconditioned CG in Eisenstat's form (Eisenstat 1981, PETSc's
/// PCEISENSTAT), stopping rule and breakdown handling as [`cg`].
///
/// With A = L + D + U, K = D/w + L and K' = D/w + U, the SSOR
/// preconditioner is M = K (D/w)^-1 K' up to a constant, and PCG on A with
/// M is PCG on A_hat = K^-1 A K'^-1 with the diagonal preconditioner D/w
/// (here D: a constant factor changes no iterate), x = K'^-1 y,
/// r_hat = K^-1 r. Since A = K + K' - (2 - w)/w D, applying A_hat needs no
/// product with A:
///
///   t = K'^-1 p_hat,   A_hat p_hat = t + K^-1 (p_hat - (2 - w)/w D t),
///
/// and t is the search direction in the original variables (x += alpha t).
/// The true-residual stopping rule needs r = b - A x too; it is carried by
/// its own recurrence r -= alpha A t, with A t = K t + (p_hat - (2-w)/w D t)
/// read off the lower-triangle entries the forward sweep visits anyway.
/// CG's curvature t'At comes out of the backward sweep (see
/// [`eisenstat_direction`]), so alpha is known before the forward sweep
/// and every vector update happens inside it.
///
/// Cost per iteration: two loops over the rows, one pass over the matrix
/// (upper triangle in the backward sweep, lower triangle twice-used in the
/// forward sweep): 2 nnz(U) + 4 nnz(L) + ~30 flops per row, and per row 13
/// vector loads/stores (p_hat, t, w_part, x, r, r_hat, 1/a_ii) besides the
/// matrix. Textbook SSOR-PCG needs two passes over the matrix (the SSOR
/// apply and a product with A: 4 nnz + ~20 flops per row, ~15 vector
/// accesses). On the 5-point Laplacian that is one matrix read instead of
/// two and ~42 flops per row instead of ~60.
///
/// For non-symmetric A (where CG is not defined anyway) the iterates differ
/// from textbook PCG's.
#[allow(clippy::too_many_arguments)]
pub fn ssor_cg_eisenstat<I: CsrIndex>(
    a: &CsrView<'_, I>,
    omega: f64,
    b: &[f64],
    x: &mut [f64],
    rtol: f64,
    max_it: u64,
    work: &mut CgWork,
) -> SolveOutcome {
    work.resize(a.n());
    let CgWork {
        r,
        z: r_hat,
        p: p_hat,
        q: w_part,
        t,
        ..
    } = work;
    let bnorm = norm2(b);
    let target = rtol * bnorm;
    let mut rnorm = residual(a, b, x, r);
    let done = |iterations, rnorm: f64| SolveOutcome {
        iterations,
        relative_residual: relative(rnorm, bnorm),
        converged: rnorm <= target,
    };
    if rnorm <= target || !rnorm.is_finite() {
        return done(0, rnorm);
    }
    // r_hat = K^-1 r; returns rz = r_hat' D r_hat.
    let transform_residual = |r: &[f64], r_hat: &mut [f64]| -> f64 {
        forward_sweep_zero(a, r, r_hat, omega);
        let (values, positions) = (a.values(), a.diagonal().positions());
        r_hat
            .iter()
            .zip(positions)
            .map(|(v, &p)| values[p] * v * v)
            .sum()
    };
    let mut rz = transform_residual(r, r_hat);
    let mut beta = 0.0;
    p_hat.fill(0.0);
    for k in 1..=max_it {
        let pq = eisenstat_direction(a, omega, r_hat, beta, p_hat, t);
        if !(pq > 0.0 && pq.is_finite() && rz.is_finite()) {
            let rnorm = residual(a, b, x, r);
            return SolveOutcome {
                converged: false,
                ..done(k - 1, rnorm)
            };
        }
        let alpha = rz / pq;
        let (rr, mut rz_new) = eisenstat_update(a, omega, alpha, p_hat, t, w_part, x, r, r_hat);
        rnorm = rr.sqrt();
        if rnorm <= target {
            rnorm = residual(a, b, x, r);
            if rnorm <= target {
                return done(k, rnorm);
            }
            rz_new = transform_residual(r, r_hat);
        }
        if !rnorm.is_finite() {
            return done(k, rnorm);
        }
        beta = rz_new / rz;
        rz = rz_new;
    }
    let rnorm = residual(a, b, x, r);
    done(max_it, rnorm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{dense_of, laplacian_2d, laplacian_3d, CsrMatrix};
    use crate::sweep::{sor, ssor_apply};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A symmetric, irregularly sparse, diagonally dominant (so SPD) matrix:
    /// rows have 0 to ~12 off-diagonal entries at random columns, and the
    /// diagonal varies from row to row (so D is not a multiple of I).
    fn irregular_spd(n: usize, seed: u64) -> CsrMatrix {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut rows: Vec<std::collections::BTreeMap<usize, f64>> = vec![Default::default(); n];
        for i in 0..n {
            for _ in 0..rng.random_range(0..6) {
                let j = rng.random_range(0..n);
                if j != i {
                    let v = -rng.random_range(0.1..1.0);
                    rows[i].insert(j, v);
                    rows[j].insert(i, v);
                }
            }
        }
        for (i, row) in rows.iter_mut().enumerate() {
            let off: f64 = row.values().map(|v| v.abs()).sum();
            row.insert(i, off + 0.05 + (i % 7) as f64 * 0.3);
        }
        let mut rowptr = vec![0usize];
        let (mut colind, mut values) = (Vec::new(), Vec::new());
        for row in &rows {
            for (&j, &v) in row {
                colind.push(j);
                values.push(v);
            }
            rowptr.push(colind.len());
        }
        CsrMatrix::from_csr(n as i64, &rowptr, &colind, &values).unwrap()
    }

    fn cases() -> Vec<(&'static str, CsrMatrix)> {
        let mut heat = laplacian_2d(15, 1.0);
        // A heat-equation step: I + (dt/2) kappa K, K scaled by 1/h^2.
        let values: Vec<f64> = heat
            .as_sprs()
            .data()
            .iter()
            .map(|v| 0.5 * 1e-3 * 7.0 * 256.0 * v)
            .collect();
        heat.update_values(&values).unwrap();
        heat.shift_diagonal(1.0).unwrap();
        vec![
            ("2D Laplacian 20x20", laplacian_2d(20, 1.0)),
            ("3D Laplacian 7^3", laplacian_3d(7)),
            ("heat step 15x15", heat),
            ("irregular n = 300", irregular_spd(300, 3)),
        ]
    }

    fn random_vec(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
        let d: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt();
        d / norm2(b).max(f64::MIN_POSITIVE)
    }

    /// Textbook SSOR-PCG (one SSOR apply and one product with A per
    /// iteration): the reference the Eisenstat form must reproduce.
    fn textbook(
        a: &CsrView<'_, usize>,
        omega: f64,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
        max_it: u64,
    ) -> SolveOutcome {
        let mut work = CgWork::default();
        pcg(
            a,
            |r, z| ssor_apply(a, r, z, omega),
            b,
            x,
            rtol,
            max_it,
            &mut work,
        )
    }

    #[test]
    fn eisenstat_iterates_match_textbook_ssor_pcg() {
        for (name, m) in cases() {
            let a = m.view();
            let n = a.n();
            let b = random_vec(n, 1);
            for omega in [0.6, 1.0, 1.5, 1.9] {
                for (guess, x0) in [("zero", vec![0.0; n]), ("random", random_vec(n, 2))] {
                    // Iterate by iterate: the first few iterates agree to rounding.
                    for k in 1..=6 {
                        let (mut xe, mut xt) = (x0.clone(), x0.clone());
                        let oe = cg(
                            &a,
                            Some(omega),
                            &b,
                            &mut xe,
                            1e-14,
                            k,
                            &mut CgWork::default(),
                        );
                        let ot = textbook(&a, omega, &b, &mut xt, 1e-14, k);
                        assert_eq!(
                            oe.iterations, ot.iterations,
                            "{name} w={omega} {guess} k={k}"
                        );
                        let d = rel_diff(&xe, &xt);
                        assert!(
                            d < 1e-10,
                            "{name} w={omega} {guess}: iterate {k} differs by {d:e}"
                        );
                    }
                    // Whole solves: same iteration count, both converged on
                    // the true residual, same solution to the tolerance.
                    let (mut xe, mut xt) = (x0.clone(), x0.clone());
                    let oe = cg(
                        &a,
                        Some(omega),
                        &b,
                        &mut xe,
                        1e-8,
                        10_000,
                        &mut CgWork::default(),
                    );
                    let ot = textbook(&a, omega, &b, &mut xt, 1e-8, 10_000);
                    assert!(
                        ot.converged && oe.converged,
                        "{name} w={omega} {guess}: {oe:?} {ot:?}"
                    );
                    assert_eq!(
                        oe.iterations, ot.iterations,
                        "{name} w={omega} {guess}: iteration counts"
                    );
                    let mut r = vec![0.0; n];
                    let true_rel = residual(&a, &b, &xe, &mut r) / norm2(&b);
                    assert!(
                        true_rel <= 1e-8,
                        "{name} w={omega} {guess}: true residual {true_rel:e}"
                    );
                    assert!((true_rel - oe.relative_residual).abs() <= 1e-12);
                }
            }
        }
    }

    #[test]
    fn eisenstat_reuses_work_of_another_size_and_stops_at_cap() {
        let mut work = CgWork::new(7);
        let m = laplacian_2d(30, 1.0);
        let a = m.view();
        let b = random_vec(a.n(), 5);
        let mut x = vec![0.0; a.n()];
        let capped = cg(&a, Some(1.3), &b, &mut x, 1e-12, 3, &mut work);
        assert_eq!(capped.iterations, 3);
        assert!(!capped.converged);
        let mut r = vec![0.0; a.n()];
        let true_rel = residual(&a, &b, &x, &mut r) / norm2(&b);
        assert!((true_rel - capped.relative_residual).abs() <= 1e-14);
        let mut x = vec![0.0; a.n()];
        let full = cg(&a, Some(1.3), &b, &mut x, 1e-12, 10_000, &mut work);
        let mut xt = vec![0.0; a.n()];
        let reference = textbook(&a, 1.3, &b, &mut xt, 1e-12, 10_000);
        assert!(full.converged);
        assert_eq!(full.iterations, reference.iterations);
    }

    /// `name()` must be the spelling of the configuration files (serde's).
    #[test]
    fn method_names_are_the_serialised_names() {
        for method in [Method::Sor, Method::SsorCg, Method::Cg] {
            let json = serde_json::to_string(&method).unwrap();
            assert_eq!(json, format!("\"{}\"", method.name()));
        }
    }

    /// Every built-in solver as (name, solve(x, max_it)) on the matrix `a`
    /// with right-hand side `b` and tolerance 1e-8.
    #[allow(clippy::type_complexity)]
    fn solvers<'s>(
        a: &'s CsrView<'s, usize>,
        b: &'s [f64],
    ) -> Vec<(
        &'static str,
        Box<dyn Fn(&mut [f64], u64) -> SolveOutcome + 's>,
    )> {
        vec![
            (
                "stationary SSOR",
                Box::new(move |x: &mut [f64], cap| {
                    let mut work = vec![0.0; a.n()];
                    stationary(a, SweepKind::Symmetric, 1, 1.3, b, x, 1e-8, cap, &mut work)
                }),
            ),
            (
                "CG",
                Box::new(move |x: &mut [f64], cap| {
                    cg(a, None, b, x, 1e-8, cap, &mut CgWork::default())
                }),
            ),
            (
                "SSOR-CG",
                Box::new(move |x: &mut [f64], cap| {
                    cg(a, Some(1.3), b, x, 1e-8, cap, &mut CgWork::default())
                }),
            ),
        ]
    }

    /// b = 0: from x = 0 the solve is done before the first iteration
    /// (residual 0, not 0/0); from x != 0 the tolerance 0 cannot be met and
    /// the reported residual is the absolute ||A x|| (||b|| = 0), computed
    /// here independently.
    #[test]
    fn zero_right_hand_side_reports_the_absolute_residual() {
        let m = laplacian_2d(6, 1.0);
        let a = m.view();
        let n = a.n();
        let b = vec![0.0; n];
        for (name, solve) in solvers(&a, &b) {
            let mut x = vec![0.0; n];
            let out = solve(&mut x, 50);
            assert_eq!(
                out,
                SolveOutcome {
                    iterations: 0,
                    relative_residual: 0.0,
                    converged: true
                },
                "{name}, x0 = 0"
            );
            assert_eq!(x, vec![0.0; n], "{name}");
            let mut x = random_vec(n, 4);
            let out = solve(&mut x, 5);
            let dense = dense_of(&a);
            let ax_norm = (0..n)
                .map(|i| (0..n).map(|j| dense[i][j] * x[j]).sum::<f64>().powi(2))
                .sum::<f64>()
                .sqrt();
            assert_eq!(out.iterations, 5, "{name}, x0 != 0");
            assert!(!out.converged, "{name}, x0 != 0");
            assert!(
                (out.relative_residual - ax_norm).abs() <= 1e-12 * ax_norm && ax_norm > 0.0,
                "{name}: reported {} vs ||A x|| = {ax_norm}",
                out.relative_residual
            );
        }
    }

    /// A cap of k iterations does exactly k, unconverged, reporting the true
    /// residual: for stationary SOR the iterate is k symmetric sweeps from
    /// x0 (the sweeps are checked against a dense reference in
    /// tests/kernels.rs); for CG the residual decreases from cap to cap.
    #[test]
    fn a_cap_of_k_iterations_does_k() {
        let m = laplacian_2d(12, 1.0);
        let a = m.view();
        let n = a.n();
        let b = random_vec(n, 6);
        let x0 = random_vec(n, 7);
        for k in [1, 2, 5] {
            let mut x = x0.clone();
            let mut work = vec![0.0; n];
            let out = stationary(
                &a,
                SweepKind::Symmetric,
                1,
                1.3,
                &b,
                &mut x,
                1e-12,
                k,
                &mut work,
            );
            let mut want = x0.clone();
            for _ in 0..k {
                sor(&a, &b, &mut want, 1.3, SweepKind::Symmetric, 1, false);
            }
            assert_eq!(out.iterations, k);
            assert!(!out.converged);
            assert!(rel_diff(&x, &want) < 1e-14, "stationary, cap {k}");
            let mut r = vec![0.0; n];
            let true_rel = residual(&a, &b, &x, &mut r) / norm2(&b);
            assert!((true_rel - out.relative_residual).abs() <= 1e-14 * true_rel);
        }
        for omega in [None, Some(1.3)] {
            let mut previous = f64::INFINITY;
            for k in [1, 2, 5, 10] {
                let mut x = x0.clone();
                let out = cg(&a, omega, &b, &mut x, 1e-12, k, &mut CgWork::default());
                assert_eq!(out.iterations, k, "{omega:?}");
                assert!(!out.converged, "{omega:?}");
                let mut r = vec![0.0; n];
                let true_rel = residual(&a, &b, &x, &mut r) / norm2(&b);
                assert!((true_rel - out.relative_residual).abs() <= 1e-12 * true_rel);
                assert!(true_rel < previous, "{omega:?}: cap {k}");
                previous = true_rel;
            }
        }
    }

    /// CG's breakdown: on the symmetric indefinite diag(1, -1) with
    /// b = (1, 1), the first direction has p'Ap = 0 (in Eisenstat's form
    /// too), so every CG solver stops before its first step, unconverged,
    /// x unchanged, the true residual reported.
    #[test]
    fn breakdown_stops_before_the_step() {
        let m = CsrMatrix::from_csr(2, &[0usize, 1, 2], &[0usize, 1], &[1.0, -1.0]).unwrap();
        let a = m.view();
        let b = [1.0, 1.0];
        for omega in [None, Some(1.0), Some(1.5)] {
            let mut x = vec![0.0; 2];
            let out = cg(&a, omega, &b, &mut x, 1e-8, 50, &mut CgWork::default());
            let want = SolveOutcome {
                iterations: 0,
                relative_residual: 1.0,
                converged: false,
            };
            assert_eq!(out, want, "{omega:?}");
            assert_eq!(x, [0.0, 0.0], "{omega:?}");
        }
    }
}
