//! The demo and experiment command.
//!
//! `banditsor` (or `banditsor heat`): the paper's 2D heat equation solved
//! by SSOR-preconditioned CG under plain CG, omega = 1, omega = 1.5,
//! Tsallis-INF, ChebCB given kappa and the default learner (SmoothTS) with
//! the automatic context; prints a table and writes an SVG plot.
//! `banditsor shifted`: the paper's shifted-Laplacian SOR experiment.

use banditsor::solve::CgWork;
use banditsor::{ContextRange, LearnerConfig, LearnerKind, Method, OmegaGrid, Preconditioner};
use banditsor_demo::oracle::{heat_step_per_step_best, oracle_grid};
use banditsor_demo::problems::heat::{HeatEquation, KAPPA_RANGE};
use clap::{Parser, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;

mod horizon_cmd;
mod plot;
mod shifted_cmd;

#[derive(Parser, Debug)]
#[command(
    name = "banditsor",
    version,
    about = "Learned SOR/SSOR relaxation: demo and paper experiments"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    heat: HeatArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 2D heat equation with SSOR-PCG (the default command).
    Heat(HeatArgs),
    /// Shifted-Laplacian SOR experiment (n = 100, both Beta distributions).
    Shifted(shifted_cmd::ShiftedArgs),
    /// Cost against the number of solves T (windows of T solves, fresh learner each).
    Horizon(horizon_cmd::HorizonArgs),
}

#[derive(clap::Args, Debug, Clone)]
struct HeatArgs {
    /// Mesh intervals per side (n = (nx-1)^2 unknowns).
    #[arg(long, default_value_t = 100)]
    nx: usize,
    /// Time steps (dt = 1e-3; 1000 steps = one period of kappa).
    #[arg(long, default_value_t = 5000)]
    steps: usize,
    /// Seed of the learners' random streams.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Comma-separated strategies: cg, omega=<w> (fixed SSOR-PCG), or a learner (default, tsallis,
    /// tsallis_cb, chebcb, smooth_ts) optionally suffixed with its context: `:kappa` (the
    /// diffusivity, what a learner gets without suffix), `:auto` (no context from the caller, the
    /// operator's automatic context) or `:none` (no context at all); or `per-step-best`, the
    /// oracle that solves every step at every omega of the learners' 20-omega grid (1.0, 1.05,
    /// ..., 1.95) from the same warm start and keeps the fewest iterations (`per-step-best:10`:
    /// the 10 omegas 1.0, 1.1, ..., 1.9).
    #[arg(
        long,
        default_value = "cg,omega=1,omega=1.5,tsallis,chebcb,default:auto"
    )]
    learners: String,
    /// Relative residual tolerance.
    #[arg(long, default_value_t = 1e-8)]
    rtol: f64,
    /// SVG plot of cumulative iterations and chosen omegas.
    #[arg(long, default_value = "heat.svg")]
    plot: PathBuf,
    /// Worker threads (strategies run in parallel); 0 = all cores.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// What context a learner gets per solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContextMode {
    /// The diffusivity kappa of the step (the paper's setting).
    Kappa,
    /// None from the caller: the preconditioner's automatic context.
    Auto,
    /// None at all (automatic context off).
    Off,
}

/// One way of solving the sequence.
#[derive(Debug, Clone)]
struct Strategy {
    label: String,
    method: Method,
    config: LearnerConfig,
    context: ContextMode,
    /// The per-step best oracle's grid (then method and config are unused).
    oracle: Option<Vec<f64>>,
}

