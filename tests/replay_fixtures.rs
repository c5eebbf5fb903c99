//! Behaviour recorded before the architecture refactor (issue 7), replayed
//! exactly:
//!
//! - `tests/fixtures/omega_sequences.json`: the omega sequence (and final
//!   statistics) of every learner for fixed seeds, through the
//!   preconditioner's host-solver protocol and its built-in solvers, with and
//!   without contexts (also NaN and out-of-range contexts), with failed
//!   solves under the default and a configured failure cost, and with an
//!   abandoned presolve;
//! - `tests/fixtures/state_v1_<learner>.json`: state files written by the
//!   version-1 format, which must keep loading, after which the learner
//!   continues with the recorded omega sequence (SmoothTS's two, with and
//!   without context cells and Young's model, were added in Dec 2026; a
//!   state file is never rewritten once committed);
//! - `tests/fixtures/state_v2_tsallis.json`: a file claiming format
//!   version 2, which must be refused with the learner left untouched.
//!
//! The scenarios are defined here, in code; the fixture files hold only
//! what was observed. They were recorded once, before the refactor, with
//!     BANDITSOR_RECORD_FIXTURES=1 cargo test --test replay_fixtures
//! Re-recording would hide a behaviour change: do it only for a deliberate
//! change of the learners, and say so in the commit. (SmoothTS's entries of
//! `omega_sequences.json` and `state_continuations.json` were re-recorded
//! on purpose in Dec 2026, when its posterior draws' normals changed from
//! Box-Muller to the Ziggurat method; its state files were not rewritten:
//! they still load, re-save byte for byte and continue, now with the new
//! draws.)

