//! The paper's 2D heat equation (experiment 2): u_t = kappa(t) Lap(u) + f
//! on the unit square, zero Dirichlet boundary, 5-point differences on an
//! nx x nx mesh (n = (nx-1)^2 unknowns), Crank-Nicolson with dt = 1e-3:
//!
//!   A_t = I + (dt/2) kappa K,   b_t = (I - (dt/2) kappa K) u + dt f,
//!
//! where K = -Lap_h (SPD). kappa(t) = max(0.1 sin 2 pi t, -10 sin 2 pi t);
//! f = 32 bump(1/8) centred on a circle of radius 1/4 that it travels 8
//! times per unit time; u_0 = bump(1/4) at the centre. Each step is one
//! SPD system whose conditioning follows kappa: the context of the
//! contextual learners.

use banditsor::matrix::{laplacian_2d, CsrMatrix};
use banditsor::sweep::spmv;
use std::f64::consts::PI;

/// Diffusion coefficient at time t.
pub fn kappa(t: f64) -> f64 {
    let s = (2.0 * PI * t).sin();
    (0.1 * s).max(-10.0 * s)
}

/// Smallest and largest kappa (the context range of the learners).
pub const KAPPA_RANGE: (f64, f64) = (0.0, 10.0);

/// exp(1 - 1/(1 - d^2/r^2)) for d < r, else 0.
pub fn bump(x: f64, y: f64, cx: f64, cy: f64, r: f64) -> f64 {
    let d2 = ((x - cx).powi(2) + (y - cy).powi(2)) / (r * r);
    if d2 < 1.0 {
        (1.0 - 1.0 / (1.0 - d2)).exp()
    } else {
        0.0
    }
}

/// The state of one heat-equation simulation.
#[derive(Debug, Clone)]
pub struct HeatEquation {
    nx: usize,
    dt: f64,
    step: usize,
    /// K = -Lap_h (scaled by 1/h^2).
    stiffness: CsrMatrix,
    /// A_t for the current step (same pattern as K).
    system: CsrMatrix,
    values: Vec<f64>,
    /// Current solution u (interior points, natural ordering).
    u: Vec<f64>,
    ku: Vec<f64>,
}

/// One step's linear system, borrowed from the simulation.
pub struct HeatStep<'a> {
    /// Step index (1-based: the system that produces u at t = step * dt).
    pub step: usize,
    pub time: f64,
    /// The context: kappa at this step.
    pub kappa: f64,
    pub matrix: &'a CsrMatrix,
    pub rhs: Vec<f64>,
    /// Warm start: the previous step's solution.
    pub initial_guess: Vec<f64>,
}

impl HeatEquation {
    /// nx >= 3 mesh intervals per side, time step dt.
    pub fn new(nx: usize, dt: f64) -> Self {
        assert!(nx >= 3, "heat equation needs nx >= 3");
        let m = nx - 1;
        let h = 1.0 / nx as f64;
        let stiffness = laplacian_2d(m, 1.0 / (h * h));
        let mut u = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..m {
                let (x, y) = ((j + 1) as f64 * h, (i + 1) as f64 * h);
                u[i * m + j] = bump(x, y, 0.5, 0.5, 0.25);
            }
        }
        Self {
            nx,
            dt,
            step: 0,
            system: stiffness.clone(),
            values: stiffness.as_sprs().data().to_vec(),
            stiffness,
            ku: vec![0.0; m * m],
            u,
        }
    }

    /// Unknowns per system.
    pub fn n(&self) -> usize {
        (self.nx - 1) * (self.nx - 1)
    }

    pub fn solution(&self) -> &[f64] {
        &self.u
    }

    /// Assemble the next step's system A x = b (kappa and forcing at the
    /// step's midpoint time).
    pub fn next_system(&mut self) -> HeatStep<'_> {
        let step = self.step + 1;
        let t_mid = (self.step as f64 + 0.5) * self.dt;
        let k = kappa(t_mid);
        let half = 0.5 * self.dt * k;
        // A = I + half K, written into the shared pattern.
        let kvals = self.stiffness.as_sprs().data();
        for (v, &kv) in self.values.iter_mut().zip(kvals) {
            *v = half * kv;
        }
        for &p in self.stiffness.view().diagonal().positions() {
            self.values[p] += 1.0;
        }
        self.system
            .update_values(&self.values)
            .expect("I + (dt/2) kappa K is a valid operator");
        // b = u - half K u + dt f.
        spmv(&self.stiffness.view(), &self.u, &mut self.ku);
        let m = self.nx - 1;
        let h = 1.0 / self.nx as f64;
        let (cx, cy) = (
            0.5 + (16.0 * PI * t_mid).cos() / 4.0,
            0.5 + (16.0 * PI * t_mid).sin() / 4.0,
        );
        let mut rhs = Vec::with_capacity(self.n());
        for i in 0..m {
            for j in 0..m {
                let idx = i * m + j;
                let (x, y) = ((j + 1) as f64 * h, (i + 1) as f64 * h);
                let f = 32.0 * bump(x, y, cx, cy, 0.125);
                rhs.push(self.u[idx] - half * self.ku[idx] + self.dt * f);
            }
        }
        HeatStep {
            step,
            time: step as f64 * self.dt,
            kappa: k,
            matrix: &self.system,
            rhs,
            initial_guess: self.u.clone(),
        }
    }

    /// Accept the solution of the step's system and advance time.
    pub fn accept(&mut self, x: Vec<f64>) {
        assert_eq!(x.len(), self.n());
        self.u = x;
        self.step += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banditsor::solve::{cg, CgWork};

    #[test]
    fn kappa_range_and_shape() {
        assert_eq!(kappa(0.0), 0.0);
        assert!((kappa(0.25) - 0.1).abs() < 1e-12);
        assert!((kappa(0.75) - 10.0).abs() < 1e-12);
        assert!(kappa(0.6) > 0.0);
    }

    #[test]
    fn steps_solve_and_stay_bounded() {
        let mut heat = HeatEquation::new(16, 1e-3);
        let mut work = CgWork::new(heat.n());
        for _ in 0..20 {
            let sys = heat.next_system();
            let mut x = sys.initial_guess.clone();
            let out = cg(
                &sys.matrix.view(),
                Some(1.2),
                &sys.rhs,
                &mut x,
                1e-10,
                500,
                &mut work,
            );
            assert!(out.converged);
            heat.accept(x);
        }
        let umax = heat.solution().iter().cloned().fold(0.0, f64::max);
        assert!(umax > 0.1 && umax < 2.0, "{umax}");
    }
}
