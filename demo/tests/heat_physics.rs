//! The heat problem's physics, checked against an independent
//! implementation of its specification (docs: A_t = I - (dt/2) kappa L,
//! b_t = (I + (dt/2) kappa L) u + dt f, Crank-Nicolson with kappa and f at
//! the step's midpoint, zero Dirichlet boundary, 5-point L).
//!
//! The 5-point Dirichlet Laplacian is diagonalised by the discrete sine
//! transform, so Crank-Nicolson decouples into one scalar recurrence per
//! mode (p, q) with eigenvalue mu = (4/h^2)(sin^2(p pi h/2) + sin^2(q pi h/2)):
//!   a' = ((1 - r mu) a + dt f_pq) / (1 + r mu),  r = dt kappa(t_mid) / 2.
//! The simulation (sparse matrix, CG) must agree with that to round-off;
//! a sign error in either half of the scheme, kappa or the forcing at the
//! wrong time, or a misplaced bump does not.

use banditsor::solve::{cg, CgWork};
use banditsor_demo::problems::heat::HeatEquation;
use std::f64::consts::PI;

/// The specification's kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t).
fn kappa(t: f64) -> f64 {
    let s = (2.0 * PI * t).sin();
    (0.1 * s).max(-10.0 * s)
}

/// exp(1 - 1/(1 - |x - c|^2 / r^2)) inside radius r, 0 outside.
fn bump(x: f64, y: f64, cx: f64, cy: f64, r: f64) -> f64 {
    let q = ((x - cx).powi(2) + (y - cy).powi(2)) / (r * r);
    if q < 1.0 {
        (1.0 - 1.0 / (1.0 - q)).exp()
    } else {
        0.0
    }
}

/// Crank-Nicolson in the sine basis; returns u after `steps` steps on the
/// interior points (row i is y = (i+1) h, column j is x = (j+1) h).
fn spectral_crank_nicolson(nx: usize, dt: f64, steps: usize) -> Vec<f64> {
    let m = nx - 1;
    let h = 1.0 / nx as f64;
    // Orthonormal sine basis: s[p][j] = sqrt(2h) sin((p+1) pi (j+1) h).
    let s: Vec<Vec<f64>> = (0..m)
        .map(|p| {
            (0..m)
                .map(|j| (2.0 * h).sqrt() * ((p + 1) as f64 * PI * (j + 1) as f64 * h).sin())
                .collect()
        })
        .collect();
    let to_modes = |grid: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
        let mut a = vec![0.0; m * m];
        for q in 0..m {
            for p in 0..m {
                let mut sum = 0.0;
                for i in 0..m {
                    for j in 0..m {
                        sum += s[q][i] * s[p][j] * grid((j + 1) as f64 * h, (i + 1) as f64 * h);
                    }
                }
                a[q * m + p] = sum;
            }
        }
        a
    };
    let lambda = |p: usize| 4.0 / (h * h) * ((p + 1) as f64 * PI * h / 2.0).sin().powi(2);
    let mut a = to_modes(&|x, y| bump(x, y, 0.5, 0.5, 0.25));
    for n in 0..steps {
        let t = (n as f64 + 0.5) * dt;
        let r = 0.5 * dt * kappa(t);
        let (cx, cy) = (
            0.5 + (16.0 * PI * t).cos() / 4.0,
            0.5 + (16.0 * PI * t).sin() / 4.0,
        );
        let f = to_modes(&|x, y| 32.0 * bump(x, y, cx, cy, 0.125));
        for q in 0..m {
            for p in 0..m {
                let mu = lambda(p) + lambda(q);
                let k = q * m + p;
                a[k] = ((1.0 - r * mu) * a[k] + dt * f[k]) / (1.0 + r * mu);
            }
        }
    }
    let mut u = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            let mut sum = 0.0;
            for q in 0..m {
                for p in 0..m {
                    sum += a[q * m + p] * s[q][i] * s[p][j];
                }
            }
            u[i * m + j] = sum;
        }
    }
    u
}

#[test]
fn crank_nicolson_steps_match_the_spectral_solution() {
    // dt = 5e-3 over 160 steps: t = 0.8 crosses the quiet half (kappa up
    // to 0.1) into the diffusive half (kappa up to 10), r mu up to ~13.
    let (nx, dt, steps) = (10, 5e-3, 160);
    let mut heat = HeatEquation::new(nx, dt);
    let mut work = CgWork::new(heat.n());
    let mut max_kappa: f64 = 0.0;
    let mut compared = 0;
    for k in 0..steps {
        let sys = heat.next_system();
        assert_eq!(sys.step, k + 1);
        assert!((sys.kappa - kappa((k as f64 + 0.5) * dt)).abs() < 1e-14);
        max_kappa = max_kappa.max(sys.kappa);
        let mut x = sys.initial_guess.clone();
        let out = cg(
            &sys.matrix.view(),
            Some(1.3),
            &sys.rhs,
            &mut x,
            1e-14,
            1000,
            &mut work,
        );
        assert!(out.converged, "step {}: {out:?}", k + 1);
        heat.accept(x);
        if [40, 100, steps].contains(&(k + 1)) {
            let want = spectral_crank_nicolson(nx, dt, k + 1);
            let got = heat.solution();
            let scale = want.iter().fold(0.0f64, |s, v| s.max(v.abs()));
            assert!(
                scale > 0.01,
                "a solution worth comparing: max |u| = {scale}"
            );
            for (idx, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-10 * scale,
                    "step {}: u[{idx}] = {g}, spectral Crank-Nicolson gives {w}",
                    k + 1
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 3);
    assert!(max_kappa > 9.0, "the run must reach the diffusive half");
}