use banditsor::{
    laplacian_2d, ContextRange, Error, LearnerConfig, LearnerKind, Method, OmegaGrid,
    Preconditioner, SolveStats,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn recording() -> bool {
    std::env::var_os("BANDITSOR_RECORD_FIXTURES").is_some()
}

/// The context of round `t` of a scenario: none, a value in (and around)
/// the range, or NaN (also "none").
#[derive(Clone, Copy)]
enum Contexts {
    None,
    /// Sweeps [lo, hi] (which may exceed the declared range: clamping).
    Sweep(f64, f64),
    /// As `Sweep`, with every 5th round NaN and every 7th round `None`.
    SweepWithGaps(f64, f64),
}

impl Contexts {
    fn at(self, t: usize) -> Option<f64> {
        let sweep = |lo: f64, hi: f64| lo + (hi - lo) * (((t * 37) % 101) as f64 / 100.0);
        match self {
            Contexts::None => None,
            Contexts::Sweep(lo, hi) => Some(sweep(lo, hi)),
            Contexts::SweepWithGaps(lo, hi) => {
                if t % 5 == 3 {
                    Some(f64::NAN)
                } else if t % 7 == 2 {
                    None
                } else {
                    Some(sweep(lo, hi))
                }
            }
        }
    }
}

/// A deterministic host solver: iterations grow with the distance of omega
/// from a context-dependent best value; every 9th solve fails.
fn host_solve(omega: f64, context: Option<f64>, t: usize) -> (i64, bool) {
    let c = context
        .filter(|c| !c.is_nan())
        .unwrap_or(0.5)
        .clamp(-1.0, 2.0);
    let best = 1.2 + 0.25 * c;
    let noise = ((t * 7919) % 11) as f64;
    let iterations = (40.0 + 300.0 * (omega - best).powi(2) + noise).round() as i64;
    (iterations, t % 9 != 4)
}

/// How a scenario drives the preconditioner.
#[derive(Clone, Copy)]
enum Driver {
    /// presolve / postsolve with [`host_solve`]; `abandon` makes every
    /// 11th round a presolve whose solve is abandoned (a second presolve
    /// follows without a postsolve).
    Protocol { abandon: bool },
    /// The built-in solver on a small 2D Laplacian; every 6th solve gets an
    /// iteration cap too small to converge (a failed solve costed at the cap).
    BuiltIn(Method),
}

struct Scenario {
    name: &'static str,
    config: LearnerConfig,
    failure_cost: Option<f64>,
    contexts: Contexts,
    driver: Driver,
    rounds: usize,
}

fn config(kind: LearnerKind, seed: u64) -> LearnerConfig {
    LearnerConfig {
        kind,
        seed,
        ..LearnerConfig::default()
    }
}

fn scenarios() -> Vec<Scenario> {
    let proto = Driver::Protocol { abandon: false };
    let wide = ContextRange::new(-0.5, 1.5).unwrap();
    vec![
        Scenario {
            name: "fixed",
            config: LearnerConfig {
                fixed_omega: 1.3,
                ..config(LearnerKind::Fixed, 0)
            },
            failure_cost: None,
            contexts: Contexts::Sweep(0.0, 1.0),
            driver: proto,
            rounds: 30,
        },
        Scenario {
            name: "tsallis_seed0",
            config: config(LearnerKind::TsallisInf, 0),
            failure_cost: None,
            contexts: Contexts::None,
            driver: proto,
            rounds: 120,
        },
        Scenario {
            name: "tsallis_seed7_failure_cost_abandon",
            config: config(LearnerKind::TsallisInf, 7),
            failure_cost: Some(500.0),
            contexts: Contexts::SweepWithGaps(0.0, 1.0),
            driver: Driver::Protocol { abandon: true },
            rounds: 120,
        },
        Scenario {
            name: "tsallis_custom_grid",
            config: LearnerConfig {
                grid: OmegaGrid::new(1.2, 1.9, 8).unwrap(),
                ..config(LearnerKind::TsallisInf, 3)
            },
            failure_cost: None,
            contexts: Contexts::None,
            driver: proto,
            rounds: 80,
        },
        Scenario {
            name: "tsallis_cb_seed3",
            config: LearnerConfig {
                context_range: wide,
                context_bins: 4,
                ..config(LearnerKind::TsallisInfCb, 3)
            },
            failure_cost: None,
            contexts: Contexts::SweepWithGaps(-1.0, 2.0),
            driver: proto,
            rounds: 150,
        },
        Scenario {
            name: "tsallis_cb_no_context",
            config: config(LearnerKind::TsallisInfCb, 1),
            failure_cost: Some(80.0),
            contexts: Contexts::None,
            driver: proto,
            rounds: 60,
        },
        Scenario {
            name: "chebcb_seed5",
            config: LearnerConfig {
                context_range: wide,
                ..config(LearnerKind::ChebCb, 5)
            },
            failure_cost: None,
            contexts: Contexts::SweepWithGaps(-1.0, 2.0),
            driver: proto,
            rounds: 150,
        },
        Scenario {
            name: "chebcb_features3_no_context_abandon",
            config: LearnerConfig {
                chebyshev_features: 3,
                ..config(LearnerKind::ChebCb, 2)
            },
            failure_cost: Some(300.0),
            contexts: Contexts::None,
            driver: Driver::Protocol { abandon: true },
            rounds: 80,
        },
        Scenario {
            name: "tsallis_ssor_cg",
            config: config(LearnerKind::TsallisInf, 4),
            failure_cost: None,
            contexts: Contexts::None,
            driver: Driver::BuiltIn(Method::SsorCg),
            rounds: 40,
        },
        Scenario {
            name: "smooth_ts_seed4",
            config: config(LearnerKind::SmoothTs, 4),
            failure_cost: None,
            contexts: Contexts::SweepWithGaps(0.0, 1.0),
            driver: proto,
            rounds: 200,
        },
        Scenario {
            name: "smooth_ts_no_context_seed2",
            config: config(LearnerKind::SmoothTs, 2),
            failure_cost: Some(400.0),
            contexts: Contexts::None,
            driver: Driver::Protocol { abandon: true },
            rounds: 100,
        },
        Scenario {
            name: "chebcb_sor",
            config: LearnerConfig {
                grid: OmegaGrid::new(1.0, 1.9, 10).unwrap(),
                ..config(LearnerKind::ChebCb, 6)
            },
            failure_cost: None,
            contexts: Contexts::Sweep(0.0, 1.0),
            driver: Driver::BuiltIn(Method::Sor),
            rounds: 30,
        },
    ]
}

/// What a run observed.
#[derive(Debug, PartialEq)]
struct Observed {
    omegas: Vec<f64>,
    stats: SolveStats,
    favourite: f64,
}

fn new_pc(s: &Scenario) -> Preconditioner {
    let mut pc = Preconditioner::with_config(s.config.clone()).unwrap();
    pc.set_failure_cost(s.failure_cost).unwrap();
    pc.set_operator(laplacian_2d(8, 1.0));
    // The fixtures record "no context" as the learners saw it before the
    // automatic context existed (issue 8 made it the default).
    pc.set_auto_context(false);
    pc
}

/// Rounds `from..to` of scenario `s` on `pc`.
fn run(pc: &mut Preconditioner, s: &Scenario, from: usize, to: usize) -> Vec<f64> {
    let n = pc.operator().unwrap().n();
    let b: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64).collect();
    let mut omegas = Vec::new();
    for t in from..to {
        let context = s.contexts.at(t);
        match s.driver {
            Driver::Protocol { abandon } => {
                if abandon && t % 11 == 6 {
                    omegas.push(pc.presolve(context).unwrap());
                }
                let omega = pc.presolve(context).unwrap();
                omegas.push(omega);
                let (iterations, converged) = host_solve(omega, context, t);
                pc.postsolve(iterations, converged).unwrap();
            }
            Driver::BuiltIn(method) => {
                let max_it = if t % 6 == 5 { 3 } else { 2000 };
                let mut x = vec![0.0; n];
                pc.solve(method, context, &b, &mut x, 1e-8, max_it).unwrap();
                omegas.push(pc.omega());
            }
        }
    }
    omegas
}

