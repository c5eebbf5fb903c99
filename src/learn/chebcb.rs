//! ChebCB: SquareCB (inverse-gap weighting) over the omega grid with one
//! linear cost model per arm on Chebyshev features of the scalar context.
//!
//! The context c in [a, b] is rescaled to x in [-1, 1] (clamped; no context
//! means the centre) and mapped to the features T_0(x) .. T_{m-1}(x). Arm
//! i's model is linear in the features: y_i(x) = <theta_i, f(x)>.
//!
//! Target. By default ([`ChebCbTarget::LogLoss`]) the models regress
//! y = ln(1 + l) and predict the cost exp(y) - 1; [`ChebCbTarget::Loss`]
//! regresses the loss itself (y = l - 1, the notes' target, predicting
//! 1 + y). This is a deliberate departure from the notes: iteration counts
//! blow up near a singular end of the context range (the shifted
//! Laplacian's c -> -0.16) and six Chebyshev terms fit the logarithm there
//! much better than the count itself (the comparison on the shifted-Laplacian
//! experiment is in BENCHMARKS.md, "ChebCB tuning"). Gaps, errors
//! and exploration are always measured in cost units (predicted
//! iterations), so exploring a bad arm where solves are expensive stays
//! expensive.
//!
//! Fit. As in the notes (and the authors' `ChebCB.m`) each model is the
//! box-constrained least-squares fit of that arm's history of (features,
//! normalised target y / (K N)), with |theta_0| <= 1/N and
//! |theta_j| <= 2 (b - a) L / (K N j), where K is the largest target level
//! seen (the largest loss, or for the log target the largest ln(1 + l)),
//! L = (max level - min level) / (b - a) and
//! N = 2 + 4 (b - a) L / K (1 + ln m).
//! The constrained least-squares solution scales linearly with the targets,
//! so we fit in raw units (targets y) with the bounds multiplied by the
//! same factor K N: |theta_0| <= K and |theta_j| <= 2 (max - min) / j. Those
//! raw bounds only ever loosen (the max grows, the min shrinks), so an
//! earlier fit stays feasible. Instead of refitting on the history every
//! round, each arm keeps its normal equations (X^T X, X^T y) and the fit is
//! the box-constrained quadratic min 1/2 theta^T (G + lambda I) theta -
//! h^T theta solved by projected coordinate descent, warm-started from the
//! previous theta: at most 30 sweeps on the played arm (stopping once a
//! sweep changes nothing) and one background sweep on another arm (round
//! robin, so fits that a loosened bound made stale keep converging). A
//! tiny ridge lambda keeps the problem strictly convex while an arm has
//! fewer points than features. Cost per round: O(d m) to predict, O(m^2)
//! to update; memory O(d m^2), independent of the number of rounds.
//!
//! Action. Predicted costs s_i, best arm i* = argmin s_i, and SquareCB's
//! inverse-gap weighting p_i = 1 / (d + eta (s_i - s_i*)) for i != i*,
//! p_i* = 1 - sum of the others. The schedule is ours (the notes leave it
//! open): eta_t = gamma * t * sqrt(d) / rms_t with gamma = 1, where rms_t
//! is the root mean squared error of the played arm's predicted cost over
//! the rounds so far (an arm's first play, made on the optimistic zero
//! model, is not counted). The authors' eta is also linear in t times a
//! data-dependent factor, 2 t sqrt(d / (mean squared error +
//! 2 alpha^2)) with alpha their approximation-error bound; dividing by the
//! observed prediction error alone makes the rule invariant to the loss
//! scale and lets exploration fade once the models predict well. gamma and
//! the power of t were tuned on the shifted-Laplacian experiment (figures
//! in BENCHMARKS.md, "ChebCB tuning").
//!
//! Unplayed arms have theta = 0 (predicted cost 0 or 1, below any real
//! solve), so every arm is tried once, as in the authors' code. Like any
//! inverse-gap rule it rarely revisits an arm predicted far worse than the
//! best: a model fitted on one or two points can extrapolate badly to
//! other contexts and, with noise-free costs (tiny rms, large eta), stay
//! unexplored; real iteration counts are noisy enough that this did not
//! show in the experiments.
//!
//! Robustness: costs are clamped to [0, 1e15] (non-finite costs count as
//! 1e15), and any non-finite intermediate falls back to the uniform
//! distribution, so probabilities are never NaN.

use super::{
    state_from_json, state_to_json, ContextRange, Learner, LearnerKind, LearnerRng, OmegaGrid,
    RngState,
};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest number of Chebyshev features accepted.
pub const MAX_FEATURES: usize = 32;
/// Costs are clamped to this before they enter the fit.
const MAX_COST: f64 = 1e15;

/// Tunable constants of ChebCB (the defaults are the tuned ones).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChebCbParams {
    /// gamma of eta_t = gamma * t^power * sqrt(d) / rms_t.
    pub gamma: f64,
    /// power of t in the eta schedule.
    pub power: f64,
    /// Coordinate-descent sweeps on the played arm per round.
    pub sweeps: usize,
    /// What the linear models regress.
    pub target: ChebCbTarget,
}

