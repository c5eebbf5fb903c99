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
//!   ln(1 + cost) ~ level - ln(-ln lambda(omega, rho(x))),
//!
//! with rho(x) of one of two forms ([`RhoForm`]): rho = k x, exact when x
//! is proportional to rho (the automatic context, the mean
//! diagonal-dominance ratio, is rho_J times a constant on the model
//! problems: [`crate::context`]), and 1 / rho = a + b x, exact when x
//! shifts the diagonal (rho_J = r / (d + x)) and a first-order fit of any
//! smooth monotone context over a narrow range. The numbers are shared by
//! all contexts, so the solves of a few contexts place the optimum of
//! every other one: on the paper's shifted-Laplacian sequence the
//! least-squares fit of the first form over all its costs puts each
//! instance's predicted best omega on the cheapest arm to within 1.4 % of
//! the instance-optimal total. Both forms are fitted to the same data and
//! each checked on every prediction; the better-predicting one is used
//! ([`SorModelState::active`]), so the caller need not say which kind of
//! context it passes.
//!
//! Where it is wrong: SSOR as a CG preconditioner (a flatter curve, and
//! its optimum moves differently), matrices that are not consistently
//! ordered, nonsymmetric ones, contexts that are neither a dominance ratio
//! nor a shift over a wide range. SmoothTS finds that out from its own
//! data: it checks every model prediction against the cost then observed
//! and blends the model into its prior only while those errors stay small
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

/// How the fitted rho_J depends on the context x.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RhoForm {
    /// rho = `scale` x: x proportional to rho_J (the automatic context,
    /// a dominance ratio). One number, the form of fits written before
    /// the reciprocal one existed.
    #[default]
    Proportional,
    /// 1 / rho = `intercept` + `scale` x: x a shift of the diagonal
    /// (rho_J = r / (d + c) for a diagonal d + c, so 1 / rho_J is affine in
    /// c), and to first order any smooth monotone context over a narrow
    /// range. 1 / rho is clamped to at least 1.
    ReciprocalAffine,
}

/// A fitted model: rho_J(x) of `form`, ln(1 + cost) = `level` -
/// log_rate(omega, rho_J(x)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SorFit {
    pub scale: f64,
    pub level: f64,
    /// 0 for [`RhoForm::Proportional`] (absent in older state files, and
    /// not written for that form, whose files stay as they were).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub intercept: f64,
    #[serde(default, skip_serializing_if = "is_proportional")]
    pub form: RhoForm,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_proportional(form: &RhoForm) -> bool {
    *form == RhoForm::Proportional
}

impl SorFit {
    /// The fitted Jacobi spectral radius at context `x`.
    pub(crate) fn rho(&self, x: f64) -> f64 {
        match self.form {
            RhoForm::Proportional => self.scale * x,
            RhoForm::ReciprocalAffine => 1.0 / (self.intercept + self.scale * x).max(1.0),
        }
    }

    /// Predicted ln(1 + cost) at `omega` for context `x`.
    pub(crate) fn predict(&self, x: f64, omega: f64) -> f64 {
        self.level - log_rate(omega, self.rho(x))
    }

    fn is_valid(&self) -> bool {
        let finite = self.scale.is_finite() && self.level.is_finite() && self.intercept.is_finite();
        finite
            && match self.form {
                RhoForm::Proportional => self.scale > 0.0 && self.intercept == 0.0,
                RhoForm::ReciprocalAffine => true,
            }
    }
}

