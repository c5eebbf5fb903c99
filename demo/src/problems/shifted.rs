//! The paper's shifted-Laplacian experiment (Khodak et al., ICLR 2024,
//! section 5, `scripts/contextual.m` of the authors' code).
//!
//! A is the 5-point Laplacian on a 10 x 10 interior grid (n = 100, natural
//! ordering, diagonal 4); instance t is A_t = A + c_t I with
//! c_t = -0.15 + 0.6 * Beta(2, 6) ("low variance") or
//! c_t = -0.15 + 0.6 * Beta(0.5, 1.5) ("high variance") -- the authors apply
//! the same affine map to both Beta draws, so both supports are
//! [-0.15, 0.45] -- and b_t is a standard normal vector, redrawn until
//! ||b_t|| <= sqrt(n). Each instance is solved by SOR (one forward sweep per
//! iteration) from x = 0 to relative residual 1e-8, at most 10000
//! iterations; the cost is the iteration count.
//!
//! Instances are drawn from a seeded ChaCha8 stream, so a seed names a
//! sequence. [`cost_table`] solves every instance at every grid omega
//! (brute force, once); from it [`run_learner`] replays any learner exactly
//! as if it had solved the systems itself (it only ever sees the cost of
//! the arm it played), and [`Summary`] gathers the paper's comparison:
//! every fixed omega, the best fixed omega in hindsight, the
//! instance-optimal total and the three learners.

use banditsor::error::{Error, Result};
use banditsor::learn::{ContextRange, LearnerConfig, LearnerKind, OmegaGrid};
use banditsor::matrix::{laplacian_2d, CsrMatrix};
use banditsor::solve::stationary;
use banditsor::sweep::SweepKind;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Side of the interior grid (n = GRID^2 = 100).
pub const GRID: usize = 10;
/// Relative residual the SOR solves stop at.
pub const RTOL: f64 = 1e-8;
/// Iteration cap of one solve (its cost when it does not converge).
pub const MAX_IT: u64 = 10_000;
/// Number of instances of the paper's experiment.
pub const PAPER_ROUNDS: usize = 5000;
/// Lower end of the shift: c_t = SHIFT_LO + SHIFT_WIDTH * Beta(..).
pub const SHIFT_LO: f64 = -0.15;
/// Width of the shift's support.
pub const SHIFT_WIDTH: f64 = 0.6;

/// Distribution of the diagonal shift c_t.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftDistribution {
    /// c = -0.15 + 0.6 * Beta(2, 6).
    LowVariance,
    /// c = -0.15 + 0.6 * Beta(0.5, 1.5).
    HighVariance,
}

impl ShiftDistribution {
    pub fn name(self) -> &'static str {
        match self {
            ShiftDistribution::LowVariance => "low_variance",
            ShiftDistribution::HighVariance => "high_variance",
        }
    }

    /// Beta parameters (alpha, beta).
    pub fn beta_parameters(self) -> (f64, f64) {
        match self {
            ShiftDistribution::LowVariance => (2.0, 6.0),
            ShiftDistribution::HighVariance => (0.5, 1.5),
        }
    }

    /// Support of c_t, [-0.15, 0.45]: the contextual learners' range.
    pub fn support(self) -> ContextRange {
        ContextRange::new(SHIFT_LO, SHIFT_LO + SHIFT_WIDTH).expect("valid range")
    }
}

/// One linear system of the sequence: A + shift I, right-hand side b.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub shift: f64,
    pub b: Vec<f64>,
}

/// The unshifted operator (10 x 10 grid Laplacian, diagonal 4).
pub fn base_operator() -> CsrMatrix {
    laplacian_2d(GRID, 1.0)
}

/// Draw `rounds` instances from `dist` with the ChaCha8 stream of `seed`.
pub fn generate_instances(dist: ShiftDistribution, rounds: usize, seed: u64) -> Vec<Instance> {
    let n = GRID * GRID;
    let (a, b) = dist.beta_parameters();
    let beta = Beta::new(a, b).expect("valid beta parameters");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let radius2 = n as f64;
    (0..rounds)
        .map(|_| {
            let shift = SHIFT_LO + SHIFT_WIDTH * beta.sample(&mut rng);
            let b = loop {
                let b: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                if b.iter().map(|x| x * x).sum::<f64>() <= radius2 {
                    break b;
                }
            };
            Instance { shift, b }
        })
        .collect()
}

/// Iteration counts of every instance at every grid omega: row t holds
/// instance t, column i arm i.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostTable {
    pub grid: OmegaGrid,
    /// Shift of each instance (the contextual learners' context).
    pub shifts: Vec<f64>,
    /// Row-major, `shifts.len() x grid.len()`.
    pub costs: Vec<u32>,
}

