//! `banditsor horizon`: what a user running T solves pays, for T from 20
//! to 5000. Sequences of linear systems are tabulated once by brute force
//! (every instance solved at every grid omega, cached on disk), then each
//! learner is replayed on windows of T consecutive instances with a fresh
//! learner per window; the totals are compared with the best fixed omega
//! of the same window and with the instance-optimal total (cheapest omega
//! per instance), averaged over seeds and windows.
//!
//! Sequences: the paper's shifted Laplacian (both Beta distributions), and
//! sequences where SmoothTS's structural assumptions are wrong, compared
//! with Tsallis-INF: a nonsymmetric convection-diffusion operator, the
//! 9-point Laplacian (not consistently ordered), a shift whose best omega
//! switches abruptly mid-sequence, and synthetic costs with two valleys
//! (not unimodal in omega).
//!
//! Contexts: `none` (the learner gets no context), `true` (the shift, over
//! its support), `auto` (the operator's mean diagonal-dominance ratio,
//! `banditsor::context`, with the default context range, as a caller
//! who sets nothing gets it).

use banditsor::context::dominance_ratio;
use banditsor::learn::{SmoothTs, SmoothTsParams};
use banditsor::solve::stationary;
use banditsor::{
    ContextRange, CsrMatrix, Learner, LearnerConfig, LearnerKind, OmegaGrid, SweepKind,
};
use banditsor_demo::problems::shifted::{generate_instances, ShiftDistribution, MAX_IT, RTOL};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug, Clone)]
pub struct HorizonArgs {
    /// Comma-separated horizons T (solves per window).
    #[arg(long, default_value = "20,50,100,200,500,1000,5000")]
    pub horizons: String,
    /// Instances per sequence (the longest horizon must fit).
    #[arg(long, default_value_t = 5000)]
    pub instances: usize,
    /// Seeds (instance sequences) per suite.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Windows per seed for horizons that fit several times.
    #[arg(long, default_value_t = 4)]
    pub windows: usize,
    /// Suites: low, high, nonsym, ninepoint, switch, bimodal (comma-separated) or all.
    #[arg(long, default_value = "all")]
    pub suites: String,
    /// Policies learner:context (context none, true or auto), comma-separated, or "default".
    #[arg(long, default_value = "default")]
    pub policies: String,
    /// Directory of cached cost tables.
    #[arg(long, default_value = "target/horizon-cache")]
    pub cache: PathBuf,
    /// SVG plot (shifted-Laplacian suites).
    #[arg(long, default_value = "horizon.svg")]
    pub plot: PathBuf,
    /// Threads for the brute-force tables (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// SmoothTS constants as JSON (fields of SmoothTsParams; missing ones default).
    #[arg(long)]
    pub smooth_params: Option<String>,
}

const DEFAULT_POLICIES: &str = "tsallis:none,tsallis_cb:true,tsallis_cb:auto,chebcb:none,chebcb:true,chebcb:auto,smooth_ts:none,smooth_ts:true,smooth_ts:auto";

/// Where a round's context comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContextSource {
    None,
    True,
    Auto,
}

#[derive(Debug, Clone)]
struct Policy {
    kind: LearnerKind,
    context: ContextSource,
}

impl Policy {
    fn label(&self) -> String {
        let c = match self.context {
            ContextSource::None => "no context",
            ContextSource::True => "true context",
            ContextSource::Auto => "auto context",
        };
        format!("{} ({c})", self.kind.name())
    }
}

fn parse_policies(spec: &str) -> Result<Vec<Policy>, String> {
    let spec = if spec == "default" {
        DEFAULT_POLICIES
    } else {
        spec
    };
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (name, ctx) = item.split_once(':').unwrap_or((item, "none"));
            let kind = LearnerKind::from_name(name).map_err(|e| e.to_string())?;
            let context = match ctx {
                "none" => ContextSource::None,
                "true" => ContextSource::True,
                "auto" => ContextSource::Auto,
                other => return Err(format!("'{item}': context '{other}' (none, true or auto)")),
            };
            Ok(Policy { kind, context })
        })
        .collect()
}

/// A tabulated sequence: costs of every instance at every grid omega, the
/// true context and the automatic context of each instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    pub arms: usize,
    pub costs: Vec<u32>,
    pub true_context: Vec<f64>,
    pub auto_context: Vec<f64>,
    /// Range of the true context.
    pub range: (f64, f64),
}

impl Table {
    fn rounds(&self) -> usize {
        self.true_context.len()
    }
    fn cost(&self, t: usize, arm: usize) -> u32 {
        self.costs[t * self.arms + arm]
    }
}