/// The second form's fit and its own record of checked predictions (see
/// `SorModelState::active`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SorAlternative {
    pub fit: SorFit,
    /// Predictions of this form checked against an observed cost.
    pub checks: u64,
    /// Running mean of their squared errors (as [`SorModelState::mean_sq_error`]).
    pub mean_sq_error: f64,
    /// Weighted residual sum of squares of its fit per degree of freedom.
    pub fit_misfit: f64,
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
    /// The reciprocal-affine form ([`RhoForm::ReciprocalAffine`]), fitted
    /// to the same points (absent in older state files, and not written
    /// while there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reciprocal: Option<SorAlternative>,
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
                .is_none_or(|f| f.is_valid() && f.form == RhoForm::Proportional)
            && self.reciprocal.is_none_or(|r| {
                r.fit.is_valid()
                    && r.fit.form == RhoForm::ReciprocalAffine
                    && r.mean_sq_error.is_finite()
                    && r.mean_sq_error >= 0.0
                    && r.fit_misfit.is_finite()
                    && r.fit_misfit >= 0.0
            })
    }

    /// Record the errors (observed minus predicted ln(1 + cost)) of the
    /// model's prediction, of SmoothTS's own without the model and, if
    /// there is a reciprocal fit, of its prediction.
    pub(crate) fn record(&mut self, error: f64, plain_error: f64, reciprocal_error: Option<f64>) {
        self.checks = self.checks.saturating_add(1);
        let n = self.checks.min(ERROR_MEMORY) as f64;
        self.mean_sq_error += (bounded_sq(error) - self.mean_sq_error) / n;
        self.plain_mean_sq_error += (bounded_sq(plain_error) - self.plain_mean_sq_error) / n;
        if let (Some(r), Some(e)) = (self.reciprocal.as_mut(), reciprocal_error) {
            r.checks = r.checks.saturating_add(1);
            let n = r.checks.min(ERROR_MEMORY) as f64;
            r.mean_sq_error += (bounded_sq(e) - r.mean_sq_error) / n;
        }
    }

    /// The form whose checked predictions are better: the reciprocal one
    /// once it has [`MIN_CHECKS`] checked predictions with a smaller mean
    /// squared error than the proportional one's, else the proportional
    /// one. The data choose the transform of the context: the
    /// proportional form is exact for a dominance ratio, the reciprocal
    /// one for a shift of the diagonal, and each is wrong for the other.
    pub(crate) fn active(&self) -> Option<ActiveFit> {
        let proportional = self.fit.map(|fit| ActiveFit {
            fit,
            checks: self.checks,
            mean_sq_error: self.mean_sq_error,
            fit_misfit: self.fit_misfit,
        });
        let reciprocal = self
            .reciprocal
            .filter(|r| r.checks >= MIN_CHECKS)
            .map(|r| ActiveFit {
                fit: r.fit,
                checks: r.checks,
                mean_sq_error: r.mean_sq_error,
                fit_misfit: r.fit_misfit,
            });
        match (proportional, reciprocal) {
            (Some(p), Some(r)) if r.mean_sq_error < p.mean_sq_error => Some(r),
            (None, r) => r,
            (p, _) => p,
        }
    }

    /// Weight in [0, 1] of the model in the prior, from the form
    /// [`SorModelState::active`] picks. 0 while the fit rests
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
        let Some(a) = self.active() else {
            return 0.0;
        };
        if self.fit_points < min_points || a.checks < MIN_CHECKS {
            return 0.0;
        }
        let ramp = |ratio: f64| (4.0 * (1.25 - ratio)).clamp(0.0, 1.0);
        let fits = ramp(a.fit_misfit);
        if fits <= 0.0 {
            return 0.0;
        }
        let versus_plain = ramp(a.mean_sq_error / self.plain_mean_sq_error.max(1e-12));
        if versus_plain >= 1.0 {
            return fits;
        }
        fits * ramp(a.mean_sq_error / tolerance()).max(versus_plain)
    }
}

/// A squared error, bounded (and a non-finite error counted as large).
fn bounded_sq(e: f64) -> f64 {
    if e.is_finite() {
        (e * e).min(1e6)
    } else {
        1e6
    }
}

/// The form of the model in use and its record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ActiveFit {
    pub fit: SorFit,
    pub checks: u64,
    pub mean_sq_error: f64,
    pub fit_misfit: f64,
}

/// Checked predictions before the model can be trusted.
pub(crate) const MIN_CHECKS: u64 = 8;

/// Weighted residual sum of squares and best level for rho_J = `rho`(x).
fn misfit(points: &[Point], rho: impl Fn(f64) -> f64) -> (f64, f64) {
    let (mut sw, mut swr, mut swrr) = (0.0, 0.0, 0.0);
    for p in points {
        let r = p.log_cost + log_rate(p.omega, rho(p.context));
        sw += p.weight;
        swr += p.weight * r;
        swrr += p.weight * r * r;
    }
    let level = swr / sw;
    ((swrr - level * swr).max(0.0), level)
}

/// Range of z = -ln(1 - rho) the fits search (rho from 0.049 to 1 - 6e-6).
const Z_LO: f64 = 0.05;
const Z_HI: f64 = 12.0;

fn rho_of_z(z: f64) -> f64 {
    -(-z).exp_m1()
}

fn z_of_rho(rho: f64) -> f64 {
    if rho < 1.0 {
        (-(-rho).ln_1p()).clamp(Z_LO, Z_HI)
    } else {
        Z_HI
    }
}

