//! SmoothTS (the structure-aware learner) and the automatic context:
//! learning in tens of solves, the context a preconditioner derives from
//! its operator, and the safety net on sequences where SmoothTS's model is
//! wrong (compared with Tsallis-INF, which assumes nothing).

use banditsor::learn::{Learner, LearnerRng, SmoothTs, SmoothTsParams, TsallisInf};
use banditsor::{laplacian_2d, LearnerConfig, LearnerKind, Method, OmegaGrid, Preconditioner};

/// Replay a learner over a cost function of (round, arm); returns the total.
fn replay(
    l: &mut dyn Learner,
    rounds: usize,
    mut cost: impl FnMut(usize, usize) -> f64,
    context: impl Fn(usize) -> Option<f64>,
) -> f64 {
    (0..rounds)
        .map(|t| {
            let arm = l.choose(context(t));
            let c = cost(t, arm);
            l.observe(c);
            c
        })
        .sum()
}

/// Mean total over seeds of SmoothTS and Tsallis-INF on a synthetic cost
/// table, with the given contexts.
fn versus_tsallis(
    rounds: usize,
    cost: impl Fn(usize, usize, &mut LearnerRng) -> f64,
    context: impl Fn(usize) -> Option<f64>,
) -> (f64, f64) {
    let grid = OmegaGrid::paper_default();
    let (mut s, mut t) = (0.0, 0.0);
    for seed in 0..8 {
        let mut noise = LearnerRng::new(100 + seed);
        let mut noise2 = LearnerRng::new(100 + seed);
        s += replay(
            &mut SmoothTs::new(grid, seed).unwrap(),
            rounds,
            |r, a| cost(r, a, &mut noise),
            &context,
        );
        t += replay(
            &mut TsallisInf::new(grid, seed),
            rounds,
            |r, a| cost(r, a, &mut noise2),
            &context,
        );
    }
    (s, t)
}

/// Safety net: the best omega switches abruptly from arm 4 to arm 17 in
/// the middle of the sequence, with nothing in the context to say so.
/// SmoothTS's cumulative statistics alone would keep playing the old arm
/// (measured without the change detector: about 1.4x Tsallis-INF at
/// T = 1000); with it, it pays less than Tsallis-INF.
#[test]
fn abrupt_switch_of_the_best_omega_costs_at_most_tsallis() {
    for rounds in [200, 1000] {
        let (s, t) = versus_tsallis(
            rounds,
            |r, a, noise| {
                let best = if r < rounds / 2 { 4.0 } else { 17.0 };
                (30.0 + 6.0 * (a as f64 - best).powi(2)) * (1.0 + 0.1 * noise.uniform())
            },
            |_| None,
        );
        println!("switch T = {rounds}: SmoothTS / Tsallis-INF = {:.3}", s / t);
        assert!(
            s <= 1.1 * t,
            "T = {rounds}: SmoothTS {:.3}x Tsallis-INF",
            s / t
        );
    }
}

/// Safety net: costs with two valleys (a wide shallow one near the middle
/// of the grid, where the prior points, and a narrow deeper one at the
/// end), so a unimodal model is wrong. Thompson sampling still finds the
/// narrow valley and pays less than Tsallis-INF, with or without context.
#[test]
fn costs_with_two_valleys_cost_at_most_tsallis() {
    for rounds in [50, 1000] {
        let cost = |_r: usize, a: usize, noise: &mut LearnerRng| {
            let wide = 1.0 + 0.02 * (a as f64 - 8.0).powi(2);
            let narrow = 0.7 + 0.25 * (a as f64 - 18.0).powi(2);
            (40.0 * wide.min(narrow) * (1.0 + 0.2 * noise.uniform())).round()
        };
        let (s, t) = versus_tsallis(rounds, cost, |_| None);
        println!(
            "two valleys T = {rounds}: SmoothTS / Tsallis-INF = {:.3}",
            s / t
        );
        assert!(
            s <= 1.1 * t,
            "T = {rounds}: SmoothTS {:.3}x Tsallis-INF",
            s / t
        );
        let (s, t) = versus_tsallis(rounds, cost, |r| Some((r % 10) as f64));
        println!(
            "two valleys with context T = {rounds}: SmoothTS / Tsallis-INF = {:.3}",
            s / t
        );
        assert!(
            s <= 1.1 * t,
            "T = {rounds} with context: SmoothTS {:.3}x Tsallis-INF",
            s / t
        );
    }
}

