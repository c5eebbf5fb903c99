//! Built-in host solvers: stationary SOR/SSOR (Richardson form), CG and
//! SSOR-preconditioned CG. Free functions over a [`CsrView`]; the
//! [`crate::Preconditioner::solve`] wrapper adds the learner protocol.
//!
//! Stopping rule everywhere: ||b - A x||_2 <= rtol * ||b||_2 on the true
//! residual, so iteration counts match the paper's MATLAB (whose pcg
//! checks the recurrence residual, then confirms with the true one).

use crate::matrix::{CsrIndex, CsrView};
use crate::sweep::{axpy, dot, norm2, residual, sor, spmv, ssor_apply, SweepKind};
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

/// Reusable vectors of a CG solve (length n each).
#[derive(Debug, Clone, Default)]
pub struct CgWork {
    r: Vec<f64>,
    z: Vec<f64>,
    p: Vec<f64>,
    q: Vec<f64>,
}

impl CgWork {
    pub fn new(n: usize) -> Self {
        Self {
            r: vec![0.0; n],
            z: vec![0.0; n],
            p: vec![0.0; n],
            q: vec![0.0; n],
        }
    }
    fn resize(&mut self, n: usize) {
        for v in [&mut self.r, &mut self.z, &mut self.p, &mut self.q] {
            v.resize(n, 0.0);
        }
    }
}

/// Conjugate gradients from the initial guess in `x`, preconditioned by
/// SSOR at `ssor_omega` when given (plain CG otherwise).
///
/// Like MATLAB's pcg: when the recurrence residual meets the tolerance the
/// true residual is computed; the solve stops only if it meets it too,
/// otherwise CG continues from the true residual. A breakdown (p'Ap <= 0,
/// non-finite values) ends the solve unconverged.
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
    work.resize(a.n());
    let CgWork { r, z, p, q } = work;
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
    let precondition = |r: &[f64], z: &mut [f64]| match ssor_omega {
        Some(w) => ssor_apply(a, r, z, w),
        None => z.copy_from_slice(r),
    };
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