/// The reciprocal-affine fit (1 / rho = a + b x, [`RhoForm::ReciprocalAffine`])
/// with rho = rho_of_z(`z_first`) at context `first` and
/// rho_of_z(`z_last`) at `last`.
fn reciprocal_through(first: f64, last: f64, z_first: f64, z_last: f64) -> SorFit {
    let (t_first, t_last) = (1.0 / rho_of_z(z_first), 1.0 / rho_of_z(z_last));
    let slope = (t_last - t_first) / (last - first);
    SorFit {
        scale: slope,
        level: 0.0,
        intercept: t_first - slope * first,
        form: RhoForm::ReciprocalAffine,
    }
}

/// Passes over the points of the simplex search after the coarse grid
/// ([`fit_reciprocal`]) and of a local refit.
const FULL_EVALUATIONS: usize = 40;
const NEAR_EVALUATIONS: usize = 24;

/// Nelder-Mead minimisation of `f` over the box [Z_LO, Z_HI]^2 (points
/// clamped into it) from a simplex of side `size` at `start`, for about
/// `evaluations` evaluations of `f`: the two coordinates are strongly
/// correlated (both move every context's rho), which a simplex follows
/// and coordinate-wise searches do not.
fn nelder_mead(
    mut f: impl FnMut([f64; 2]) -> f64,
    start: [f64; 2],
    size: f64,
    evaluations: usize,
) -> [f64; 2] {
    let clamp = |z: [f64; 2]| z.map(|v| v.clamp(Z_LO, Z_HI));
    let at =
        |base: [f64; 2], dir: [f64; 2], t: f64| clamp([base[0] + t * dir[0], base[1] + t * dir[1]]);
    let mut simplex = [
        clamp(start),
        clamp([start[0] + size, start[1]]),
        clamp([start[0], start[1] + size]),
    ]
    .map(|z| (f(z), z));
    let mut spent = 3;
    while spent < evaluations {
        simplex.sort_by(|a, b| a.0.total_cmp(&b.0));
        let [(f_best, _), (f_mid, _), (f_worst, worst)] = simplex;
        let centroid = [
            0.5 * (simplex[0].1[0] + simplex[1].1[0]),
            0.5 * (simplex[0].1[1] + simplex[1].1[1]),
        ];
        let dir = [centroid[0] - worst[0], centroid[1] - worst[1]];
        let reflected = at(centroid, dir, 1.0);
        let f_reflected = f(reflected);
        spent += 1;
        if f_reflected < f_best {
            let expanded = at(centroid, dir, 2.0);
            let f_expanded = f(expanded);
            spent += 1;
            simplex[2] = if f_expanded < f_reflected {
                (f_expanded, expanded)
            } else {
                (f_reflected, reflected)
            };
        } else if f_reflected < f_mid {
            simplex[2] = (f_reflected, reflected);
        } else {
            let t = if f_reflected < f_worst { 0.5 } else { -0.5 };
            let contracted = at(centroid, dir, t);
            let f_contracted = f(contracted);
            spent += 1;
            if f_contracted < f_worst.min(f_reflected) {
                simplex[2] = (f_contracted, contracted);
            } else {
                let best = simplex[0].1;
                for v in &mut simplex[1..] {
                    let z = clamp([0.5 * (best[0] + v.1[0]), 0.5 * (best[1] + v.1[1])]);
                    *v = (f(z), z);
                }
                spent += 2;
            }
        }
    }
    simplex.sort_by(|a, b| a.0.total_cmp(&b.0));
    simplex[0].1
}

