//! Long runs: every learner driven through presolve / apply / postsolve
//! for many rounds, with resident memory sampled along the way (it must
//! stay flat: no per-round growth), and a state saved in the middle of the
//! run and loaded into a fresh preconditioner, which must continue with
//! exactly the same omega sequence.
//!
//! `cargo test` runs 2 * 10^4 rounds per learner; the full test command
//! runs the 10^6-round version in release mode:
//! `cargo test --release --test long_run -- --ignored --nocapture`.

use banditsor::{laplacian_2d, LearnerConfig, LearnerKind, Preconditioner};

const KINDS: [LearnerKind; 4] = [
    LearnerKind::Fixed,
    LearnerKind::TsallisInf,
    LearnerKind::ChebCb,
    LearnerKind::TsallisInfCb,
];

/// Resident set size of this process in kB (Linux /proc).
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

/// Deterministic host: the context and the iteration count of round t
/// for omega (a bowl around an omega that moves with the context, noise,
/// and an unconverged solve every 97th round).
fn host(t: u64, omega: f64) -> (f64, i64, bool) {
    let h = t.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    let context = (h % 1000) as f64 / 1000.0;
    let best = 1.3 + 0.5 * context;
    let noise = (h >> 40) % 5;
    let iterations = 20 + (400.0 * (omega - best).powi(2)) as i64 + noise as i64;
    (context, iterations, t % 97 != 13)
}

fn new_pc(kind: LearnerKind) -> Preconditioner {
    let mut pc = Preconditioner::with_config(LearnerConfig {
        kind,
        seed: 11,
        ..LearnerConfig::default()
    })
    .unwrap();
    pc.set_operator(laplacian_2d(2, 1.0));
    pc
}

/// What a stretch of rounds chose: a hash of the omega sequence (FNV-1a
/// over the bits; nothing stored per round, so the check itself cannot
/// grow memory) and the sum of omegas from round `tail_from` on.
#[derive(Debug, PartialEq)]
struct Chosen {
    hash: u64,
    tail_sum: f64,
}

/// Rounds `from..to` of the protocol.
fn rounds(
    pc: &mut Preconditioner,
    from: u64,
    to: u64,
    tail_from: u64,
    mut sample: impl FnMut(u64),
) -> Chosen {
    let r = [1.0, -2.0, 0.5, 3.0];
    let mut z = [0.0; 4];
    let mut chosen = Chosen {
        hash: 0xcbf2_9ce4_8422_2325,
        tail_sum: 0.0,
    };
    for t in from..to {
        let (context, _, _) = host(t, 1.0);
        let omega = pc.presolve(Some(context)).unwrap();
        pc.apply(&r, &mut z).unwrap();
        let (_, iterations, converged) = host(t, omega);
        pc.postsolve(iterations, converged).unwrap();
        for byte in omega.to_bits().to_le_bytes() {
            chosen.hash = (chosen.hash ^ byte as u64).wrapping_mul(0x100_0000_01b3);
        }
        if t >= tail_from {
            chosen.tail_sum += omega;
        }
        sample(t + 1);
    }
    chosen
}

fn long_run(total: u64, samples: &[u64]) {
    let dir = std::env::temp_dir().join(format!("banditsor-long-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let half = total / 2;
    for kind in KINDS {
        let mut pc = new_pc(kind);
        let mut rss = Vec::new();
        let start = std::time::Instant::now();
        let tail_from = total - total / 10;
        let first = rounds(&mut pc, 0, half, tail_from, |t| {
            if samples.contains(&t) {
                rss.push((t, rss_kb()));
            }
        });
        let path = dir.join(format!("{}.json", kind.name()));
        pc.save_state(&path).unwrap();
        let second = rounds(&mut pc, half, total, tail_from, |t| {
            if samples.contains(&t) {
                rss.push((t, rss_kb()));
            }
        });
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(pc.stats().solves, total);
        if kind != LearnerKind::Fixed {
            // The hash sees the sequence (the halves differ).
            assert_ne!(first.hash, second.hash);
        }

        // A fresh preconditioner loaded from the mid-run save continues
        // with the identical omega sequence.
        let mut resumed = new_pc(kind);
        resumed.load_state(&path).unwrap();
        assert_eq!(resumed.stats().solves, half);
        let replay = rounds(&mut resumed, half, total, tail_from, |_| {});
        assert_eq!(replay, second, "{}: resumed run diverged", kind.name());
        assert_eq!(resumed.stats(), pc.stats());

        let mean_last = second.tail_sum / (total - tail_from) as f64;
        let line: Vec<String> = rss
            .iter()
            .map(|(t, kb)| format!("{t} rounds {kb} kB"))
            .collect();
        println!(
            "{:<10} resident memory: {}; {:.2} us/round; mean omega of the last 10%: {mean_last:.3}",
            kind.name(),
            line.join(", "),
            seconds * 1e6 / total as f64
        );
        let (low, high) = (rss[0].1, rss.iter().map(|r| r.1).max().unwrap());
        // Flat: a leak of even a few bytes per round would show as
        // megabytes here.
        assert!(
            high <= low + 1024,
            "{}: resident memory grew from {low} kB to {high} kB",
            kind.name()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn twenty_thousand_rounds_flat_memory_and_exact_resume() {
    long_run(20_000, &[1_000, 10_000, 20_000]);
}

#[test]
#[ignore = "10^6 rounds per learner: run in release by tests/run-all.sh"]
fn million_rounds_flat_memory_and_exact_resume() {
    long_run(1_000_000, &[1_000, 100_000, 1_000_000]);
}