fn parse_strategies(spec: &str, seed: u64) -> Result<Vec<Strategy>, String> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut config = LearnerConfig {
            seed,
            context_range: ContextRange::new(KAPPA_RANGE.0, KAPPA_RANGE.1).unwrap(),
            ..LearnerConfig::default()
        };
        let mut context = ContextMode::Kappa;
        let mut oracle = None;
        let (label, method) = if item == "cg" {
            config.kind = LearnerKind::Fixed;
            ("CG (no preconditioner)".to_string(), Method::Cg)
        } else if let Some(w) = item.strip_prefix("omega=") {
            let omega: f64 = w
                .parse()
                .map_err(|_| format!("'{item}': omega is not a number"))?;
            banditsor::learn::check_omega(omega).map_err(|e| format!("'{item}': {e}"))?;
            config.kind = LearnerKind::Fixed;
            config.fixed_omega = omega;
            (format!("SSOR-CG omega = {omega}"), Method::SsorCg)
        } else if let Some(rest) = item.strip_prefix("per-step-best") {
            let suffix = match rest {
                "" => None,
                _ => Some(rest.strip_prefix(':').ok_or_else(|| {
                    format!("'{item}': expected per-step-best or per-step-best:<grid>")
                })?),
            };
            let grid = oracle_grid(suffix)?;
            config.kind = LearnerKind::Fixed;
            let label = format!("per-step best of {} omegas", grid.len());
            oracle = Some(grid);
            (label, Method::SsorCg)
        } else {
            let (name, suffix) = item.split_once(':').unwrap_or((item, "kappa"));
            context = match suffix {
                "kappa" => ContextMode::Kappa,
                "auto" => ContextMode::Auto,
                "none" => ContextMode::Off,
                other => {
                    return Err(format!(
                        "'{item}': unknown context '{other}' (expected kappa, auto or none)"
                    ))
                }
            };
            config.kind = if name == "default" {
                LearnerConfig::default().kind
            } else {
                LearnerKind::from_name(name).map_err(|e| e.to_string())?
            };
            config.grid = OmegaGrid::paper_default();
            let learner = match config.kind {
                LearnerKind::TsallisInf => "Tsallis-INF",
                LearnerKind::TsallisInfCb => "Tsallis-INF-CB",
                LearnerKind::ChebCb => "ChebCB",
                LearnerKind::SmoothTs => "SmoothTS",
                LearnerKind::Fixed => "fixed omega = 1",
            };
            let given = match context {
                ContextMode::Kappa => "",
                ContextMode::Auto => " (auto ctx)",
                ContextMode::Off => " (no ctx)",
            };
            (format!("SSOR-CG {learner}{given}"), Method::SsorCg)
        };
        out.push(Strategy {
            label,
            method,
            config,
            context,
            oracle,
        });
    }
    if out.is_empty() {
        return Err("no strategies given".into());
    }
    Ok(out)
}

/// What one strategy did over the whole simulation.
#[derive(Debug, Clone)]
pub struct RunTrace {
    pub label: String,
    pub iterations: Vec<u64>,
    pub omegas: Vec<f64>,
    pub learned: bool,
    pub seconds: f64,
    /// Time inside the solves alone (no assembly of the systems).
    pub solve_seconds: f64,
    /// CPU time of the solving thread inside the solves (less disturbed
    /// than wall time when the machine is shared).
    pub solve_cpu_seconds: f64,
    pub failures: u64,
}

impl RunTrace {
    fn new(label: &str, steps: usize, learned: bool) -> Self {
        RunTrace {
            label: label.to_string(),
            iterations: Vec::with_capacity(steps),
            omegas: Vec::with_capacity(steps),
            learned,
            seconds: 0.0,
            solve_seconds: 0.0,
            solve_cpu_seconds: 0.0,
            failures: 0,
        }
    }

    /// One time step's solve: its cost, omega and times, and the progress bar
    /// (the running total every 50 steps). Where the bar is hidden (stderr
    /// is a file or a pipe: batch jobs, benches/heat/run.sh's logs), a
    /// progress line every tenth of the run instead, so that a run of hours
    /// shows how far it got.
    fn record_step(&mut self, step: StepRecord, bar: &ProgressBar) {
        self.solve_seconds += step.wall_seconds;
        self.solve_cpu_seconds += step.cpu_seconds;
        if !step.converged {
            self.failures += 1;
        }
        self.iterations.push(step.iterations);
        self.omegas.push(step.omega);
        bar.inc(1);
        let position = bar.position();
        if position.is_multiple_of(50) {
            bar.set_message(format!("{} iterations", self.total_iterations()));
        }
        let steps = bar.length().unwrap_or(0);
        if bar.is_hidden() && position < steps && position.is_multiple_of((steps / 10).max(1)) {
            eprintln!(
                "  {}: step {position}/{steps}, {} iterations, {:.0} s",
                self.label,
                self.total_iterations(),
                bar.elapsed().as_secs_f64()
            );
        }
    }

    fn total_iterations(&self) -> u64 {
        self.iterations.iter().sum()
    }

    /// Closes the run: its wall time since `start`, and the bar's last line.
    fn finish(mut self, start: Instant, bar: &ProgressBar) -> Self {
        self.seconds = start.elapsed().as_secs_f64();
        bar.finish_with_message(format!(
            "{} iterations, {:.1} s",
            self.total_iterations(),
            self.seconds
        ));
        self
    }
}

/// What one time step's solve reports to its [`RunTrace`].
struct StepRecord {
    iterations: u64,
    omega: f64,
    converged: bool,
    wall_seconds: f64,
    cpu_seconds: f64,
}

