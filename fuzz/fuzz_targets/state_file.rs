//! State-file loading from arbitrary bytes, for every learner kind.
//!
//! Oracles: nothing panics; a refused file leaves learner state and
//! statistics unchanged and the message names the file; an accepted file
//! gives a learner that keeps working (omegas on the grid over further
//! solves) and whose own save loads back to the same state. The bytes are
//! also parsed as JSON and handed to each learner's `load_state` directly,
//! so the learners' parsers are reached without a matching configuration.
#![no_main]

use banditsor::{LearnerConfig, LearnerKind, Preconditioner};
use banditsor_fuzz::scratch_file;
use libfuzzer_sys::fuzz_target;

const KINDS: [LearnerKind; 5] = [
    LearnerKind::Fixed,
    LearnerKind::TsallisInf,
    LearnerKind::ChebCb,
    LearnerKind::TsallisInfCb,
    LearnerKind::SmoothTs,
];

fn snapshot(pc: &Preconditioner) -> (serde_json::Value, banditsor::SolveStats) {
    (pc.learner().save_state(), pc.stats())
}

fuzz_target!(|data: &[u8]| {
    let path = scratch_file("state.json");
    std::fs::write(&path, data).expect("write scratch file");
    let json: Option<serde_json::Value> = serde_json::from_slice(data).ok();
    for kind in KINDS {
        let config = LearnerConfig {
            kind,
            ..LearnerConfig::default()
        };
        let mut pc = Preconditioner::with_config(config.clone()).expect("default config");
        // Some history, so "unchanged" is not just "fresh".
        for i in 0..3 {
            pc.presolve(Some(0.3)).expect("presolve");
            pc.postsolve(10 + i, i != 1).expect("postsolve");
        }
        let before = snapshot(&pc);
        match pc.load_state(&path) {
            Err(e) => {
                assert!(e.to_string().contains("state.json"), "{e}");
                assert_eq!(snapshot(&pc), before, "refused file changed the learner");
            }
            Ok(()) => {
                let grid = *pc.learner().grid();
                for i in 0..3 {
                    let omega = pc.presolve(Some(i as f64 / 2.0)).expect("presolve");
                    assert!(
                        kind == LearnerKind::Fixed
                            || (0..grid.len()).any(|k| grid.omega(k) == omega),
                        "omega {omega} off the grid after loading"
                    );
                    pc.postsolve(i * 1000, i != 2).expect("postsolve");
                }
                let again = scratch_file("again.json");
                pc.save_state(&again).expect("save");
                let mut copy = Preconditioner::with_config(config).expect("default config");
                copy.load_state(&again).expect("own save loads");
                assert_eq!(snapshot(&copy), snapshot(&pc));
            }
        }
        if let Some(v) = json.as_ref() {
            let mut learner = LearnerConfig {
                kind,
                ..LearnerConfig::default()
            }
            .build()
            .expect("default config");
            for candidate in [Some(v), v.get("learner")].into_iter().flatten() {
                let before = learner.save_state();
                if learner.load_state(candidate).is_ok() {
                    let arm = learner.choose(Some(0.5));
                    assert!(arm < learner.grid().len());
                    learner.observe(7.0);
                    let _ = learner.favourite(None);
                } else {
                    assert_eq!(
                        learner.save_state(),
                        before,
                        "refused state changed the learner"
                    );
                }
            }
        }
    }
});
