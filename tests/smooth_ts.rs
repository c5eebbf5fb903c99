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
    assert!(!pc.auto_context());
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
/// SOR iteration counts of (L + c I) x = 1 on an 8 x 8 grid at every omega
/// of the paper's grid, for `rounds` shifts c drawn towards the singular
/// end (c > -0.24, the smallest eigenvalue of L), as the paper's
/// high-variance sequence: (costs row-major, automatic contexts: the
/// mean diagonal-dominance ratio of each matrix, the shifts).
fn shifted_sor_table(rounds: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    use banditsor::solve::stationary;
    use banditsor::SweepKind;
    let grid = OmegaGrid::paper_default();
    let m = 8;
    let mut env = LearnerRng::new(seed);
    let shifts: Vec<f64> = (0..rounds)
        .map(|_| -0.2 + 0.65 * env.uniform().powi(2))
        .collect();
    let b = vec![1.0; m * m];
    let mut costs = Vec::with_capacity(rounds * grid.len());
    let mut contexts = Vec::with_capacity(rounds);
    for &c in &shifts {
        let mut a = laplacian_2d(m, 1.0);
        a.shift_diagonal(c).unwrap();
        contexts.push(banditsor::context::dominance_ratio(&a.view()));
        let (mut x, mut work) = (vec![0.0; m * m], vec![0.0; m * m]);
        for i in 0..grid.len() {
            x.fill(0.0);
            let o = stationary(
                &a.view(),
                SweepKind::Forward,
                1,
                grid.omega(i),
                &b,
                &mut x,
                1e-6,
                5000,
                &mut work,
            );
            costs.push(o.iterations as f64);
        }
    }
    (costs, contexts, shifts)
}

/// SmoothTS with and without Young's model on the first `rounds` solves of
/// three shifted-Laplacian SOR sequences, 8 seeds each, fed the context
/// `context_of(dominance ratios, shifts, t)`: with the model the total
/// must be at most `max_vs_plain` times the total without it and at most
/// `max_vs_optimal` times the instance-optimal total. (Two sequences x 4
/// seeds, as before the posterior draws' normals changed, measured one
/// random stream's luck: with the shift as context the old stream passed
/// 0.92x / 1.25x there, but measured 0.918x / 1.294x on these 24 runs and
/// 0.936x / 1.316x on 6 sequences x 12 seeds; the new one 0.952x / 1.343x
/// there, 0.902x / 1.291x here, 0.914x / 1.292x on the 72 runs.)
fn model_beats_plain_cells(
    label: &str,
    context_of: fn(&[f64], &[f64], usize) -> f64,
    max_vs_plain: f64,
    max_vs_optimal: f64,
) {
    let grid = OmegaGrid::paper_default();
    let d = grid.len();
    let rounds = 60;
    let (mut with, mut without, mut optimal) = (0.0, 0.0, 0.0);
    let seeds = 8;
    for sequence in 0..3 {
        let (costs, ratios, shifts) = shifted_sor_table(rounds, 40 + sequence);
        let cost = |t: usize, a: usize| costs[t * d + a];
        let context = |t: usize| Some(context_of(&ratios, &shifts, t));
        optimal += seeds as f64
            * (0..rounds)
                .map(|t| (0..d).map(|a| cost(t, a)).fold(f64::MAX, f64::min))
                .sum::<f64>();
        for seed in 0..seeds {
            let mut model = SmoothTs::new(grid, seed).unwrap();
            with += replay(&mut model, rounds, cost, context);
            let params = SmoothTsParams {
                model: false,
                ..SmoothTsParams::default()
            };
            let mut plain = SmoothTs::with_params(grid, seed, params).unwrap();
            without += replay(&mut plain, rounds, cost, context);
        }
    }
    println!(
        "{label}, T = {rounds}: with the model {:.3}x instance-optimal, without {:.3}x",
        with / optimal,
        without / optimal
    );
    assert!(
        with <= max_vs_plain * without,
        "{label}: with the model {:.3}x the cost without",
        with / without
    );
    assert!(
        with <= max_vs_optimal * optimal,
        "{label}: {:.3}x instance-optimal",
        with / optimal
    );
}

/// Young's model of a context: on a shifted-Laplacian SOR sequence (the
/// model's home ground), one solve at a known omega says where a context's
/// optimum is, so SmoothTS with the model pays clearly less over the first
/// tens of solves than the same learner learning each context cell from
/// its own and its neighbours' data only, and stays close to the
/// instance-optimal total.
#[test]
fn young_model_learns_contexts_in_tens_of_solves() {
    // Measured 0.856x the cost without / 1.204x instance-optimal (0.865x /
    // 1.218x with the Box-Muller draws of before).
    model_beats_plain_cells(
        "dominance ratio as context",
        |ratios, _, t| ratios[t],
        0.92,
        1.25,
    );
}

/// The same with the shift c itself as the context (the caller's own
/// context, not a dominance ratio): rho_J = r / (4 + c) is not
/// proportional to c, so the proportional form of the model cannot fit
/// it; the reciprocal-affine form (1 / rho_J affine in the context) does,
/// and the checked predictions pick it.
#[test]
fn young_model_learns_a_shift_given_as_context() {
    // Measured 0.902x the cost without / 1.291x instance-optimal (0.918x /
    // 1.294x with the Box-Muller draws of before).
    model_beats_plain_cells("shift as context", |_, shifts, t| shifts[t], 0.95, 1.35);
}