fn run_heat(args: &HeatArgs, strategy: &Strategy, bar: &ProgressBar) -> Result<RunTrace, String> {
    if let Some(grid) = &strategy.oracle {
        return run_per_step_best(args, &strategy.label, grid, bar);
    }
    let mut heat = HeatEquation::new(args.nx, 1e-3);
    let mut pc = Preconditioner::with_config(strategy.config.clone()).map_err(|e| e.to_string())?;
    pc.set_auto_context(strategy.context == ContextMode::Auto);
    let learned = strategy.config.kind != LearnerKind::Fixed;
    let mut trace = RunTrace::new(&strategy.label, args.steps, learned);
    let start = Instant::now();
    for _ in 0..args.steps {
        let system = heat.next_system();
        // Same pattern every step: copy the operator once, then only values.
        if pc.operator().is_none() {
            pc.set_operator(system.matrix.clone());
        } else {
            pc.update_values(system.matrix.as_sprs().data())
                .map_err(|e| e.to_string())?;
        }
        let mut x = system.initial_guess;
        let solve_start = Instant::now();
        let cpu_start = thread_cpu_seconds();
        let out = pc
            .solve(
                strategy.method,
                (strategy.context == ContextMode::Kappa).then_some(system.kappa),
                &system.rhs,
                &mut x,
                args.rtol,
                10_000,
            )
            .map_err(|e| e.to_string())?;
        let step = StepRecord {
            iterations: out.iterations,
            omega: pc.omega(),
            converged: out.converged,
            wall_seconds: solve_start.elapsed().as_secs_f64(),
            cpu_seconds: thread_cpu_seconds() - cpu_start,
        };
        trace.record_step(step, bar);
        heat.accept(x);
    }
    Ok(trace.finish(start, bar))
}

/// The per-step best oracle over the simulation: every step solved at every
/// omega of `grid` from the same warm start, the fewest iterations charged,
/// the simulation continued from that solve's solution. Times are those of
/// the chosen solves only (what the steps would cost knowing the best omega).
fn run_per_step_best(
    args: &HeatArgs,
    label: &str,
    grid: &[f64],
    bar: &ProgressBar,
) -> Result<RunTrace, String> {
    let mut heat = HeatEquation::new(args.nx, 1e-3);
    let mut work = CgWork::new(heat.n());
    let mut trace = RunTrace::new(label, args.steps, false);
    let start = Instant::now();
    let mut solve_wall = vec![0.0; grid.len()];
    let mut solve_cpu = vec![0.0; grid.len()];
    for _ in 0..args.steps {
        let (mut wall, mut cpu) = (Instant::now(), thread_cpu_seconds());
        let best =
            heat_step_per_step_best(&mut heat, grid, args.rtol, 10_000, &mut work, |arm, _| {
                let now = thread_cpu_seconds();
                solve_wall[arm] = wall.elapsed().as_secs_f64();
                solve_cpu[arm] = now - cpu;
                wall = Instant::now();
                cpu = thread_cpu_seconds();
            });
        let step = StepRecord {
            iterations: best.iterations,
            omega: grid[best.arm],
            converged: best.converged,
            wall_seconds: solve_wall[best.arm],
            cpu_seconds: solve_cpu[best.arm],
        };
        trace.record_step(step, bar);
    }
    Ok(trace.finish(start, bar))
}

/// CPU time consumed by the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn heat_command(args: HeatArgs) -> Result<(), String> {
    if args.nx < 3 {
        return Err(format!("--nx {} is too small (need >= 3)", args.nx));
    }
    if args.steps == 0 {
        return Err("--steps must be >= 1".into());
    }
    if !(args.rtol > 0.0 && args.rtol < 1.0) {
        return Err(format!("--rtol {} must be in (0, 1)", args.rtol));
    }
    let strategies = parse_strategies(&args.learners, args.seed)?;
    let threads = if args.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        args.threads
    };
    let n = (args.nx - 1) * (args.nx - 1);
    eprintln!(
        "2D heat equation: nx = {}, n = {n}, {} steps, SSOR-PCG to rtol {:e}, {} strategies on {threads} thread(s)",
        args.nx,
        args.steps,
        args.rtol,
        strategies.len()
    );
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(4));
    let style = ProgressStyle::with_template(
        "{prefix:<32} [{bar:30}] {pos:>5}/{len} steps {elapsed:>4} {msg}",
    )
    .expect("valid template")
    .progress_chars("=> ");
    let bars: Vec<ProgressBar> = strategies
        .iter()
        .map(|s| {
            let bar = multi.add(ProgressBar::new(args.steps as u64));
            bar.set_style(style.clone());
            bar.set_prefix(s.label.clone());
            bar
        })
        .collect();
    let hidden = multi.is_hidden();
    // Strategies run in parallel, `threads` at a time, in input order.
    let mut traces: Vec<Option<Result<RunTrace, String>>> = vec![None; strategies.len()];
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(&mut traces);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(strategies.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= strategies.len() {
                    break;
                }
                let r = run_heat(&args, &strategies[i], &bars[i]);
                if hidden {
                    match &r {
                        Ok(t) => eprintln!(
                            "  done: {:<32} {:>9} iterations in {:.1} s",
                            t.label,
                            t.iterations.iter().sum::<u64>(),
                            t.seconds
                        ),
                        Err(e) => eprintln!("  failed: {}: {e}", strategies[i].label),
                    }
                }
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    let traces: Vec<RunTrace> = traces
        .into_iter()
        .map(|t| t.expect("every strategy ran"))
        .collect::<Result<_, _>>()?;
    print_heat_table(&traces);
    plot::heat_plot(&args.plot, &traces, args.nx).map_err(|e| format!("plot: {e}"))?;
    println!("\nplot written to {}", args.plot.display());
    Ok(())
}

