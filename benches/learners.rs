//! Time per round (choose + observe) of the bandit learners, measured after
//! warming each learner to a given round number: it must stay flat in the
//! round number (O(1) per round, independent of history).
//!
//! Targets: Tsallis-INF (20 arms) < 2 us, ChebCB (20 arms, 6 features)
//! < 10 us; SmoothTS (20 arms) < 2 us without and < 10 us with context.
//! Run with `cargo bench --bench learners`.

use banditsor::learn::{
    ChebCb, ContextRange, Learner, LearnerRng, OmegaGrid, SmoothTs, TsallisInf,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;

/// A synthetic SOR-like cost: the best arm moves with the context, plus
/// noise from a separate stream.
fn cost(arm: usize, context: f64, noise: &mut LearnerRng) -> f64 {
    let best = 4.0 + 12.0 * context;
    40.0 + 3.0 * (arm as f64 - best).powi(2) + 5.0 * noise.uniform()
}

fn round(l: &mut dyn Learner, noise: &mut LearnerRng) {
    let c = noise.uniform();
    let arm = l.choose(Some(c));
    l.observe(cost(arm, c, noise));
}

fn warm(l: &mut dyn Learner, rounds: u64, noise: &mut LearnerRng) {
    while l.rounds() < rounds {
        round(l, noise);
    }
}

const WARM: [u64; 4] = [10, 1_000, 100_000, 1_000_000];

fn bench_learners(c: &mut Criterion) {
    let grid = OmegaGrid::paper_default();
    let range = ContextRange::new(0.0, 1.0).unwrap();
    let mut group = c.benchmark_group("round");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for &t in &WARM {
        let mut noise = LearnerRng::new(1);
        let mut l = TsallisInf::new(grid, 7);
        warm(&mut l, t, &mut noise);
        group.bench_with_input(BenchmarkId::new("tsallis_inf_d20", t), &t, |b, _| {
            b.iter(|| round(black_box(&mut l), &mut noise))
        });
    }
    for &t in &WARM {
        let mut noise = LearnerRng::new(1);
        let mut l = ChebCb::new(grid, range, 6, 7).unwrap();
        warm(&mut l, t, &mut noise);
        group.bench_with_input(BenchmarkId::new("chebcb_d20_m6", t), &t, |b, _| {
            b.iter(|| round(black_box(&mut l), &mut noise))
        });
    }
    // SmoothTS without context (global row only) and with one (cells).
    for &t in &WARM {
        let mut noise = LearnerRng::new(1);
        let mut l = SmoothTs::new(grid, 7).unwrap();
        let no_context = |l: &mut SmoothTs, noise: &mut LearnerRng| {
            let arm = l.choose(None);
            l.observe(cost(arm, 0.5, noise));
        };
        while l.rounds() < t {
            no_context(&mut l, &mut noise);
        }
        group.bench_with_input(BenchmarkId::new("smooth_ts_d20", t), &t, |b, _| {
            b.iter(|| no_context(black_box(&mut l), &mut noise))
        });
    }
    for &t in &WARM {
        let mut noise = LearnerRng::new(1);
        let mut l = SmoothTs::new(grid, 7).unwrap();
        warm(&mut l, t, &mut noise);
        group.bench_with_input(BenchmarkId::new("smooth_ts_d20_context", t), &t, |b, _| {
            b.iter(|| round(black_box(&mut l), &mut noise))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_learners);
criterion_main!(benches);
