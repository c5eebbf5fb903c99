//! Young's SOR model of how a context's cost curve over omega depends on
//! the context, fitted online by SmoothTS and used only as far as its
//! one-step-ahead predictions are confirmed by the observed costs.
//!
//! Model. For a consistently ordered matrix with Jacobi spectral radius
//! rho, SOR at omega converges with factor lambda(omega, rho): for omega
//! below the optimum omega* = 2 / (1 + sqrt(1 - rho^2)),
//! sqrt(lambda) = (omega rho + sqrt(omega^2 rho^2 - 4 (omega - 1))) / 2,
//! and lambda = omega - 1 above it (Young). The iterations to a tolerance
//! are about C / (-ln lambda), so
//!
//!   ln(1 + cost) ~ level - ln(-ln lambda(omega, k x)),
//!
//! with the context x taken as proportional to rho (the automatic context,
//! the mean diagonal-dominance ratio, is rho_J times a constant on the
//! model problems: [`crate::context`]). Two free numbers, the scale k and
//! the level, are shared by all contexts, so the solves of a few contexts
//! place the optimum of every other one: on the paper's shifted-Laplacian
//! sequence the least-squares fit over all its costs puts each instance's
//! predicted best omega on the cheapest arm to within 1.4 % of the
//! instance-optimal total.
//!
//! Where it is wrong: SSOR as a CG preconditioner (a flatter curve, and
//! its optimum moves differently), matrices that are not consistently
//! ordered, nonsymmetric ones, contexts that are not a dominance ratio
//! (e.g. a user's shift). SmoothTS finds that out from its own data: it
//! checks every model prediction against the cost then observed and blends
//! the model into its prior only while those errors stay small
//! ([`SorModelState::trust`]).

use serde::{Deserialize, Serialize};

/// ln(-ln lambda(omega, rho)): minus the model's log-cost up to the level.
/// rho is clamped to [0, 1 - 1e-12] and -ln lambda to [1e-9, 50].
pub(crate) fn log_rate(omega: f64, rho: f64) -> f64 {
    let rho = rho.clamp(0.0, 1.0 - 1e-12);
    let optimum = 2.0 / (1.0 + (1.0 - rho * rho).sqrt());
    let lambda = if omega >= optimum {
        omega - 1.0
    } else {
        let disc = (omega * omega * rho * rho - 4.0 * (omega - 1.0)).max(0.0);
        let root = 0.5 * (omega * rho + disc.sqrt());
        root * root
    };
    let rate = if lambda > 0.0 { -lambda.ln() } else { 50.0 };
    rate.clamp(1e-9, 50.0).ln()
}

/// One observation the model is fitted to: a context, an omega, the mean
/// ln(1 + cost) there and its weight (inverse variance).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    pub context: f64,
    pub omega: f64,
    pub log_cost: f64,
    pub weight: f64,
}

/// A fitted model: rho = `scale` x, ln(1 + cost) = `level` - log_rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SorFit {
    pub scale: f64,
    pub level: f64,
}

impl SorFit {
    /// Predicted ln(1 + cost) at `omega` for context `x`.
    pub(crate) fn predict(&self, x: f64, omega: f64) -> f64 {
        self.level - log_rate(omega, self.scale * x)
    }
}

/// What SmoothTS remembers of the model (part of its state file; absent
/// in files written before the model, which then start without a fit).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SorModelState {
    /// The latest fit (`None` before any contextual data).
    pub fit: Option<SorFit>,
    /// Predictions checked against an observed cost.
    pub checks: u64,
    /// Running mean of the squared prediction errors in ln(1 + cost)
    /// (over about the last 16 checks).
    pub mean_sq_error: f64,
    /// The same for SmoothTS's own prediction without the model.
    #[serde(default)]
    pub plain_mean_sq_error: f64,
    /// Points the latest fit was made from.
    #[serde(default)]
    pub fit_points: u64,
    /// Its weighted residual sum of squares per degree of freedom (1 when
    /// the residuals are as large as the noise plus the allowed error).
    #[serde(default)]
    pub fit_misfit: f64,
}

/// Checks the running mean of squared errors averages over.
pub(crate) const ERROR_MEMORY: u64 = 16;

impl SorModelState {
    pub(crate) fn check(&self) -> bool {
        self.mean_sq_error.is_finite()
            && self.mean_sq_error >= 0.0
            && self.plain_mean_sq_error.is_finite()
            && self.plain_mean_sq_error >= 0.0
            && self.fit_misfit.is_finite()
            && self.fit_misfit >= 0.0
            && self
                .fit
                .is_none_or(|f| f.scale.is_finite() && f.scale > 0.0 && f.level.is_finite())
    }

    /// Record the errors (observed minus predicted ln(1 + cost)) of the
    /// model's prediction and of SmoothTS's own without the model.
    pub(crate) fn record(&mut self, error: f64, plain_error: f64) {
        let sq = |e: f64| if e.is_finite() { (e * e).min(1e6) } else { 1e6 };
        self.checks = self.checks.saturating_add(1);
        let n = self.checks.min(ERROR_MEMORY) as f64;
        self.mean_sq_error += (sq(error) - self.mean_sq_error) / n;
        self.plain_mean_sq_error += (sq(plain_error) - self.plain_mean_sq_error) / n;
    }