/// Safety net of the model: a context that moves the optimum, but costs
/// shaped the other way round from SOR's (steep above the optimum, gentle
/// below), so Young's curve is wrong on both branches. SmoothTS pays no
/// more than 1.10x Tsallis-INF.
#[test]
fn costs_shaped_against_the_model_cost_at_most_tsallis() {
    for rounds in [50, 1000] {
        let cost = |r: usize, a: usize, noise: &mut LearnerRng| {
            let best = 4.0 + (r % 7) as f64;
            let x = a as f64 - best;
            let shape = if x > 0.0 {
                1.0 + 0.5 * x * x
            } else {
                1.0 + 0.03 * x * x
            };
            (40.0 * shape * (1.0 + 0.1 * noise.uniform())).round()
        };
        let (s, t) = versus_tsallis(rounds, cost, |r| Some((r % 7) as f64));
        println!(
            "against the model with context T = {rounds}: SmoothTS / Tsallis-INF = {:.3}",
            s / t
        );
        assert!(
            s <= 1.1 * t,
            "T = {rounds}: SmoothTS {:.3}x Tsallis-INF",
            s / t
        );
    }
}

/// State files written before the SOR model (no 'model' field, no
/// 'plain_prediction' in 'pending') still load, and start without a fit;
/// so do files written before the reciprocal form and the cells' mean
/// contexts (no 'reciprocal' in 'model', no 'cell_contexts', no
/// 'context' in 'pending'), which keep their proportional fit; a corrupt
/// model state or mean context is refused, naming the field.
#[test]
fn state_files_without_the_model_load_and_bad_model_states_are_refused() {
    let grid = OmegaGrid::paper_default();
    let mut l = SmoothTs::new(grid, 3).unwrap();
    for t in 0..40 {
        let c = 0.8 + 0.003 * (t % 11) as f64;
        let arm = l.choose(Some(c));
        l.observe(30.0 + 5.0 * (arm as f64 - 14.0).abs());
    }
    l.choose(Some(0.85));
    assert!(
        l.state().model.fit.is_some(),
        "40 contextual rounds fit the model"
    );
    let saved = l.save_state();
    assert!(l.state().model.reciprocal.is_some());
    let mut before_reciprocal = saved.clone();
    let object = before_reciprocal.as_object_mut().unwrap();
    assert!(object.remove("cell_contexts").is_some());
    assert!(object["model"]
        .as_object_mut()
        .unwrap()
        .remove("reciprocal")
        .is_some());
    assert!(object["pending"]
        .as_object_mut()
        .unwrap()
        .remove("context")
        .is_some());
    let mut older = SmoothTs::new(grid, 3).unwrap();
    older.load_state(&before_reciprocal).unwrap();
    assert_eq!(older.state().model.fit, l.state().model.fit);
    assert_eq!(older.state().model.reciprocal, None);
    let mut old = saved;
    let object = old.as_object_mut().unwrap();
    assert!(object.remove("model").is_some());
    object["pending"]
        .as_object_mut()
        .unwrap()
        .remove("plain_prediction");
    let mut fresh = SmoothTs::new(grid, 3).unwrap();
    fresh.load_state(&old).unwrap();
    assert_eq!(fresh.state().model, Default::default());
    assert_eq!(fresh.state().global, l.state().global);
    let mut bad = l.state();
    bad.model.mean_sq_error = -1.0;
    let e = fresh.set_state(bad).unwrap_err().to_string();
    assert!(e.contains("'model'"), "{e}");
    let mut bad = l.state();
    bad.cell_contexts.pop();
    let e = fresh.set_state(bad).unwrap_err().to_string();
    assert!(e.contains("'cell_contexts' has 1279 entries"), "{e}");
    let mut bad = l.state();
    bad.cell_contexts[5] = f64::INFINITY;
    let e = fresh.set_state(bad).unwrap_err().to_string();
    assert!(e.contains("'cell_contexts' entry 5"), "{e}");
}

/// Loading a state into a learner that has run leaves nothing of its own
/// data behind: its posterior is the one of a fresh learner loaded with the
/// same state, to the last bit. (The model's predictions at the cells'
/// mean contexts are cached per fit and range; a state saved a few rounds
/// earlier has the same fit and range but other mean contexts, and the
/// stale predictions moved the nearby cells' data.)
#[test]
fn a_loaded_state_plays_as_in_a_fresh_learner() {
    let grid = OmegaGrid::paper_default();
    let d = grid.len();
    let (costs, contexts, _) = shifted_sor_table(220, 40);
    let mut used = SmoothTs::new(grid, 1).unwrap();
    let mut saved = None;
    for t in 0..220 {
        let arm = used.choose(Some(contexts[t]));
        used.observe(costs[t * d + arm]);
        if t == 192 {
            // Saved after 193 rounds: the model was refitted after round
            // 192 and is next after round 224, so the fit stays.
            saved = Some(used.save_state());
        }
    }
    let saved = saved.unwrap();
    let mut fresh = SmoothTs::new(grid, 1).unwrap();
    fresh.load_state(&saved).unwrap();
    used.load_state(&saved).unwrap();
    for &c in &contexts[..40] {
        let (a, b) = (used.posterior_mean(Some(c)), fresh.posterior_mean(Some(c)));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "context {c}");
    }
}
