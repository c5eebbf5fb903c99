//! `banditsor shifted`: the paper's shifted-Laplacian SOR experiment
//! (n = 100, SOR from zero to 1e-8), both Beta distributions, averaged
//! over seeds: every fixed omega, best fixed in hindsight, the
//! instance-optimal total, Tsallis-INF, Tsallis-INF-CB and ChebCB.

use banditsor::OmegaGrid;
use banditsor_demo::problems::shifted::{
    cost_table, generate_instances, summarise, ShiftDistribution, Summary,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug, Clone)]
pub struct ShiftedArgs {
    /// Instances (linear systems) per sequence; the paper uses 5000.
    #[arg(long, default_value_t = 5000)]
    pub instances: usize,
    /// Seeds to average over (seed s draws the instances and seeds the learners).
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    pub first_seed: u64,
    /// Distributions: low, high or both.
    #[arg(long, default_value = "both")]
    pub dist: String,
    /// SVG plot of totals against omega, learners as lines.
    #[arg(long, default_value = "shifted.svg")]
    pub plot: PathBuf,
    /// Threads for the brute-force cost table (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

fn distributions(spec: &str) -> Result<Vec<ShiftDistribution>, String> {
    match spec {
        "low" => Ok(vec![ShiftDistribution::LowVariance]),
        "high" => Ok(vec![ShiftDistribution::HighVariance]),
        "both" => Ok(vec![
            ShiftDistribution::LowVariance,
            ShiftDistribution::HighVariance,
        ]),
        other => Err(format!("--dist '{other}': expected low, high or both")),
    }
}

pub fn run(args: ShiftedArgs) -> Result<(), String> {
    if args.instances == 0 || args.seeds == 0 {
        return Err("--instances and --seeds must be >= 1".into());
    }
    let dists = distributions(&args.dist)?;
    let grid = OmegaGrid::paper_default();
    let total_tables = dists.len() as u64 * args.seeds;
    eprintln!(
        "shifted Laplacian: n = 100, {} instances x {} seeds x {} distribution(s); brute force over {} omegas for the baselines",
        args.instances,
        args.seeds,
        dists.len(),
        grid.len()
    );
    let bar = ProgressBar::new(total_tables);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:<22} [{bar:30}] {pos}/{len} sequences {elapsed:>4} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix("cost tables + learners");
    let start = Instant::now();
    let mut results: Vec<(ShiftDistribution, Vec<Summary>)> = Vec::new();
    for &dist in &dists {
        let mut summaries = Vec::new();
        for seed in args.first_seed..args.first_seed + args.seeds {
            let instances = generate_instances(dist, args.instances, seed);
            let table = cost_table(&instances, &grid, args.threads);
            let summary = summarise(dist, seed, seed, &table).map_err(|e| e.to_string())?;
            bar.set_message(format!("{} seed {seed}", dist.name()));
            bar.inc(1);
            if bar.is_hidden() {
                eprintln!(
                    "  {} seed {seed}: Tsallis-INF {:.3}x best fixed, ChebCB {:.3}x instance-optimal",
                    dist.name(),
                    summary.tsallis_vs_best_fixed(),
                    summary.chebcb_vs_instance_optimal()
                );
            }
            summaries.push(summary);
        }
        results.push((dist, summaries));
    }
    bar.finish_with_message(format!("{:.1} s", start.elapsed().as_secs_f64()));

