//! A small version of the paper's shifted-Laplacian experiment (moved here
//! from tests/learners.rs with the problem generators).
//!
//! The full experiment (T = 5000, 5 seeds, both distributions, the issue's
//! acceptance bounds) is `#[ignore]`d because it takes minutes:
//! `cargo test --release -p banditsor-demo --test shifted_experiment -- --ignored --nocapture`
//! (the full test command, tests/run-all.sh, runs them).

use banditsor::learn::{ChebCb, ChebCbParams, ChebCbTarget, Learner, LearnerConfig, LearnerKind};
use banditsor::{Method, OmegaGrid, Preconditioner, SweepKind};
use banditsor_demo::problems::shifted::{
    cost_table, generate_instances, learner_configs, run_learner, summarise, CostTable, Instance,
    ShiftDistribution, Summary,
};

fn print(s: &Summary) {
    println!(
        "{:>13} T={} seed={}: best fixed {} (omega {:.2}), instance-optimal {}, \
         Tsallis-INF {} ({:.3}x best fixed), Tsallis-INF-CB {} ({:.3}x inst-opt), \
         ChebCB {} ({:.3}x inst-opt)",
        s.distribution.name(),
        s.rounds,
        s.instance_seed,
        s.best_fixed,
        s.best_fixed_omega,
        s.instance_optimal,
        s.tsallis_inf,
        s.tsallis_vs_best_fixed(),
        s.tsallis_inf_cb,
        s.tsallis_cb_vs_instance_optimal(),
        s.chebcb,
        s.chebcb_vs_instance_optimal()
    );
}

/// Totals of the three learners when each solves the systems itself
/// through the preconditioner (A + c I assembled here, SOR with one
/// forward sweep from zero to 1e-8, context c): the cost-table replay
/// must reproduce them exactly.
fn totals_by_solving(instances: &[Instance], configs: &[LearnerConfig]) -> Vec<u64> {
    let base = banditsor::laplacian_2d(10, 1.0);
    let diagonal: Vec<usize> = base.view().diagonal().positions().to_vec();
    configs
        .iter()
        .map(|config| {
            let mut pc = Preconditioner::with_config(config.clone()).unwrap();
            pc.set_sweep(SweepKind::Forward, 1).unwrap();
            pc.set_operator(base.clone());
            let mut total = 0;
            for inst in instances {
                let mut values = base.as_sprs().data().to_vec();
                for &p in &diagonal {
                    values[p] += inst.shift;
                }
                pc.update_values(&values).unwrap();
                let mut x = vec![0.0; 100];
                let out = pc
                    .solve(Method::Sor, Some(inst.shift), &inst.b, &mut x, 1e-8, 10_000)
                    .unwrap();
                total += out.iterations;
            }
            total
        })
        .collect()
}

fn experiment(rounds: usize, seeds: &[u64]) -> Vec<(Summary, CostTable)> {
    let mut out = Vec::new();
    for dist in [
        ShiftDistribution::LowVariance,
        ShiftDistribution::HighVariance,
    ] {
        for &seed in seeds {
            let instances = generate_instances(dist, rounds, seed);
            let table = cost_table(&instances, &OmegaGrid::paper_default(), 0);
            let s = summarise(dist, seed, seed, &table).unwrap();
            print(&s);
            // The replay is what the learners would have paid solving the
            // systems themselves.
            let configs = learner_configs(dist, seed);
            assert_eq!(
                totals_by_solving(&instances, &configs),
                vec![s.tsallis_inf, s.tsallis_inf_cb, s.chebcb],
                "{}: replayed totals (Tsallis-INF, Tsallis-INF-CB, ChebCB)",
                dist.name()
            );
            out.push((s, table));
        }
    }
    out
}