/// The best arm moves with the context: the contextual model must place
/// each context's best arm, which no single arm can do.
#[test]
fn context_cells_learn_a_moving_optimum() {
    let grid = OmegaGrid::paper_default();
    let rounds = 2000;
    let best = |c: f64| 3.0 + 14.0 * c;
    let cost = |a: usize, c: f64| 30.0 + 4.0 * (a as f64 - best(c)).powi(2);
    let mut env = LearnerRng::new(7);
    let contexts: Vec<f64> = (0..rounds).map(|_| env.uniform()).collect();
    let mut l = SmoothTs::new(grid, 1).unwrap();
    let total = replay(
        &mut l,
        rounds,
        |t, a| cost(a, contexts[t]),
        |t| Some(contexts[t]),
    );
    let optimal: f64 = contexts
        .iter()
        .map(|&c| (0..20).map(|a| cost(a, c)).fold(f64::MAX, f64::min))
        .sum();
    let best_fixed = (0..20)
        .map(|a| contexts.iter().map(|&c| cost(a, c)).sum::<f64>())
        .fold(f64::MAX, f64::min);
    println!(
        "moving optimum: {:.3}x instance-optimal, best fixed {:.3}x",
        total / optimal,
        best_fixed / optimal
    );
    assert!(
        total <= 1.15 * optimal,
        "{:.3}x instance-optimal",
        total / optimal
    );
    for (c, want) in [(0.05, best(0.05)), (0.5, best(0.5)), (0.95, best(0.95))] {
        let fav = l.favourite(Some(c)) as f64;
        assert!(
            (fav - want).abs() <= 1.5,
            "context {c}: favourite arm {fav}, best {want}"
        );
    }
}

/// A state must match the learner it is loaded into; corrupt counts and
/// detector values are refused and leave the learner unchanged.
#[test]
fn state_validation_names_the_bad_field() {
    let grid = OmegaGrid::paper_default();
    let mut l = SmoothTs::new(grid, 2).unwrap();
    replay(&mut l, 50, |_, a| 40.0 + a as f64, |t| Some(t as f64));
    let good = l.state();
    let mut bad = good.clone();
    bad.rounds = 3;
    let e = l.set_state(bad).unwrap_err().to_string();
    assert!(e.contains("rounds"), "{e}");
    let mut bad = good.clone();
    bad.drift = [0.0, 1e9];
    assert!(l.set_state(bad).unwrap_err().to_string().contains("drift"));
    let mut bad = good.clone();
    bad.cells.pop();
    assert!(l.set_state(bad).unwrap_err().to_string().contains("cells"));
    let mut bad = good.clone();
    bad.range = Some((1.0, 0.0));
    assert!(l.set_state(bad).unwrap_err().to_string().contains("range"));
    assert_eq!(l.state(), good);
    let other = SmoothTs::with_params(
        grid,
        2,
        SmoothTsParams {
            cells: 8,
            ..SmoothTsParams::default()
        },
    )
    .unwrap();
    assert!(l.set_state(other.state()).is_err());
    assert!(SmoothTs::new(OmegaGrid::new(1.0, 1.9, 500).unwrap(), 0).is_err());
}

