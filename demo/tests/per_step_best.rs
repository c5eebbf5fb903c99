//! The per-step best oracle (`banditsor_demo::oracle`) on a small heat
//! equation, against a brute force written here with the public
//! preconditioner API (a fixed-omega `Preconditioner` per omega): the
//! oracle must charge, step by step, the smallest count over the grid from
//! the same warm start, pick the first omega of equal counts, and continue
//! from that solve's solution; its total can be no larger than any fixed
//! omega's on the same steps.

use banditsor::solve::CgWork;
use banditsor::{LearnerConfig, LearnerKind, Method, Preconditioner};
use banditsor_demo::oracle::{heat_step_per_step_best, oracle_grid};
use banditsor_demo::problems::heat::HeatEquation;

const NX: usize = 12;
/// Past t = 0.5, where kappa grows to 10 and the best omega moves.
const STEPS: usize = 800;
const RTOL: f64 = 1e-8;
const MAX_IT: u64 = 10_000;
const OMEGAS: [f64; 5] = [1.0, 1.2, 1.4, 1.6, 1.9];

fn fixed_pc(omega: f64) -> Preconditioner {
    Preconditioner::with_config(LearnerConfig {
        kind: LearnerKind::Fixed,
        fixed_omega: omega,
        ..LearnerConfig::default()
    })
    .unwrap()
}

/// One SSOR-PCG solve at a fixed omega from `x0`: (iterations, converged, x).
fn solve_at(
    pc: &mut Preconditioner,
    a: &banditsor::matrix::CsrMatrix,
    b: &[f64],
    x0: &[f64],
) -> (u64, bool, Vec<f64>) {
    pc.set_operator(a.clone());
    let mut x = x0.to_vec();
    let out = pc
        .solve(Method::SsorCg, None, b, &mut x, RTOL, MAX_IT as i64)
        .unwrap();
    (out.iterations, out.converged, x)
}

#[test]
fn per_step_best_charges_the_minimum_and_continues_from_its_solution() {
    let mut pcs: Vec<Preconditioner> = OMEGAS.iter().map(|&w| fixed_pc(w)).collect();

    // Brute force: its own simulation, every omega from the same state.
    let mut brute = HeatEquation::new(NX, 1e-3);
    let mut brute_steps = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        let sys = brute.next_system();
        let solves: Vec<_> = pcs
            .iter_mut()
            .map(|pc| solve_at(pc, sys.matrix, &sys.rhs, &sys.initial_guess))
            .collect();
        assert!(solves.iter().all(|s| s.1), "every solve converges here");
        let min = solves.iter().map(|s| s.0).min().unwrap();
        let arm = solves.iter().position(|s| s.0 == min).unwrap();
        brute_steps.push((arm, min));
        let x = solves[arm].2.clone();
        brute.accept(x);
    }

    // The oracle.
    let mut heat = HeatEquation::new(NX, 1e-3);
    let mut work = CgWork::new(heat.n());
    let mut oracle_steps = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        let mut tried = Vec::new();
        let c = heat_step_per_step_best(&mut heat, &OMEGAS, RTOL, MAX_IT, &mut work, |arm, _| {
            tried.push(arm)
        });
        assert_eq!(tried, (0..OMEGAS.len()).collect::<Vec<_>>());
        assert!(c.converged);
        oracle_steps.push((c.arm, c.iterations));
    }
    for (k, (o, b)) in oracle_steps.iter().zip(&brute_steps).enumerate() {
        assert_eq!(o, b, "step {}: oracle (arm, its) vs brute force", k + 1);
    }
    // Same trajectory: the oracle continued from the best solve's solution.
    let differs = heat
        .solution()
        .iter()
        .zip(brute.solution())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differs, 0, "final states differ in {differs} unknowns");
    // The best omega moves along the sequence (else the check above
    // could not tell arms apart).
    let arms: std::collections::BTreeSet<usize> = oracle_steps.iter().map(|s| s.0).collect();
    assert!(arms.len() >= 2, "best arms {arms:?}");

    // No fixed omega does better on these steps.
    let oracle_total: u64 = oracle_steps.iter().map(|s| s.1).sum();
    for (pc, &omega) in pcs.iter_mut().zip(&OMEGAS) {
        let mut fixed = HeatEquation::new(NX, 1e-3);
        let mut total = 0;
        for _ in 0..STEPS {
            let sys = fixed.next_system();
            let (its, _, x) = solve_at(pc, sys.matrix, &sys.rhs, &sys.initial_guess);
            total += its;
            fixed.accept(x);
        }
        assert!(
            oracle_total <= total,
            "per-step best {oracle_total} > omega = {omega}: {total}"
        );
    }
}

#[test]
fn oracle_grids_are_the_learners_20_omegas_or_every_other_one() {
    let g20 = oracle_grid(None).unwrap();
    assert_eq!(g20.len(), 20);
    assert_eq!((g20[0], g20[19]), (1.0, 1.95));
    assert_eq!(oracle_grid(Some("20")).unwrap(), g20);
    let g10 = oracle_grid(Some("10")).unwrap();
    assert_eq!(g10.len(), 10);
    for (i, w) in g10.iter().enumerate() {
        assert!((w - g20[2 * i]).abs() < 1e-12, "{i}: {w}");
    }
    let err = oracle_grid(Some("7")).unwrap_err();
    assert!(err.contains("per-step-best:7"), "{err}");
}
