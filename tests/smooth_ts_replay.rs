//! SmoothTS's choices, replayed exactly: the arm sequence of fixed seeds on
//! fixed cost sequences, recorded before its per-round cost was cut (issue
//! 8, deliverable 5), so that a speed-up cannot change what it plays.
//!
//! The scenarios are defined here, in code; `tests/fixtures/
//! smooth_ts_choices.json` holds only what was observed. They cover every
//! path of a round: the first round's prior choice, Thompson draws with and
//! without a context, the local exploration of the global row's and a
//! cell's leader, the change detector's alarms on both parts (the best arm
//! switches mid-sequence), contexts outside the range seen so far (the
//! range doubles and the cells merge), NaN and missing contexts, failed
//! solves (a huge cost, clamped) and the posterior mean behind
//! `favourite`, this one to the last bit (a speed-up that reorders
//! floating-point operations would rarely change a choice, but it would
//! change these bits). Recorded once with
//!     BANDITSOR_RECORD_FIXTURES=1 cargo test --test smooth_ts_replay
//! Re-recording hides a behaviour change: do it only for a deliberate
//! change of the learner, and say so in the commit. Re-recorded on
//! purpose once (Dec 2026): the posterior draws' standard normals changed
//! from Box-Muller to the Ziggurat method (same distribution, other
//! numbers from the same stream; a quarter of a no-context round).

use banditsor::learn::{Learner, LearnerRng, OmegaGrid, SmoothTs};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smooth_ts_choices.json")
}

/// How a scenario supplies contexts.
#[derive(Clone, Copy)]
enum Contexts {
    None,
    /// Smooth drift through [0.1, 0.9] with noise, every 13th round NaN,
    /// every 17th round missing, and from round 300 on an excursion to
    /// contexts up to 6 (the range grows, the cells merge).
    Drifting,
}

/// A SOR-like cost in iterations: a parabola in the arm whose minimum sits
/// at `best`, with multiplicative noise, rounded; every 97th solve a
/// failure costed at an iteration cap of 1000, and in the last rounds an
/// absurd cost (the learner clamps it).
fn cost(arm: usize, best: f64, t: usize, rounds: usize, noise: &mut LearnerRng) -> f64 {
    if t + 3 == rounds {
        return 1e18;
    }
    if t % 97 == 50 {
        return 1000.0;
    }
    let base = 30.0 + 4.0 * (arm as f64 - best).powi(2);
    (base * (0.9 + 0.2 * noise.uniform())).round()
}

struct Scenario {
    name: &'static str,
    seed: u64,
    contexts: Contexts,
    rounds: usize,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "no_context_seed7",
            seed: 7,
            contexts: Contexts::None,
            rounds: 500,
        },
        Scenario {
            name: "no_context_seed0",
            seed: 0,
            contexts: Contexts::None,
            rounds: 300,
        },
        Scenario {
            name: "context_seed7",
            seed: 7,
            contexts: Contexts::Drifting,
            rounds: 500,
        },
        Scenario {
            name: "context_seed3",
            seed: 3,
            contexts: Contexts::Drifting,
            rounds: 300,
        },
    ]
}

/// Play a scenario; returns the chosen arms and, every 50 rounds, the arm
/// `favourite` names and the posterior mean's bits (hexadecimal) for a
/// fixed probe context and for none.
fn play(s: &Scenario) -> (Vec<usize>, Vec<usize>, Vec<String>) {
    let mut learner = SmoothTs::new(OmegaGrid::paper_default(), s.seed).unwrap();
    let mut noise = LearnerRng::new(1000 + s.seed);
    let (mut arms, mut favourites, mut posteriors) = (Vec::new(), Vec::new(), Vec::new());
    for t in 0..s.rounds {
        let drift = 0.5 + 0.4 * (t as f64 / 40.0).sin() + 0.05 * (noise.uniform() - 0.5);
        let (context, true_context) = match s.contexts {
            Contexts::None => (None, 0.5),
            Contexts::Drifting => {
                let c = if (300..360).contains(&t) {
                    1.0 + 5.0 * (t - 300) as f64 / 60.0
                } else {
                    drift
                };
                let given = if t % 13 == 5 {
                    Some(f64::NAN)
                } else if t % 17 == 9 {
                    None
                } else {
                    Some(c)
                };
                (given, c.min(1.0))
            }
        };
        // The best arm follows the context, and jumps from the low to the
        // high end of the grid after 60 % of the rounds (change detector).
        let best = if t < s.rounds * 3 / 5 {
            3.0 + 6.0 * true_context
        } else {
            17.0 - 4.0 * true_context
        };
        let arm = learner.choose(context);
        learner.observe(cost(arm, best, t, s.rounds, &mut noise));
        arms.push(arm);
        if t % 50 == 49 {
            favourites.push(learner.favourite(Some(0.5)));
            favourites.push(learner.favourite(None));
            for probe in [Some(0.5), None] {
                let bits: Vec<String> = learner
                    .posterior_mean(probe)
                    .iter()
                    .map(|v| format!("{:016x}", v.to_bits()))
                    .collect();
                posteriors.push(bits.join(" "));
            }
        }
    }
    (arms, favourites, posteriors)
}

#[test]
fn smooth_ts_plays_the_recorded_arms() {
    let observed: Map<String, Value> = scenarios()
        .iter()
        .map(|s| {
            let (arms, favourites, posteriors) = play(s);
            (
                s.name.to_string(),
                json!({ "arms": arms, "favourites": favourites, "posterior_bits": posteriors }),
            )
        })
        .collect();
    if std::env::var_os("BANDITSOR_RECORD_FIXTURES").is_some() {
        let text = serde_json::to_string(&Value::Object(observed)).unwrap() + "\n";
        std::fs::write(fixture(), text).unwrap();
        return;
    }
    let text = std::fs::read_to_string(fixture()).expect("fixture recorded");
    let recorded: Map<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(recorded.len(), observed.len(), "scenario set changed");
    for (name, want) in &recorded {
        let got = &observed[name];
        for key in ["arms", "favourites", "posterior_bits"] {
            let (w, g) = (want[key].as_array().unwrap(), got[key].as_array().unwrap());
            assert_eq!(w.len(), g.len(), "{name}: {key} length");
            if let Some(t) = (0..w.len()).find(|&t| w[t] != g[t]) {
                panic!("{name}: {key}[{t}] is {} but {} was recorded", g[t], w[t]);
            }
        }
    }
}