/// The sequences this command knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suite {
    Low,
    High,
    Nonsym,
    NinePoint,
    Switch,
    Bimodal,
}

impl Suite {
    fn name(self) -> &'static str {
        match self {
            Suite::Low => "low",
            Suite::High => "high",
            Suite::Nonsym => "nonsym",
            Suite::NinePoint => "ninepoint",
            Suite::Switch => "switch",
            Suite::Bimodal => "bimodal",
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Suite::Low => "shifted Laplacian, c = -0.15 + 0.6 Beta(2, 6) (low variance)",
            Suite::High => "shifted Laplacian, c = -0.15 + 0.6 Beta(0.5, 1.5) (high variance)",
            Suite::Nonsym => "nonsymmetric convection-diffusion (cell Peclet 1) + c I, high-variance c",
            Suite::NinePoint => "9-point Laplacian (not consistently ordered) + c I, high-variance c",
            Suite::Switch => "shifted Laplacian, c near 0.4 then near -0.14 from mid-window (best omega switches)",
            Suite::Bimodal => "synthetic costs with two valleys in omega (not unimodal)",
        }
    }
    fn parse(spec: &str) -> Result<Vec<Suite>, String> {
        let all = [
            Suite::Low,
            Suite::High,
            Suite::Nonsym,
            Suite::NinePoint,
            Suite::Switch,
            Suite::Bimodal,
        ];
        if spec == "all" {
            return Ok(all.to_vec());
        }
        spec.split(',')
            .map(|s| {
                all.iter()
                    .copied()
                    .find(|x| x.name() == s.trim())
                    .ok_or_else(|| format!("unknown suite '{s}'"))
            })
            .collect()
    }
}

/// 5-point convection-diffusion on an m x m grid, upwind convection in x
/// with cell Peclet number `pe`: nonsymmetric, diagonal 4 + pe.
fn convection_diffusion(m: usize, pe: f64) -> CsrMatrix {
    stencil(m, |di, dj| match (di, dj) {
        (0, 0) => Some(4.0 + pe),
        (0, -1) => Some(-1.0 - pe),
        (0, 1) | (-1, 0) | (1, 0) => Some(-1.0),
        _ => None,
    })
}

/// 9-point Laplacian (diagonal 8, all 8 neighbours -1): not consistently ordered.
fn nine_point(m: usize) -> CsrMatrix {
    stencil(m, |di, dj| {
        if di == 0 && dj == 0 {
            Some(8.0)
        } else {
            Some(-1.0)
        }
    })
}

fn stencil(m: usize, entry: impl Fn(i64, i64) -> Option<f64>) -> CsrMatrix {
    let n = m * m;
    let mut rowptr = vec![0usize];
    let (mut colind, mut values) = (Vec::new(), Vec::new());
    for i in 0..m as i64 {
        for j in 0..m as i64 {
            for di in -1..=1 {
                for dj in -1..=1 {
                    let (r, c) = (i + di, j + dj);
                    if r < 0 || c < 0 || r >= m as i64 || c >= m as i64 {
                        continue;
                    }
                    if let Some(v) = entry(di, dj) {
                        colind.push((r * m as i64 + c) as usize);
                        values.push(v);
                    }
                }
            }
            rowptr.push(colind.len());
        }
    }
    CsrMatrix::from_csr(n as i64, &rowptr, &colind, &values).expect("stencil is valid CSR")
}

/// SOR iteration counts of (base + shift I) x = b at every grid omega.
fn sor_costs(base: &CsrMatrix, shift: f64, b: &[f64], grid: &OmegaGrid, out: &mut [u32]) -> f64 {
    let mut a = base.clone();
    a.shift_diagonal(shift).expect("non-zero diagonal");
    let n = a.n();
    let (mut x, mut work) = (vec![0.0; n], vec![0.0; n]);
    for (i, c) in out.iter_mut().enumerate() {
        x.fill(0.0);
        let o = stationary(
            &a.view(),
            SweepKind::Forward,
            1,
            grid.omega(i),
            b,
            &mut x,
            RTOL,
            MAX_IT,
            &mut work,
        );
        *c = o.iterations as u32;
    }
    dominance_ratio(&a.view())
}