/// The preconditioner derives the automatic context from its operator
/// (when set and whenever its values change), gives it to the learner
/// when the caller passes none, and not when switched off.
#[test]
fn preconditioner_uses_the_automatic_context() {
    let m = 8;
    let mut pc = Preconditioner::with_config(LearnerConfig {
        kind: LearnerKind::SmoothTs,
        ..LearnerConfig::default()
    })
    .unwrap();
    assert!(pc.auto_context());
    assert_eq!(pc.operator_context(), None);
    pc.set_operator(laplacian_2d(m, 1.0));
    let r0 = 4.0 * (1.0 - 1.0 / m as f64) / 4.0;
    assert!((pc.operator_context().unwrap() - r0).abs() < 1e-12);
    let b = vec![1.0; m * m];
    let mut x = vec![0.0; m * m];
    pc.solve(Method::SsorCg, None, &b, &mut x, 1e-8, 1000)
        .unwrap();
    assert!((pc.last_context().unwrap() - r0).abs() < 1e-12);
    // New values (A + 0.5 I): a new context.
    let mut shifted = laplacian_2d(m, 1.0);
    shifted.shift_diagonal(0.5).unwrap();
    pc.update_values(shifted.as_sprs().data()).unwrap();
    let r1 = 4.0 * (1.0 - 1.0 / m as f64) / 4.5;
    assert!((pc.operator_context().unwrap() - r1).abs() < 1e-12);
    pc.solve(Method::SsorCg, None, &b, &mut x, 1e-8, 1000)
        .unwrap();
    assert!((pc.last_context().unwrap() - r1).abs() < 1e-12);
    // The caller's context wins; off means no context.
    pc.solve(Method::SsorCg, Some(7.0), &b, &mut x, 1e-8, 1000)
        .unwrap();
    assert_eq!(pc.last_context(), Some(7.0));
    pc.set_auto_context(false);
    pc.solve(Method::SsorCg, None, &b, &mut x, 1e-8, 1000)
        .unwrap();
    assert_eq!(pc.last_context(), None);
    // A rejected update keeps the old operator and its context.
    assert!(pc.update_values(&vec![f64::NAN; shifted.nnz()]).is_err());
    assert!((pc.operator_context().unwrap() - r1).abs() < 1e-12);
}

/// The C API: BSOR_LEARNER_SMOOTH_TS, the automatic context switch and the
/// last context used (NAN for none).
#[test]
fn c_api_automatic_context_and_last_context() {
    use banditsor::ffi::*;
    let m = 6;
    let a = laplacian_2d(m, 1.0);
    let s = a.as_sprs();
    let rowptr: Vec<i32> = s.indptr().raw_storage().iter().map(|&r| r as i32).collect();
    let colind: Vec<i32> = s.indices().iter().map(|&c| c as i32).collect();
    let mut pc = std::ptr::null_mut();
    unsafe {
        assert_eq!(bsor_pc_create(&mut pc), 0);
        assert_eq!(bsor_pc_set_learner(pc, BSOR_LEARNER_SMOOTH_TS), 0);
        assert_ne!(bsor_pc_set_learner(pc, 99), 0);
        let mut ctx = 0.0;
        assert_eq!(bsor_pc_get_last_context(pc, &mut ctx), 0);
        assert!(ctx.is_nan(), "no presolve yet: {ctx}");
        let rc = bsor_pc_set_operator_csr_i32(
            pc,
            (m * m) as i32,
            rowptr.as_ptr(),
            colind.as_ptr(),
            s.data().as_ptr(),
        );
        assert_eq!(rc, 0);
        let mut omega = 0.0;
        assert_eq!(bsor_pc_presolve(pc, f64::NAN, &mut omega), 0);
        assert_eq!(bsor_pc_postsolve(pc, 20, 1), 0);
        assert_eq!(bsor_pc_get_last_context(pc, &mut ctx), 0);
        let want = 1.0 - 1.0 / m as f64;
        assert!((ctx - want).abs() < 1e-12, "{ctx} vs {want}");
        assert_eq!(bsor_pc_set_auto_context(pc, 0), 0);
        assert_eq!(bsor_pc_presolve(pc, f64::NAN, &mut omega), 0);
        assert_eq!(bsor_pc_get_last_context(pc, &mut ctx), 0);
        assert!(ctx.is_nan());
        assert_eq!(bsor_pc_presolve(pc, 0.3, &mut omega), 0);
        assert_eq!(bsor_pc_get_last_context(pc, &mut ctx), 0);
        assert_eq!(ctx, 0.3);
        assert_ne!(bsor_pc_get_last_context(pc, std::ptr::null_mut()), 0);
        assert_ne!(bsor_pc_set_auto_context(std::ptr::null_mut(), 1), 0);
        assert_eq!(bsor_pc_destroy(&mut pc), 0);
    }
}
