//! Any learner, any configuration, fed arbitrary sequences of contexts,
//! iteration counts and converged flags (host protocol and built-in
//! solves), interleaved with saves, loads and refused loads.
//!
//! Oracles: nothing panics; every omega is a point of the grid; postsolve
//! fails exactly when no solve is in flight or the count is negative, and
//! then changes nothing; statistics count what was reported (saturating,
//! never wrapping); a copy loaded from a save (taken between solves) makes
//! exactly the same choices as the original from then on; a refused load
//! leaves the learner state and statistics as they were.
#![no_main]

use banditsor::{
    laplacian_2d, ContextRange, LearnerConfig, LearnerKind, Method, OmegaGrid, Preconditioner,
    SweepKind,
};
use banditsor_fuzz::{same, scratch_file, Bytes};
use libfuzzer_sys::fuzz_target;

fn config(b: &mut Bytes) -> LearnerConfig {
    let mut c = LearnerConfig {
        kind: [
            LearnerKind::Fixed,
            LearnerKind::TsallisInf,
            LearnerKind::ChebCb,
            LearnerKind::TsallisInfCb,
            LearnerKind::SmoothTs,
        ][b.below(5)],
        seed: b.u64(),
        context_bins: 1 + b.below(12),
        chebyshev_features: 1 + b.below(8),
        fixed_omega: (1 + b.below(199)) as f64 / 100.0,
        ..LearnerConfig::default()
    };
    if b.bool() {
        let lo = (1 + b.below(150)) as f64 / 100.0;
        let hi = lo + b.below(50) as f64 / 100.0;
        let count = if hi > lo { 1 + b.below(30) } else { 1 } as i64;
        c.grid = OmegaGrid::new(lo, hi, count).expect("valid grid");
    }
    if b.bool() {
        if let Ok(r) = ContextRange::new(b.f64(), b.f64()) {
            c.context_range = r;
        }
    }
    c
}

/// Learner state and statistics, for "nothing changed" checks.
fn snapshot(pc: &Preconditioner) -> (serde_json::Value, banditsor::SolveStats) {
    (pc.learner().save_state(), pc.stats())
}

fn context(b: &mut Bytes) -> Option<f64> {
    match b.below(4) {
        0 => None,
        _ => Some(b.f64()),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let config = config(&mut b);
    let mut pc = Preconditioner::with_config(config.clone()).expect("valid config");
    pc.set_operator(laplacian_2d(3, 1.0));
    pc.set_sweep(SweepKind::Symmetric, 1).expect("sweep");
    let grid = config.grid;
    let in_grid = |omega: f64| match config.kind {
        LearnerKind::Fixed => omega == config.fixed_omega,
        _ => (0..grid.len()).any(|i| grid.omega(i) == omega),
    };
    let path = scratch_file("learner.json");
    let junk = scratch_file("junk.json");
    let mut saved = false;
    // A copy loaded from a save, driven with the same inputs.
    let mut shadow: Option<Preconditioner> = None;

    for _ in 0..64 {
        if b.is_empty() {
            break;
        }
        match b.below(7) {
            0 | 1 => {
                let ctx = context(&mut b);
                let omega = pc.presolve(ctx).expect("presolve never fails");
                assert!(in_grid(omega), "omega {omega} not in the grid");
                assert_eq!(pc.omega(), omega);
                if let Some(s) = shadow.as_mut() {
                    assert!(
                        same(s.presolve(ctx).expect("presolve"), omega),
                        "copy diverged"
                    );
                }
            }
            2 | 3 => {
                let iterations = match b.below(4) {
                    0 => b.i64(),
                    _ => b.u8() as i64,
                };
                let converged = b.bool();
                let before = pc.stats();
                let in_flight = pc.solve_in_flight();
                let r = pc.postsolve(iterations, converged);
                assert_eq!(r.is_ok(), in_flight && iterations >= 0, "{r:?}");
                let after = pc.stats();
                if r.is_ok() {
                    assert_eq!(after.solves, before.solves.saturating_add(1));
                    assert_eq!(
                        after.total_iterations,
                        before.total_iterations.saturating_add(iterations as u64)
                    );
                    assert!(!pc.solve_in_flight());
                } else {
                    assert_eq!(after, before);
                    assert_eq!(pc.solve_in_flight(), in_flight);
                }
                if let Some(s) = shadow.as_mut() {
                    assert_eq!(s.postsolve(iterations, converged).is_ok(), r.is_ok());
                }
            }
            4 => {
                // A built-in solve: small caps make failed solves common.
                let method = [Method::Sor, Method::SsorCg, Method::Cg][b.below(3)];
                let ctx = context(&mut b);
                let rhs: Vec<f64> = (0..9).map(|_| b.f64()).collect();
                let max_it = b.below(12) as i64;
                let mut x = vec![0.0; 9];
                let before = snapshot(&pc);
                let r = pc.solve(method, ctx, &rhs, &mut x, 1e-6, max_it);
                if rhs.iter().any(|v| !v.is_finite()) {
                    // Refused before the learner picks: nothing charged.
                    assert!(r.is_err(), "non-finite right-hand side accepted");
                    assert_eq!(snapshot(&pc), before);
                    if let Some(s) = shadow.as_mut() {
                        assert!(s.solve(method, ctx, &rhs, &mut x, 1e-6, max_it).is_err());
                    }
                    continue;
                }
                let out = r.expect("valid arguments");
                assert!(out.iterations <= max_it as u64);
                assert!(in_grid(pc.omega()));
                if let Some(s) = shadow.as_mut() {
                    let mut y = vec![0.0; 9];
                    let o = s
                        .solve(method, ctx, &rhs, &mut y, 1e-6, max_it)
                        .expect("solve");
                    assert_eq!(o.iterations, out.iterations);
                    assert!(x.iter().zip(&y).all(|(&p, &q)| same(p, q)));
                }
            }
            5 => {
                pc.save_state(&path).expect("save to a scratch file");
                saved = true;
                if !pc.solve_in_flight() {
                    let mut copy =
                        Preconditioner::with_config(config.clone()).expect("valid config");
                    copy.set_operator(laplacian_2d(3, 1.0));
                    copy.load_state(&path).expect("load own save");
                    assert_eq!(snapshot(&copy), snapshot(&pc));
                    shadow = Some(copy);
                }
            }
            _ => {
                // Load arbitrary bytes, or the last save, into the learner.
                let before = snapshot(&pc);
                let use_save = saved && b.bool();
                if use_save {
                    pc.load_state(&path).expect("load own save");
                    assert!(!pc.solve_in_flight());
                    shadow = None;
                } else {
                    let len = b.below(64);
                    let bytes: Vec<u8> = (0..len).map(|_| b.u8()).collect();
                    std::fs::write(&junk, &bytes).expect("write scratch file");
                    if let Err(e) = pc.load_state(&junk) {
                        assert!(!e.to_string().is_empty());
                        assert_eq!(snapshot(&pc), before, "refused load changed the learner");
                    } else {
                        shadow = None;
                    }
                }
            }
        }
    }
});
