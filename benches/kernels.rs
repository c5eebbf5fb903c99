//! Kernel throughput: SSOR application (one symmetric sweep from zero, the
//! PC apply of PETSc's default SOR), forward sweep, and the matrix-vector
//! product it should cost about as much as, on a 2D 5-point and a 3D
//! 7-point Laplacian, each through the compact pattern (`compact`, what
//! validation builds for these matrices) and through the CSR arrays
//! (`csr`, the same diagonal `without_compact`). Run:
//! `cargo bench --bench kernels`.

use banditsor::sweep::{self, SweepKind};
use banditsor::{laplacian_2d, laplacian_3d, CsrMatrix, CsrView};
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
        let full = a.view();
        let csr_diagonal = full.diagonal().clone().without_compact();
        // SAFETY: the same arrays the diagonal was computed from.
        let csr = unsafe {
            CsrView::new_unchecked(full.rowptr(), full.colind(), full.values(), &csr_diagonal)
        };
        let b: Vec<f64> = (0..n).map(|i| (i % 17) as f64 - 8.0).collect();
        let mut x = vec![0.0; n];
        group.throughput(Throughput::Elements(a.nnz() as u64));
        for (layout, view) in [("compact", &full), ("csr", &csr)] {
            let case = format!("{name}/{layout}");
            group.bench_with_input(BenchmarkId::new("ssor_apply", &case), view, |bch, v| {
                bch.iter(|| sweep::ssor_apply(v, black_box(&b), &mut x, 1.5))
            });
            group.bench_with_input(BenchmarkId::new("forward_sweep", &case), view, |bch, v| {
                bch.iter(|| sweep::sor(v, black_box(&b), &mut x, 1.5, SweepKind::Forward, 1, false))
            });
            group.bench_with_input(
                BenchmarkId::new("symmetric_sweep", &case),
                view,
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
            group.bench_with_input(BenchmarkId::new("spmv", &case), view, |bch, v| {
                bch.iter(|| sweep::spmv(v, black_box(&b), &mut x))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