/// Least-squares fit of the reciprocal-affine form and the level to
/// `points` (`None` with fewer than three points or all at one context).
/// Searched through rho at the smallest and the largest context, each as
/// z = -ln(1 - rho) in [0.05, 12]: a coarse 10 x 10 grid, then a simplex
/// search from its best point (about 140 passes over the points); with
/// `near` (a previous reciprocal fit) only a simplex search from it
/// (about 24 passes).
pub(crate) fn fit_reciprocal(points: &[Point], near: Option<SorFit>) -> Option<(SorFit, f64)> {
    let (first, last) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.context), hi.max(p.context))
    });
    if points.len() < 3 || !(first.is_finite() && last.is_finite() && last - first > 0.0) {
        return None;
    }
    let sse = |zf: f64, zl: f64| {
        let f = reciprocal_through(first, last, zf, zl);
        misfit(points, |x| f.rho(x)).0
    };
    const COARSE: usize = 10;
    let step = (Z_HI - Z_LO) / (COARSE - 1) as f64;
    let (start, size, evaluations) = match near {
        Some(f) if f.form == RhoForm::ReciprocalAffine => (
            [z_of_rho(f.rho(first)), z_of_rho(f.rho(last))],
            0.25 * step,
            NEAR_EVALUATIONS,
        ),
        _ => {
            let mut best = (f64::INFINITY, [Z_LO, Z_LO]);
            for i in 0..COARSE {
                for j in 0..COARSE {
                    let z = [Z_LO + step * i as f64, Z_LO + step * j as f64];
                    let e = sse(z[0], z[1]);
                    if e < best.0 {
                        best = (e, z);
                    }
                }
            }
            (best.1, 0.5 * step, FULL_EVALUATIONS)
        }
    };
    let [zf, zl] = nelder_mead(|z| sse(z[0], z[1]), start, size, evaluations);
    let mut f = reciprocal_through(first, last, zf, zl);
    let (sse, level) = misfit(points, |x| f.rho(x));
    f.level = level;
    let per_dof = sse / (points.len() as f64 - 3.0).max(1.0);
    f.is_valid().then_some((f, per_dof))
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
                let k = scale(z_lo + step * j as f64);
                let sse = misfit(points, |x| k * x).0;
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
    let sse_at = |z: f64| {
        let k = scale(z);
        misfit(points, |x| k * x).0
    };
    let (mut fc, mut fd) = (sse_at(c), sse_at(d));
    for _ in 0..rounds {
        if fc <= fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = sse_at(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = sse_at(d);
        }
    }
    let k = scale(0.5 * (a + b));
    let (sse, level) = misfit(points, |x| k * x);
    let per_dof = sse / (points.len() as f64 - 2.0).max(1.0);
    (k.is_finite() && level.is_finite()).then_some((
        SorFit {
            scale: k,
            level,
            intercept: 0.0,
            form: RhoForm::Proportional,
        },
        per_dof,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact log-costs of `truth` at 12 contexts x0, x0 + dx, ... and the
    /// omegas 1.0, 1.4, 1.7 and 1.85 (arms 0, 8, 14, 17 of the paper grid).
    fn exact_points(truth: &SorFit, x0: f64, dx: f64) -> Vec<Point> {
        (0..12)
            .flat_map(|c| {
                let x = x0 + dx * c as f64;
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
            .collect()
    }

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

    /// A rho at or above 1 (a context beyond the fitted range) is taken
    /// as 1 - 1e-12, where the right branch still holds for an omega
    /// within 3e-6 of 2: lambda = omega - 1 (cargo-mutants: the clamp's
    /// 1 - 1e-12 as 1 + 1e-12 or 1 / 1e-12 survived; unclamped, the
    /// optimum is NaN and the left branch's lambda > 1 is clamped to the
    /// floor rate instead).
    #[test]
    fn rho_is_clamped_below_one() {
        let omega = 1.999_999;
        let right_branch = (-(omega - 1.0f64).ln()).ln();
        for rho in [1.0 - 1e-12, 1.0, 1.5, 1e13] {
            assert!(
                (log_rate(omega, rho) - right_branch).abs() < 1e-9,
                "rho {rho}"
            );
        }
    }

    #[test]
    fn fit_recovers_scale_and_level() {
        let truth = SorFit {
            scale: 1.065,
            level: 2.9,
            intercept: 0.0,
            form: RhoForm::Proportional,
        };
        let points = exact_points(&truth, 0.8, 0.011);
        let (f, misfit) = fit(&points, None).unwrap();
        assert!(misfit < 1e-4, "{misfit}");
        assert!((f.scale - truth.scale).abs() < 1e-4, "{f:?}");
        assert!((f.level - truth.level).abs() < 1e-3, "{f:?}");
    }

    /// Too few points or no positive finite context: no fit. A previous
    /// fit within half a coarse step (in z) of the truth is refined
    /// locally to the truth; one with rho_top >= 1 is ignored (the full
    /// search, bit for bit).
    #[test]
    fn fit_needs_two_points_and_refits_locally_from_a_previous_fit() {
        let truth = proportional(1.065, 2.9);
        let points = exact_points(&truth, 0.8, 0.011);
        assert!(fit(&[], None).is_none());
        assert!(fit(&points[..1], None).is_none());
        assert!(fit(&points[..2], None).is_some());
        let shifted = |dx: f64| -> Vec<Point> {
            points
                .iter()
                .map(|p| Point {
                    context: p.context + dx,
                    ..*p
                })
                .collect()
        };
        let top = 0.8 + 0.011 * 11.0;
        assert!(fit(&shifted(-top), None).is_none(), "top context 0");
        assert!(fit(&shifted(-2.0), None).is_none(), "negative contexts");
        let mut infinite = points.clone();
        infinite[5].context = f64::INFINITY;
        assert!(fit(&infinite, None).is_none());
        // No weight (no information): the level is 0 / 0, no fit.
        let weightless: Vec<Point> = points.iter().map(|p| Point { weight: 0.0, ..*p }).collect();
        assert!(fit(&weightless, None).is_none());
        let z_true = -(-truth.scale * top).ln_1p();
        for dz in [-0.35, -0.1, 0.2, 0.35] {
            let previous = proportional(-(-(z_true + dz)).exp_m1() / top, 0.0);
            let (f, misfit) = fit(&points, Some(previous)).unwrap();
            assert!((f.scale - truth.scale).abs() < 1e-3, "dz {dz}: {f:?}");
            assert!((f.level - truth.level).abs() < 1e-2, "dz {dz}: {f:?}");
            assert!(misfit < 1e-3, "dz {dz}: {misfit}");
        }
        // Local means local: from a previous fit 2 below the truth in z,
        // the refit stays within half a coarse step (0.398) of it.
        let z_prev = z_true - 2.0;
        let previous = proportional(-(-z_prev).exp_m1() / top, 0.0);
        let (f, _) = fit(&points, Some(previous)).unwrap();
        let z = -(-f.scale * top).ln_1p();
        assert!(
            (z - z_prev).abs() <= 0.5 * (12.0 - 0.05) / 15.0 + 1e-9,
            "{z} {z_prev}"
        );
        // A previous fit with rho_top = 1 or above: the full search. The
        // contexts' top is 0.5 here, so rho_top = 2 x 0.5 = 1 exactly.
        let points = exact_points(&proportional(1.9, 2.9), 53.0 / 128.0, 1.0 / 128.0);
        let full = fit(&points, None).unwrap();
        assert!((full.0.scale - 1.9).abs() < 1e-4, "{full:?}");
        for scale in [2.0, 2.5] {
            assert_eq!(fit(&points, Some(proportional(scale, 0.0))).unwrap(), full);
        }
    }

    /// The reciprocal form needs three points at two or more contexts;
    /// a previous fit of the other form is ignored (the full search, bit
    /// for bit).
    #[test]
    fn fit_reciprocal_needs_three_points_at_two_contexts() {
        let truth = proportional(1.065, 2.9);
        let points = exact_points(&truth, 0.8, 0.011);
        // (4 points per context.)
        assert!(fit_reciprocal(&points[3..5], None).is_none(), "2 points");
        assert!(fit_reciprocal(&points[..4], None).is_none(), "one context");
        assert!(fit_reciprocal(&points[2..5], None).is_some());
        for x in [f64::NEG_INFINITY, f64::INFINITY] {
            let mut infinite = points.clone();
            infinite[7].context = x;
            assert!(fit_reciprocal(&infinite, None).is_none(), "{x}");
        }
        // Contexts of both signs, the smallest the larger in magnitude.
        let shift = shifted(6.0);
        assert!(fit_reciprocal(&exact_points(&shift, -0.5, 0.05), None).is_some());
        let full = fit_reciprocal(&points, None).unwrap();
        assert_eq!(fit_reciprocal(&points, Some(truth)).unwrap(), full);
    }

    /// Nelder-Mead on a correlated quadratic bowl: from a simplex far off,
    /// it walks the valley to the minimum (inside the box) in its budget
    /// of evaluations, which it keeps to within the two of a last shrink;
    /// a minimum outside the box is found on the box's edge.
    #[test]
    fn nelder_mead_follows_a_correlated_valley_to_its_minimum() {
        let bowl = |centre: [f64; 2]| {
            move |z: [f64; 2]| {
                let (a, b) = (z[0] - centre[0], z[1] - centre[1]);
                (a + b).powi(2) + 50.0 * (a - b).powi(2)
            }
        };
        let calls = std::cell::Cell::new(0usize);
        let counted = |z: [f64; 2]| {
            calls.set(calls.get() + 1);
            bowl([6.0, 5.0])(z)
        };
        let z = nelder_mead(counted, [1.0, 2.0], 1.0, 120);
        assert!(
            (z[0] - 6.0).abs() < 1e-6 && (z[1] - 5.0).abs() < 1e-6,
            "{z:?}"
        );
        assert!((120..=122).contains(&calls.get()), "{} calls", calls.get());
        // Outside: the bowl's lowest point in the box is its corner
        // (12, 0.05) (the gradient points out of the box there).
        let z = nelder_mead(bowl([20.0, 5.0]), [1.0, 2.0], 1.0, 120);
        assert_eq!(z, [Z_HI, Z_LO]);
    }

    /// The reciprocal-affine form recovers a shift's rho_J = r / (4 + c)
    /// (1 / rho = 4 / r + c / r) from exact costs, and so from the full
    /// search as from a local one started a coarse step away.
    #[test]
    fn reciprocal_fit_recovers_a_shift() {
        let truth = shifted(4.0);
        let points = exact_points(&truth, -0.14, 0.05);
        let (f, misfit) = fit_reciprocal(&points, None).unwrap();
        assert!(misfit < 1e-4, "{misfit} {f:?}");
        for x in [-0.14, 0.1, 0.41] {
            assert!((f.rho(x) - truth.rho(x)).abs() < 1e-4, "{x}: {f:?}");
        }
        // A previous fit half a coarse step off at both ends.
        let off = reciprocal_through(
            -0.14,
            0.41,
            z_of_rho(truth.rho(-0.14)) - 0.6,
            z_of_rho(truth.rho(0.41)) + 0.6,
        );
        let (g, misfit) = fit_reciprocal(&points, Some(off)).unwrap();
        assert!(misfit < 1e-3, "{misfit} {g:?}");
        assert!((g.rho(-0.14) - truth.rho(-0.14)).abs() < 1e-3, "{g:?}");
        // The proportional form cannot fit a shift.
        let (_, misfit) = fit(&points, None).unwrap();
        assert!(misfit > 1e-2, "{misfit}");
    }

    fn proportional(scale: f64, level: f64) -> SorFit {
        SorFit {
            scale,
            level,
            intercept: 0.0,
            form: RhoForm::Proportional,
        }
    }

    /// A shift c of the diagonal `diagonal` of the 5-point Laplacian on an
    /// 11 x 11 grid: rho_J = r / (diagonal + c) with r = 4 cos(pi / 11),
    /// that is 1 / rho = diagonal / r + c / r (level 2.9).
    fn shifted(diagonal: f64) -> SorFit {
        let r = 4.0 * (std::f64::consts::PI / 11.0).cos();
        SorFit {
            scale: 1.0 / r,
            level: 2.9,
            intercept: diagonal / r,
            form: RhoForm::ReciprocalAffine,
        }
    }

    fn alternative(checks: u64, mean_sq_error: f64) -> SorAlternative {
        SorAlternative {
            fit: SorFit {
                scale: 0.25,
                level: 3.0,
                intercept: 1.5,
                form: RhoForm::ReciprocalAffine,
            },
            checks,
            mean_sq_error,
            fit_misfit: 0.5,
        }
    }

    /// A proportional fit is written as before the reciprocal form existed
    /// (no `intercept`, no `form`: older readers load it), a reciprocal one
    /// with both; each reads back as written, and the old form loads as
    /// proportional with intercept 0.
    #[test]
    fn fits_serialise_in_the_old_form_when_proportional() {
        let p = proportional(0.9, 2.0);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"scale":0.9,"level":2.0}"#);
        assert_eq!(serde_json::from_str::<SorFit>(&json).unwrap(), p);
        let r = alternative(3, 0.5).fit;
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"scale":0.25,"level":3.0,"intercept":1.5,"form":"reciprocal_affine"}"#
        );
        assert_eq!(serde_json::from_str::<SorFit>(&json).unwrap(), r);
    }

    /// A state with both forms fitted and every number at a bound
    /// (0) is accepted; each bad number or fit on its own is refused.
    #[test]
    fn a_model_state_is_checked_field_by_field() {
        let good = SorModelState {
            fit: Some(proportional(0.9, 2.0)),
            checks: 3,
            mean_sq_error: 0.0,
            plain_mean_sq_error: 0.0,
            fit_points: 9,
            fit_misfit: 0.0,
            reciprocal: Some(SorAlternative {
                mean_sq_error: 0.0,
                fit_misfit: 0.0,
                ..alternative(2, 0.0)
            }),
        };
        assert!(good.check());
        assert!(SorModelState::default().check());
        // A reciprocal fit may have any finite numbers, a negative scale too.
        let mut negative = good;
        negative.reciprocal.as_mut().unwrap().fit.scale = -2.0;
        assert!(negative.check());
        type Set = fn(&mut SorModelState, f64);
        let bad_values: [(&str, Set); 6] = [
            ("mean_sq_error", |s, v| s.mean_sq_error = v),
            ("plain_mean_sq_error", |s, v| s.plain_mean_sq_error = v),
            ("fit_misfit", |s, v| s.fit_misfit = v),
            ("reciprocal mean_sq_error", |s, v| {
                s.reciprocal.as_mut().unwrap().mean_sq_error = v
            }),
            ("reciprocal fit_misfit", |s, v| {
                s.reciprocal.as_mut().unwrap().fit_misfit = v
            }),
            ("scale", |s, v| s.fit.as_mut().unwrap().scale = v),
        ];
        for (name, set) in bad_values {
            for v in [-1.0, f64::NAN, f64::INFINITY] {
                let mut s = good;
                set(&mut s, v);
                assert!(!s.check(), "{name} = {v} accepted");
            }
        }
        type Change = fn(&mut SorModelState);
        let bad_fits: [(&str, Change); 8] = [
            ("proportional scale 0", |s| {
                s.fit.as_mut().unwrap().scale = 0.0
            }),
            ("proportional level NaN", |s| {
                s.fit.as_mut().unwrap().level = f64::NAN
            }),
            ("proportional intercept", |s| {
                s.fit.as_mut().unwrap().intercept = 0.5
            }),
            ("reciprocal form as the fit", |s| {
                s.fit = Some(s.reciprocal.unwrap().fit)
            }),
            ("proportional form as the reciprocal", |s| {
                s.reciprocal.as_mut().unwrap().fit = proportional(0.9, 2.0)
            }),
            ("reciprocal scale infinite", |s| {
                s.reciprocal.as_mut().unwrap().fit.scale = f64::INFINITY
            }),
            ("reciprocal intercept NaN", |s| {
                s.reciprocal.as_mut().unwrap().fit.intercept = f64::NAN
            }),
            ("reciprocal level infinite", |s| {
                s.reciprocal.as_mut().unwrap().fit.level = f64::NEG_INFINITY
            }),
        ];
        for (name, change) in bad_fits {
            let mut s = good;
            change(&mut s);
            assert!(!s.check(), "{name} accepted");
        }
    }

    /// The running means of squared errors: exact means over the first
    /// checks, then over the last [`ERROR_MEMORY`]; a non-finite or huge
    /// error counts as 1e6; the reciprocal form's record moves only when
    /// it has a fit and an error.
    #[test]
    fn record_keeps_running_means_of_the_squared_errors() {
        let mut s = SorModelState::default();
        s.record(1.0, 0.5, Some(3.0));
        assert_eq!(
            (s.checks, s.mean_sq_error, s.plain_mean_sq_error),
            (1, 1.0, 0.25)
        );
        s.record(-2.0, 1.5, None);
        assert_eq!(
            (s.checks, s.mean_sq_error, s.plain_mean_sq_error),
            (2, 2.5, 1.25)
        );
        s.record(3.0, 0.0, None);
        assert!((s.mean_sq_error - 14.0 / 3.0).abs() < 1e-12, "{s:?}");
        assert!((s.plain_mean_sq_error - 2.5 / 3.0).abs() < 1e-12, "{s:?}");
        assert_eq!(s.reciprocal, None);
        // After ERROR_MEMORY checks a new error weighs 1 / ERROR_MEMORY.
        let mut s = SorModelState::default();
        for _ in 0..ERROR_MEMORY + 4 {
            s.record(0.0, 0.0, None);
        }
        s.record(4.0, f64::NAN, None);
        assert_eq!(s.mean_sq_error, 16.0 / ERROR_MEMORY as f64);
        assert_eq!(s.plain_mean_sq_error, 1e6 / ERROR_MEMORY as f64);
        // Bounded squares.
        let mut s = SorModelState::default();
        s.record(2000.0, f64::NEG_INFINITY, None);
        assert_eq!((s.mean_sq_error, s.plain_mean_sq_error), (1e6, 1e6));
        // The reciprocal form: its own count and mean.
        let mut s = SorModelState {
            reciprocal: Some(alternative(0, 0.0)),
            ..Default::default()
        };
        s.record(1.0, 1.0, Some(3.0));
        s.record(1.0, 1.0, None);
        s.record(1.0, 1.0, Some(-1.0));
        let r = s.reciprocal.unwrap();
        assert_eq!((s.checks, r.checks, r.mean_sq_error), (3, 2, 5.0));
    }

    /// The reciprocal form is used once it has MIN_CHECKS checks and a
    /// smaller mean squared error than the proportional one (ties keep the
    /// proportional one), or when there is no proportional fit.
    #[test]
    fn active_picks_the_better_checked_form() {
        let with = |reciprocal: Option<SorAlternative>| SorModelState {
            fit: Some(proportional(0.9, 2.0)),
            checks: 20,
            mean_sq_error: 0.5,
            fit_misfit: 0.75,
            reciprocal,
            ..Default::default()
        };
        let form = |s: SorModelState| s.active().map(|a| a.fit.form);
        assert_eq!(SorModelState::default().active(), None);
        let p = with(None).active().unwrap();
        assert_eq!(
            (p.fit, p.checks, p.mean_sq_error, p.fit_misfit),
            (proportional(0.9, 2.0), 20, 0.5, 0.75)
        );
        let better = alternative(MIN_CHECKS, 0.25);
        let r = with(Some(better)).active().unwrap();
        assert_eq!(
            (r.fit, r.checks, r.mean_sq_error, r.fit_misfit),
            (better.fit, MIN_CHECKS, 0.25, 0.5)
        );
        let proportional_form = Some(RhoForm::Proportional);
        let few = alternative(MIN_CHECKS - 1, 0.25);
        assert_eq!(form(with(Some(few))), proportional_form);
        assert_eq!(form(with(Some(alternative(9, 0.5)))), proportional_form);
        assert_eq!(form(with(Some(alternative(9, 0.75)))), proportional_form);
        let alone = |r| SorModelState {
            reciprocal: Some(r),
            ..Default::default()
        };
        assert_eq!(
            form(alone(alternative(MIN_CHECKS, 9.0))),
            Some(RhoForm::ReciprocalAffine)
        );
        assert_eq!(form(alone(few)), None);
    }

    /// The model's weight: 0 without enough points or checks; else the
    /// misfit's ramp (1 up to 1, 0 from 1.25) times the better of the
    /// checked errors' ramps (over the tolerance, over SmoothTS's own
    /// errors), which is not even asked for when the model predicts
    /// better than SmoothTS alone.
    #[test]
    fn trust_is_the_product_of_the_ramps() {
        let state = |checks: u64, fit_misfit: f64, mse: f64, plain: f64| SorModelState {
            fit: Some(proportional(0.9, 2.0)),
            checks,
            mean_sq_error: mse,
            plain_mean_sq_error: plain,
            fit_points: 10,
            fit_misfit,
            reciprocal: None,
        };
        let unasked = || -> f64 { panic!("tolerance asked for") };
        assert_eq!(SorModelState::default().trust(0, unasked), 0.0);
        let s = state(MIN_CHECKS, 1.0, 0.5, 1.0);
        assert_eq!(s.trust(10, unasked), 1.0, "10 points, 8 checks: enough");
        assert_eq!(s.trust(11, unasked), 0.0, "fewer points than asked");
        assert_eq!(state(MIN_CHECKS - 1, 1.0, 0.5, 1.0).trust(10, unasked), 0.0);
        // The misfit's ramp.
        assert_eq!(state(9, 1.125, 0.5, 1.0).trust(10, unasked), 0.5);
        assert_eq!(state(9, 0.25, 1.0, 1.0).trust(10, unasked), 1.0);
        assert_eq!(state(9, 1.25, 0.5, 1.0).trust(10, unasked), 0.0);
        assert_eq!(state(9, 2.0, 0.5, 1.0).trust(10, unasked), 0.0);
        // Worse than SmoothTS alone by 1.125: its ramp 0.5, or the
        // tolerance's if that is better.
        let worse = state(9, 1.125, 1.125, 1.0);
        assert_eq!(worse.trust(10, || 0.9), 0.25, "tolerance ramp 0");
        assert_eq!(worse.trust(10, || 1.0), 0.25, "tolerance ramp 0.5");
        assert_eq!(worse.trust(10, || 4.5), 0.5, "tolerance ramp 1");
        let far_worse = state(9, 1.0, 2.25, 1.0);
        assert_eq!(
            far_worse.trust(10, || 2.0),
            0.5,
            "only the tolerance's ramp"
        );
        assert_eq!(far_worse.trust(10, || 1.0), 0.0);
        // SmoothTS's own error 0 counts as 1e-12.
        assert_eq!(state(9, 1.0, 1e-12, 0.0).trust(10, unasked), 1.0);
        assert_eq!(state(9, 1.0, 1.125e-12, 0.0).trust(10, || 1.0), 1.0);
    }
}