fn observe(pc: &Preconditioner, omegas: Vec<f64>) -> Observed {
    Observed {
        omegas,
        stats: pc.stats(),
        favourite: pc.favourite_omega(Some(0.25)),
    }
}

fn to_json(o: &Observed) -> Value {
    json!({
        "omegas": o.omegas,
        "stats": {
            "solves": o.stats.solves,
            "total_iterations": o.stats.total_iterations,
            "failed_solves": o.stats.failed_solves,
            "max_converged_iterations": o.stats.max_converged_iterations,
        },
        "favourite_omega_at_0.25": o.favourite,
    })
}

fn from_json(v: &Value) -> Observed {
    let stats = &v["stats"];
    let u = |k: &str| stats[k].as_u64().unwrap();
    Observed {
        omegas: serde_json::from_value(v["omegas"].clone()).unwrap(),
        stats: SolveStats {
            solves: u("solves"),
            total_iterations: u("total_iterations"),
            failed_solves: u("failed_solves"),
            max_converged_iterations: u("max_converged_iterations"),
        },
        favourite: v["favourite_omega_at_0.25"].as_f64().unwrap(),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (record the fixtures first?)", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
}

fn assert_same(name: &str, got: &Observed, want: &Observed) {
    for (t, (g, w)) in got.omegas.iter().zip(&want.omegas).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{name}: omega of round {t} is {g}, recorded {w}"
        );
    }
    assert_eq!(got, want, "{name}");
}

/// Learners whose state files are fixtures, and the round after which the
/// state was saved (the chebcb one with a presolve in flight).
const STATE_LEARNERS: [(&str, usize); 6] = [
    ("fixed", 12),
    ("tsallis_seed0", 50),
    ("tsallis_cb_seed3", 60),
    ("chebcb_seed5", 60),
    // SmoothTS (the default learner since issue 8): files of Dec 2026,
    // with its context cells and Young's SOR model fields, and without.
    ("smooth_ts_seed4", 120),
    ("smooth_ts_no_context_seed2", 60),
];

fn scenario(name: &str) -> Scenario {
    scenarios().into_iter().find(|s| s.name == name).unwrap()
}

fn state_file(name: &str) -> PathBuf {
    fixtures().join(format!("state_v1_{name}.json"))
}

