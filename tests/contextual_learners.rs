//! The contextual learners' own rules, checked against independent
//! statements of them: Tsallis-INF-CB's context-to-bin mapping (the bin
//! whose centre is nearest the clamped context, as the authors'
//! `TsallisINFCB.m`), that each bin is exactly an independent Tsallis-INF,
//! and that each bin learns its own best omega.

use banditsor::learn::{ContextRange, Learner, LearnerRng, OmegaGrid, TsallisInf, TsallisInfCb};

fn grid() -> OmegaGrid {
    OmegaGrid::paper_default()
}

#[test]
fn tsallis_cb_bins_on_a_known_range() {
    let l = TsallisInfCb::new(grid(), ContextRange::new(0.0, 1.0).unwrap(), 5, 0).unwrap();
    // Centres 0.1, 0.3, 0.5, 0.7, 0.9; out-of-range contexts clamp, no
    // context (None, NaN) is the centre of the range.
    for (c, bin) in [
        (Some(0.0), 0),
        (Some(0.1), 0),
        (Some(0.199), 0),
        (Some(0.201), 1),
        (Some(0.39), 1),
        (Some(0.5), 2),
        (Some(0.61), 3),
        (Some(0.799), 3),
        (Some(0.801), 4),
        (Some(1.0), 4),
        (Some(-3.0), 0),
        (Some(7.0), 4),
        (Some(f64::INFINITY), 4),
        (Some(f64::NEG_INFINITY), 0),
        (None, 2),
        (Some(f64::NAN), 2),
    ] {
        assert_eq!(l.bin_of(c), bin, "context {c:?}");
    }
}

#[test]
fn tsallis_cb_picks_the_bin_whose_centre_is_nearest() {
    let mut u = LearnerRng::new(1);
    for (lo, hi, m) in [
        (-0.15, 0.45, 5),
        (0.0, 10.0, 10),
        (-1.0, 2.0, 7),
        (3.0, 4.0, 1),
    ] {
        let l = TsallisInfCb::new(grid(), ContextRange::new(lo, hi).unwrap(), m, 0).unwrap();
        let centre = |k: usize| lo + (hi - lo) * (k as f64 + 0.5) / m as f64;
        let mut used = vec![false; m];
        for _ in 0..3000 {
            let c = lo + (hi - lo) * (1.4 * u.uniform() - 0.2);
            let clamped = c.clamp(lo, hi);
            let distance = |k: usize| (centre(k) - clamped).abs();
            let nearest = (0..m)
                .min_by(|&a, &b| distance(a).total_cmp(&distance(b)))
                .unwrap();
            let got = l.bin_of(Some(c));
            // Exactly between two centres either is right.
            assert!(
                got == nearest || (distance(got) - distance(nearest)).abs() < 1e-12 * (hi - lo),
                "[{lo}, {hi}] in {m} bins: context {c} went to bin {got}, nearest centre is bin {nearest}"
            );
            used[got] = true;
        }
        assert!(used.iter().all(|&u| u), "every bin is reachable");
    }
}

/// A noisy cost whose best arm depends on the context.
fn cost(arm: usize, best: usize, noise: &mut LearnerRng) -> f64 {
    (30.0 + 3.0 * (arm as f64 - best as f64).powi(2) + 6.0 * noise.uniform()).round()
}

#[test]
fn one_bin_or_contexts_in_one_bin_is_exactly_tsallis_inf() {
    for (bins, lo, hi) in [(1, 0.0, 1.0), (5, 0.6, 0.8)] {
        let mut cb =
            TsallisInfCb::new(grid(), ContextRange::new(0.0, 1.0).unwrap(), bins, 9).unwrap();
        let mut ts = TsallisInf::new(grid(), 9);
        let mut env = LearnerRng::new(4);
        for t in 0..1500 {
            let c = lo + (hi - lo) * env.uniform();
            let a = cb.choose(Some(c));
            assert_eq!(a, ts.choose(None), "{bins} bins, round {t}");
            let l = cost(a, 13, &mut env);
            cb.observe(l);
            ts.observe(l);
        }
        assert_eq!(cb.favourite(Some(0.7)), ts.favourite(None));
        assert_eq!(cb.rounds(), 1500);
    }
}

#[test]
fn each_bin_learns_its_own_best_omega() {
    // Bin k of 5 on [0, 1] is cheapest at arm 2 + 4k.
    let mut l = TsallisInfCb::new(grid(), ContextRange::new(0.0, 1.0).unwrap(), 5, 3).unwrap();
    let mut env = LearnerRng::new(8);
    let best = |c: f64| 2 + 4 * ((c * 5.0).floor() as usize).min(4);
    let mut plays = [[0u32; 20]; 5];
    for _ in 0..8000 {
        let c = env.uniform();
        let arm = l.choose(Some(c));
        plays[best(c) / 4][arm] += 1;
        l.observe(cost(arm, best(c), &mut env));
    }
    for (k, bin_plays) in plays.iter().enumerate() {
        let centre = 0.1 + 0.2 * k as f64;
        let want = best(centre);
        let fav = l.favourite(Some(centre));
        assert!(
            fav.abs_diff(want) <= 1,
            "bin {k}: favourite arm {fav}, best {want}; plays {bin_plays:?}"
        );
        // Most of the bin's plays went to the best arm or its neighbours.
        let near: u32 = plays[k][want.saturating_sub(1)..=(want + 1).min(19)]
            .iter()
            .sum();
        let all: u32 = plays[k].iter().sum();
        assert!(
            near * 2 > all,
            "bin {k}: {near} of {all} plays near arm {want}"
        );
    }
}

#[test]
fn tsallis_cb_refuses_a_state_whose_pending_bin_is_out_of_range() {
    let mut l = TsallisInfCb::new(grid(), ContextRange::new(0.0, 1.0).unwrap(), 5, 2).unwrap();
    let mut env = LearnerRng::new(6);
    for _ in 0..50 {
        let c = env.uniform();
        let arm = l.choose(Some(c));
        l.observe(cost(arm, 7, &mut env));
    }
    l.choose(Some(0.95)); // a round in flight, in the last bin
    let good = l.save_state();
    assert_eq!(good["pending_bin"], serde_json::json!(4));
    // The last bin is fine; one past it would index out of bounds later.
    let mut last = good.clone();
    last["pending_bin"] = serde_json::json!(4);
    assert!(l.load_state(&last).is_ok());
    for bad in [5, 6, 1000] {
        let mut s = good.clone();
        s["pending_bin"] = serde_json::json!(bad);
        let err = l.load_state(&s).unwrap_err();
        assert!(err.to_string().contains("pending_bin"), "{err}");
        assert_eq!(l.save_state(), good, "a refused state changed the learner");
    }
    l.observe(40.0);
}
