//! The preconditioner object: host-solver protocol, error paths that leave
//! the object unchanged, built-in solvers, reproducibility and persistence.

use banditsor::sweep::{self, SweepKind};
use banditsor::{laplacian_2d, Error, LearnerKind, Method, Preconditioner};

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

#[test]
fn failed_solves_cost_a_penalty_and_never_poison_the_learner() {
    let mut pc = Preconditioner::new();
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
    let path = std::env::temp_dir().join(format!("banditsor-fail-{}.json", std::process::id()));
    pc.save_state(&path).unwrap();
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        state["learner"]["bandit"]["loss_sum"].as_f64(),
        Some(30.0 * 10_000.0)
    );
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
