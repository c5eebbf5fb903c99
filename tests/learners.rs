//! Learner contracts (reproducibility, persistence, robustness). The
//! shifted-Laplacian experiment, which needs the problem generators, is
//! demo/tests/shifted_experiment.rs.

use banditsor::learn::{
    ChebCb, ContextRange, Learner, LearnerConfig, LearnerKind, LearnerRng, OmegaGrid,
};

const KINDS: [LearnerKind; 5] = [
    LearnerKind::Fixed,
    LearnerKind::TsallisInf,
    LearnerKind::TsallisInfCb,
    LearnerKind::ChebCb,
    LearnerKind::SmoothTs,
];

fn config(kind: LearnerKind, seed: u64) -> LearnerConfig {
    LearnerConfig {
        kind,
        fixed_omega: 1.5,
        context_range: ContextRange::new(-1.0, 2.0).unwrap(),
        seed,
        ..LearnerConfig::default()
    }
}

/// A synthetic cost whose best arm moves with the context, with noise.
fn cost(arm: usize, context: f64, noise: &mut LearnerRng) -> f64 {
    let best = 3.0 + 5.0 * (context + 1.0);
    (30.0 + 2.0 * (arm as f64 - best).powi(2) + 4.0 * noise.uniform()).round()
}

/// Play `rounds` rounds; returns the arms chosen. Contexts and noise come
/// from `env`, which the caller can carry across calls.
fn play(l: &mut dyn Learner, rounds: usize, env: &mut LearnerRng) -> Vec<usize> {
    (0..rounds)
        .map(|_| {
            let c = -1.0 + 3.0 * env.uniform();
            let arm = l.choose(Some(c));
            l.observe(cost(arm, c, env));
            arm
        })
        .collect()
}

#[test]
fn same_seed_gives_the_same_omega_sequence() {
    for kind in KINDS {
        let run = |seed| {
            let mut l = config(kind, seed).build().unwrap();
            let arms = play(l.as_mut(), 500, &mut LearnerRng::new(11));
            arms.iter().map(|&a| l.grid().omega(a)).collect::<Vec<_>>()
        };
        let a = run(3);
        assert_eq!(a, run(3), "{kind:?}");
        if kind != LearnerKind::Fixed {
            assert_ne!(a, run(4), "{kind:?}: another seed should differ");
        }
    }
}