fn build_table(suite: Suite, rounds: usize, seed: u64, threads: usize) -> Table {
    let grid = OmegaGrid::paper_default();
    let d = grid.len();
    if suite == Suite::Bimodal {
        return bimodal_table(rounds, seed, d);
    }
    let dist = match suite {
        Suite::Low => ShiftDistribution::LowVariance,
        _ => ShiftDistribution::HighVariance,
    };
    let mut instances = generate_instances(dist, rounds, seed);
    let base = match suite {
        Suite::Nonsym => convection_diffusion(10, 1.0),
        Suite::NinePoint => nine_point(10),
        _ => banditsor::laplacian_2d(10, 1.0),
    };
    let mut range = dist.support();
    if suite == Suite::Switch {
        // First half of the table near c = 0.4 (best omega ~1.5), second
        // half near c = -0.14 (best omega ~1.9); a window of T solves plays
        // T/2 of each, in that order (see `window_indices`).
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5157);
        for (t, inst) in instances.iter_mut().enumerate() {
            let u: f64 = rand::Rng::random(&mut rng);
            inst.shift = if t < rounds / 2 {
                0.35 + 0.1 * u
            } else {
                -0.145 + 0.02 * u
            };
        }
        range = ContextRange::new(-0.15, 0.45).unwrap();
    }
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |c| c.get())
    } else {
        threads
    };
    let mut costs = vec![0u32; rounds * d];
    let mut auto = vec![0.0; rounds];
    let per = rounds.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for ((insts, rows), autos) in instances
            .chunks(per)
            .zip(costs.chunks_mut(per * d))
            .zip(auto.chunks_mut(per))
        {
            let base = &base;
            let grid = &grid;
            s.spawn(move || {
                for ((inst, row), a) in insts.iter().zip(rows.chunks_mut(d)).zip(autos) {
                    *a = sor_costs(base, inst.shift, &inst.b, grid, row);
                }
            });
        }
    });
    Table {
        arms: d,
        costs,
        true_context: instances.iter().map(|i| i.shift).collect(),
        auto_context: auto,
        range: (range.lo(), range.hi()),
    }
}

/// Two valleys: a wide one at omega ~ 1.3 and a narrow deeper one at
/// omega ~ 1.85, each instance's level random (heavy-ish tail), plus
/// integer noise. No matrix: the automatic context is absent (NaN).
fn bimodal_table(rounds: usize, seed: u64, d: usize) -> Table {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xb1);
    let beta = Beta::new(0.5, 1.5).unwrap();
    let mut costs = Vec::with_capacity(rounds * d);
    let mut ctx = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let level: f64 = 1.0 + 2.0 * beta.sample(&mut rng);
        ctx.push(level);
        for i in 0..d {
            let wide = 1.0 + 0.02 * (i as f64 - 6.0).powi(2);
            let narrow = 0.8 + 0.25 * (i as f64 - 17.0).powi(2);
            let z: f64 = StandardNormal.sample(&mut rng);
            let c = 40.0 * level * wide.min(narrow) * (1.0 + 0.03 * z);
            costs.push(c.round().max(1.0) as u32);
        }
    }
    Table {
        arms: d,
        costs,
        true_context: ctx,
        auto_context: vec![f64::NAN; rounds],
        range: (1.0, 3.0),
    }
}

fn load_or_build(dir: &Path, suite: Suite, rounds: usize, seed: u64, threads: usize) -> Table {
    let path = dir.join(format!("{}-{rounds}-{seed}.json", suite.name()));
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(t) = serde_json::from_str::<Table>(&text) {
            return t;
        }
    }
    let t = build_table(suite, rounds, seed, threads);
    let _ = std::fs::create_dir_all(dir);
    if let Ok(text) = serde_json::to_string(&t) {
        let _ = std::fs::write(&path, text);
    }
    t
}

/// The instances of the window of `len` solves starting at `start`: for
/// the switch suite, the first half from the table's first half and the
/// rest from its second half, so every window switches in its middle.
fn window_indices(suite: Suite, rounds: usize, start: usize, len: usize) -> Vec<usize> {
    if suite != Suite::Switch {
        return (start..start + len).collect();
    }
    let half = rounds / 2;
    let first = len / 2;
    let s = start / 2;
    (s..s + first)
        .chain(half + s..half + s + (len - first))
        .collect()
}