    /// Weight in [0, 1] of the model in the prior. 0 while the fit rests
    /// on fewer than `min_points` (cell, arm) points or fewer than
    /// [`MIN_CHECKS`] predictions of such fits were checked against the
    /// costs then observed; else the product of two ramps, each 1 up to a
    /// ratio of 1 and falling linearly to 0 at 1.25 (a wrong model's curve
    /// can be far from the bowl, so even a small weight of it costs): the fit's misfit per
    /// degree of freedom (its residuals over the noise plus the allowed
    /// error) and the checked predictions' mean squared error over
    /// `tolerance` (the allowed error plus the observed noise, as
    /// variances of ln(1 + cost)), and the same mean over that of
    /// SmoothTS's own predictions without the model (a model that
    /// predicts worse than the data alone is not used). So a model is used only once it has
    /// predicted solves it had not seen, and only while it keeps doing so.
    pub(crate) fn trust(&self, min_points: u64, tolerance: impl FnOnce() -> f64) -> f64 {
        if self.fit.is_none() || self.fit_points < min_points || self.checks < MIN_CHECKS {
            return 0.0;
        }
        let ramp = |ratio: f64| (4.0 * (1.25 - ratio)).clamp(0.0, 1.0);
        let fits = ramp(self.fit_misfit);
        if fits <= 0.0 {
            return 0.0;
        }
        let versus_plain = ramp(self.mean_sq_error / self.plain_mean_sq_error.max(1e-12));
        if versus_plain >= 1.0 {
            return fits;
        }
        fits * ramp(self.mean_sq_error / tolerance()).max(versus_plain)
    }
}

/// Checked predictions before the model can be trusted.
pub(crate) const MIN_CHECKS: u64 = 8;

/// Weighted residual sum of squares and best level for scale `k`.
fn misfit(points: &[Point], k: f64) -> (f64, f64) {
    let (mut sw, mut swr, mut swrr) = (0.0, 0.0, 0.0);
    for p in points {
        let r = p.log_cost + log_rate(p.omega, k * p.context);
        sw += p.weight;
        swr += p.weight * r;
        swrr += p.weight * r * r;
    }
    let level = swr / sw;
    ((swrr - level * swr).max(0.0), level)
}

/// Least-squares fit of the scale and level to `points` (`None` without
/// a positive context or with fewer than two points). The scale is
/// searched through rho_top = k x_top, x_top the largest context: first
/// on 16 points spread evenly in z = -ln(1 - rho_top) from 0.05 to 12
/// (the cost is most sensitive to rho near 1), then by golden section
/// around the best of them: 33 passes over the points. With `near` (a
/// previous fit), only a golden section over z within half a coarse step
/// of it: 9 passes.
pub(crate) fn fit(points: &[Point], near: Option<SorFit>) -> Option<(SorFit, f64)> {
    let top = points.iter().map(|p| p.context).fold(f64::MIN, f64::max);
    if points.len() < 2 || !(top > 0.0 && top.is_finite()) {
        return None;
    }
    let scale = |z: f64| -(-z).exp_m1() / top;
    const COARSE: usize = 16;
    let (z_lo, z_hi) = (0.05, 12.0);
    let step = (z_hi - z_lo) / (COARSE - 1) as f64;
    let (centre, reach, rounds) = match near {
        Some(f) if f.scale * top < 1.0 => {
            let z = -(-f.scale * top).ln_1p();
            (z.clamp(z_lo, z_hi), 0.5 * step, 7)
        }
        _ => {
            let mut best = (f64::INFINITY, 0usize);
            for j in 0..COARSE {
                let sse = misfit(points, scale(z_lo + step * j as f64)).0;
                if sse < best.0 {
                    best = (sse, j);
                }
            }
            (z_lo + step * best.1 as f64, step, 14)
        }
    };
    let (mut a, mut b) = ((centre - reach).max(z_lo), (centre + reach).min(z_hi));
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (misfit(points, scale(c)).0, misfit(points, scale(d)).0);
    for _ in 0..rounds {
        if fc <= fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = misfit(points, scale(c)).0;
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = misfit(points, scale(d)).0;
        }
    }
    let k = scale(0.5 * (a + b));
    let (sse, level) = misfit(points, k);
    let per_dof = sse / (points.len() as f64 - 2.0).max(1.0);
    (k.is_finite() && level.is_finite()).then_some((SorFit { scale: k, level }, per_dof))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn young_rate_has_its_kink_at_the_optimum() {
        let rho: f64 = 0.9;
        let optimum = 2.0 / (1.0 + (1.0 - rho * rho).sqrt());
        // Gauss-Seidel: lambda = rho^2.
        assert!((log_rate(1.0, rho) - (-(rho * rho).ln()).ln()).abs() < 1e-12);
        // Right branch: lambda = omega - 1, whatever rho.
        assert!((log_rate(1.9, rho) - (-(0.9f64).ln()).ln()).abs() < 1e-12);
        // The rate is largest at the optimum.
        let at = log_rate(optimum, rho);
        assert!(at > log_rate(optimum - 0.05, rho) && at > log_rate(optimum + 0.05, rho));
    }

    #[test]
    fn fit_recovers_scale_and_level() {
        let truth = SorFit {
            scale: 1.065,
            level: 2.9,
        };
        let points: Vec<Point> = (0..12)
            .flat_map(|c| {
                let x = 0.8 + 0.011 * c as f64;
                [0usize, 8, 14, 17].map(move |i| {
                    let omega = 1.0 + 0.05 * i as f64;
                    Point {
                        context: x,
                        omega,
                        log_cost: truth.predict(x, omega),
                        weight: 1.0,
                    }
                })
            })
            .collect();
        let (f, misfit) = fit(&points, None).unwrap();
        assert!(misfit < 1e-4, "{misfit}");
        assert!((f.scale - truth.scale).abs() < 1e-4, "{f:?}");
        assert!((f.level - truth.level).abs() < 1e-3, "{f:?}");
    }
}