/// Small version of the paper's experiment, sized for debug builds
/// (computing the cost table, 500 x 20 SOR solves per distribution, is
/// what takes the time). After only 500 rounds the learners are still
/// exploring (at T = 5000 the ratios are about 1.13-1.16 and 1.05-1.10),
/// so the bounds are loose smoke-test bounds: at T = 500 on seeds 0-9 we
/// measured Tsallis-INF 1.42-1.76x best fixed and ChebCB 1.21-1.53x
/// instance-optimal. The contextual ChebCB must also beat Tsallis-INF.
#[test]
fn shifted_laplacian_small() {
    for (s, _) in experiment(500, &[1]) {
        assert!(
            s.tsallis_vs_best_fixed() <= 1.9,
            "Tsallis-INF {:.3}x best fixed",
            s.tsallis_vs_best_fixed()
        );
        assert!(
            s.chebcb_vs_instance_optimal() <= 1.7,
            "ChebCB {:.3}x instance-optimal",
            s.chebcb_vs_instance_optimal()
        );
        assert!(s.chebcb < s.tsallis_inf, "ChebCB should beat Tsallis-INF");
    }
}

/// The acceptance bounds: T = 5000, averaged over 5 seeds, in both
/// distributions, Tsallis-INF <= 1.20x best fixed and ChebCB <= 1.12x
/// instance-optimal.
#[test]
#[ignore = "minutes: cargo test --release -p banditsor-demo --test shifted_experiment -- --ignored --nocapture"]
fn shifted_laplacian_paper_scale() {
    let seeds = [0, 1, 2, 3, 4];
    let all = experiment(5000, &seeds);
    for dist in [
        ShiftDistribution::LowVariance,
        ShiftDistribution::HighVariance,
    ] {
        let runs: Vec<&Summary> = all
            .iter()
            .map(|(s, _)| s)
            .filter(|s| s.distribution == dist)
            .collect();
        let k = runs.len() as f64;
        let ts = runs.iter().map(|s| s.tsallis_vs_best_fixed()).sum::<f64>() / k;
        let cb = runs
            .iter()
            .map(|s| s.chebcb_vs_instance_optimal())
            .sum::<f64>()
            / k;
        let tcb = runs
            .iter()
            .map(|s| s.tsallis_cb_vs_instance_optimal())
            .sum::<f64>()
            / k;
        println!(
            "{:>13} mean over {} seeds: Tsallis-INF {ts:.3}x best fixed, ChebCB {cb:.3}x \
             instance-optimal, Tsallis-INF-CB {tcb:.3}x instance-optimal",
            dist.name(),
            runs.len()
        );
        // The README's note on ChebCB's target: the same tables replayed
        // with the notes' target (the loss itself) instead of ln(1 + loss).
        let loss_target = all
            .iter()
            .filter(|(s, _)| s.distribution == dist)
            .map(|(s, table)| {
                // Same configuration as the comparison's ChebCB.
                assert_eq!(
                    chebcb_total(dist, table, s.learner_seed, ChebCbTarget::LogLoss),
                    s.chebcb
                );
                chebcb_total(dist, table, s.learner_seed, ChebCbTarget::Loss) as f64
                    / s.instance_optimal as f64
            })
            .sum::<f64>()
            / k;
        println!(
            "{:>13} mean over {} seeds: ChebCB with the loss as target {loss_target:.3}x \
             instance-optimal (default ln(1 + loss): {cb:.3}x)",
            dist.name(),
            runs.len()
        );
        assert!(ts <= 1.20, "{}: Tsallis-INF {ts:.3}", dist.name());
        assert!(cb <= 1.12, "{}: ChebCB {cb:.3}", dist.name());
        // With 1000 systems per bin the bins pay off: Tsallis-INF-CB beats
        // Tsallis-INF (measured 1.49 vs 1.55 low, 1.71 vs 2.05 high, both
        // relative to instance-optimal).
        let ts_io = runs
            .iter()
            .map(|s| s.tsallis_inf as f64 / s.instance_optimal as f64)
            .sum::<f64>()
            / k;
        assert!(
            tcb < ts_io,
            "{}: Tsallis-INF-CB {tcb:.3} vs Tsallis-INF {ts_io:.3} (x instance-optimal)",
            dist.name()
        );
    }
}

