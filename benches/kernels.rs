//! Kernel throughput: SSOR application (one symmetric sweep from zero, the
//! PC apply of PETSc's default SOR), forward sweep, and the matrix-vector
//! product it should cost about as much as, on a 2D 5-point and a 3D
//! 7-point Laplacian. Run: `cargo bench --bench kernels`.

use banditsor::sweep::{self, SweepKind};
use banditsor::{laplacian_2d, laplacian_3d, CsrMatrix};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn kernels(c: &mut Criterion) {
    let cases: [(&str, CsrMatrix); 2] = [
        ("2d-5pt-300x300", laplacian_2d(300, 1.0)),
        ("3d-7pt-40^3", laplacian_3d(40)),
    ];
    let mut group = c.benchmark_group("kernels");
    for (name, a) in &cases {
        let n = a.n();
        let view = a.view();
        let b: Vec<f64> = (0..n).map(|i| (i % 17) as f64 - 8.0).collect();
        let mut x = vec![0.0; n];
        group.throughput(Throughput::Elements(a.nnz() as u64));
        group.bench_with_input(BenchmarkId::new("ssor_apply", name), &view, |bch, v| {
            bch.iter(|| sweep::ssor_apply(v, black_box(&b), &mut x, 1.5))
        });
        group.bench_with_input(BenchmarkId::new("forward_sweep", name), &view, |bch, v| {
            bch.iter(|| sweep::sor(v, black_box(&b), &mut x, 1.5, SweepKind::Forward, 1, false))
        });
        group.bench_with_input(
            BenchmarkId::new("symmetric_sweep", name),
            &view,
            |bch, v| {
                bch.iter(|| {
                    sweep::sor(
                        v,
                        black_box(&b),
                        &mut x,
                        1.5,
                        SweepKind::Symmetric,
                        1,
                        false,
                    )
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("spmv", name), &view, |bch, v| {
            bch.iter(|| sweep::spmv(v, black_box(&b), &mut x))
        });
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