impl CostTable {
    pub fn rounds(&self) -> usize {
        self.shifts.len()
    }
    pub fn arms(&self) -> usize {
        self.grid.len()
    }
    /// Cost of instance `t` at arm `arm`.
    pub fn cost(&self, t: usize, arm: usize) -> u32 {
        self.costs[t * self.arms() + arm]
    }
    /// The costs of instance `t` at every arm.
    pub fn row(&self, t: usize) -> &[u32] {
        let d = self.arms();
        &self.costs[t * d..(t + 1) * d]
    }
    /// Total cost of always playing arm `arm`.
    pub fn fixed_total(&self, arm: usize) -> u64 {
        (0..self.rounds()).map(|t| self.cost(t, arm) as u64).sum()
    }
    /// (arm, total) of the best fixed arm in hindsight (first on ties).
    pub fn best_fixed(&self) -> (usize, u64) {
        (0..self.arms())
            .map(|i| (i, self.fixed_total(i)))
            .min_by_key(|&(i, total)| (total, i))
            .expect("grid has at least one arm")
    }
    /// Sum over instances of the cheapest arm of each instance.
    pub fn instance_optimal_total(&self) -> u64 {
        (0..self.rounds())
            .map(|t| *self.row(t).iter().min().expect("non-empty row") as u64)
            .sum()
    }
}

/// Iterations SOR needs on one instance at each omega of `grid`.
fn instance_costs(a: &CsrMatrix, inst: &Instance, grid: &OmegaGrid, out: &mut [u32]) {
    let mut at = a.clone();
    at.shift_diagonal(inst.shift)
        .expect("shifted Laplacian keeps a non-zero diagonal");
    let view = at.view();
    let n = at.n();
    let mut x = vec![0.0; n];
    let mut work = vec![0.0; n];
    for (i, c) in out.iter_mut().enumerate() {
        x.fill(0.0);
        let o = stationary(
            &view,
            SweepKind::Forward,
            1,
            grid.omega(i),
            &inst.b,
            &mut x,
            RTOL,
            MAX_IT,
            &mut work,
        );
        *c = o.iterations as u32;
    }
}

/// Solve every instance at every omega of `grid` (brute force), splitting
/// the instances over the available cores (at most `threads`, 0 = all).
pub fn cost_table(instances: &[Instance], grid: &OmegaGrid, threads: usize) -> CostTable {
    let a = base_operator();
    let d = grid.len();
    let mut costs = vec![0u32; instances.len() * d];
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let threads = if threads == 0 {
        cores
    } else {
        threads.min(cores)
    }
    .max(1);
    let per = instances.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (insts, rows) in instances.chunks(per).zip(costs.chunks_mut(per * d)) {
            let a = &a;
            s.spawn(move || {
                for (inst, row) in insts.iter().zip(rows.chunks_mut(d)) {
                    instance_costs(a, inst, grid, row);
                }
            });
        }
    });
    CostTable {
        grid: *grid,
        shifts: instances.iter().map(|i| i.shift).collect(),
        costs,
    }
}

/// What a replayed learner did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    /// Sum of the costs of the arms it played.
    pub total: u64,
    /// The arm played at each round.
    pub arms: Vec<usize>,
}

/// Replay the learner `config` describes over the instances of `table`:
/// round t chooses an arm with context c_t and observes only that arm's
/// cost. The learner's grid must be the table's.
pub fn run_learner(config: &LearnerConfig, table: &CostTable) -> Result<Replay> {
    if config.kind != LearnerKind::Fixed && config.grid != table.grid {
        return Err(Error::InvalidArgument {
            what: "learner grid",
            detail: "the learner's omega grid differs from the cost table's".into(),
        });
    }
    let mut learner = config.build()?;
    let mut total = 0u64;
    let mut arms = Vec::with_capacity(table.rounds());
    for t in 0..table.rounds() {
        let arm = if config.kind == LearnerKind::Fixed {
            learner.choose(Some(table.shifts[t]));
            fixed_arm(table, config.fixed_omega)?
        } else {
            learner.choose(Some(table.shifts[t]))
        };
        let cost = table.cost(t, arm);
        learner.observe(cost as f64);
        total += cost as u64;
        arms.push(arm);
    }
    Ok(Replay { total, arms })
}

fn fixed_arm(table: &CostTable, omega: f64) -> Result<usize> {
    (0..table.arms())
        .find(|&i| (table.grid.omega(i) - omega).abs() < 1e-12)
        .ok_or_else(|| Error::InvalidArgument {
            what: "fixed omega",
            detail: format!("{omega} is not on the cost table's grid"),
        })
}

/// The paper's comparison on one instance sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub distribution: ShiftDistribution,
    pub rounds: usize,
    /// Seed of the instance stream.
    pub instance_seed: u64,
    /// Seed of the learners' random streams.
    pub learner_seed: u64,
    /// (omega, total iterations) of every fixed grid omega.
    pub fixed: Vec<(f64, u64)>,
    /// omega and total of the best fixed omega in hindsight.
    pub best_fixed_omega: f64,
    pub best_fixed: u64,
    /// Sum of the per-instance minima over the grid.
    pub instance_optimal: u64,
    pub tsallis_inf: u64,
    pub tsallis_inf_cb: u64,
    pub chebcb: u64,
}