/// The regression target of the per-arm models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChebCbTarget {
    /// The loss shifted by one, y = l - 1 (the notes' target), predicting
    /// the cost 1 + y.
    Loss,
    /// y = ln(1 + l), smooth where costs blow up (the default).
    LogLoss,
}

impl ChebCbTarget {
    fn apply(self, cost: f64) -> f64 {
        match self {
            ChebCbTarget::Loss => cost - 1.0,
            ChebCbTarget::LogLoss => cost.ln_1p(),
        }
    }
    fn invert(self, y: f64) -> f64 {
        match self {
            ChebCbTarget::Loss => y + 1.0,
            ChebCbTarget::LogLoss => y.exp_m1(),
        }
    }
}

impl Default for ChebCbParams {
    fn default() -> Self {
        Self {
            gamma: 1.0,
            power: 1.0,
            sweeps: 30,
            target: ChebCbTarget::LogLoss,
        }
    }
}

/// The round in flight: chosen arm, rescaled context, predicted cost.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pending {
    arm: usize,
    x: f64,
    predicted: f64,
}

/// SquareCB with per-arm Chebyshev linear models.
#[derive(Debug, Clone)]
pub struct ChebCb {
    grid: OmegaGrid,
    range: ContextRange,
    /// Chebyshev features per model (m).
    feature_count: usize,
    params: ChebCbParams,
    /// Per arm, row-major m x m: sum of f f^T over the arm's rounds.
    gram: Vec<f64>,
    /// Per arm, length m: sum of f y, y the regression target of each
    /// observed cost ([`ChebCbTarget`]).
    feature_target_sums: Vec<f64>,
    /// Per arm, length m: current fit (raw units).
    theta: Vec<f64>,
    /// Per arm: times played (observed).
    plays: Vec<u64>,
    rounds: u64,
    /// Largest and smallest target level seen (the clamped loss, or
    /// ln(1 + loss) for the log target): they set the fit's box bounds.
    /// Meaningless while rounds == 0.
    max_level: f64,
    min_level: f64,
    /// Sum of squared errors of the played arm's predicted cost (cost
    /// units) and how many rounds it sums: their mean sets eta.
    squared_error_sum: f64,
    error_count: u64,
    /// Arm that receives the next background sweep (round robin).
    background_arm: usize,
    pending: Option<Pending>,
    rng: LearnerRng,
    /// Scratch (not state): features, predicted costs, probabilities.
    features_buf: Vec<f64>,
    predicted_buf: Vec<f64>,
    probabilities_buf: Vec<f64>,
}

/// Chebyshev polynomials T_0(x) .. T_{m-1}(x) into `f`.
fn chebyshev(x: f64, f: &mut [f64]) {
    let m = f.len();
    if m == 0 {
        return;
    }
    f[0] = 1.0;
    if m > 1 {
        f[1] = x;
    }
    for k in 2..m {
        f[k] = 2.0 * x * f[k - 1] - f[k - 2];
    }
}

impl ChebCb {
    /// ChebCB over `grid` with contexts in `range`, `features` Chebyshev
    /// features (1..=32) and the random stream of `seed`.
    pub fn new(grid: OmegaGrid, range: ContextRange, features: usize, seed: u64) -> Result<Self> {
        Self::with_params(grid, range, features, seed, ChebCbParams::default())
    }

    /// As [`ChebCb::new`] with explicit constants.
    pub fn with_params(
        grid: OmegaGrid,
        range: ContextRange,
        features: usize,
        seed: u64,
        params: ChebCbParams,
    ) -> Result<Self> {
        if !(1..=MAX_FEATURES).contains(&features) {
            return Err(Error::InvalidArgument {
                what: "chebyshev_features",
                detail: format!("{features} features; need 1 to {MAX_FEATURES}"),
            });
        }
        let gamma_ok = params.gamma.is_finite() && params.gamma > 0.0;
        let power_ok = params.power.is_finite() && params.power >= 0.0;
        if !gamma_ok || !power_ok || params.sweeps == 0 {
            return Err(Error::InvalidArgument {
                what: "chebcb parameters",
                detail: format!("{params:?}: need gamma > 0, power >= 0, sweeps >= 1"),
            });
        }
        let d = grid.len();
        let m = features;
        Ok(Self {
            grid,
            range,
            feature_count: m,
            params,
            gram: vec![0.0; d * m * m],
            feature_target_sums: vec![0.0; d * m],
            theta: vec![0.0; d * m],
            plays: vec![0; d],
            rounds: 0,
            max_level: 0.0,
            min_level: 0.0,
            squared_error_sum: 0.0,
            error_count: 0,
            background_arm: 0,
            pending: None,
            rng: LearnerRng::new(seed),
            features_buf: vec![0.0; m],
            predicted_buf: vec![0.0; d],
            probabilities_buf: vec![0.0; d],
        })
    }