/// Replayed total of ChebCB (the comparison's configuration) with the
/// given regression target.
fn chebcb_total(
    dist: ShiftDistribution,
    table: &CostTable,
    seed: u64,
    target: ChebCbTarget,
) -> u64 {
    let params = ChebCbParams {
        target,
        ..ChebCbParams::default()
    };
    let mut l = ChebCb::with_params(table.grid, dist.support(), 6, seed, params).unwrap();
    (0..table.rounds())
        .map(|t| {
            let arm = l.choose(Some(table.shifts[t]));
            let cost = table.cost(t, arm);
            l.observe(cost as f64);
            cost as u64
        })
        .sum()
}

/// Mean ratio of a learner's replayed total to the instance-optimal total.
fn mean_ratio(tables: &[CostTable], config: impl Fn(u64) -> LearnerConfig) -> f64 {
    tables
        .iter()
        .enumerate()
        .map(|(seed, t)| {
            run_learner(&config(seed as u64), t).unwrap().total as f64
                / t.instance_optimal_total() as f64
        })
        .sum::<f64>()
        / tables.len() as f64
}

/// Why Tsallis-INF-CB pays 2.3-2.8x the instance-optimal total at T = 500:
/// it is the method, not a defect. Each bin is an independent Tsallis-INF
/// (one bin is exactly Tsallis-INF), and Tsallis-INF after a few hundred
/// rounds over 20 arms is still far from its comparator; splitting the
/// rounds over 5 bins gives each a shorter run. Measured (T = 500, seeds
/// 0-9, x instance-optimal, low / high variance): Tsallis-INF 2.07 / 2.92,
/// Tsallis-INF-CB with 1 / 2 / 3 / 5 / 10 bins 2.07 / 2.09 / 2.14 / 2.25 /
/// 2.52 and 2.92 / 2.87 / 2.84 / 2.84 / 3.01 (the authors' context range
/// [-0.15, 0.65]: 2.18 / 2.83), while the best fixed omega per bin in
/// hindsight would pay 1.17 / 1.35. So at T = 500 binning costs about what
/// it gains; at T = 5000 it wins (shifted_laplacian_paper_scale).
#[test]
#[ignore = "a minute in release: cargo test --release -p banditsor-demo --test shifted_experiment -- --ignored --nocapture"]
fn tsallis_cb_short_runs_cost_what_tsallis_inf_costs() {
    for dist in [
        ShiftDistribution::LowVariance,
        ShiftDistribution::HighVariance,
    ] {
        let tables: Vec<CostTable> = (0..10)
            .map(|seed| {
                cost_table(
                    &generate_instances(dist, 500, seed),
                    &OmegaGrid::paper_default(),
                    0,
                )
            })
            .collect();
        let config = |kind, bins| {
            move |seed| LearnerConfig {
                kind,
                context_bins: bins,
                ..learner_configs(dist, seed)[0].clone()
            }
        };
        let ts = mean_ratio(&tables, config(LearnerKind::TsallisInf, 5));
        let tcb: Vec<f64> = [1, 2, 3, 5, 10]
            .iter()
            .map(|&bins| mean_ratio(&tables, config(LearnerKind::TsallisInfCb, bins)))
            .collect();
        println!(
            "{:>13} T=500, seeds 0-9, x instance-optimal: Tsallis-INF {ts:.3}, \
             Tsallis-INF-CB with 1/2/3/5/10 bins {:.3}/{:.3}/{:.3}/{:.3}/{:.3}",
            dist.name(),
            tcb[0],
            tcb[1],
            tcb[2],
            tcb[3],
            tcb[4]
        );
        assert_eq!(tcb[0], ts, "one bin is Tsallis-INF");
        for (bins, r) in [2, 3, 5].iter().zip(&tcb[1..4]) {
            assert!(
                (r / ts - 1.0).abs() < 0.15,
                "{}: {bins} bins {r:.3} vs Tsallis-INF {ts:.3}",
                dist.name()
            );
        }
    }
}