#[test]
fn omega_sequences_replay_exactly() {
    let path = fixtures().join("omega_sequences.json");
    let mut recorded = serde_json::Map::new();
    let want = if recording() {
        None
    } else {
        Some(read_json(&path))
    };
    for s in scenarios() {
        let mut pc = new_pc(&s);
        let omegas = run(&mut pc, &s, 0, s.rounds);
        let got = observe(&pc, omegas);
        match &want {
            None => {
                recorded.insert(s.name.into(), to_json(&got));
            }
            Some(want) => {
                let w = want
                    .get(s.name)
                    .unwrap_or_else(|| panic!("{}: not recorded", s.name));
                assert_same(s.name, &got, &from_json(w));
            }
        }
    }
    if recording() {
        write_json(&path, &Value::Object(recorded));
    }
}

#[test]
fn version_1_state_files_load_and_continue_the_recorded_sequence() {
    let path = fixtures().join("state_continuations.json");
    let mut recorded = serde_json::Map::new();
    let want = if recording() {
        None
    } else {
        Some(read_json(&path))
    };
    for (name, saved_after) in STATE_LEARNERS {
        let s = scenario(name);
        let file = state_file(name);
        // A state file is written once, when it does not exist yet: a file
        // of an older layout must keep loading, so re-recording the
        // continuations after a deliberate learner change never rewrites it.
        if recording() && !file.exists() {
            let mut pc = new_pc(&s);
            run(&mut pc, &s, 0, saved_after);
            if name.starts_with("chebcb") {
                // Saved with a choice in flight (its 'pending' field set).
                pc.presolve(s.contexts.at(saved_after)).unwrap();
            }
            pc.save_state(&file).unwrap();
        }
        let mut pc = new_pc(&s);
        pc.load_state(&file)
            .unwrap_or_else(|e| panic!("{name}: version-1 state file refused: {e}"));
        assert!(!pc.solve_in_flight(), "{name}");
        // Saving what was loaded writes the very same file: the layout of
        // version 1 is unchanged, key for key and digit for digit.
        let resaved = std::env::temp_dir().join(format!(
            "banditsor-resaved-{name}-{}.json",
            std::process::id()
        ));
        pc.save_state(&resaved).unwrap();
        let (again, original) = (
            std::fs::read_to_string(&resaved).unwrap(),
            std::fs::read_to_string(&file).unwrap(),
        );
        std::fs::remove_file(&resaved).unwrap();
        assert!(
            again == original,
            "{name}: re-saved state differs from {}",
            file.display()
        );
        let omegas = run(&mut pc, &s, saved_after, s.rounds);
        let got = observe(&pc, omegas);
        match &want {
            None => {
                recorded.insert(name.into(), to_json(&got));
            }
            Some(want) => assert_same(name, &got, &from_json(&want[name])),
        }
    }
    if recording() {
        write_json(&path, &Value::Object(recorded));
    }
}

#[test]
fn a_state_file_of_another_format_version_is_refused() {
    let s = scenario("tsallis_seed0");
    let file = fixtures().join("state_v2_tsallis.json");
    if recording() {
        let mut pc = new_pc(&s);
        run(&mut pc, &s, 0, 50);
        let v1 = std::env::temp_dir().join(format!("banditsor-v1-{}.json", std::process::id()));
        pc.save_state(&v1).unwrap();
        let mut doc = read_json(&v1);
        std::fs::remove_file(&v1).unwrap();
        doc["version"] = json!(2);
        write_json(&file, &doc);
    }
    let mut pc = new_pc(&s);
    let before = run(&mut pc, &s, 0, 10);
    match pc.load_state(&file) {
        Err(Error::StateMismatch { detail, .. }) => {
            assert!(detail.contains("version 2"), "{detail}")
        }
        other => panic!("version-2 file: {other:?}"),
    }
    // Untouched: the sequence continues as if no load had been tried.
    let after = run(&mut pc, &s, 10, 40);
    let mut fresh = new_pc(&s);
    let want = run(&mut fresh, &s, 0, 40);
    assert_eq!([before, after].concat(), want);
    assert_eq!(pc.stats(), fresh.stats());
}