    /// Number of Chebyshev features.
    pub fn features(&self) -> usize {
        self.feature_count
    }

    /// Predicted cost (iterations) of every arm at this context.
    pub fn predicted_costs(&self, context: Option<f64>) -> Vec<f64> {
        let mut f = vec![0.0; self.feature_count];
        chebyshev(self.range.rescale(context), &mut f);
        (0..self.grid.len())
            .map(|i| {
                self.params.target.invert(dot(
                    &self.theta[i * self.feature_count..(i + 1) * self.feature_count],
                    &f,
                ))
            })
            .collect()
    }

    /// Sampling probabilities at this context for the next round.
    pub fn probabilities(&self, context: Option<f64>) -> Vec<f64> {
        let mut me = self.clone();
        me.compute(self.range.rescale(context));
        me.probabilities_buf
    }

    /// eta of the next round (raw loss units).
    fn eta(&self) -> f64 {
        let t = self.rounds.saturating_add(1) as f64;
        let d = self.grid.len() as f64;
        let floor = 1e-9 + 1e-6 * self.params.target.invert(self.max_level).abs();
        let rms = if self.error_count == 0 {
            f64::INFINITY
        } else {
            (self.squared_error_sum / self.error_count as f64)
                .sqrt()
                .max(floor)
        };
        let eta = self.params.gamma * t.powf(self.params.power) * d.sqrt() / rms;
        if eta.is_finite() {
            eta.max(0.0)
        } else {
            0.0
        }
    }

    /// Features, predictions and probabilities at rescaled context x into
    /// the scratch buffers; returns the best arm.
    fn compute(&mut self, x: f64) -> usize {
        let (m, d) = (self.feature_count, self.grid.len());
        chebyshev(x, &mut self.features_buf);
        for i in 0..d {
            let y = dot(&self.theta[i * m..(i + 1) * m], &self.features_buf);
            self.predicted_buf[i] = self.params.target.invert(y);
        }
        let mut best = 0;
        for i in 0..d {
            if self.predicted_buf[i] < self.predicted_buf[best] {
                best = i;
            }
        }
        let eta = self.eta();
        let mut others = 0.0;
        for i in 0..d {
            if i != best {
                let gap = (self.predicted_buf[i] - self.predicted_buf[best]).max(0.0);
                let q = 1.0 / (d as f64 + eta * gap);
                self.probabilities_buf[i] = q;
                others += q;
            }
        }
        self.probabilities_buf[best] = (1.0 - others).max(0.0);
        if !self.probabilities_buf.iter().all(|q| q.is_finite())
            || !self.predicted_buf[best].is_finite()
        {
            self.probabilities_buf.fill(1.0 / d as f64);
        }
        best
    }

    /// Raw-unit box bounds of coefficient j.
    fn bound(&self, j: usize) -> f64 {
        if self.rounds == 0 {
            0.0
        } else if j == 0 {
            self.max_level
        } else {
            2.0 * (self.max_level - self.min_level) / j as f64
        }
    }

