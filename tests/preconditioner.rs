//! The preconditioner object: host-solver protocol, error paths that leave
//! the object unchanged, built-in solvers, reproducibility and persistence.

use banditsor::sweep::{self, SweepKind};
use banditsor::{laplacian_2d, Error, LearnerConfig, LearnerKind, Method, Preconditioner};

fn rhs(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect()
}

fn true_relative_residual(pc: &Preconditioner, b: &[f64], x: &[f64]) -> f64 {
    let a = pc.operator().unwrap();
    let mut r = vec![0.0; b.len()];
    sweep::residual(&a.view(), b, x, &mut r) / sweep::norm2(b)
}

#[test]
fn protocol_errors_are_reported_and_harmless() {
    let mut pc = Preconditioner::new();
    let r = vec![1.0; 4];
    let mut z = vec![0.0; 4];
    assert_eq!(pc.apply(&r, &mut z), Err(Error::NoOperator));
    assert_eq!(pc.postsolve(3, true), Err(Error::PostsolveWithoutPresolve));
    pc.set_operator(laplacian_2d(2, 1.0));
    // apply before any presolve uses the grid's first omega (1.0).
    assert_eq!(pc.omega(), 1.0);
    pc.apply(&r, &mut z).unwrap();
    assert!(z.iter().all(|v| v.is_finite() && *v > 0.0));
    assert!(matches!(
        pc.apply(&r[..3], &mut z),
        Err(Error::DimensionMismatch {
            what: "r",
            expected: 4,
            got: 3
        })
    ));
    pc.presolve(None).unwrap();
    assert_eq!(pc.postsolve(-1, true), Err(Error::NegativeIterations(-1)));
    // The failed postsolve did not consume the solve in flight.
    assert!(pc.solve_in_flight());
    pc.postsolve(5, true).unwrap();
    assert_eq!(pc.stats().solves, 1);
    assert_eq!(pc.stats().total_iterations, 5);
    assert_eq!(pc.postsolve(5, true), Err(Error::PostsolveWithoutPresolve));
}

/// Messages that tell the caller what to call name the Rust methods (the C
/// ABI words them with the C functions: tests/ffi_api.rs).
#[test]
fn messages_name_rust_methods_to_rust_callers() {
    let mut pc = Preconditioner::new();
    let no_operator = pc.apply(&[1.0], &mut [0.0]).unwrap_err().to_string();
    assert_eq!(
        no_operator,
        "no operator set: call Preconditioner::set_operator_csr or set_operator \
         before apply, solve or update_values"
    );
    let early = pc.postsolve(1, true).unwrap_err().to_string();
    assert!(
        early.contains("call Preconditioner::presolve before each postsolve"),
        "{early}"
    );
    for msg in [no_operator, early] {
        assert!(!msg.contains("bsor_"), "a C name in a Rust message: {msg}");
    }
}

#[test]
fn bad_settings_leave_everything_unchanged() {
    let mut pc = Preconditioner::new();
    pc.set_operator(laplacian_2d(3, 1.0));
    let before = pc.config().clone();
    assert_eq!(pc.set_omega(2.0), Err(Error::InvalidOmega(2.0)));
    assert!(pc.set_omega(f64::NAN).is_err());
    assert!(matches!(
        pc.set_omega_grid(1.5, 1.2, 10),
        Err(Error::InvalidRange { .. })
    ));
    assert!(matches!(
        pc.set_omega_grid(1.0, 1.9, 0),
        Err(Error::InvalidGridSize(0))
    ));
    assert!(matches!(
        pc.set_context_range(1.0, 1.0),
        Err(Error::InvalidRange { .. })
    ));
    // Finite ends whose width overflows would make every context NaN.
    assert!(matches!(
        pc.set_context_range(-1e308, 1e308),
        Err(Error::InvalidRange { .. })
    ));
    assert!(matches!(
        pc.set_sweep(SweepKind::Forward, 0),
        Err(Error::InvalidSize { .. })
    ));
    assert_eq!(pc.config(), &before);
    assert_eq!(pc.sweep(), (SweepKind::Symmetric, 1));
    // A rejected operator keeps the previous one.
    let err = pc
        .set_operator_csr(2, &[0i32, 1, 2], &[0i32, 5], &[1.0, 1.0])
        .unwrap_err();
    assert_eq!(
        err,
        Error::ColumnOutOfRange {
            row: 1,
            col: 5,
            n: 2
        }
    );
    assert!(err.to_string().contains("row 1") && err.to_string().contains("column 5"));
    assert_eq!(pc.operator().unwrap().n(), 9);
}