/// Total cost of a fresh learner replayed over the instances `window`.
fn replay(
    policy: &Policy,
    table: &Table,
    window: &[usize],
    seed: u64,
    smooth: Option<&SmoothTsParams>,
) -> u64 {
    let range = match policy.context {
        ContextSource::True => ContextRange::new(table.range.0, table.range.1).unwrap(),
        _ => ContextRange::default(),
    };
    let config = LearnerConfig {
        kind: policy.kind,
        grid: OmegaGrid::paper_default(),
        context_range: range,
        seed,
        context_bins: 5,
        ..LearnerConfig::default()
    };
    let mut learner: Box<dyn Learner> = match (policy.kind, smooth) {
        (LearnerKind::SmoothTs, Some(p)) => {
            Box::new(SmoothTs::with_params(config.grid, seed, *p).expect("valid params"))
        }
        _ => config.build().expect("valid config"),
    };
    let mut total = 0u64;
    for &t in window {
        let context = match policy.context {
            ContextSource::None => None,
            ContextSource::True => Some(table.true_context[t]),
            ContextSource::Auto => Some(table.auto_context[t]).filter(|c| c.is_finite()),
        };
        let arm = learner.choose(context);
        let cost = table.cost(t, arm);
        learner.observe(cost as f64);
        total += cost as u64;
    }
    total
}

/// Window starts for horizon `t` in a sequence of `rounds` instances.
fn window_starts(rounds: usize, t: usize, windows: usize) -> Vec<usize> {
    let fit = rounds / t;
    let w = windows.min(fit).max(1);
    let stride = rounds / w;
    (0..w)
        .map(|k| k * stride)
        .filter(|&s| s + t <= rounds)
        .collect()
}

/// Mean ratios per policy per horizon.
#[derive(Debug, Clone)]
struct SuiteResult {
    suite: Suite,
    horizons: Vec<usize>,
    windows: Vec<usize>,
    /// [policy][horizon]: mean of total / best fixed, total / instance-optimal.
    vs_fixed: Vec<Vec<f64>>,
    vs_opt: Vec<Vec<f64>>,
    /// [policy][horizon]: mean total.
    totals: Vec<Vec<f64>>,
}

pub fn run(args: HorizonArgs) -> Result<(), String> {
    let horizons: Vec<usize> = args
        .horizons
        .split(',')
        .map(|s| s.trim().parse().map_err(|_| format!("bad horizon '{s}'")))
        .collect::<Result<_, _>>()?;
    if horizons.iter().any(|&t| t == 0 || t > args.instances) {
        return Err(format!("horizons must be in 1..={}", args.instances));
    }
    if args.seeds == 0 || args.windows == 0 {
        return Err("--seeds and --windows must be >= 1".into());
    }
    let suites = Suite::parse(&args.suites)?;
    let policies = parse_policies(&args.policies)?;
    let smooth: Option<SmoothTsParams> = match &args.smooth_params {
        None => None,
        Some(text) => {
            let mut v = serde_json::to_value(SmoothTsParams::default()).expect("serialises");
            let patch: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("--smooth-params: {e}"))?;
            for (k, x) in patch.as_object().ok_or("--smooth-params: not an object")? {
                v[k] = x.clone();
            }
            Some(serde_json::from_value(v).map_err(|e| format!("--smooth-params: {e}"))?)
        }
    };
    let mut results = Vec::new();
    for &suite in &suites {
        eprintln!(
            "{}: {} seeds x {} instances",
            suite.describe(),
            args.seeds,
            args.instances
        );
        let np = policies.len();
        let nh = horizons.len();
        let mut sum_fixed = vec![vec![0.0; nh]; np];
        let mut sum_opt = vec![vec![0.0; nh]; np];
        let mut sum_tot = vec![vec![0.0; nh]; np];
        let mut count = vec![0usize; nh];
        for seed in 0..args.seeds {
            let table = load_or_build(&args.cache, suite, args.instances, seed, args.threads);
            for (h, &t) in horizons.iter().enumerate() {
                for (w, &start) in window_starts(table.rounds(), t, args.windows)
                    .iter()
                    .enumerate()
                {
                    let window = window_indices(suite, table.rounds(), start, t);
                    let fixed = (0..table.arms)
                        .map(|a| window.iter().map(|&r| table.cost(r, a) as u64).sum::<u64>())
                        .min()
                        .unwrap() as f64;
                    let opt = window
                        .iter()
                        .map(|&r| (0..table.arms).map(|a| table.cost(r, a)).min().unwrap() as u64)
                        .sum::<u64>() as f64;
                    count[h] += 1;
                    for (p, policy) in policies.iter().enumerate() {
                        let total = replay(
                            policy,
                            &table,
                            &window,
                            1000 * seed + w as u64,
                            smooth.as_ref(),
                        ) as f64;
                        sum_fixed[p][h] += total / fixed;
                        sum_opt[p][h] += total / opt;
                        sum_tot[p][h] += total;
                    }
                }
            }
        }
        let div = |v: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            v.into_iter()
                .map(|row| row.iter().zip(&count).map(|(s, &c)| s / c as f64).collect())
                .collect()
        };
        let r = SuiteResult {
            suite,
            horizons: horizons.clone(),
            windows: count.iter().map(|c| c / args.seeds as usize).collect(),
            vs_fixed: div(sum_fixed),
            vs_opt: div(sum_opt),
            totals: div(sum_tot),
        };
        print_suite(&r, &policies, args.seeds);
        results.push(r);
    }
    plot(&args.plot, &results, &policies).map_err(|e| format!("plot: {e}"))?;
    println!("\nplot written to {}", args.plot.display());
    Ok(())
}