    /// `sweeps` projected coordinate-descent sweeps on arm i's fit.
    fn refit(&mut self, i: usize, sweeps: usize) {
        let m = self.feature_count;
        let g = &self.gram[i * m * m..(i + 1) * m * m];
        let h = &self.feature_target_sums[i * m..(i + 1) * m];
        let lambda = 1e-10 * (1.0 + self.plays[i] as f64);
        let mut bounds = [0.0; MAX_FEATURES];
        for (j, b) in bounds.iter_mut().enumerate().take(m) {
            *b = self.bound(j);
        }
        let theta = &mut self.theta[i * m..(i + 1) * m];
        for _ in 0..sweeps {
            let mut change = 0.0f64;
            for j in 0..m {
                let row = &g[j * m..(j + 1) * m];
                let diag = row[j] + lambda;
                let r = h[j] - dot(row, theta) + row[j] * theta[j];
                let new = (r / diag).clamp(-bounds[j], bounds[j]);
                if new.is_finite() {
                    change = change.max((new - theta[j]).abs() * diag.sqrt());
                    theta[j] = new;
                }
            }
            if change <= 1e-12 * (1.0 + self.max_level) {
                break;
            }
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Learner for ChebCb {
    fn kind(&self) -> LearnerKind {
        LearnerKind::ChebCb
    }
    fn grid(&self) -> &OmegaGrid {
        &self.grid
    }

    fn choose(&mut self, context: Option<f64>) -> usize {
        let x = self.range.rescale(context);
        self.compute(x);
        let arm = self.rng.sample(&self.probabilities_buf);
        self.pending = Some(Pending {
            arm,
            x,
            predicted: self.predicted_buf[arm],
        });
        arm
    }

    fn observe(&mut self, cost: f64) {
        let Some(Pending { arm, x, predicted }) = self.pending.take() else {
            return;
        };
        let cost = if cost.is_finite() {
            cost.clamp(0.0, MAX_COST)
        } else if cost == f64::NEG_INFINITY {
            0.0
        } else {
            MAX_COST
        };
        let m = self.feature_count;
        let y = self.params.target.apply(cost);
        let level = match self.params.target {
            ChebCbTarget::Loss => cost,
            ChebCbTarget::LogLoss => y,
        };
        if self.rounds == 0 {
            self.max_level = level;
            self.min_level = level;
        } else {
            self.max_level = self.max_level.max(level);
            self.min_level = self.min_level.min(level);
        }
        // Model error only once the arm has data (the first prediction of
        // an arm is the optimistic zero, not a model's error).
        let err = cost - predicted;
        if err.is_finite() && self.plays[arm] > 0 {
            self.squared_error_sum += err * err;
            self.error_count = self.error_count.saturating_add(1);
        }
        // Saturating: a loaded state may sit at the top of the range.
        self.rounds = self.rounds.saturating_add(1);
        self.plays[arm] = self.plays[arm].saturating_add(1);
        chebyshev(x, &mut self.features_buf);
        let g = &mut self.gram[arm * m * m..(arm + 1) * m * m];
        for j in 0..m {
            for k in 0..m {
                g[j * m + k] += self.features_buf[j] * self.features_buf[k];
            }
        }
        for j in 0..m {
            self.feature_target_sums[arm * m + j] += self.features_buf[j] * y;
        }
        self.refit(arm, self.params.sweeps);
        let d = self.grid.len();
        if d > 1 {
            if self.background_arm == arm {
                self.background_arm = (self.background_arm + 1) % d;
            }
            if self.plays[self.background_arm] > 0 {
                self.refit(self.background_arm, 1);
            }
            self.background_arm = (self.background_arm + 1) % d;
        }
    }

    fn favourite(&self, context: Option<f64>) -> usize {
        let s = self.predicted_costs(context);
        let mut best = 0;
        for (i, &v) in s.iter().enumerate() {
            if v < s[best] {
                best = i;
            }
        }
        best
    }

    fn rounds(&self) -> u64 {
        self.rounds
    }

    fn save_state(&self) -> Value {
        state_to_json(&ChebCbState {
            arms: self.grid.len(),
            features: self.feature_count,
            gram: self.gram.clone(),
            xty: self.feature_target_sums.clone(),
            theta: self.theta.clone(),
            plays: self.plays.clone(),
            rounds: self.rounds,
            max_loss: self.max_level,
            min_loss: self.min_level,
            sq_err: self.squared_error_sum,
            errors: self.error_count,
            cursor: self.background_arm,
            pending: self.pending.map(|p| (p.arm, p.x, p.predicted)),
            rng: self.rng.state(),
        })
    }

    fn load_state(&mut self, state: &Value) -> Result<()> {
        let state: ChebCbState = state_from_json("chebcb state", state)?;
        state.validate(self.grid.len(), self.feature_count)?;
        let rng = LearnerRng::from_state(&state.rng)?;
        self.gram = state.gram;
        self.feature_target_sums = state.xty;
        self.theta = state.theta;
        self.plays = state.plays;
        self.rounds = state.rounds;
        self.max_level = state.max_loss;
        self.min_level = state.min_loss;
        self.squared_error_sum = state.sq_err;
        self.error_count = state.errors;
        self.background_arm = state.cursor;
        self.pending = state
            .pending
            .map(|(arm, x, predicted)| Pending { arm, x, predicted });
        self.rng = rng;
        Ok(())
    }
}

/// ChebCB's saved state (the learner's fields, with its sizes so that a
/// state of another grid or feature count is refused by name).
#[derive(Debug, Serialize, Deserialize)]
struct ChebCbState {
    arms: usize,
    features: usize,
    gram: Vec<f64>,
    xty: Vec<f64>,
    theta: Vec<f64>,
    plays: Vec<u64>,
    rounds: u64,
    max_loss: f64,
    min_loss: f64,
    sq_err: f64,
    errors: u64,
    cursor: usize,
    /// Arm, rescaled context and predicted cost of the round in flight.
    #[serde(default)]
    pending: Option<(usize, f64, f64)>,
    rng: RngState,
}

impl ChebCbState {
    /// Whether this state can continue a learner with `d` arms and `m`
    /// features: sizes, finiteness and the counters' consistency.
    fn validate(&self, d: usize, m: usize) -> Result<()> {
        let bad = |detail: String| Error::InvalidArgument {
            what: "chebcb state",
            detail,
        };
        if self.arms != d {
            return Err(bad(format!(
                "state is for {} arms, learner has {d}",
                self.arms
            )));
        }
        if self.features != m {
            return Err(bad(format!(
                "state has {} features, learner has {m}",
                self.features
            )));
        }
        for (key, values, len) in [
            ("gram", &self.gram, d * m * m),
            ("xty", &self.xty, d * m),
            ("theta", &self.theta, d * m),
        ] {
            if values.len() != len {
                return Err(bad(format!(
                    "'{key}' has {} values, expected {len}",
                    values.len()
                )));
            }
            if values.iter().any(|x| !x.is_finite()) {
                return Err(bad(format!("'{key}' holds a non-finite value")));
            }
        }
        if self.plays.len() != d {
            return Err(bad(format!(
                "'plays' has {} arms, expected {d}",
                self.plays.len()
            )));
        }
        if self.plays.iter().try_fold(0u64, |a, &p| a.checked_add(p)) != Some(self.rounds) {
            return Err(bad("'plays' does not add up to 'rounds'".into()));
        }
        for (key, value) in [
            ("max_loss", self.max_loss),
            ("min_loss", self.min_loss),
            ("sq_err", self.sq_err),
        ] {
            if !value.is_finite() {
                return Err(bad(format!("non-finite '{key}'")));
            }
        }
        let (lo, hi) = (self.min_loss, self.max_loss);
        if self.rounds > 0 && !(lo <= hi && lo >= 0.0 && hi <= MAX_COST) {
            return Err(bad("'min_loss'/'max_loss' out of range".into()));
        }
        if self.sq_err < 0.0 {
            return Err(bad("negative 'sq_err'".into()));
        }
        if self.errors > self.rounds {
            return Err(bad("'errors' exceeds 'rounds'".into()));
        }
        if self.cursor >= d {
            return Err(bad("'cursor' out of range".into()));
        }
        if let Some((arm, x, predicted)) = self.pending {
            if arm >= d || !(-1.0..=1.0).contains(&x) || !predicted.is_finite() {
                return Err(bad("'pending' out of range".into()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learner(seed: u64) -> ChebCb {
        ChebCb::new(
            OmegaGrid::paper_default(),
            ContextRange::new(0.0, 1.0).unwrap(),
            6,
            seed,
        )
        .unwrap()
    }

    #[test]
    fn chebyshev_matches_cosines() {
        // Every length from none to 7 features (one feature: T_0 alone).
        for len in 0..=7 {
            let mut f = vec![f64::NAN; len];
            for &x in &[-1.0, -0.3, 0.0, 0.5, 1.0] {
                chebyshev(x, &mut f);
                let th = f64::acos(x);
                for (k, &v) in f.iter().enumerate() {
                    assert!(
                        (v - (k as f64 * th).cos()).abs() < 1e-12,
                        "T_{k}({x}) = {v}"
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_bad_feature_counts() {
        let g = OmegaGrid::paper_default();
        let r = ContextRange::default();
        for m in [0, 33] {
            match ChebCb::new(g, r, m, 0) {
                Err(Error::InvalidArgument { what, .. }) => assert_eq!(what, "chebyshev_features"),
                other => panic!("{other:?}"),
            }
        }
        assert!(ChebCb::new(g, r, 1, 0).is_ok());
        assert!(ChebCb::new(g, r, 32, 0).is_ok());
    }

    #[test]
    fn rejects_bad_parameters_by_name() {
        let g = OmegaGrid::paper_default();
        let r = ContextRange::default();
        let ok = ChebCbParams::default();
        let bad = [
            ChebCbParams { gamma: 0.0, ..ok },
            ChebCbParams { gamma: -1.0, ..ok },
            ChebCbParams {
                gamma: f64::NAN,
                ..ok
            },
            ChebCbParams {
                gamma: f64::INFINITY,
                ..ok
            },
            ChebCbParams { power: -0.5, ..ok },
            ChebCbParams {
                power: f64::NAN,
                ..ok
            },
            ChebCbParams {
                power: f64::INFINITY,
                ..ok
            },
            ChebCbParams { sweeps: 0, ..ok },
        ];
        for params in bad {
            match ChebCb::with_params(g, r, 6, 0, params) {
                Err(Error::InvalidArgument { what, .. }) => assert_eq!(what, "chebcb parameters"),
                other => panic!("{params:?} accepted: {other:?}"),
            }
        }
        // The edges of the valid ranges: any gamma > 0, power 0, one sweep.
        let edge = ChebCbParams {
            gamma: 1e-300,
            power: 0.0,
            sweeps: 1,
            ..ok
        };
        let l = ChebCb::with_params(g, r, 7, 0, edge).unwrap();
        assert_eq!(l.features(), 7);
    }

    #[test]
    fn uniform_before_any_round() {
        // No model and no error yet: eta = 0, so every arm has 1/d
        // wherever the context is, and the first choice samples that.
        let l = learner(0);
        let d = l.grid.len();
        for c in [None, Some(0.0), Some(0.3), Some(1.0)] {
            let p = l.probabilities(c);
            assert_eq!(p.len(), d);
            for q in p {
                assert!((q - 1.0 / d as f64).abs() < 1e-15, "{c:?}: {q}");
            }
            // All predictions tie at 0: the favourite is the first arm.
            assert_eq!(l.favourite(c), 0);
        }
        assert_eq!(l.rounds(), 0);
    }

    #[test]
    fn an_overflowing_prediction_falls_back_to_uniform() {
        // Arm 3's model predicts exp(1000) - 1 = inf while eta is still 0:
        // its weight 1 / (d + 0 * inf) is NaN, so the round samples
        // uniformly (finite probabilities, 1/d each) instead.
        let mut l = learner(0);
        let (d, m) = (l.grid.len(), l.feature_count);
        l.theta[3 * m] = 1000.0;
        assert_eq!(l.predicted_costs(Some(0.5))[3], f64::INFINITY);
        for q in l.probabilities(Some(0.5)) {
            assert!((q - 1.0 / d as f64).abs() < 1e-15, "{q}");
        }
    }

    #[test]
    fn non_finite_costs_are_clamped() {
        // -inf counts as cost 0, +inf and NaN as the cap 1e15: the level
        // (ln(1 + cost)) and the target sums stay finite.
        for (cost, counted) in [
            (f64::NEG_INFINITY, 0.0),
            (f64::INFINITY, MAX_COST),
            (f64::NAN, MAX_COST),
            (-3.0, 0.0),
            (1e300, MAX_COST),
        ] {
            let mut l = learner(0);
            l.choose(Some(0.5));
            l.observe(cost);
            assert_eq!(l.max_level, counted.ln_1p(), "cost {cost}");
            assert_eq!(l.min_level, counted.ln_1p(), "cost {cost}");
            assert!(l.feature_target_sums.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn each_round_sweeps_one_other_played_arm_round_robin() {
        // Three arms; arms 1 and 2 have data but stale (zeroed) fits. Two
        // rounds on arm 0 give arm 1, then arm 2, one background sweep
        // each (skipping the played arm), so their fits move off zero.
        let grid = OmegaGrid::new(1.0, 1.5, 3).unwrap();
        let mut l = ChebCb::new(grid, ContextRange::default(), 4, 0).unwrap();
        let m = l.feature_count;
        for (arm, c, cost) in [(1, 0.2, 30.0), (2, 0.7, 50.0), (1, 0.9, 40.0)] {
            l.pending = Some(Pending {
                arm,
                x: l.range.rescale(Some(c)),
                predicted: 0.0,
            });
            l.observe(cost);
        }
        l.theta[m..].fill(0.0);
        l.background_arm = 0;
        let fit_of = |l: &ChebCb, arm: usize| l.theta[arm * m..(arm + 1) * m].to_vec();
        let play_arm_0 = |l: &mut ChebCb| {
            l.pending = Some(Pending {
                arm: 0,
                x: 0.0,
                predicted: 0.0,
            });
            l.observe(20.0);
        };
        play_arm_0(&mut l);
        assert!(fit_of(&l, 1).iter().any(|&t| t != 0.0), "arm 1 not swept");
        assert_eq!(fit_of(&l, 2), vec![0.0; m], "arm 2 swept out of turn");
        assert_eq!(l.background_arm, 2);
        play_arm_0(&mut l);
        assert!(fit_of(&l, 2).iter().any(|&t| t != 0.0), "arm 2 not swept");
        assert_eq!(l.background_arm, 0);
        assert_eq!(l.rounds(), 5);
    }

    #[test]
    fn state_checks_of_counters_and_pending_round() {
        let refusal = |l: &mut ChebCb, s: &Value| match l.load_state(s) {
            Err(Error::InvalidArgument { what, detail }) => format!("{what}: {detail}"),
            other => panic!("accepted: {other:?}"),
        };
        // A fresh learner's state (0 rounds, 0 errors) loads.
        let mut l = learner(0);
        let fresh = l.save_state();
        l.load_state(&fresh).unwrap();
        assert_eq!(l.save_state(), fresh);
        // After 10 rounds (at most 9 measured errors: an arm's first play
        // is not one) with a round in flight.
        for k in 0..10 {
            l.choose(Some(k as f64 / 10.0));
            l.observe(20.0 + k as f64);
        }
        l.choose(Some(0.4));
        let good = l.save_state();
        let mut s = good.clone();
        s["errors"] = serde_json::json!(10);
        l.load_state(&s).unwrap();
        s["errors"] = serde_json::json!(11);
        assert_eq!(
            refusal(&mut l, &s),
            "chebcb state: 'errors' exceeds 'rounds'"
        );
        for (arm, x) in [(0, 1.5), (0, -1.01), (20, 0.0)] {
            let mut s = good.clone();
            s["pending"] = serde_json::json!([arm, x, 30.0]);
            assert_eq!(
                refusal(&mut l, &s),
                "chebcb state: 'pending' out of range",
                "arm {arm}, x {x}"
            );
        }
        let mut s = good.clone();
        s["pending"] = serde_json::json!([19, -1.0, 30.0]);
        l.load_state(&s).unwrap();
    }

    #[test]
    fn eta_follows_the_schedule_and_its_rms_floor() {
        // eta_t = gamma t^power sqrt(d) / max(rms, floor), floor = 1e-9 +
        // 1e-6 * (largest cost seen): the floor keeps a perfect model
        // (rms 0) exploring at a finite rate.
        let params = ChebCbParams {
            gamma: 0.5,
            power: 1.5,
            ..ChebCbParams::default()
        };
        let range = ContextRange::default();
        let mut l = ChebCb::with_params(OmegaGrid::paper_default(), range, 6, 0, params).unwrap();
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-9 * want;
        // No error measured yet: rms is infinite and eta 0.
        assert_eq!(l.eta(), 0.0);
        // Round t = 9 after four measured errors with squares summing to
        // 64 (rms 4); the largest cost seen was 100.
        l.rounds = 8;
        l.error_count = 4;
        l.squared_error_sum = 64.0;
        l.max_level = 100f64.ln_1p();
        let schedule = 0.5 * 9f64.powf(1.5) * 20f64.sqrt();
        assert!(close(l.eta(), schedule / 4.0), "{}", l.eta());
        l.squared_error_sum = 0.0;
        let floor = 1e-9 + 1e-6 * 100.0;
        assert!(close(l.eta(), schedule / floor), "{}", l.eta());
    }

    #[test]
    fn learns_a_context_dependent_best_arm() {
        let mut l = learner(5);
        let mut u = LearnerRng::new(99);
        // The best arm moves from 2 (context 0) to 17 (context 1); costs
        // are noisy, as iteration counts are.
        let cost = |arm: usize, c: f64| 40.0 + 6.0 * (arm as f64 - (2.0 + 15.0 * c)).powi(2);
        for _ in 0..3000 {
            let c = u.uniform();
            let arm = l.choose(Some(c));
            l.observe((cost(arm, c) * (0.9 + 0.2 * u.uniform())).round());
        }
        for (c, want) in [(0.0, 2usize), (0.5, 10), (1.0, 17)] {
            let fav = l.favourite(Some(c)) as i64;
            assert!(
                (fav - want as i64).abs() <= 1,
                "context {c}: {fav} vs {want}: {:?} plays {:?}",
                l.predicted_costs(Some(c)),
                l.plays
            );
        }
        let p = l.probabilities(Some(0.5));
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    /// Least-squares solution of G theta = h by Gaussian elimination with
    /// partial pivoting (an independent solver for the fits below).
    fn solve_dense(mut g: Vec<f64>, mut h: Vec<f64>, m: usize) -> Vec<f64> {
        for col in 0..m {
            let pivot = (col..m)
                .max_by(|&a, &b| g[a * m + col].abs().total_cmp(&g[b * m + col].abs()))
                .unwrap();
            for k in 0..m {
                g.swap(col * m + k, pivot * m + k);
            }
            h.swap(col, pivot);
            for row in col + 1..m {
                let f = g[row * m + col] / g[col * m + col];
                for k in col..m {
                    g[row * m + k] -= f * g[col * m + k];
                }
                h[row] -= f * h[col];
            }
        }
        let mut x = vec![0.0; m];
        for row in (0..m).rev() {
            let s: f64 = (row + 1..m).map(|k| g[row * m + k] * x[k]).sum();
            x[row] = (h[row] - s) / g[row * m + row];
        }
        x
    }

    #[test]
    fn loss_target_regresses_and_predicts_the_cost_itself() {
        // The notes' target: y = cost - 1, predicted cost 1 + y. Every arm
        // sees its own quadratic cost curve (exactly representable by 6
        // Chebyshev features) at 31 evenly spaced contexts, so each fit is
        // the curve itself and every prediction equals the cost; a shifted
        // target or inverse is off by the shift (>= 1) everywhere.
        let params = ChebCbParams {
            target: ChebCbTarget::Loss,
            ..ChebCbParams::default()
        };
        let range = ContextRange::new(0.0, 1.0).unwrap();
        let mut l = ChebCb::with_params(OmegaGrid::paper_default(), range, 6, 1, params).unwrap();
        let d = l.grid.len();
        let want = |arm: usize, c: f64| 10.0 + arm as f64 + 4.0 * c - 2.0 * c * c;
        for k in 0..=30 {
            for arm in 0..d {
                let c = k as f64 / 30.0;
                let x = l.range.rescale(Some(c));
                l.pending = Some(Pending {
                    arm,
                    x,
                    predicted: 0.0,
                });
                l.observe(want(arm, c));
            }
        }
        for arm in 0..d {
            for c in [0.0, 0.25, 0.5, 0.75, 1.0] {
                let p = l.predicted_costs(Some(c))[arm];
                let w = want(arm, c);
                assert!(
                    (p - w).abs() < 1e-6 * w,
                    "arm {arm} at {c}: predicted {p}, cost {w}"
                );
            }
        }
    }

    #[test]
    fn one_refit_runs_to_the_stopping_tolerance() {
        // A heavily played arm (each of 9 evenly spaced contexts 10^4
        // times, so the Gram diagonal is ~5e4): from a cold start, one
        // refit with a large sweep budget must stop only once a sweep
        // moves theta by <= 1e-12 (1 + max level) / sqrt(diag), i.e. at
        // the exact (ridge) least-squares fit (to ~1e-15 here; stopping at
        // 1e-12 (1 + max level) * sqrt(diag) leaves errors of ~3e-11).
        let mut l = learner(0);
        let m = l.feature_count;
        let mut f = vec![0.0; m];
        for k in 0..9 {
            let x = -1.0 + 0.25 * k as f64;
            let y = (1.0 + 30.0 + 20.0 * x + 8.0 * x * x).ln();
            chebyshev(x, &mut f);
            for j in 0..m {
                for i in 0..m {
                    l.gram[j * m + i] += 1e4 * f[j] * f[i];
                }
                l.feature_target_sums[j] += 1e4 * f[j] * y;
            }
        }
        l.plays[0] = 90_000;
        l.rounds = 90_000;
        l.max_level = 59f64.ln();
        l.min_level = 3f64.ln();
        l.refit(0, 100_000);
        let lambda = 1e-10 * 90_001.0;
        let mut g = l.gram[..m * m].to_vec();
        for j in 0..m {
            g[j * m + j] += lambda;
        }
        let exact = solve_dense(g, l.feature_target_sums[..m].to_vec(), m);
        for (j, (&t, &e)) in l.theta[..m].iter().zip(&exact).enumerate() {
            assert!(l.bound(j) > e.abs(), "bound of coefficient {j} binds");
            assert!((t - e).abs() < 1e-13, "theta_{j}: {t} vs exact {e}");
        }
    }

    /// The ridge 1e-10 (1 + plays) is what keeps a barely excited feature's
    /// coefficient in check: with a diagonal Gram matrix one sweep gives
    /// theta_j = h_j / (g_jj + ridge) exactly, and for a Gram diagonal of
    /// the ridge's size that is half the unregularised h_j / g_jj.
    /// Kills cargo-mutants' `1 + plays` as `1 * plays`, which
    /// `one_refit_runs_to_the_stopping_tolerance` cannot see (at 90,000
    /// plays the two ridges, 9e-6, differ by one part in 90,000); the
    /// ridge's other mutants fail both tests.
    #[test]
    fn the_ridge_shrinks_a_barely_excited_feature() {
        let mut l = learner(0);
        let m = l.feature_count;
        let plays = 9;
        let ridge = 1e-10 * (1.0 + plays as f64);
        l.plays[0] = plays;
        l.rounds = plays;
        l.max_level = 59f64.ln();
        l.min_level = 3f64.ln();
        for j in 0..m {
            // Feature 1 barely excited: its Gram diagonal equals the ridge.
            let g = if j == 1 { ridge } else { 1.0 };
            l.gram[j * m + j] = g;
            l.feature_target_sums[j] = 0.5 * g;
        }
        l.refit(0, 10);
        for j in 0..m {
            let g = l.gram[j * m + j];
            let want = l.feature_target_sums[j] / (g + ridge);
            let t = l.theta[j];
            assert!(l.bound(j) > want.abs(), "bound of coefficient {j} binds");
            assert!((t - want).abs() <= 1e-15, "theta_{j}: {t} vs {want}");
        }
        assert_eq!(l.theta[1], 0.25, "half of the unregularised 0.5");
    }

    #[test]
    fn matches_exact_box_constrained_fit_when_unconstrained() {
        // Every arm gets 40 observations (the round's arm is set directly,
        // so no arm is left out by exploration), each arm its own smooth
        // cost curve. With bounds that do not bind, the coordinate-descent
        // fit must be the least-squares fit of ln(1 + cost) on the
        // Chebyshev features, and predict every arm's cost everywhere.
        let mut l = learner(1);
        let mut u = LearnerRng::new(3);
        let d = l.grid.len();
        let m = l.feature_count;
        let want =
            |arm: usize, c: f64| 10.0 + arm as f64 + (5.0 - 0.2 * arm as f64) * c + 3.0 * c * c;
        for _ in 0..40 {
            for arm in 0..d {
                let c = u.uniform();
                let x = l.range.rescale(Some(c));
                l.pending = Some(Pending {
                    arm,
                    x,
                    predicted: 0.0,
                });
                l.observe(want(arm, c));
            }
        }
        assert_eq!(l.plays, vec![40; d]);
        for arm in 0..d {
            let g = l.gram[arm * m * m..(arm + 1) * m * m].to_vec();
            let h = l.feature_target_sums[arm * m..(arm + 1) * m].to_vec();
            let exact = solve_dense(g, h, m);
            for (j, (&t, &e)) in l.theta[arm * m..(arm + 1) * m]
                .iter()
                .zip(&exact)
                .enumerate()
            {
                assert!(l.bound(j) > e.abs(), "bound of coefficient {j} binds");
                assert!(
                    (t - e).abs() < 1e-6,
                    "arm {arm} theta_{j}: {t} vs exact {e}"
                );
            }
            for c in [0.0, 0.1, 0.5, 0.9, 1.0] {
                let p = l.predicted_costs(Some(c))[arm];
                let w = want(arm, c);
                assert!(
                    (p - w).abs() < 2e-3 * w,
                    "arm {arm} at {c}: predicted {p}, cost {w}"
                );
            }
        }
    }
}