#[test]
fn built_in_solvers_meet_the_true_residual_rule() {
    let mut pc = Preconditioner::new();
    pc.set_operator(laplacian_2d(12, 1.0));
    let b = rhs(144);
    let mut counts = vec![];
    for method in [Method::Sor, Method::SsorCg, Method::Cg] {
        let mut x = vec![0.0; 144];
        let out = pc.solve(method, None, &b, &mut x, 1e-8, 10_000).unwrap();
        assert!(out.converged, "{method:?}: {out:?}");
        let rel = true_relative_residual(&pc, &b, &x);
        assert!(rel <= 1e-8, "{method:?}: {rel}");
        assert!((rel - out.relative_residual).abs() <= 1e-12);
        counts.push(out.iterations);
    }
    // SSOR-PCG needs fewer iterations than CG, which needs fewer than SOR.
    assert!(counts[1] < counts[2] && counts[2] < counts[0], "{counts:?}");
    // A solution already good enough costs zero iterations.
    let mut x = vec![0.0; 144];
    pc.solve(Method::Cg, None, &b, &mut x, 1e-10, 1000).unwrap();
    let out = pc
        .solve(Method::SsorCg, None, &b, &mut x, 1e-8, 1000)
        .unwrap();
    assert_eq!(out.iterations, 0);
    assert!(out.converged);
}

/// For the default learner (SmoothTS) and the paper's Tsallis-INF (whose
/// state shows the cost charged).
#[test]
fn failed_solves_cost_a_penalty_and_never_poison_the_learner() {
    for kind in [LearnerConfig::default().kind, LearnerKind::TsallisInf] {
        failed_solves_cost_a_penalty(kind);
    }
}

fn failed_solves_cost_a_penalty(kind: LearnerKind) {
    let mut pc = Preconditioner::new();
    pc.set_learner(kind).unwrap();
    // Gauss-Seidel diverges on this indefinite matrix.
    pc.set_operator_csr(2, &[0i64, 2, 4], &[0i64, 1, 0, 1], &[1.0, 3.0, 3.0, 1.0])
        .unwrap();
    pc.set_sweep(SweepKind::Forward, 1).unwrap();
    let b = [1.0, 2.0];
    for _ in 0..30 {
        let mut x = [0.0, 0.0];
        let out = pc
            .solve(Method::Sor, None, &b, &mut x, 1e-8, 10_000)
            .unwrap();
        assert!(!out.converged);
    }
    assert_eq!(pc.stats().failed_solves, 30);
    // Divergence stops the solve early, but it is charged the cap (10000)
    // every time: the learner's loss sum says so.
    assert!(pc.stats().total_iterations < 30 * 10_000);
    if kind == LearnerKind::TsallisInf {
        assert_eq!(learner_loss_sum(&pc), 30.0 * 10_000.0);
    }
    let omega = pc.presolve(None).unwrap();
    assert!(omega.is_finite() && (1.0..=1.95).contains(&omega));
    // Iteration cap: not converged, cost = the cap.
    let mut pc = Preconditioner::new();
    pc.set_operator(laplacian_2d(10, 1.0));
    let mut x = vec![0.0; 100];
    let out = pc
        .solve(Method::Sor, None, &rhs(100), &mut x, 1e-12, 5)
        .unwrap();
    assert_eq!((out.iterations, out.converged), (5, false));
}