fn print_heat_table(traces: &[RunTrace]) {
    let baseline = traces
        .iter()
        .find(|t| t.label == "SSOR-CG omega = 1")
        .map(|t| t.iterations.iter().sum::<u64>() as f64);
    println!();
    println!(
        "{:<32} {:>12} {:>10} {:>10} {:>13} {:>13} {:>12} {:>14} {:>9}",
        "strategy",
        "iterations",
        "time [s]",
        "solve [s]",
        "solve/it [us]",
        "cpu/it [us]",
        "vs omega=1",
        "final omega*",
        "failures"
    );
    println!("{}", "-".repeat(136));
    for t in traces {
        let total: u64 = t.iterations.iter().sum();
        let ratio = baseline.map_or("-".to_string(), |b| format!("{:.3}", total as f64 / b));
        let tail = &t.omegas[t.omegas.len() * 9 / 10..];
        let mean_tail = tail.iter().sum::<f64>() / tail.len().max(1) as f64;
        let omega = if t.label.starts_with("CG") {
            "-".to_string()
        } else {
            format!("{mean_tail:.3}")
        };
        let per_iteration = 1e6 * t.solve_seconds / total.max(1) as f64;
        let cpu_per_iteration = 1e6 * t.solve_cpu_seconds / total.max(1) as f64;
        println!(
            "{:<32} {:>12} {:>10.2} {:>10.2} {:>13.1} {:>13.1} {:>12} {:>14} {:>9}",
            t.label,
            total,
            t.seconds,
            t.solve_seconds,
            per_iteration,
            cpu_per_iteration,
            ratio,
            omega,
            t.failures
        );
    }
    // The best fixed omega in hindsight: the fixed-omega run with the
    // fewest iterations (among those given).
    let fixed = traces
        .iter()
        .filter(|t| t.label.starts_with("SSOR-CG omega = "))
        .map(|t| (t.iterations.iter().sum::<u64>(), t.label.as_str()))
        .min();
    if let Some((total, label)) = fixed {
        let ratio = baseline.map_or("-".to_string(), |b| format!("{:.3}", total as f64 / b));
        let count = traces
            .iter()
            .filter(|t| t.label.starts_with("SSOR-CG omega = "))
            .count();
        println!(
            "best fixed omega in hindsight ({} of {count} fixed): {total} iterations, vs omega=1 {ratio}",
            label.trim_start_matches("SSOR-CG ")
        );
    }
    println!("* mean omega over the last 10% of steps; time includes assembling the systems, solve only the solves;\n  cpu/it: the solving thread's CPU time in the solves per iteration; per-step best: the chosen solves only");
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Heat(args)) => heat_command(args),
        Some(Command::Shifted(args)) => shifted_cmd::run(args),
        Some(Command::Horizon(args)) => horizon_cmd::run(args),
        None => heat_command(cli.heat),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_take_a_context_suffix_and_default_names_the_default_learner() {
        let s = parse_strategies(
            "default:auto,smooth_ts:none,chebcb,tsallis:kappa,omega=1.5",
            3,
        )
        .unwrap();
        let got: Vec<_> = s
            .iter()
            .map(|s| (s.config.kind, s.context, s.config.seed))
            .collect();
        assert_eq!(
            got,
            vec![
                (LearnerConfig::default().kind, ContextMode::Auto, 3),
                (LearnerKind::SmoothTs, ContextMode::Off, 3),
                (LearnerKind::ChebCb, ContextMode::Kappa, 3),
                (LearnerKind::TsallisInf, ContextMode::Kappa, 3),
                (LearnerKind::Fixed, ContextMode::Kappa, 3),
            ]
        );
        assert_eq!(s[0].label, "SSOR-CG SmoothTS (auto ctx)");
        assert_eq!(s[1].label, "SSOR-CG SmoothTS (no ctx)");
        assert_eq!(s[2].label, "SSOR-CG ChebCB");
        let err = parse_strategies("tsallis:bogus", 0).unwrap_err();
        assert!(
            err.contains("'tsallis:bogus'") && err.contains("'bogus'"),
            "{err}"
        );
        let err = parse_strategies("nosuch:auto", 0).unwrap_err();
        assert!(err.contains("nosuch"), "{err}");
    }
}