fn print_suite(r: &SuiteResult, policies: &[Policy], seeds: u64) {
    println!();
    println!(
        "== {}: {} ({seeds} seeds; windows per seed {:?})",
        r.suite.name(),
        r.suite.describe(),
        r.windows
    );
    for (title, data) in [
        ("total / best fixed omega of the window", &r.vs_fixed),
        ("total / instance-optimal", &r.vs_opt),
    ] {
        println!("-- {title}");
        print!("{:<28}", "policy \\ T");
        for t in &r.horizons {
            print!("{t:>8}");
        }
        println!();
        for (p, policy) in policies.iter().enumerate() {
            print!("{:<28}", policy.label());
            for v in &data[p] {
                print!("{v:>8.3}");
            }
            println!();
        }
    }
    if let Some(ts) = policies
        .iter()
        .position(|p| p.kind == LearnerKind::TsallisInf && p.context == ContextSource::None)
    {
        println!("-- total / Tsallis-INF (no context) total");
        for (p, policy) in policies.iter().enumerate() {
            print!("{:<28}", policy.label());
            for h in 0..r.horizons.len() {
                print!("{:>8.3}", r.totals[p][h] / r.totals[ts][h]);
            }
            println!();
        }
    }
}

fn plot(
    path: &Path,
    results: &[SuiteResult],
    policies: &[Policy],
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let shown: Vec<&SuiteResult> = results
        .iter()
        .filter(|r| matches!(r.suite, Suite::Low | Suite::High))
        .collect();
    if shown.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (1200, 420 * shown.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let rows = root.split_evenly((shown.len(), 2));
    for (k, r) in shown.iter().enumerate() {
        for (j, (what, data)) in [
            ("best fixed omega", &r.vs_fixed),
            ("instance-optimal", &r.vs_opt),
        ]
        .into_iter()
        .enumerate()
        {
            let panel = &rows[2 * k + j];
            let xs: Vec<f64> = r.horizons.iter().map(|&t| t as f64).collect();
            let (x_lo, x_hi) = (xs[0] / 1.15, xs[xs.len() - 1] * 1.15);
            let ymax = data
                .iter()
                .flatten()
                .fold(1.0f64, |a, &b| a.max(b))
                .min(5.0)
                * 1.05;
            let variance = match r.suite {
                Suite::Low => "low-variance shift, Beta(2, 6)",
                _ => "high-variance shift, Beta(0.5, 1.5)",
            };
            // Contextual learners beat the best fixed omega (ratio < 1).
            let ymin = data.iter().flatten().fold(1.0f64, |a, &b| a.min(b)) * 0.95;
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{variance}: total / {what}"), ("sans-serif", 16))
                .margin(10)
                .x_label_area_size(35)
                .y_label_area_size(60)
                .build_cartesian_2d(
                    (x_lo..x_hi).log_scale().with_key_points(xs.clone()),
                    ymin..ymax,
                )?;
            chart
                .configure_mesh()
                .x_desc("T (solves, log scale)")
                .y_desc(format!("total iterations / {what}"))
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| format!("{v:.2}"))
                .draw()?;
            // Ratio 1: as good as the reference.
            chart.draw_series(DashedLineSeries::new(
                [(x_lo, 1.0), (x_hi, 1.0)],
                4,
                4,
                BLACK.mix(0.5).stroke_width(1),
            ))?;
            for (p, policy) in policies.iter().enumerate() {
                let colour = crate::plot::COLOURS[p % crate::plot::COLOURS.len()];
                chart
                    .draw_series(
                        LineSeries::new(
                            xs.iter().zip(&data[p]).map(|(&x, &y)| (x, y.min(ymax))),
                            colour.stroke_width(2),
                        )
                        .point_size(3),
                    )?
                    .label(policy.label())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 11))
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}
