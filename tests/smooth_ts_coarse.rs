//! SmoothTS's safety net on coarse omega grids set by the user: whatever
//! its prior says (a bowl centred at 0.75 of the grid), it must find the
//! best omega of a unimodal cost at any position of a grid of 2 to 7
//! omegas, with deterministic or noisy costs, with or without a context,
//! and pay at most 1.10x what Tsallis-INF (which tries every omega) pays.
//! Before the local exploration of `SmoothTs` it played 1.5 in 199 of 200
//! rounds on [1.1, 1.7] when 1.1 was best (BENCHMARKS.md, where SmoothTS
//! loses).

use banditsor::learn::{Learner, LearnerRng, SmoothTs, TsallisInf};
use banditsor::OmegaGrid;

const ROUNDS: usize = 200;
const SEEDS: u64 = 8;

/// What the learner is told besides the cost.
#[derive(Clone, Copy, Debug)]
enum Context {
    None,
    /// Ten values in turn, unrelated to the cost (ten cells).
    Cycling,
    /// Uniform in [0, 1], unrelated to the cost (cells of a few rounds).
    Random,
}

/// Total cost of `ROUNDS` rounds of cost 10 + 100 |omega - best|, times a
/// uniform factor in [0.7, 1.3] if `noisy`, rounded to whole iterations.
/// Returns the total and the arms played in the last 50 rounds.
fn total(
    l: &mut dyn Learner,
    best: f64,
    noisy: bool,
    context: Context,
    seed: u64,
) -> (f64, Vec<usize>) {
    let grid = *l.grid();
    let mut noise = LearnerRng::new(1000 + seed);
    let mut contexts = LearnerRng::new(2000 + seed);
    let mut last = Vec::new();
    let total = (0..ROUNDS)
        .map(|t| {
            let c = match context {
                Context::None => None,
                Context::Cycling => Some((t % 10) as f64),
                Context::Random => Some(contexts.uniform()),
            };
            let arm = l.choose(c);
            if t + 50 >= ROUNDS {
                last.push(arm);
            }
            let factor = if noisy {
                0.7 + 0.6 * noise.uniform()
            } else {
                1.0
            };
            let cost = ((10.0 + 100.0 * (grid.omega(arm) - best).abs()) * factor).round();
            l.observe(cost);
            cost
        })
        .sum();
    (total, last)
}

#[test]
fn coarse_grids_find_the_best_omega_at_every_position_for_at_most_tsallis() {
    let mut failures = Vec::new();
    let mut worst: f64 = 0.0;
    let mut least_on_best = 50;
    for (lo, hi) in [(1.1, 1.7), (1.0, 1.95)] {
        for arms in [2, 3, 4, 7] {
            let grid = OmegaGrid::new(lo, hi, arms).unwrap();
            for best_arm in 0..grid.len() {
                let best = grid.omega(best_arm);
                for noisy in [false, true] {
                    for context in [Context::None, Context::Cycling, Context::Random] {
                        let case = format!(
                            "grid [{lo}, {hi}] x {arms}, best omega {best:.3}, noisy {noisy}, context {context:?}"
                        );
                        let (mut smooth, mut tsallis) = (0.0, 0.0);
                        for seed in 0..SEEDS {
                            let mut l = SmoothTs::new(grid, seed).unwrap();
                            let (cost, last) = total(&mut l, best, noisy, context, seed);
                            smooth += cost;
                            let mut tsallis_learner = TsallisInf::new(grid, seed);
                            tsallis += total(&mut tsallis_learner, best, noisy, context, seed).0;
                            // Ends on the best arm: plays it in most of the
                            // last 50 rounds and, without context, its
                            // posterior ranks it first.
                            let on_best = last.iter().filter(|&&a| a == best_arm).count();
                            least_on_best = least_on_best.min(on_best);
                            if on_best < 40 {
                                failures.push(format!(
                                    "{case}, seed {seed}: best arm in {on_best} of the last 50 rounds"
                                ));
                            }
                            if matches!(context, Context::None) && l.favourite(None) != best_arm {
                                failures.push(format!(
                                    "{case}, seed {seed}: favourite arm {}",
                                    l.favourite(None)
                                ));
                            }
                        }
                        let ratio = smooth / tsallis;
                        worst = worst.max(ratio);
                        if ratio > 1.10 {
                            failures.push(format!("{case}: SmoothTS {ratio:.3}x Tsallis-INF"));
                        }
                    }
                }
            }
        }
    }
    println!(
        "worst SmoothTS / Tsallis-INF: {worst:.3}; fewest plays of the best arm in the last 50 rounds: {least_on_best}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
