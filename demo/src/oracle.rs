//! The per-step best ("instance-optimal") oracle of a sequence of
//! SSOR-PCG solves: every step is solved from the same warm start at every
//! omega of a grid, the smallest iteration count is charged, and the
//! sequence continues from that solve's solution. No learner choosing one
//! omega per step from that grid can need fewer iterations on that
//! trajectory; it is what the learners' totals are measured against.

use banditsor::matrix::CsrMatrix;
use banditsor::solve::{cg, CgWork};
use banditsor::OmegaGrid;

use crate::problems::heat::HeatEquation;

/// The grid of the oracle named by the suffix of `per-step-best[:N]`:
/// no suffix, the learners' grid (`OmegaGrid::paper_default()`, 20 omegas
/// 1.0, 1.05, ..., 1.95); `10`, every other omega of it, 1.0, 1.1, ...,
/// 1.9 (the 10-omega grid of issue 9's independent totals and
/// benches/totals/heat_totals.py).
pub fn oracle_grid(suffix: Option<&str>) -> Result<Vec<f64>, String> {
    match suffix {
        None | Some("20") => Ok(OmegaGrid::paper_default().values()),
        Some("10") => Ok(OmegaGrid::new(1.0, 1.9, 10)
            .expect("1.0 .. 1.9 is a valid grid")
            .values()),
        Some(other) => Err(format!(
            "per-step-best:{other}: unknown grid (expected no suffix or 20 for the learners' 20 omegas, 10 for 1.0, 1.1, ..., 1.9)"
        )),
    }
}

/// What the best omega of one step did.
#[derive(Debug, Clone)]
pub struct StepBest {
    /// Index into the grid (the first of equal counts: the smallest omega).
    pub arm: usize,
    pub iterations: u64,
    pub converged: bool,
    /// The solution of the best solve: the next step's state.
    pub solution: Vec<f64>,
}

/// Solves `a x = b` from `x0` by SSOR-PCG (the preconditioner's
/// `Method::SsorCg`, the same function) at every omega of `omegas` and
/// returns the solve with the fewest iterations; an unconverged solve
/// counts `max_it` and loses to every converged one. `on_solve(arm,
/// iterations)` is called after each solve (timing, progress).
#[allow(clippy::too_many_arguments)]
pub fn best_omega_for_step(
    a: &CsrMatrix,
    b: &[f64],
    x0: &[f64],
    omegas: &[f64],
    rtol: f64,
    max_it: u64,
    work: &mut CgWork,
    mut on_solve: impl FnMut(usize, u64),
) -> StepBest {
    assert!(!omegas.is_empty(), "the oracle needs at least one omega");
    let view = a.view();
    // An unconverged solve counts more than the cap: it loses to every
    // converged one.
    let cost = |iterations: u64, converged: bool| {
        if converged {
            iterations
        } else {
            max_it.max(iterations) + 1
        }
    };
    let mut best: Option<StepBest> = None;
    let mut x = x0.to_vec();
    for (arm, &omega) in omegas.iter().enumerate() {
        x.copy_from_slice(x0);
        let out = cg(&view, Some(omega), b, &mut x, rtol, max_it, work);
        on_solve(arm, out.iterations);
        let better = best
            .as_ref()
            .is_none_or(|b| cost(out.iterations, out.converged) < cost(b.iterations, b.converged));
        if better {
            best = Some(StepBest {
                arm,
                iterations: out.iterations,
                converged: out.converged,
                solution: x.clone(),
            });
        }
    }
    best.expect("at least one omega")
}

/// What the oracle charged for one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepChoice {
    pub arm: usize,
    pub iterations: u64,
    pub converged: bool,
}

/// One step of the heat equation under the oracle: the step's system
/// solved at every omega of `omegas` from the previous step's solution
/// (the warm start), the simulation advanced with the best solve's
/// solution.
pub fn heat_step_per_step_best(
    heat: &mut HeatEquation,
    omegas: &[f64],
    rtol: f64,
    max_it: u64,
    work: &mut CgWork,
    on_solve: impl FnMut(usize, u64),
) -> StepChoice {
    let system = heat.next_system();
    let best = best_omega_for_step(
        system.matrix,
        &system.rhs,
        &system.initial_guess,
        omegas,
        rtol,
        max_it,
        work,
        on_solve,
    );
    let choice = StepChoice {
        arm: best.arm,
        iterations: best.iterations,
        converged: best.converged,
    };
    heat.accept(best.solution);
    choice
}