    for (dist, summaries) in &results {
        print_distribution(*dist, summaries);
    }
    plot_shifted(&args.plot, &results).map_err(|e| format!("plot: {e}"))?;
    println!("\nplot written to {}", args.plot.display());
    Ok(())
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn print_distribution(dist: ShiftDistribution, summaries: &[Summary]) {
    let (a, b) = dist.beta_parameters();
    println!();
    println!(
        "== {} (c = -0.15 + 0.6 Beta({a}, {b})), {} instances, mean over {} seed(s)",
        dist.name(),
        summaries[0].rounds,
        summaries.len()
    );
    println!("fixed omega totals:");
    let arms = summaries[0].fixed.len();
    let mut line = String::new();
    for i in 0..arms {
        let omega = summaries[0].fixed[i].0;
        let total = mean(summaries.iter().map(|s| s.fixed[i].1 as f64));
        line.push_str(&format!("  {omega:.2}: {total:>9.0}"));
        if i % 5 == 4 {
            println!("{line}");
            line.clear();
        }
    }
    if !line.is_empty() {
        println!("{line}");
    }
    let io = mean(summaries.iter().map(|s| s.instance_optimal as f64));
    let bf = mean(summaries.iter().map(|s| s.best_fixed as f64));
    println!();
    println!(
        "{:<36} {:>12} {:>14} {:>20}",
        "policy", "iterations", "vs best fixed", "vs instance-optimal"
    );
    println!("{}", "-".repeat(86));
    let row = |name: &str, total: f64| {
        println!(
            "{name:<36} {total:>12.0} {:>14.3} {:>20.3}",
            total / bf,
            total / io
        );
    };
    let mut omegas: Vec<String> = summaries
        .iter()
        .map(|s| format!("{:.2}", s.best_fixed_omega))
        .collect();
    omegas.dedup();
    row(
        &format!("best fixed in hindsight (w={})", omegas.join("/")),
        bf,
    );
    row("instance-optimal (per-instance)", io);
    row(
        "Tsallis-INF",
        mean(summaries.iter().map(|s| s.tsallis_inf as f64)),
    );
    row(
        "Tsallis-INF-CB (context c_t)",
        mean(summaries.iter().map(|s| s.tsallis_inf_cb as f64)),
    );
    row(
        "ChebCB (context c_t)",
        mean(summaries.iter().map(|s| s.chebcb as f64)),
    );
    println!(
        "per seed: Tsallis-INF / best fixed = [{}]; ChebCB / instance-optimal = [{}]",
        summaries
            .iter()
            .map(|s| format!("{:.3}", s.tsallis_vs_best_fixed()))
            .collect::<Vec<_>>()
            .join(", "),
        summaries
            .iter()
            .map(|s| format!("{:.3}", s.chebcb_vs_instance_optimal()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "mean of ratios: Tsallis-INF {:.3}x best fixed, ChebCB {:.3}x instance-optimal",
        mean(summaries.iter().map(Summary::tsallis_vs_best_fixed)),
        mean(summaries.iter().map(Summary::chebcb_vs_instance_optimal))
    );
}

fn plot_shifted(
    path: &std::path::Path,
    results: &[(ShiftDistribution, Vec<Summary>)],
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (1000, 450 * results.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((results.len(), 1));
    for (panel, (dist, summaries)) in panels.iter().zip(results) {
        let arms = summaries[0].fixed.len();
        let fixed: Vec<(f64, f64)> = (0..arms)
            .map(|i| {
                (
                    summaries[0].fixed[i].0,
                    mean(summaries.iter().map(|s| s.fixed[i].1 as f64)),
                )
            })
            .collect();
        let lines = [
            (
                "instance-optimal",
                mean(summaries.iter().map(|s| s.instance_optimal as f64)),
                BLACK,
            ),
            (
                "Tsallis-INF",
                mean(summaries.iter().map(|s| s.tsallis_inf as f64)),
                RGBColor(255, 127, 14),
            ),
            (
                "Tsallis-INF-CB",
                mean(summaries.iter().map(|s| s.tsallis_inf_cb as f64)),
                RGBColor(44, 160, 44),
            ),
            (
                "ChebCB",
                mean(summaries.iter().map(|s| s.chebcb as f64)),
                RGBColor(214, 39, 40),
            ),
        ];
        let ymin = lines[0].1 * 0.9;
        let ymax = fixed
            .iter()
            .map(|p| p.1)
            .fold(0.0, f64::max)
            .min(lines[0].1 * 4.0)
            * 1.05;
        let (lo, hi) = (fixed[0].0, fixed[arms - 1].0);
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!(
                    "shifted Laplacian, {}: total SOR iterations ({} instances, {} seeds)",
                    dist.name(),
                    summaries[0].rounds,
                    summaries.len()
                ),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(lo..hi, ymin..ymax)?;
        chart
            .configure_mesh()
            .x_desc("fixed omega")
            .y_desc("total iterations")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        let blue = RGBColor(31, 119, 180);
        chart
            .draw_series(LineSeries::new(
                fixed.iter().map(|&(w, t)| (w, t.min(ymax))),
                blue.stroke_width(2),
            ))?
            .label("fixed omega")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], blue.stroke_width(2))
            });
        for (name, total, colour) in lines {
            chart
                .draw_series(LineSeries::new(
                    vec![(lo, total), (hi, total)],
                    colour.stroke_width(2),
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperMiddle)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