#[test]
fn save_load_round_trip_continues_the_same_sequence() {
    for kind in KINDS {
        let cfg = config(kind, 9);
        let mut a = cfg.build().unwrap();
        let mut env = LearnerRng::new(5);
        play(a.as_mut(), 300, &mut env);
        // Through text, as a state file stores it.
        let text = serde_json::to_string(&a.save_state()).unwrap();
        let mut b = cfg.build().unwrap();
        b.load_state(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(b.rounds(), a.rounds());
        let mut env_b = env.clone();
        let sa = play(a.as_mut(), 300, &mut env);
        let sb = play(b.as_mut(), 300, &mut env_b);
        assert_eq!(sa, sb, "{kind:?}");
        assert_eq!(a.save_state(), b.save_state(), "{kind:?}");
    }
}

#[test]
fn save_load_with_a_choice_in_flight() {
    for kind in KINDS {
        let cfg = config(kind, 2);
        let mut a = cfg.build().unwrap();
        let mut env = LearnerRng::new(8);
        play(a.as_mut(), 50, &mut env);
        let arm = a.choose(Some(0.3));
        let mut b = cfg.build().unwrap();
        b.load_state(&a.save_state()).unwrap();
        a.observe(cost(arm, 0.3, &mut env.clone()));
        b.observe(cost(arm, 0.3, &mut env));
        let mut env_b = env.clone();
        assert_eq!(
            play(a.as_mut(), 100, &mut env),
            play(b.as_mut(), 100, &mut env_b),
            "{kind:?}"
        );
    }
}

#[test]
fn bad_state_leaves_the_learner_unchanged() {
    for kind in KINDS {
        let cfg = config(kind, 1);
        let mut l = cfg.build().unwrap();
        let mut env = LearnerRng::new(4);
        play(l.as_mut(), 100, &mut env);
        let before = l.save_state();
        let good = before.clone();

        let mut bad_states = vec![
            serde_json::json!(null),
            serde_json::json!("garbage"),
            serde_json::json!({"rounds": "many"}),
            serde_json::json!([1, 2, 3]),
        ];
        // States of structurally different configurations.
        let mut others = vec![LearnerConfig {
            grid: OmegaGrid::new(1.0, 1.9, 7).unwrap(),
            ..cfg.clone()
        }];
        if kind == LearnerKind::ChebCb {
            others.push(LearnerConfig {
                chebyshev_features: 4,
                ..cfg.clone()
            });
        }
        if kind == LearnerKind::TsallisInfCb {
            others.push(LearnerConfig {
                context_bins: 3,
                ..cfg.clone()
            });
        }
        for other in others {
            let mut o = other.build().unwrap();
            play(o.as_mut(), 20, &mut LearnerRng::new(0));
            if o.save_state() != good {
                bad_states.push(o.save_state());
            }
        }
        // Valid-looking states with one field corrupted.
        if let serde_json::Value::Object(map) = &good {
            for key in map.keys() {
                for junk in [
                    serde_json::json!(null),
                    serde_json::json!(-1),
                    serde_json::json!("x"),
                    serde_json::json!([f64::MAX, 1]),
                ] {
                    let mut s = good.clone();
                    s[key.as_str()] = junk;
                    if s != good {
                        bad_states.push(s);
                    }
                }
            }
        }
        for s in bad_states {
            if l.load_state(&s).is_ok() {
                // Accepting is allowed only for harmless fields (Fixed has
                // just a round counter); anything else must be rejected.
                assert_eq!(kind, LearnerKind::Fixed, "{kind:?} accepted {s}");
                l.load_state(&good).unwrap();
                continue;
            }
            assert_eq!(l.save_state(), before, "{kind:?} changed by a failed load");
        }
        // And still continues exactly like an untouched copy.
        let mut twin = cfg.build().unwrap();
        twin.load_state(&good).unwrap();
        let mut env2 = env.clone();
        assert_eq!(
            play(l.as_mut(), 50, &mut env),
            play(twin.as_mut(), 50, &mut env2)
        );
    }
}

#[test]
fn chebcb_rejects_a_state_with_non_finite_or_inconsistent_values() {
    let cfg = config(LearnerKind::ChebCb, 0);
    let mut l = cfg.build().unwrap();
    play(l.as_mut(), 60, &mut LearnerRng::new(1));
    let good = l.save_state();
    let mut s = good.clone();
    s["rounds"] = serde_json::json!(good["rounds"].as_u64().unwrap() + 1);
    assert!(l.load_state(&s).is_err(), "plays must add up to rounds");
    let mut s = good.clone();
    s["theta"][0] = serde_json::json!(f64::INFINITY); // serialises as null
    assert!(l.load_state(&s).is_err());
    let mut s = good.clone();
    s["pending"] = serde_json::json!([99, 0.0, 1.0]);
    assert!(l.load_state(&s).is_err());
    assert_eq!(l.save_state(), good);
}

#[test]
fn contexts_out_of_range_are_clamped() {
    for kind in [
        LearnerKind::TsallisInfCb,
        LearnerKind::ChebCb,
        LearnerKind::SmoothTs,
    ] {
        let mut l = config(kind, 0).build().unwrap();
        let mut env = LearnerRng::new(2);
        play(l.as_mut(), 200, &mut env);
        for c in [
            Some(1e300),
            Some(-1e300),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            Some(f64::NAN),
            None,
            Some(2.0),
            Some(-1.0),
        ] {
            let arm = l.choose(c);
            assert!(arm < l.grid().len());
            l.observe(40.0);
            let fav = l.favourite(c);
            assert!(fav < l.grid().len());
        }
        let mut cheb = ChebCb::new(
            OmegaGrid::paper_default(),
            ContextRange::new(-1.0, 2.0).unwrap(),
            6,
            0,
        )
        .unwrap();
        play(&mut cheb, 200, &mut env);
        assert_eq!(
            cheb.probabilities(Some(1e300)),
            cheb.probabilities(Some(2.0))
        );
        assert_eq!(
            cheb.probabilities(Some(-7.0)),
            cheb.probabilities(Some(-1.0))
        );
        assert_eq!(cheb.probabilities(None), cheb.probabilities(Some(0.5)));
        for p in cheb.probabilities(Some(f64::NAN)) {
            assert!(p.is_finite() && p >= 0.0);
        }
    }
}

fn check_probabilities(p: &[f64], what: &str) {
    assert!(
        p.iter().all(|x| x.is_finite() && *x >= 0.0),
        "{what}: {p:?}"
    );
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{what}: {p:?}");
}

#[test]
fn extreme_costs_never_give_nan_probabilities() {
    let grid = OmegaGrid::paper_default();
    let range = ContextRange::new(0.0, 1.0).unwrap();
    for costs in [
        vec![0.0; 50],
        vec![1.0; 50],
        vec![f64::MAX; 50],
        vec![1e308, 0.0, 1e300, 1.0, 5.0, f64::MAX, 0.0],
        vec![0.0, 1e12, 0.0, 1e-300, 3.0],
    ] {
        let mut ts = banditsor::learn::TsallisInf::new(grid, 0);
        let mut cb = ChebCb::new(grid, range, 6, 0).unwrap();
        let mut cfg = config(LearnerKind::TsallisInfCb, 0);
        cfg.context_range = range;
        let mut tcb = cfg.build().unwrap();
        let mut sts = banditsor::learn::SmoothTs::new(grid, 0).unwrap();
        for (k, &c) in costs.iter().cycle().take(200).enumerate() {
            let ctx = Some((k % 7) as f64 / 6.0);
            ts.choose(ctx);
            ts.observe(c);
            cb.choose(ctx);
            cb.observe(c);
            tcb.choose(ctx);
            tcb.observe(c);
            assert!(sts.choose(if k % 2 == 0 { ctx } else { None }) < 20);
            sts.observe(c);
            assert!(sts.posterior_mean(ctx).iter().all(|m| m.is_finite()));
            check_probabilities(&ts.probabilities(), "tsallis");
            check_probabilities(&cb.probabilities(ctx), "chebcb");
        }
        // Fresh rounds still work and round trip.
        let mut again = ChebCb::new(grid, range, 6, 0).unwrap();
        again.load_state(&cb.save_state()).unwrap();
        assert!(cb.choose(Some(0.5)) < 20);
        assert!(tcb.choose(Some(0.5)) < 20);
    }
}