impl Summary {
    /// Tsallis-INF total / best fixed total.
    pub fn tsallis_vs_best_fixed(&self) -> f64 {
        self.tsallis_inf as f64 / self.best_fixed as f64
    }
    /// ChebCB total / instance-optimal total.
    pub fn chebcb_vs_instance_optimal(&self) -> f64 {
        self.chebcb as f64 / self.instance_optimal as f64
    }
    /// Tsallis-INF-CB total / instance-optimal total.
    pub fn tsallis_cb_vs_instance_optimal(&self) -> f64 {
        self.tsallis_inf_cb as f64 / self.instance_optimal as f64
    }
}

/// Learner configurations of the comparison: the paper's grid, the
/// distribution's support as context range, `bins` context bins for
/// Tsallis-INF-CB and the default 6 Chebyshev features.
pub fn learner_configs(dist: ShiftDistribution, seed: u64) -> [LearnerConfig; 3] {
    let base = LearnerConfig {
        grid: OmegaGrid::paper_default(),
        context_range: dist.support(),
        seed,
        // The authors' contextual.m uses 5 bins.
        context_bins: 5,
        ..LearnerConfig::default()
    };
    [
        LearnerConfig {
            kind: LearnerKind::TsallisInf,
            ..base.clone()
        },
        LearnerConfig {
            kind: LearnerKind::TsallisInfCb,
            ..base.clone()
        },
        LearnerConfig {
            kind: LearnerKind::ChebCb,
            ..base
        },
    ]
}

/// Summarise the comparison given a cost table of `dist` instances.
pub fn summarise(
    dist: ShiftDistribution,
    instance_seed: u64,
    learner_seed: u64,
    table: &CostTable,
) -> Result<Summary> {
    let [ts, tscb, cheb] = learner_configs(dist, learner_seed);
    let (best_arm, best_fixed) = table.best_fixed();
    Ok(Summary {
        distribution: dist,
        rounds: table.rounds(),
        instance_seed,
        learner_seed,
        fixed: (0..table.arms())
            .map(|i| (table.grid.omega(i), table.fixed_total(i)))
            .collect(),
        best_fixed_omega: table.grid.omega(best_arm),
        best_fixed,
        instance_optimal: table.instance_optimal_total(),
        tsallis_inf: run_learner(&ts, table)?.total,
        tsallis_inf_cb: run_learner(&tscb, table)?.total,
        chebcb: run_learner(&cheb, table)?.total,
    })
}

/// Generate, tabulate and summarise in one call (paper's grid).
pub fn run_experiment(
    dist: ShiftDistribution,
    rounds: usize,
    instance_seed: u64,
    learner_seed: u64,
) -> Result<Summary> {
    let instances = generate_instances(dist, rounds, instance_seed);
    let table = cost_table(&instances, &OmegaGrid::paper_default(), 0);
    summarise(dist, instance_seed, learner_seed, &table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_are_reproducible_and_in_support() {
        for dist in [
            ShiftDistribution::LowVariance,
            ShiftDistribution::HighVariance,
        ] {
            let a = generate_instances(dist, 50, 7);
            let b = generate_instances(dist, 50, 7);
            assert_eq!(a, b);
            let r = dist.support();
            for inst in &a {
                assert!(inst.shift >= r.lo() && inst.shift <= r.hi());
                assert!(inst.b.iter().map(|x| x * x).sum::<f64>() <= 100.0);
            }
            assert_ne!(a, generate_instances(dist, 50, 8));
        }
    }

    #[test]
    fn cost_table_matches_direct_solves_and_threads_agree() {
        let inst = generate_instances(ShiftDistribution::HighVariance, 6, 1);
        let grid = OmegaGrid::new(1.0, 1.9, 4).unwrap();
        let one = cost_table(&inst, &grid, 1);
        let two = cost_table(&inst, &grid, 2);
        assert_eq!(one, two);
        let mut row = vec![0; 4];
        instance_costs(&base_operator(), &inst[3], &grid, &mut row);
        assert_eq!(one.row(3), &row[..]);
        assert!(one.costs.iter().all(|&c| c > 0));
    }

    #[test]
    fn baselines_of_a_hand_made_table() {
        // Arm totals 12, 11, 11: the best fixed arm is the first of the
        // two cheapest; the instance-optimal total is 3 + 1 + 1 = 5.
        let table = CostTable {
            grid: OmegaGrid::new(1.0, 1.5, 3).unwrap(),
            shifts: vec![0.0, 0.1, 0.2],
            costs: vec![5, 3, 9, 2, 7, 1, 5, 1, 1],
        };
        assert_eq!(table.row(1), &[2, 7, 1]);
        assert_eq!(table.cost(2, 0), 5);
        assert_eq!(
            (0..3).map(|i| table.fixed_total(i)).collect::<Vec<_>>(),
            [12, 11, 11]
        );
        assert_eq!(table.best_fixed(), (1, 11));
        assert_eq!(table.instance_optimal_total(), 5);
        let s = summarise(ShiftDistribution::LowVariance, 0, 0, &table);
        // The learners need the paper's grid; this table has another.
        assert!(s.is_err());
    }
}