fn omega_sequence(seed: u64, kind: LearnerKind, rounds: usize) -> Vec<f64> {
    let mut pc = Preconditioner::new();
    pc.set_learner(kind).unwrap();
    pc.set_seed(seed).unwrap();
    pc.set_operator(laplacian_2d(8, 1.0));
    let b = rhs(64);
    (0..rounds)
        .map(|k| {
            let mut x = vec![0.0; 64];
            pc.solve(
                Method::Sor,
                Some(k as f64 / rounds as f64),
                &b,
                &mut x,
                1e-6,
                10_000,
            )
            .unwrap();
            pc.omega()
        })
        .collect()
}

#[test]
fn same_seed_same_omega_sequence() {
    for kind in [LearnerKind::TsallisInf, LearnerKind::TsallisInfCb] {
        let a = omega_sequence(7, kind, 60);
        assert_eq!(a, omega_sequence(7, kind, 60), "{kind:?}");
        assert_ne!(a, omega_sequence(8, kind, 60), "{kind:?}");
    }
}

#[test]
fn state_round_trip_continues_the_same_sequence() {
    let dir = std::env::temp_dir().join(format!("banditsor-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("learner.json");
    let b = rhs(64);
    let run = |pc: &mut Preconditioner, k: usize| -> Vec<f64> {
        (0..k)
            .map(|_| {
                let mut x = vec![0.0; 64];
                pc.solve(Method::Sor, None, &b, &mut x, 1e-6, 10_000)
                    .unwrap();
                pc.omega()
            })
            .collect()
    };
    let mut original = Preconditioner::new();
    original.set_seed(3).unwrap();
    original.set_operator(laplacian_2d(8, 1.0));
    run(&mut original, 25);
    original.save_state(&path).unwrap();
    assert!(
        std::fs::read_dir(&dir).unwrap().count() == 1,
        "no temporary file left behind"
    );
    let mut restored = Preconditioner::new();
    restored.set_seed(3).unwrap();
    restored.set_operator(laplacian_2d(8, 1.0));
    restored.load_state(&path).unwrap();
    assert_eq!(restored.stats(), original.stats());
    assert_eq!(run(&mut original, 25), run(&mut restored, 25));

    // Another configuration: a clear mismatch error, learner untouched.
    let mut other = Preconditioner::new();
    other.set_seed(4).unwrap();
    let err = other.load_state(&path).unwrap_err();
    assert!(matches!(err, Error::StateMismatch { .. }), "{err}");
    assert!(err.to_string().contains("seed 3"), "{err}");
    assert_eq!(other.stats().solves, 0);

    // Corrupt and missing files.
    std::fs::write(&path, "{ not json").unwrap();
    assert!(matches!(
        restored.load_state(&path),
        Err(Error::StateCorrupt { .. })
    ));
    let text = std::fs::read_to_string(dir.join("learner.json")).unwrap();
    assert!(text.starts_with('{'));
    std::fs::write(
        &path,
        r#"{"format":"banditsor-learner-state","version":1,"config":{}}"#,
    )
    .unwrap();
    assert!(matches!(
        restored.load_state(&path),
        Err(Error::StateCorrupt { .. })
    ));
    assert!(matches!(
        restored.load_state(&dir.join("missing.json")),
        Err(Error::StateIo { .. })
    ));
    // The restored learner still works after the failed loads.
    assert_eq!(restored.stats().solves, 50);
    run(&mut restored, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn contexts_out_of_range_and_nan_are_accepted() {
    let mut pc = Preconditioner::new();
    pc.set_learner(LearnerKind::TsallisInfCb).unwrap();
    pc.set_context_range(0.0, 1.0).unwrap();
    for c in [-5.0, 7.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.5] {
        let w = pc.presolve(Some(c)).unwrap();
        assert!((1.0..=1.95).contains(&w));
        pc.postsolve(10, true).unwrap();
    }
}

/// The Tsallis-INF learner's sum of observed costs, read from a saved
/// state (found by key anywhere in the file, so the layout may change).
/// The cost a solve is charged is decided by the tuner whatever the
/// learner; Tsallis-INF's state is where it shows exactly (SmoothTS's
/// statistics are discounted when its drift detector fires).
fn learner_loss_sum(pc: &Preconditioner) -> f64 {
    fn find(v: &serde_json::Value) -> Option<f64> {
        match v {
            serde_json::Value::Object(map) => map
                .get("loss_sum")
                .and_then(|x| x.as_f64())
                .or_else(|| map.values().find_map(find)),
            serde_json::Value::Array(items) => items.iter().find_map(find),
            _ => None,
        }
    }
    assert_eq!(pc.config().kind, LearnerKind::TsallisInf);
    let path = std::env::temp_dir().join(format!(
        "banditsor-loss-{}-{:?}.json",
        std::process::id(),
        std::thread::current().id()
    ));
    pc.save_state(&path).unwrap();
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    find(&state).expect("a Tsallis-INF state holds its loss sum")
}

#[test]
fn apply_uses_the_omega_of_the_last_presolve() {
    let a = laplacian_2d(6, 1.0);
    let r = rhs(36);
    let mut pc = Preconditioner::new();
    pc.set_seed(5).unwrap();
    pc.set_operator(a.clone());
    let reference = |omega: f64, kind: SweepKind, its: usize| {
        let mut z = vec![0.0; 36];
        sweep::sor(&a.view(), &r, &mut z, omega, kind, its, true);
        z
    };
    let mut omegas = vec![];
    for k in 0..60 {
        let omega = pc.presolve(None).unwrap();
        assert_eq!(pc.omega(), omega);
        let mut z = vec![f64::NAN; 36];
        pc.apply(&r, &mut z).unwrap();
        assert_eq!(
            z,
            reference(omega, SweepKind::Symmetric, 1),
            "omega {omega}"
        );
        if omega != 1.0 {
            // Not vacuous: another omega gives another z.
            assert_ne!(z, reference(1.0, SweepKind::Symmetric, 1));
        }
        omegas.push(omega);
        pc.postsolve(20 + (k % 7), true).unwrap();
    }
    omegas.sort_by(f64::total_cmp);
    omegas.dedup();
    assert!(omegas.len() >= 5, "presolve explored only {omegas:?}");
    // Sweep settings and a pinned omega reach apply too.
    pc.set_sweep(SweepKind::Backward, 3).unwrap();
    pc.set_omega(1.37).unwrap();
    assert_eq!(pc.presolve(None).unwrap(), 1.37);
    let mut z = vec![0.0; 36];
    pc.apply(&r, &mut z).unwrap();
    assert_eq!(z, reference(1.37, SweepKind::Backward, 3));
}

#[test]
fn built_in_solvers_use_the_omega_of_their_presolve() {
    let a = laplacian_2d(9, 1.0);
    let b = rhs(81);
    let mut pc = Preconditioner::new();
    pc.set_seed(2).unwrap();
    pc.set_operator(a.clone());
    pc.set_sweep(SweepKind::Forward, 1).unwrap();
    let mut work = banditsor::solve::CgWork::new(81);
    let mut sor_work = vec![0.0; 81];
    let mut omegas = vec![];
    for k in 0..30 {
        let method = if k % 2 == 0 {
            Method::SsorCg
        } else {
            Method::Sor
        };
        let mut x = vec![0.0; 81];
        let out = pc.solve(method, None, &b, &mut x, 1e-8, 10_000).unwrap();
        let omega = pc.omega();
        let mut y = vec![0.0; 81];
        let want = match method {
            Method::SsorCg => {
                banditsor::solve::cg(&a.view(), Some(omega), &b, &mut y, 1e-8, 10_000, &mut work)
            }
            _ => banditsor::solve::stationary(
                &a.view(),
                SweepKind::Forward,
                1,
                omega,
                &b,
                &mut y,
                1e-8,
                10_000,
                &mut sor_work,
            ),
        };
        assert_eq!(out, want, "{method:?} at omega {omega}");
        assert_eq!(x, y);
        omegas.push(omega);
    }
    omegas.sort_by(f64::total_cmp);
    omegas.dedup();
    assert!(omegas.len() >= 5, "{omegas:?}");
}

#[test]
fn failed_host_solves_cost_the_failure_cost_or_twice_the_largest_converged() {
    let mut pc = Preconditioner::new();
    pc.set_learner(LearnerKind::TsallisInf).unwrap();
    let mut expected = 0.0;
    let mut round = |pc: &mut Preconditioner, its: i64, converged: bool, cost: f64| {
        pc.presolve(None).unwrap();
        pc.postsolve(its, converged).unwrap();
        expected += cost;
        assert_eq!(
            learner_loss_sum(pc),
            expected,
            "postsolve({its}, {converged}) should cost {cost}"
        );
    };
    // No converged solve yet: twice 0, so the iterations themselves.
    round(&mut pc, 7, false, 7.0);
    round(&mut pc, 10, true, 10.0);
    round(&mut pc, 40, true, 40.0);
    round(&mut pc, 25, true, 25.0);
    // Twice the largest converged count (40), or the count if larger.
    round(&mut pc, 5, false, 80.0);
    round(&mut pc, 100, false, 100.0);
    // A set failure cost replaces the default; converged solves unaffected.
    pc.set_failure_cost(Some(500.0)).unwrap();
    round(&mut pc, 5, false, 500.0);
    round(&mut pc, 600, false, 600.0);
    round(&mut pc, 3, true, 3.0);
    pc.set_failure_cost(Some(0.0)).unwrap();
    round(&mut pc, 9, false, 9.0);
    // Back to the default; failed solves never raised the largest converged.
    pc.set_failure_cost(None).unwrap();
    round(&mut pc, 1, false, 80.0);
    let stats = pc.stats();
    assert_eq!(stats.solves, 11);
    assert_eq!(stats.failed_solves, 7);
    assert_eq!(stats.max_converged_iterations, 40);
    assert_eq!(
        stats.total_iterations,
        7 + 10 + 40 + 25 + 5 + 100 + 5 + 600 + 3 + 9 + 1
    );
}

#[test]
fn failed_built_in_solves_cost_the_cap_or_the_failure_cost() {
    let b = [1.0, 2.0];
    // Gauss-Seidel diverges on this indefinite matrix: the solve stops
    // early, yet costs the cap (or the set failure cost), never 2x max.
    let diverging = || {
        let mut pc = Preconditioner::new();
        pc.set_learner(LearnerKind::TsallisInf).unwrap();
        pc.set_operator_csr(2, &[0i64, 2, 4], &[0i64, 1, 0, 1], &[1.0, 3.0, 3.0, 1.0])
            .unwrap();
        pc.set_sweep(SweepKind::Forward, 1).unwrap();
        pc
    };
    let mut pc = diverging();
    let mut x = [0.0, 0.0];
    let out = pc.solve(Method::Sor, None, &b, &mut x, 1e-8, 777).unwrap();
    assert!(!out.converged && out.iterations < 777, "{out:?}");
    assert_eq!(learner_loss_sum(&pc), 777.0);
    let mut pc = diverging();
    pc.set_failure_cost(Some(123.0)).unwrap();
    let mut x = [0.0, 0.0];
    let out = pc.solve(Method::Sor, None, &b, &mut x, 1e-8, 777).unwrap();
    assert!(!out.converged);
    assert_eq!(learner_loss_sum(&pc), 123f64.max(out.iterations as f64));
    // A converged built-in solve costs its iterations.
    let mut pc = Preconditioner::new();
    pc.set_learner(LearnerKind::TsallisInf).unwrap();
    pc.set_operator(laplacian_2d(5, 1.0));
    let mut x = vec![0.0; 25];
    let out = pc
        .solve(Method::Cg, None, &rhs(25), &mut x, 1e-8, 1000)
        .unwrap();
    assert!(out.converged);
    assert_eq!(learner_loss_sum(&pc), out.iterations as f64);
    assert_eq!(pc.stats().max_converged_iterations, out.iterations);
}

#[test]
fn omega_grid_values_are_the_evenly_spaced_grid() {
    use banditsor::OmegaGrid;
    let paper = OmegaGrid::paper_default();
    let values = paper.values();
    assert_eq!(values.len(), 20);
    for (i, w) in values.iter().enumerate() {
        let want = 1.0 + 0.05 * i as f64;
        assert!((w - want).abs() < 1e-14, "arm {i}: {w} vs {want}");
        assert_eq!(paper.omega(i), *w);
    }
    assert_eq!((values[0], values[19]), (1.0, 1.95));
    assert_eq!(OmegaGrid::new(1.2, 1.8, 4).unwrap().values().len(), 4);
    for (w, want) in OmegaGrid::new(1.2, 1.8, 4)
        .unwrap()
        .values()
        .iter()
        .zip([1.2, 1.4, 1.6, 1.8])
    {
        assert!((w - want).abs() < 1e-14, "{w} vs {want}");
    }
    // The last arm is hi itself: interpolation rounds 1 + (hi - 1) * 11 / 11
    // up to 2.0 here, an omega SOR cannot use.
    let edge = OmegaGrid::new(1.0, 2.0 - f64::EPSILON, 12).unwrap();
    assert_eq!(edge.omega(11), 2.0 - f64::EPSILON);
    assert!(
        edge.values().iter().all(|&w| w < 2.0),
        "{:?}",
        edge.values()
    );
    assert_eq!(OmegaGrid::new(0.7, 0.7, 1).unwrap().values(), vec![0.7]);
    assert_eq!(OmegaGrid::new(0.5, 1.5, 1).unwrap().values(), vec![0.5]);
    // presolve picks only grid values; Tsallis-INF explores all of a small
    // grid when the costs are equal, the default learner (SmoothTS) finds
    // the best omega wherever it lies (its local exploration: before it,
    // it stayed at 1.6 when 1.2 or 1.4 was best).
    let grid = [1.2, 1.4, 1.6, 1.8];
    let play = |kind: LearnerKind, cost: &dyn Fn(f64) -> u64| {
        let mut pc = Preconditioner::new();
        pc.set_learner(kind).unwrap();
        pc.set_omega_grid(1.2, 1.8, 4).unwrap();
        let mut seen = [0; 4];
        for _ in 0..200 {
            let w = pc.presolve(None).unwrap();
            let arm = grid
                .iter()
                .position(|v| (v - w).abs() < 1e-14)
                .unwrap_or_else(|| panic!("{kind:?}: omega {w} is not on the grid"));
            seen[arm] += 1;
            pc.postsolve(cost(w) as i64, true).unwrap();
        }
        seen
    };
    let seen = play(LearnerKind::TsallisInf, &|_| 10);
    assert!(seen.iter().all(|&k| k > 0), "Tsallis-INF: {seen:?}");
    for (arm, best) in grid.iter().enumerate() {
        let seen = play(LearnerConfig::default().kind, &|w| {
            10 + (100.0 * (w - best).abs()).round() as u64
        });
        assert!(
            seen[arm] >= 100,
            "default learner, best omega {best}: {seen:?}"
        );
    }
}

#[test]
fn update_values_reaches_apply_and_bad_values_change_nothing() {
    let a = laplacian_2d(4, 1.0);
    let r = rhs(16);
    let mut pc = Preconditioner::new();
    assert_eq!(pc.update_values(&[1.0; 64]), Err(Error::NoOperator));
    pc.set_operator(a.clone());
    let mut z1 = vec![0.0; 16];
    pc.apply(&r, &mut z1).unwrap();
    // Twice the matrix: the same sweep gives exactly half (scaling by 2 is
    // exact in binary floating point).
    let doubled: Vec<f64> = a.as_sprs().data().iter().map(|v| 2.0 * v).collect();
    pc.update_values(&doubled).unwrap();
    assert_eq!(pc.operator().unwrap().as_sprs().data(), &doubled[..]);
    let mut z2 = vec![0.0; 16];
    pc.apply(&r, &mut z2).unwrap();
    for (h, w) in z2.iter().zip(&z1) {
        assert_eq!(*h, w / 2.0);
    }
    let mut bad = doubled.clone();
    bad[0] = f64::NAN;
    assert!(matches!(
        pc.update_values(&bad),
        Err(Error::NonFiniteValue { row: 0, .. })
    ));
    assert!(pc.update_values(&doubled[1..]).is_err());
    assert_eq!(pc.operator().unwrap().as_sprs().data(), &doubled[..]);
}

#[test]
fn reconfigure_and_with_config_take_the_whole_configuration() {
    use banditsor::{ContextRange, LearnerConfig, OmegaGrid};
    let config = LearnerConfig {
        kind: LearnerKind::ChebCb,
        grid: OmegaGrid::new(1.1, 1.8, 8).unwrap(),
        context_range: ContextRange::new(0.0, 2.0).unwrap(),
        seed: 9,
        chebyshev_features: 4,
        ..LearnerConfig::default()
    };
    let built = Preconditioner::with_config(config.clone()).unwrap();
    assert_eq!(built.config(), &config);
    assert_eq!(built.learner().kind(), LearnerKind::ChebCb);
    assert_eq!(built.learner().grid().len(), 8);
    let mut pc = Preconditioner::new();
    pc.reconfigure(config.clone()).unwrap();
    assert_eq!(pc.config(), &config);
    // The learning side the preconditioner exposes is the one it uses.
    assert_eq!(pc.tuner().config(), &config);
    pc.presolve(Some(1.0)).unwrap();
    pc.postsolve(12, true).unwrap();
    assert_eq!(pc.tuner().stats().solves, 1);
    assert_eq!(pc.tuner().omega(), pc.omega());
    pc.reconfigure(config.clone()).unwrap();
    assert_eq!(pc.learner().kind(), LearnerKind::ChebCb);
    assert_eq!(
        pc.omega(),
        1.1,
        "a new learner starts at the grid's first omega"
    );
    // A configuration that cannot be built is refused and changes nothing.
    let broken = LearnerConfig {
        kind: LearnerKind::TsallisInfCb,
        context_bins: 0,
        ..config.clone()
    };
    assert!(pc.reconfigure(broken.clone()).is_err());
    assert!(Preconditioner::with_config(broken).is_err());
    assert_eq!(pc.config(), &config);
    assert_eq!(pc.learner().kind(), LearnerKind::ChebCb);
}

#[test]
fn solve_refuses_a_negative_cap_and_accepts_a_zero_cap() {
    let mut pc = Preconditioner::new();
    pc.set_operator(laplacian_2d(3, 1.0));
    let b = rhs(9);
    let mut x = vec![0.0; 9];
    assert_eq!(
        pc.solve(Method::Sor, None, &b, &mut x, 1e-8, -1),
        Err(Error::InvalidSize {
            what: "max_it",
            value: -1
        })
    );
    assert_eq!(pc.stats().solves, 0, "a refused solve is not charged");
    let out = pc.solve(Method::Sor, None, &b, &mut x, 1e-8, 0).unwrap();
    assert_eq!((out.iterations, out.converged), (0, false));
    assert_eq!(x, vec![0.0; 9]);
    assert_eq!(pc.stats().solves, 1);
}
