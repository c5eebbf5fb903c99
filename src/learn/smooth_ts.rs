//! SmoothTS: Thompson sampling on a smooth model of log-cost over the
//! ordered omega grid, optionally per context, with neighbour sharing.
//!
//! Why. The paper's learners treat the omegas as unrelated arms and learn
//! only about the arm they play, so with 20 arms they need hundreds of
//! solves before they stop paying for exploration. But the cost of a solve
//! is a smooth, unimodal function of omega (Young's theory for SOR,
//! Axelsson's for SSOR-CG) that moves smoothly with how close the Jacobi
//! spectral radius is to 1. SmoothTS puts that structure into a Gaussian
//! prior and lets data override it:
//!
//! - Model. For one context, f_i = ln(1 + mean cost of arm i). Prior: a
//!   Gaussian process over the grid index u_i in [-1, 1] whose kernel is a
//!   random quadratic (level, slope, curvature: a bowl, mean curvature
//!   `bowl` > 0, so an unexplored grid favours its middle) plus a squared
//!   exponential residual of length `length` arms (local shape the
//!   quadratic misses, e.g. SOR's kink at the optimum). One solve thus
//!   informs every omega, most its neighbours; with enough data the
//!   posterior of each arm tends to its own empirical mean (the residual
//!   lets any shape through), so the model never locks in a wrong shape:
//!   on costs that are not unimodal it is an ordinary Thompson sampler.
//! - Observations. Per (context cell, arm): count, sum and sum of squares
//!   of the costs. The arm's observation is ln(1 + mean) with variance
//!   cv2 / n (delta method; cv2 is the pooled squared coefficient of
//!   variation of single costs, shrunk towards `cv2_prior`). Modelling the
//!   log of the mean (not the mean of the log) keeps the target the total
//!   cost, which is what the comparison with a fixed omega counts.
//! - Context. Without a context every solve goes into one global row.
//!   With one, the solve also goes into one of `cells` cells laid over the
//!   range of contexts seen so far (the range grows by doubling when a
//!   context falls outside; the cells are then merged into the wider
//!   ones, so no range has to be declared and the automatic context of
//!   [`crate::pc`] needs no tuning). A cell borrows its neighbours' data
//!   within `window` cells as extra observations with a bias variance
//!   `tau_context` per cell of distance squared, and the global row with
//!   bias variance `tau_global`: a new context starts from where nearby
//!   contexts and the overall best were, and its own data takes over as
//!   it accumulates (the borrowed precision is bounded).
//! - Model of the context (Young's SOR theory, module `sor_model`). With
//!   a context, SmoothTS fits numbers shared by all cells, rho_J(x) and a
//!   level, so that level - ln(-ln lambda(omega, rho_J(x))) matches the
//!   cells' mean log-costs (least squares, refitted every round for the
//!   first 32, then locally four times per doubling of the rounds), in
//!   two forms: rho_J = k x (a dominance ratio, the automatic context)
//!   and 1 / rho_J = a + b x (a shift of the diagonal, and any context
//!   over a narrow range); the form whose checked predictions are better
//!   is used (`SorModelState::active`), so the caller need not say what
//!   the context is. Each cells entry keeps the mean context of its
//!   solves, where the fit places its cost (a cell is up to 1/64 of twice
//!   the range of contexts wide, and near the singular end rho_J moves
//!   much within it); the round's curve is the model's at the round's
//!   own context. Each
//!   prediction of the fit is checked against the cost then observed,
//!   and so is SmoothTS's own posterior mean without the model; the
//!   model's weight w (in `SorModelState::trust`) is 0 until the fit
//!   rests on 8 points and 8 predictions were checked, then 1 while the
//!   fit's residuals are within the noise plus `model_error` and its
//!   checked predictions are within that tolerance or better than the
//!   model-free ones, falling to 0 within 25 % beyond. With w > 0 a
//!   cell's prior mean blends in the model's curve for its context, the
//!   data of the cell's and nearby cells' entries are moved by the
//!   model's difference between their mean contexts and this one, and,
//!   if the model puts the best arms of the smallest and the largest
//!   context seen on different arms (a model fitting costs that do not
//!   depend on the context, e.g. with a constant rho_J, says the pooled
//!   data are as good), the global row (all contexts pooled) counts less
//!   (bias `tau_global / (1 - w)`) and, from w = 1/2, its leader's
//!   neighbours are no longer tested in this cell; the model may move
//!   the round's choice at most 3 arms from the draw without it (a wrong
//!   model that fits the few solves it was checked on cannot send the
//!   learner across the grid). Where the model is wrong (SSOR-CG, a
//!   context that is neither a dominance ratio nor a shift, costs
//!   unrelated to the context) w stays at or falls to 0 and SmoothTS is the learner
//!   described above.
//! - Action. Draw f from the posterior (exactly: Cholesky of the d x d
//!   posterior precision, standard normals by the Ziggurat method,
//!   [`LearnerRng::standard_normal`]) with its deviation scaled by
//!   `explore`, play argmin f. The first round, with no data, plays the prior's best arm
//!   (`centre` of the grid) instead.
//!
//! Safety. With its deviation scaled down (`explore` < 1) Thompson
//! sampling alone never tries an arm the prior ranks a few scaled
//! deviations worse than a well-measured one, so it could stay on a wrong
//! omega of a coarse grid for ever. A local exploration overrides the
//! draw ([`SmoothTs::local_exploration`], after OSUB): the leader's grid
//! neighbours are tested at exponentially spaced play counts of the
//! leader, in the global row and in the cell, which climbs any unimodal
//! cost to its best arm for O(log n) extra plays. The residual lets data
//! override the shape elsewhere (costs that are not unimodal), and the
//! change detector handles sequences whose best omega switches; the
//! benchmark and the tests compare SmoothTS with Tsallis-INF on such
//! sequences (tests/smooth_ts.rs, tests/smooth_ts_coarse.rs).
//!
//! Cost per round: O(d^3 / 6) for the Cholesky factor of the d x d
//! posterior precision (vectorised, the same bits as the textbook form),
//! O(window d) to gather the cells, and with a context up to cells x d
//! additions to re-pool the cells' dispersion from the entry the last
//! cost changed (the per-entry logs and dispersions are kept, not
//! recomputed); with the model, O(d^2) more for the model-free
//! prediction it is checked against and refits (9 passes over
//! the cells x d entries, four times per doubling of the rounds); independent
//! of the round number; memory O(d^2 + cells d).
//! Grids of more than [`MAX_ARMS`] arms are refused.

use super::sor_model::{self, SorModelState};
use super::{
    check_length, state_from_json, state_to_json, Learner, LearnerKind, LearnerRng, OmegaGrid,
    RngState,
};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Largest grid SmoothTS accepts (its per-round cost is cubic in d).
pub const MAX_ARMS: usize = 128;
/// Costs are clamped to this before they enter the statistics.
const MAX_COST: f64 = 1e15;

/// Tunable constants of SmoothTS (the defaults are the measured ones).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SmoothTsParams {
    /// Context cells over the range of contexts seen.
    pub cells: usize,
    /// Cells on each side whose data a cell borrows.
    pub window: usize,
    /// Prior variance of the level of ln(1 + cost).
    pub level_var: f64,
    /// Prior variance of the slope (per unit of u in [-1, 1]).
    pub slope_var: f64,
    /// Prior variance of the curvature.
    pub curvature_var: f64,
    /// Prior mean of the curvature (> 0: a bowl centred at `centre`).
    pub bowl: f64,
    /// Where the prior bowl is lowest, as a fraction of the grid (0: first
    /// omega, 1: last); also the first round's choice.
    pub centre: f64,
    /// Prior variance of the local residual.
    pub residual_var: f64,
    /// Length scale of the local residual, in arms.
    pub length: f64,
    /// Bias variance of a neighbouring cell's data, per cell of distance squared.
    pub tau_context: f64,
    /// Bias variance of the global row's data when used for a cell.
    pub tau_global: f64,
    /// Prior squared coefficient of variation of one cost.
    pub cv2_prior: f64,
    /// Scale of the posterior sample's deviation (1 = Thompson sampling).
    pub explore: f64,
    /// Change detector: CUSUM allowance and threshold, in standard
    /// deviations of one log-cost, and the weight old data keeps after an
    /// alarm.
    pub drift_allowance: f64,
    pub drift_threshold: f64,
    pub drift_keep: f64,
    /// With a context, blend Young's SOR model of the context's cost
    /// curve (module `sor_model`) into the cell's prior, as far as its
    /// checked predictions allow.
    #[serde(default = "default_model")]
    pub model: bool,
    /// Error variance of ln(1 + cost) the model may make (on top of the
    /// observed noise) and still be fully trusted.
    #[serde(default = "default_model_error")]
    pub model_error: f64,
    /// Predictions checked against observed costs before the model is used.
    #[serde(default = "default_model_min_checks")]
    pub model_min_checks: u64,
}

fn default_model() -> bool {
    SmoothTsParams::default().model
}
fn default_model_error() -> f64 {
    SmoothTsParams::default().model_error
}
fn default_model_min_checks() -> u64 {
    SmoothTsParams::default().model_min_checks
}

impl Default for SmoothTsParams {
    fn default() -> Self {
        Self {
            cells: 64,
            window: 6,
            level_var: 100.0,
            slope_var: 1.0,
            curvature_var: 1.0,
            bowl: 2.0,
            centre: 0.75,
            residual_var: 0.03,
            length: 1.5,
            tau_context: 0.02,
            tau_global: 0.25,
            cv2_prior: 0.1,
            explore: 0.3,
            drift_allowance: 0.5,
            drift_threshold: 5.0,
            drift_keep: 0.1,
            model: true,
            model_error: 0.04,
            model_min_checks: 8,
        }
    }
}

impl SmoothTsParams {
    fn validate(&self) -> Result<()> {
        let positive = [
            self.level_var,
            self.slope_var,
            self.curvature_var,
            self.residual_var,
            self.length,
            self.tau_context,
            self.tau_global,
            self.cv2_prior,
            self.model_error,
        ];
        let ok = positive.iter().all(|v| v.is_finite() && *v > 0.0)
            && self.bowl.is_finite()
            && self.bowl >= 0.0
            && (0.0..=1.0).contains(&self.centre)
            && self.explore.is_finite()
            && self.explore >= 0.0
            && self.drift_allowance.is_finite()
            && self.drift_allowance >= 0.0
            && self.drift_threshold > 0.0
            && (0.0..=1.0).contains(&self.drift_keep)
            && (1..=4096).contains(&self.cells)
            && self.window <= self.cells;
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidArgument {
                what: "smooth_ts parameters",
                detail: format!(
                    "{self:?}: need positive finite variances and length, bowl >= 0, centre in [0, 1], explore >= 0, drift allowance >= 0, threshold > 0, keep in [0, 1], 1..=4096 cells, window <= cells"
                ),
            })
        }
    }
}

/// Sufficient statistics of the costs of one (cell, arm).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ArmStats {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl ArmStats {
    fn add(&mut self, cost: f64) {
        self.n = self.n.saturating_add(1);
        self.sum += cost;
        self.sum_sq += cost * cost;
    }
    /// Keep a fraction of the weight (counts are rounded, the mean kept).
    fn discount(&mut self, keep: f64) {
        if self.n == 0 {
            return;
        }
        let n = ((self.n as f64 * keep).round() as u64).max(1).min(self.n);
        let f = n as f64 / self.n as f64;
        self.n = n;
        self.sum *= f;
        self.sum_sq *= f;
    }
    fn merge(&mut self, other: &ArmStats) {
        self.n = self.n.saturating_add(other.n);
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }
    fn mean(&self) -> f64 {
        self.sum / self.n as f64
    }
    /// This group's contribution to the pooled squared coefficient of
    /// variation: (sum of squared deviations / (1 + mean)^2, n - 1).
    fn dispersion(&self) -> (f64, f64) {
        if self.n < 2 {
            return (0.0, 0.0);
        }
        let mean = self.mean();
        let ss = (self.sum_sq - self.sum * mean).max(0.0);
        (ss / (1.0 + mean).powi(2), (self.n - 1) as f64)
    }
    fn check(&self) -> bool {
        self.sum.is_finite() && self.sum_sq.is_finite() && self.sum >= 0.0 && self.sum_sq >= 0.0
    }
}

/// What a round needs of one part's statistics (the global row or the
/// cells), kept per entry so that a round recomputes only the entry its
/// cost changed instead of every entry (with 64 cells x 20 arms, the
/// pooled dispersion and the logs of the means were most of a contextual
/// round's time). Derived data, not state: rebuilt from the statistics
/// whenever they change wholesale (load, merge of cells, drift alarm).
#[derive(Debug, Clone, Default)]
struct Derived {
    /// ln(1 + mean) per entry (NaN, and never read, where n = 0).
    log_mean: Vec<f64>,
    /// [`ArmStats::dispersion`] per entry.
    dispersion: Vec<(f64, f64)>,
    /// Running sums of `dispersion` in entry order, valid below `summed`:
    /// the very additions, in the same order, that pooling every entry
    /// makes, so the pooled value is the same to the last bit.
    running: Vec<(f64, f64)>,
    summed: usize,
}

impl Derived {
    fn of(rows: &[ArmStats]) -> Self {
        let mut me = Self {
            log_mean: vec![0.0; rows.len()],
            dispersion: vec![(0.0, 0.0); rows.len()],
            running: vec![(0.0, 0.0); rows.len()],
            summed: 0,
        };
        for (k, s) in rows.iter().enumerate() {
            me.update(k, s);
        }
        me
    }

    /// Entry `k` now holds `s`.
    fn update(&mut self, k: usize, s: &ArmStats) {
        self.log_mean[k] = s.mean().ln_1p();
        self.dispersion[k] = s.dispersion();
        self.summed = self.summed.min(k);
    }

    /// Sum over all entries of the dispersions (squared deviations, degrees
    /// of freedom), adding from the first entry changed since last time.
    fn pooled(&mut self) -> (f64, f64) {
        let mut acc = match self.summed {
            0 => (0.0, 0.0),
            k => self.running[k - 1],
        };
        for k in self.summed..self.dispersion.len() {
            let (a, b) = self.dispersion[k];
            acc.0 += a;
            acc.1 += b;
            self.running[k] = acc;
        }
        self.summed = self.dispersion.len();
        acc
    }
}

/// The round in flight: chosen arm and the cell its cost goes to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SmoothTsPending {
    pub arm: usize,
    pub cell: Option<usize>,
    /// The posterior mean of ln(1 + cost) at `arm` without the SOR model
    /// (what the model's prediction is compared with), when checked.
    #[serde(default)]
    pub plain_prediction: Option<f64>,
    /// The round's context, with `cell` (absent in older state files: the
    /// cell's centre is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<f64>,
}

/// SmoothTS's whole mutable state (the persistence format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmoothTsState {
    /// Rounds observed.
    pub rounds: u64,
    /// Per arm: all costs regardless of context.
    pub global: Vec<ArmStats>,
    /// Per cell (row-major, `cells x arms`): costs of rounds with a context.
    pub cells: Vec<ArmStats>,
    /// Range of contexts the cells cover; `None` before the first context.
    pub range: Option<(f64, f64)>,
    pub pending: Option<SmoothTsPending>,
    /// CUSUM statistics of the change detectors (global row, cells).
    pub drift: [f64; 2],
    /// Position of the random stream.
    pub rng: RngState,
    /// The SOR model's fit and its checked prediction errors (absent in
    /// state files written before the model).
    #[serde(default)]
    pub model: SorModelState,
    /// Per cells entry: the mean context of its solves, where the SOR
    /// model places its cost (empty in state files written before: the
    /// cells' centres are used, and the field stays absent, so that such
    /// a file re-saves byte for byte, until the next contextual solve).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cell_contexts: Vec<f64>,
}

impl SmoothTsState {
    /// Check a state (e.g. read from a file) against a grid of `arms` arms
    /// and the learner's constants.
    pub fn validate(&self, arms: usize, params: &SmoothTsParams) -> Result<()> {
        let cells = params.cells;
        let bad = |detail: String| Error::InvalidArgument {
            what: "smooth_ts state",
            detail,
        };
        check_length("global", self.global.len(), "arms", arms, arms).map_err(bad)?;
        check_length(
            "cells",
            self.cells.len(),
            "entries",
            arms * cells,
            format_args!("{cells} cells x {arms} arms"),
        )
        .map_err(bad)?;
        if let Some(i) = self.global.iter().position(|s| !s.check()) {
            return Err(bad(format!(
                "'global' arm {i} holds a negative or non-finite sum"
            )));
        }
        if let Some(i) = self.cells.iter().position(|s| !s.check()) {
            return Err(bad(format!(
                "'cells' entry {i} holds a negative or non-finite sum"
            )));
        }
        let global_n = self
            .global
            .iter()
            .fold(0u64, |acc, s| acc.saturating_add(s.n));
        if global_n > self.rounds {
            return Err(bad(format!(
                "'rounds' is {} but the global counts sum to {global_n}",
                self.rounds
            )));
        }
        if self
            .drift
            .iter()
            .any(|x| !(*x >= 0.0 && *x <= params.drift_threshold))
        {
            return Err(bad(format!(
                "'drift' {:?} must be in [0, {}]",
                self.drift, params.drift_threshold
            )));
        }
        if self.range.is_none() && self.cells.iter().any(|s| s.n > 0) {
            return Err(bad("'range' is missing but the cells hold data".into()));
        }
        if let Some((lo, hi)) = self.range {
            if !(lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite()) {
                return Err(bad(format!(
                    "'range' [{lo}, {hi}] is not a finite interval"
                )));
            }
        }
        if !(self.cell_contexts.is_empty() || self.cell_contexts.len() == arms * cells) {
            return Err(bad(format!(
                "'cell_contexts' has {} entries, learner has {cells} cells x {arms} arms (or none)",
                self.cell_contexts.len()
            )));
        }
        if let Some(i) = self.cell_contexts.iter().position(|x| !x.is_finite()) {
            return Err(bad(format!("'cell_contexts' entry {i} is not finite")));
        }
        if !self.model.check() {
            return Err(bad(format!(
                "'model' {:?} holds a non-finite, negative or non-positive value",
                self.model
            )));
        }
        if let Some(p) = self.pending {
            if p.arm >= arms
                || p.cell.is_some_and(|c| c >= cells)
                || p.plain_prediction.is_some_and(|x| !x.is_finite())
                || p.context.is_some_and(|x| !x.is_finite())
            {
                return Err(bad(format!("'pending' {p:?} out of range")));
            }
        }
        Ok(())
    }
}

/// Thompson sampling on a smooth Gaussian model of log-cost over omega.
#[derive(Debug, Clone)]
pub struct SmoothTs {
    grid: OmegaGrid,
    params: SmoothTsParams,
    rounds: u64,
    global: Vec<ArmStats>,
    cells: Vec<ArmStats>,
    /// Mean context of each cells entry's solves (see [`SmoothTsState`];
    /// empty after loading a file without them: [`SmoothTs::entry_context`]).
    cell_contexts: Vec<f64>,
    range: Option<(f64, f64)>,
    pending: Option<SmoothTsPending>,
    drift: [f64; 2],
    rng: LearnerRng,
    /// Per-entry summaries of `global` and `cells` (not state).
    global_derived: Derived,
    cells_derived: Derived,
    model: SorModelState,
    /// Prior precision K^-1 (d x d, row-major) and K^-1 m0: fixed by grid and params.
    prior_precision: Vec<f64>,
    prior_shift: Vec<f64>,
    /// Scratch (not state): posterior precision / its factor (lower
    /// triangle, column-major), observation precisions and means,
    /// right-hand side, draw.
    factor: Vec<f64>,
    obs_precision: Vec<f64>,
    obs_mean: Vec<f64>,
    rhs: Vec<f64>,
    /// Scratch: the model's weight this round, the fit it comes from and
    /// K^-1 times its curve.
    model_weight: f64,
    model_fit: Option<sor_model::SorFit>,
    model_moves_optimum: bool,
    model_shift: Vec<f64>,
    model_curve: Vec<f64>,
    model_points: Vec<sor_model::Point>,
    /// Cache of the model's predictions per (cell, arm) (`cells x d`,
    /// NaN: not computed) for the fit and range they were made with.
    model_cache: Vec<f64>,
    model_cache_key: Option<(SorFitKey, (f64, f64))>,
    /// Smallest and largest mean context of the cells entries with data
    /// (updated with the refits and on load), and whether the fit of the
    /// given key puts the best arm of those two contexts on different arms.
    model_span: Option<(f64, f64)>,
    model_moves: Option<(SorFitKey, bool)>,
}

/// The fit a prediction cache belongs to.
type SorFitKey = (u64, u64, u64, sor_model::RhoForm);

impl SmoothTs {
    /// SmoothTS over `grid` (at most [`MAX_ARMS`] arms) with the random
    /// stream of `seed`.
    pub fn new(grid: OmegaGrid, seed: u64) -> Result<Self> {
        Self::with_params(grid, seed, SmoothTsParams::default())
    }

    /// As [`SmoothTs::new`] with explicit constants.
    pub fn with_params(grid: OmegaGrid, seed: u64, params: SmoothTsParams) -> Result<Self> {
        params.validate()?;
        let d = grid.len();
        if d > MAX_ARMS {
            return Err(Error::InvalidArgument {
                what: "omega grid",
                detail: format!("{d} omegas; the smooth_ts learner accepts at most {MAX_ARMS}"),
            });
        }
        let (prior_precision, prior_shift) = prior(d, &params);
        let global = vec![ArmStats::default(); d];
        let cells = vec![ArmStats::default(); d * params.cells];
        Ok(Self {
            grid,
            params,
            rounds: 0,
            global_derived: Derived::of(&global),
            cells_derived: Derived::of(&cells),
            global,
            cells,
            cell_contexts: vec![0.0; d * params.cells],
            range: None,
            pending: None,
            drift: [0.0; 2],
            rng: LearnerRng::new(seed),
            prior_precision,
            prior_shift,
            factor: vec![0.0; d * d],
            obs_precision: vec![0.0; d],
            obs_mean: vec![0.0; d],
            rhs: vec![0.0; d],
            model: SorModelState::default(),
            model_weight: 0.0,
            model_fit: None,
            model_moves_optimum: false,
            model_shift: vec![0.0; d],
            model_curve: vec![0.0; d],
            model_points: Vec::new(),
            model_cache: vec![f64::NAN; d * params.cells],
            model_cache_key: None,
            model_span: None,
            model_moves: None,
        })
    }

    pub fn params(&self) -> &SmoothTsParams {
        &self.params
    }

    /// Range of contexts the cells cover now (`None` before the first context).
    pub fn context_span(&self) -> Option<(f64, f64)> {
        self.range
    }

    /// Posterior mean of ln(1 + cost) per arm for this context.
    pub fn posterior_mean(&self, context: Option<f64>) -> Vec<f64> {
        let mut me = self.clone();
        let context = context.filter(|c| c.is_finite());
        let cell = context.and_then(|c| me.locate(c));
        me.gather(cell, context);
        me.posterior_draw(0.0);
        me.rhs
    }

    /// Predicted cost (iterations) per arm for this context.
    pub fn predicted_costs(&self, context: Option<f64>) -> Vec<f64> {
        self.posterior_mean(context)
            .into_iter()
            .map(f64::exp_m1)
            .collect()
    }

    /// The whole mutable state.
    pub fn state(&self) -> SmoothTsState {
        SmoothTsState {
            rounds: self.rounds,
            global: self.global.clone(),
            cells: self.cells.clone(),
            range: self.range,
            pending: self.pending,
            drift: self.drift,
            rng: self.rng.state(),
            model: self.model,
            cell_contexts: self.cell_contexts.clone(),
        }
    }

    /// Replace the state with a validated one; on error nothing changes.
    pub fn set_state(&mut self, state: SmoothTsState) -> Result<()> {
        state.validate(self.grid.len(), &self.params)?;
        let rng = LearnerRng::from_state(&state.rng)?;
        self.rounds = state.rounds;
        self.global = state.global;
        self.cells = state.cells;
        self.global_derived = Derived::of(&self.global);
        self.cells_derived = Derived::of(&self.cells);
        self.range = state.range;
        self.pending = state.pending;
        self.drift = state.drift;
        self.rng = rng;
        self.model = state.model;
        self.cell_contexts = state.cell_contexts;
        // The cached predictions are at the old entries' mean contexts.
        self.model_cache_key = None;
        self.model_span = (0..self.cells.len())
            .filter(|&e| self.cells[e].n > 0)
            .fold(None, |span, e| span_with(span, self.entry_context(e)));
        self.model_moves = None;
        Ok(())
    }

    /// Cell of context `c` in the current range (no change of range).
    fn locate(&self, c: f64) -> Option<usize> {
        let (lo, hi) = self.range?;
        let cells = self.params.cells;
        let p = ((c - lo) / (hi - lo) * cells as f64).floor();
        Some(if p.is_nan() || p < 0.0 {
            0
        } else {
            (p as usize).min(cells - 1)
        })
    }

    /// Grow the range to hold `c` (doubling, cells merged into the wider
    /// ones) and return its cell.
    fn place(&mut self, c: f64) -> usize {
        let cells = self.params.cells;
        let Some((lo, hi)) = self.range else {
            let half = 1e-6 * c.abs().max(1e-3);
            self.range = Some((c - half, c + half));
            return self.locate(c).expect("range set");
        };
        if c >= lo && c <= hi {
            return self.locate(c).expect("range set");
        }
        let (mut new_lo, mut new_hi) = (lo, hi);
        while !(c >= new_lo && c <= new_hi) {
            let w = new_hi - new_lo;
            if c < new_lo {
                new_lo -= w;
            } else {
                new_hi += w;
            }
            if !(new_hi - new_lo).is_finite() {
                // Absurd context: clamp to the range instead of growing.
                return self.locate(c).expect("range set");
            }
        }
        let d = self.grid.len();
        self.materialize_contexts();
        let old = std::mem::replace(&mut self.cells, vec![ArmStats::default(); cells * d]);
        let old_contexts = std::mem::replace(&mut self.cell_contexts, vec![0.0; cells * d]);
        self.range = Some((new_lo, new_hi));
        let old_width = (hi - lo) / cells as f64;
        for j in 0..cells {
            let centre = lo + (j as f64 + 0.5) * old_width;
            let k = self.locate(centre).expect("range set");
            for i in 0..d {
                let s = old[j * d + i];
                if s.n > 0 {
                    // The merged entry's mean context, weighted by solves.
                    let (into, x) = (&mut self.cell_contexts[k * d + i], old_contexts[j * d + i]);
                    let had = self.cells[k * d + i].n as f64;
                    *into += (x - *into) * s.n as f64 / (had + s.n as f64);
                }
                self.cells[k * d + i].merge(&s);
            }
        }
        self.cells_derived = Derived::of(&self.cells);
        self.locate(c).expect("range set")
    }

    /// Safety net for sequences whose costs change over time at the same
    /// context (the best omega switches): a one-sided CUSUM on how much
    /// the played arm's cost exceeds its own mean, in standard deviations
    /// of one log-cost. On an alarm the statistics of that part (global
    /// row or cells) keep only `drift_keep` of their weight, so the
    /// posterior widens and Thompson sampling explores again.
    fn detect_drift(&mut self, which: usize, index: usize, cost: f64) {
        let (rows, derived) = if which == 0 {
            (&mut self.global, &mut self.global_derived)
        } else {
            (&mut self.cells, &mut self.cells_derived)
        };
        let s = rows[index];
        if s.n == 0 {
            return;
        }
        let cv2 = pooled_cv2(derived.pooled(), self.params.cv2_prior);
        let z = (cost.ln_1p() - derived.log_mean[index]) / (cv2 * (1.0 + 1.0 / s.n as f64)).sqrt();
        let stat = (self.drift[which] + z - self.params.drift_allowance).max(0.0);
        if stat > self.params.drift_threshold {
            let keep = self.params.drift_keep;
            rows.iter_mut().for_each(|s| s.discount(keep));
            *derived = Derived::of(rows);
            self.drift[which] = 0.0;
        } else {
            self.drift[which] = if stat.is_finite() { stat } else { 0.0 };
        }
    }

    /// Observation precision and mean per arm for a cell (or the global
    /// row); returns the global row's pooled squared coefficient of
    /// variation.
    fn gather(&mut self, cell: Option<usize>, context: Option<f64>) -> f64 {
        let d = self.grid.len();
        self.prepare_model(cell, context);
        let cv2_global = pooled_cv2(self.global_derived.pooled(), self.params.cv2_prior);
        self.obs_precision.fill(0.0);
        self.obs_mean.fill(0.0);
        // Accumulate precision-weighted means in obs_mean, divide at the end.
        fn add(
            prec: &mut [f64],
            mean: &mut [f64],
            i: usize,
            n: u64,
            log_mean: f64,
            bias: f64,
            cv2: f64,
        ) {
            if n == 0 {
                return;
            }
            let p = 1.0 / (cv2 / n as f64 + bias);
            prec[i] += p;
            mean[i] += p * log_mean;
        }
        // A cell's own and nearby cells' data first, then the global row:
        // exact for the global row itself, with a bias for a cell.
        let global_bias = match cell {
            None => 0.0,
            Some(k) => {
                let cells = self.params.cells;
                let cv2_cells = pooled_cv2(self.cells_derived.pooled(), self.params.cv2_prior);
                let w = self.params.window;
                let first = k.saturating_sub(w);
                let last = (k + w).min(cells - 1);
                // With the model, a nearby cell's cost at an omega is
                // moved by the model's difference between the two
                // contexts there (weighted by the model's trust), so a
                // neighbour whose optimum sits elsewhere still informs
                // this cell's curve.
                let w_model = self.model_weight;
                let fit = self.model_fit.filter(|_| w_model > 0.0);
                for l in first..=last {
                    let dist = l.abs_diff(k) as f64;
                    let bias = self.params.tau_context * dist * dist;
                    for i in 0..d {
                        let n = self.cells[l * d + i].n;
                        if n == 0 {
                            continue;
                        }
                        // From the entry's mean context to this round's.
                        let offset = match fit {
                            Some(f) => {
                                let there = self.cached_prediction(f, l * d + i);
                                w_model * (self.model_curve[i] - there)
                            }
                            None => 0.0,
                        };
                        add(
                            &mut self.obs_precision,
                            &mut self.obs_mean,
                            i,
                            n,
                            self.cells_derived.log_mean[l * d + i] + offset,
                            bias,
                            cv2_cells,
                        );
                    }
                }
                // A trusted model says where this context's optimum is;
                // the global row (all contexts pooled) then says less,
                // unless the model puts every context's optimum on the
                // same arm.
                if self.model_moves_optimum {
                    self.params.tau_global / (1.0 - self.model_weight).max(1e-3)
                } else {
                    self.params.tau_global
                }
            }
        };
        for i in 0..d {
            add(
                &mut self.obs_precision,
                &mut self.obs_mean,
                i,
                self.global[i].n,
                self.global_derived.log_mean[i],
                global_bias,
                cv2_global,
            );
        }
        for (m, &p) in self.obs_mean.iter_mut().zip(&self.obs_precision) {
            if p > 0.0 {
                *m /= p;
            }
        }
        cv2_global
    }

    /// Posterior draw with deviation scale `scale` (0: the posterior
    /// mean) into `rhs`. Falls back to the prior mean if the factorisation
    /// fails (it cannot for finite inputs: the matrix is SPD).
    fn posterior_draw(&mut self, scale: f64) {
        let d = self.grid.len();
        self.factor.copy_from_slice(&self.prior_precision);
        for i in 0..d {
            self.factor[i * d + i] += self.obs_precision[i];
            let w = self.model_weight;
            let shift = if w > 0.0 {
                (1.0 - w) * self.prior_shift[i] + w * self.model_shift[i]
            } else {
                self.prior_shift[i]
            };
            self.rhs[i] = shift + self.obs_precision[i] * self.obs_mean[i];
        }
        if !cholesky(&mut self.factor, d) {
            for i in 0..d {
                self.rhs[i] = self.params.bowl * (unit(i, d) - self.centre_unit()).powi(2);
            }
            return;
        }
        // L w = rhs; then L^T f = w + scale z gives f = mean + scale L^-T z,
        // a draw from N(mean, (L L^T)^-1).
        forward(&self.factor, d, &mut self.rhs);
        if scale > 0.0 {
            for v in self.rhs.iter_mut() {
                let z = self.rng.standard_normal();
                *v += scale * z;
            }
        }
        backward(&self.factor, d, &mut self.rhs);
    }
}

impl SmoothTs {
    /// Mean context of the solves of cells entry `e` (its cell's centre
    /// if the learner was loaded from a file without mean contexts).
    fn entry_context(&self, e: usize) -> f64 {
        let centre = self.cell_context(e / self.grid.len()).unwrap_or(0.0);
        entry_context(&self.cell_contexts, e, centre)
    }

    /// Fill the mean contexts with the cells' centres if absent (loaded
    /// from a file written before them), before they change.
    fn materialize_contexts(&mut self) {
        if self.cell_contexts.is_empty() {
            self.cell_contexts = (0..self.cells.len())
                .map(|e| self.entry_context(e))
                .collect();
        }
    }

    /// Context at the centre of cell `k` (the model's x for that cell).
    fn cell_context(&self, k: usize) -> Option<f64> {
        let (lo, hi) = self.range?;
        Some(lo + (k as f64 + 0.5) * (hi - lo) / self.params.cells as f64)
    }

    /// This round's weight of the model and, if positive, K^-1 times the
    /// model's curve for `cell` (the prior mean's part from the model).
    fn prepare_model(&mut self, cell: Option<usize>, context: Option<f64>) {
        self.model_weight = 0.0;
        self.model_fit = None;
        let (Some(k), Some(fit)) = (cell, self.model.active().map(|a| a.fit)) else {
            return;
        };
        if !self.params.model {
            return;
        }
        let w = self.model.trust(self.params.model_min_checks, || {
            self.params.model_error + pooled_cv2(self.cells_derived.pooled(), self.params.cv2_prior)
        });
        let Some(x) = context.or_else(|| self.cell_context(k)) else {
            return;
        };
        if w <= 0.0 {
            return;
        }
        let d = self.grid.len();
        for i in 0..d {
            self.model_curve[i] = fit.predict(x, self.grid.omega(i));
        }
        // The GP's level is free: centre the curve so that K^-1 m stays
        // of the bowl's size (the data set the level).
        let base = self
            .model_curve
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        for i in 0..d {
            let row = &self.prior_precision[i * d..(i + 1) * d];
            self.model_shift[i] = row
                .iter()
                .zip(&self.model_curve)
                .map(|(a, m)| a * (m - base).min(MODEL_RISE))
                .sum();
        }
        self.model_weight = w;
        self.model_fit = Some(fit);
        self.model_moves_optimum = self.moves_optimum(fit);
    }

    /// Whether `fit` puts the best arm at the two ends of the contexts
    /// seen on different arms (cached per fit). If not, the context does
    /// not move the optimum as far as the model can tell (e.g. a fitted
    /// rho_J constant in the context), and the cells should not be
    /// explored as if it did.
    fn moves_optimum(&mut self, fit: sor_model::SorFit) -> bool {
        let key = (
            fit.scale.to_bits(),
            fit.level.to_bits(),
            fit.intercept.to_bits(),
            fit.form,
        );
        if let Some((k, moves)) = self.model_moves {
            if k == key {
                return moves;
            }
        }
        let Some((lo, hi)) = self.model_span else {
            return false;
        };
        let grid = self.grid;
        let best = |x: f64| {
            let mut best = (f64::INFINITY, 0);
            for i in 0..grid.len() {
                let c = fit.predict(x, grid.omega(i));
                if c < best.0 {
                    best = (c, i);
                }
            }
            best.1
        };
        let moves = best(lo) != best(hi);
        self.model_moves = Some((key, moves));
        moves
    }

    /// The model's prediction for cells entry `e` at its mean context,
    /// cached until the fit or the range changes or the entry gets a
    /// solve (a trusted model is consulted for every arm of up to 2
    /// `window` + 1 cells a round).
    fn cached_prediction(&mut self, fit: sor_model::SorFit, e: usize) -> f64 {
        let d = self.grid.len();
        let centre = self.cell_context(e / d).unwrap_or(0.0);
        let key = (
            (
                fit.scale.to_bits(),
                fit.level.to_bits(),
                fit.intercept.to_bits(),
                fit.form,
            ),
            self.range.unwrap_or((0.0, 0.0)),
        );
        if self.model_cache_key != Some(key) {
            self.model_cache.fill(f64::NAN);
            self.model_cache_key = Some(key);
        }
        let slot = &mut self.model_cache[e];
        if slot.is_nan() {
            *slot = fit.predict(
                entry_context(&self.cell_contexts, e, centre),
                self.grid.omega(e % d),
            );
        }
        *slot
    }

    /// Check the model's prediction for (cell `k`, `arm`) against the
    /// observed cost before the cost enters the statistics.
    fn check_model(&mut self, p: SmoothTsPending, k: usize, cost: f64) {
        let (arm, Some(plain)) = (p.arm, p.plain_prediction) else {
            return;
        };
        let Some(x) = p.context.or_else(|| self.cell_context(k)) else {
            return;
        };
        if self.model.fit_points < self.params.model_min_checks {
            // Fits from a handful of points say little about the model.
            return;
        }
        let omega = self.grid.omega(arm);
        let observed = cost.ln_1p();
        // Without a proportional fit (no positive context yet) its error
        // counts as large.
        let error = self
            .model
            .fit
            .map_or(f64::NAN, |f| observed - f.predict(x, omega));
        let reciprocal = self
            .model
            .reciprocal
            .map(|r| observed - r.fit.predict(x, omega));
        self.model.record(error, observed - plain, reciprocal);
    }

    /// The draw's best arm, but with the model in the prior at most
    /// [`MODEL_REACH`] arms from the best arm of the same draw without it
    /// (same random numbers; the model changes only the prior mean, so
    /// the two draws differ by P^-1 w K^-1 (m_model - m_bowl), P the
    /// posterior precision): the model is checked only where SmoothTS
    /// plays, so it may refine the choice but not jump across the grid
    /// on its extrapolation (a wrong model that fits the few solves seen
    /// so far would send the learner to the far end). O(d^2).
    fn within_reach_of_plain(&mut self) -> usize {
        let d = self.grid.len();
        let w = self.model_weight;
        if w <= 0.0 {
            return argmin(&self.rhs);
        }
        let mut plain = std::mem::take(&mut self.model_curve);
        for ((p, m), b) in plain
            .iter_mut()
            .zip(&self.model_shift)
            .zip(&self.prior_shift)
        {
            *p = w * (m - b);
        }
        forward(&self.factor, d, &mut plain);
        backward(&self.factor, d, &mut plain);
        for (p, r) in plain.iter_mut().zip(&self.rhs) {
            *p = r - *p;
        }
        let centre = argmin(&plain);
        self.model_curve = plain;
        let lo = centre.saturating_sub(MODEL_REACH);
        let hi = (centre + MODEL_REACH).min(d - 1);
        lo + argmin(&self.rhs[lo..=hi])
    }

    /// The posterior mean of ln(1 + cost) at `arm` under the bowl prior
    /// (no model) with this round's observations, from the factor of the
    /// posterior precision [`SmoothTs::posterior_draw`] left (the model
    /// changes only the prior mean): O(d^2). `None` when no prediction of
    /// the model will be checked this round.
    fn plain_prediction(&mut self, cell: Option<usize>, arm: usize) -> Option<f64> {
        let d = self.grid.len();
        if !self.params.model
            || cell.is_none()
            || d < 2
            || (self.model.fit.is_none() && self.model.reciprocal.is_none())
            || self.model.fit_points < self.params.model_min_checks
        {
            return None;
        }
        let mut mean = std::mem::take(&mut self.model_curve);
        for (i, m) in mean.iter_mut().enumerate() {
            *m = self.prior_shift[i] + self.obs_precision[i] * self.obs_mean[i];
        }
        forward(&self.factor, d, &mut mean);
        backward(&self.factor, d, &mut mean);
        let x = mean[arm];
        self.model_curve = mean;
        x.is_finite().then_some(x)
    }

    /// Refit the model's scale and level to every (cell, arm) with data,
    /// each weighted by the inverse of its variance plus the model's
    /// allowed error.
    fn refit_model(&mut self) {
        if !self.params.model {
            return;
        }
        let d = self.grid.len();
        let cv2 = pooled_cv2(self.cells_derived.pooled(), self.params.cv2_prior);
        let mut points = std::mem::take(&mut self.model_points);
        points.clear();
        self.model_span = None;
        self.model_moves = None;
        for k in 0..self.params.cells {
            for i in 0..d {
                let s = self.cells[k * d + i];
                if s.n > 0 {
                    let x = self.entry_context(k * d + i);
                    self.model_span = span_with(self.model_span, x);
                    points.push(sor_model::Point {
                        context: x,
                        omega: self.grid.omega(i),
                        log_cost: s.mean().ln_1p(),
                        weight: 1.0 / (cv2 / s.n as f64 + self.params.model_error),
                    });
                }
            }
        }
        // A full search in the first 32 rounds (few points), a local
        // refinement from the last fit after them.
        let full = self.rounds <= 32 || self.model.fit.is_none();
        let near = if full { None } else { self.model.fit };
        if let Some((fit, misfit)) = sor_model::fit(&points, near) {
            self.model.fit = Some(fit);
            self.model.fit_points = points.len() as u64;
            self.model.fit_misfit = misfit;
        }
        let near = self.model.reciprocal.filter(|_| !full).map(|r| r.fit);
        if let Some((fit, misfit)) = sor_model::fit_reciprocal(&points, near) {
            let r = self
                .model
                .reciprocal
                .get_or_insert(sor_model::SorAlternative {
                    fit,
                    checks: 0,
                    mean_sq_error: 0.0,
                    fit_misfit: misfit,
                });
            r.fit = fit;
            r.fit_misfit = misfit;
            self.model.fit_points = points.len() as u64;
        }
        self.model_points = points;
    }

    /// Safety net for a wrong prior (OSUB-style local exploration, after
    /// Combes and Proutiere's unimodal bandits): returns an arm to play
    /// instead of the Thompson draw, if the neighbourhood of a leader is
    /// short of plays ([`short_of_plays`]): first that of the whole
    /// history's leader (the global row: what a fixed omega, hence
    /// Tsallis-INF, is measured against), then, with a context, that of
    /// the cell's leader (from the observations [`SmoothTs::gather`] left,
    /// so data borrowed from nearby cells can show a neighbour worse).
    ///
    /// Why: Thompson sampling with a scaled-down deviation (`explore` < 1)
    /// never tries an arm whose prior mean is a few scaled deviations
    /// above a well-measured arm, and an unplayed arm's deviation stays
    /// at its prior's, so on a coarse grid whose best omega the bowl
    /// prior ranks badly it kept playing one wrong arm (BENCHMARKS.md,
    /// where SmoothTS loses). Testing the leader's neighbours at
    /// exponentially spaced play counts costs O(log n) plays and climbs
    /// any unimodal cost to its best arm, whatever the prior says.
    fn local_exploration(&self, cell: Option<usize>, cv2_global: f64) -> Option<usize> {
        let d = self.grid.len();
        let (precision, mean) = (&self.obs_precision, &self.obs_mean);
        let Some(k) = cell else {
            // Without a context the gathered observations are the global row's.
            return short_of_plays(
                &self.global,
                |i| precision[i],
                |i| mean[i],
                GLOBAL_FIRST_TEST,
            );
        };
        let cell_test = || {
            short_of_plays(
                &self.cells[k * d..(k + 1) * d],
                |i| precision[i],
                |i| mean[i],
                CELL_FIRST_TEST,
            )
        };
        if self.model_weight >= 0.5 && self.model_moves_optimum {
            // A trusted model ties the cells together by context; the
            // global row pools contexts whose optima differ, so its
            // leader's neighbours say nothing about this context's.
            return cell_test();
        }
        let global = &self.global;
        let log_mean = &self.global_derived.log_mean;
        short_of_plays(
            global,
            |i| global[i].n as f64 / cv2_global,
            |i| log_mean[i],
            GLOBAL_FIRST_TEST,
        )
        .or_else(cell_test)
    }

    /// The prior's centre in the units of [`unit`].
    fn centre_unit(&self) -> f64 {
        2.0 * self.params.centre - 1.0
    }
}

/// Plays of a leader at which [`short_of_plays`] first tests its
/// neighbours, for the global row and for a cell. Measured (BENCHMARKS.md):
/// testing the global leader's neighbours from its second play on cost
/// about 1 % at T = 50 on the shifted Laplacian, where the prior is right
/// (early leaders there are mostly noise), from its third play nothing
/// measurable; a cell has few plays, so it starts at the second.
const GLOBAL_FIRST_TEST: u64 = 3;
const CELL_FIRST_TEST: u64 = 2;

/// The two grid neighbours of the leader (lowest observed mean of
/// ln(1 + cost) among arms with data, `precision(i)` > 0; of equal means
/// the first) must each have been played at least floor(log2(2 n /
/// first)) times in `row`, n the leader's plays (so from n = `first` on:
/// once, then once more each time n doubles), unless the data already
/// show a neighbour no better than the leader (its lower confidence
/// bound, mean - sqrt(2 ln n / precision), not below the leader's mean).
/// Returns the less-played neighbour that is short, if any.
fn short_of_plays(
    row: &[ArmStats],
    precision: impl Fn(usize) -> f64,
    mean: impl Fn(usize) -> f64,
    first: u64,
) -> Option<usize> {
    let d = row.len();
    let mut leader = None;
    let mut lowest = f64::INFINITY;
    for i in (0..d).filter(|&i| precision(i) > 0.0) {
        let m = mean(i);
        if leader.is_none() || m < lowest {
            (leader, lowest) = (Some(i), m);
        }
    }
    let leader = leader?;
    let plays = row[leader].n;
    let scaled = plays.saturating_mul(2) / first;
    if scaled < 2 {
        return None;
    }
    let due = u64::from(scaled.ilog2());
    let width = (2.0 * (plays as f64).ln()).sqrt();
    let short = |j: usize| {
        row[j].n < due && (precision(j) <= 0.0 || mean(j) - width / precision(j).sqrt() < lowest)
    };
    [leader.wrapping_sub(1), leader + 1]
        .into_iter()
        .filter(|&j| j < d && short(j))
        .min_by_key(|&j| row[j].n)
}

/// Entry `e` of `means`, or `centre` if there are none.
fn entry_context(means: &[f64], e: usize, centre: f64) -> f64 {
    means.get(e).copied().unwrap_or(centre)
}

/// `span` widened to hold `x`.
fn span_with(span: Option<(f64, f64)>, x: f64) -> Option<(f64, f64)> {
    Some(span.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))))
}

/// Pooled squared coefficient of variation from the sums of
/// [`ArmStats::dispersion`] over a part's entries, shrunk to the prior.
fn pooled_cv2((ss, dof): (f64, f64), cv2_prior: f64) -> f64 {
    const PRIOR_DOF: f64 = 2.0;
    ((ss + PRIOR_DOF * cv2_prior) / (dof + PRIOR_DOF)).max(1e-6)
}

/// Cap on the model curve's rise above its lowest arm in the prior mean
/// (ln(1 + cost) units; the bowl rises by at most 4.5 on the default grid):
/// a steep left branch says "much worse" without saying how much.
const MODEL_RISE: f64 = 3.0;

/// How far (in arms) the model may move a round's choice from the
/// choice without it ([`SmoothTs::within_reach_of_plain`]).
const MODEL_REACH: usize = 3;

/// Whether the model is refitted after round `rounds` (with a context):
/// every round for the first 32 (a full search over few points), then
/// four times per doubling of the rounds (every 2^(j - 2) rounds for
/// rounds in [2^j, 2^(j + 1)), at most every 4096; a local refinement: 9
/// passes over at most cells x arms points), so the refits' cost per
/// round falls as the data grow.
fn refit_due(rounds: u64) -> bool {
    if rounds <= 32 {
        return true;
    }
    let step = 1u64 << rounds.ilog2().saturating_sub(2).min(12);
    rounds.is_multiple_of(step)
}

/// Grid index i of d mapped to [-1, 1].
fn unit(i: usize, d: usize) -> f64 {
    if d <= 1 {
        0.0
    } else {
        2.0 * i as f64 / (d - 1) as f64 - 1.0
    }
}

/// Prior precision K^-1 and K^-1 m0 of the Gaussian process over the grid.
fn prior(d: usize, p: &SmoothTsParams) -> (Vec<f64>, Vec<f64>) {
    let mut k = vec![0.0; d * d];
    let c = 2.0 * p.centre - 1.0;
    for i in 0..d {
        let ui = unit(i, d) - c;
        for j in 0..d {
            let uj = unit(j, d) - c;
            let r = (i as f64 - j as f64) / p.length;
            // Entry (i, j) at column-major position (the layout of
            // `cholesky`).
            k[j * d + i] = p.level_var
                + p.slope_var * ui * uj
                + p.curvature_var * ui * ui * uj * uj
                + p.residual_var * (-0.5 * r * r).exp();
        }
        // Jitter: independent per-arm wiggle of sd 0.01 in ln(cost).
        k[i * d + i] += 1e-4;
    }
    let mean: Vec<f64> = (0..d).map(|i| p.bowl * (unit(i, d) - c).powi(2)).collect();
    assert!(cholesky(&mut k, d), "prior kernel is positive definite");
    // Inverse column by column: solve L L^T x = e_j.
    let mut inv = vec![0.0; d * d];
    let mut col = vec![0.0; d];
    for j in 0..d {
        col.fill(0.0);
        col[j] = 1.0;
        forward(&k, d, &mut col);
        backward(&k, d, &mut col);
        for i in 0..d {
            inv[i * d + j] = col[i];
        }
    }
    // Symmetrise against rounding.
    for i in 0..d {
        for j in 0..i {
            let v = 0.5 * (inv[i * d + j] + inv[j * d + i]);
            inv[i * d + j] = v;
            inv[j * d + i] = v;
        }
    }
    let shift = (0..d)
        .map(|i| (0..d).map(|j| inv[i * d + j] * mean[j]).sum())
        .collect();
    (inv, shift)
}

/// In-place Cholesky factor A = L L^T of an SPD matrix given by its
/// lower triangle stored column-major (`a[j * d + i]` = A(i, j) for
/// i >= j; a symmetric matrix stored row-major qualifies as is), leaving
/// L in the same places; false if a pivot is not positive. Entries above
/// the diagonal are scratch (on return they hold rounding residues).
///
/// Vectorised over the rows of a column (the inner-product form, one
/// chain of dependent subtractions per entry, made it most of a round's
/// time): with AVX (checked at run time) left-looking, each column summed
/// in registers over the earlier columns ([`cholesky_avx`]), without it
/// right-looking, two entries at a time ([`cholesky_with`]). Every entry
/// receives the same products in the same order k = 0, 1, ..., and
/// vector arithmetic rounds each entry as scalar arithmetic does, so L is
/// the same to the last bit as the inner-product form's on every path
/// (tests/smooth_ts_replay.rs).
fn cholesky(a: &mut [f64], d: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            if d == DEFAULT_ARMS {
                // SAFETY: the CPU supports AVX (checked just now).
                return unsafe { cholesky_avx_default(a) };
            }
            // SAFETY: the CPU supports AVX (checked just now).
            return unsafe { cholesky_avx(a, d) };
        }
    }
    cholesky_with(a, d, subtract_scaled)
}

/// Arms of the default grid, whose factor [`cholesky_avx_default`] computes
/// with every loop bound known at compile time.
const DEFAULT_ARMS: usize = 20;

/// [`cholesky_avx`] for [`DEFAULT_ARMS`] arms, the columns written out
/// (one instance of [`column_avx_fixed`] per column): the loops of the
/// general form have trip counts that vary from column to column, and
/// their exits were a third of a round's mispredicted branches (callgrind's
/// branch simulation). The same operations in the same order, so the
/// same bits (the unit test compares it with the inner-product form).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn cholesky_avx_default(a: &mut [f64]) -> bool {
    const D: usize = DEFAULT_ARMS;
    assert!(a.len() >= D * D, "the factor holds d x d entries");
    let p = a.as_mut_ptr();
    macro_rules! columns {
        ($($j:literal)*) => {
            // SAFETY: as `column_avx_fixed` requires (AVX: caller).
            $( if !unsafe { column_avx_fixed::<$j, D>(p) } { return false; } )*
        };
    }
    columns!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
    true
}

/// Column `J` of [`cholesky_avx`] for a D x D matrix with D a multiple of
/// 4: rows from J rounded down to a multiple of 4, in up to 5 registers,
/// minus the products of columns 0..J in that order, stored, then divided
/// by the pivot (false if the diagonal's sum is not positive and finite).
///
/// # Safety
/// AVX available; `p` holds D x D entries; J < D <= 20, D % 4 == 0.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
unsafe fn column_avx_fixed<const J: usize, const D: usize>(p: *mut f64) -> bool {
    use std::arch::x86_64::{
        _mm256_broadcast_sd, _mm256_div_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_set1_pd,
        _mm256_setzero_pd, _mm256_storeu_pd, _mm256_sub_pd,
    };
    let first = J & !3;
    let vectors = (D - first) / 4;
    // SAFETY: rows first..D and row J of columns 0..=J are inside the
    // D x D entries (caller).
    unsafe {
        let col_j = p.add(J * D + first);
        let mut acc = [_mm256_setzero_pd(); 5];
        for (m, acc) in acc.iter_mut().enumerate().take(vectors) {
            *acc = _mm256_loadu_pd(col_j.add(4 * m));
        }
        for k in 0..J {
            let col_k = p.add(k * D);
            let l_jk = _mm256_broadcast_sd(&*col_k.add(J));
            let rows = col_k.add(first);
            for (m, acc) in acc.iter_mut().enumerate().take(vectors) {
                *acc = _mm256_sub_pd(*acc, _mm256_mul_pd(_mm256_loadu_pd(rows.add(4 * m)), l_jk));
            }
        }
        let mut lanes = [0.0; 4];
        _mm256_storeu_pd(lanes.as_mut_ptr(), acc[0]);
        let s = lanes[J - first];
        if !(s > 0.0 && s.is_finite()) {
            return false;
        }
        let pivot = s.sqrt();
        let pv = _mm256_set1_pd(pivot);
        for (m, acc) in acc.iter().enumerate().take(vectors) {
            _mm256_storeu_pd(col_j.add(4 * m), _mm256_div_pd(*acc, pv));
        }
        *p.add(J * D + J) = pivot;
    }
    true
}

/// [`cholesky_with`] with AVX, left-looking on raw column pointers: each
/// column of L is summed in registers, up to 16 rows at a time, over the
/// products of all earlier columns (k = 0, 1, ..., the order in which the
/// right-looking form delivers them), then stored once and divided by its
/// pivot. The right-looking form loaded and stored every entry of the
/// trailing matrix once per earlier column (190 short column updates for
/// 20 arms, their bookkeeping as many instructions as the arithmetic);
/// here each entry is loaded and stored once. The same operations on
/// every entry in the same order, so the same bits (the unit test
/// compares every path with the inner-product form).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn cholesky_avx(a: &mut [f64], d: usize) -> bool {
    use std::arch::x86_64::{_mm256_div_pd, _mm256_loadu_pd, _mm256_set1_pd, _mm256_storeu_pd};
    assert!(a.len() >= d * d, "the factor holds d x d entries");
    let p = a.as_mut_ptr();
    // SAFETY: every offset is column * d + row with column and row < d,
    // inside the d x d entries checked above; AVX is available (caller).
    unsafe {
        for j in 0..d {
            let col_j = p.add(j * d);
            // Rows from a multiple of 4 (as `cholesky_with`: the up to 3
            // entries above the diagonal are scratch), whole vectors,
            // then the rows past the last whole vector one by one.
            let mut i = j & !3;
            while i + 16 <= d {
                column_rows_avx::<4>(p, d, j, i);
                i += 16;
            }
            match (d - i) / 4 {
                3 => column_rows_avx::<3>(p, d, j, i),
                2 => column_rows_avx::<2>(p, d, j, i),
                1 => column_rows_avx::<1>(p, d, j, i),
                _ => {}
            }
            i += (d - i) / 4 * 4;
            for row in i..d {
                let mut s = *col_j.add(row);
                for k in 0..j {
                    let col_k = p.add(k * d);
                    s -= *col_k.add(row) * *col_k.add(j);
                }
                *col_j.add(row) = s;
            }
            let s = *col_j.add(j);
            if !(s > 0.0 && s.is_finite()) {
                return false;
            }
            let pivot = s.sqrt();
            // Below the diagonal divided by the pivot, whole vectors from
            // a multiple of 4 (the diagonal too when it is in the first
            // one: it is set to the pivot after).
            let pv = _mm256_set1_pd(pivot);
            let mut i = (j + 1) & !3;
            while i + 4 <= d {
                let x = _mm256_loadu_pd(col_j.add(i));
                _mm256_storeu_pd(col_j.add(i), _mm256_div_pd(x, pv));
                i += 4;
            }
            while i < d {
                *col_j.add(i) /= pivot;
                i += 1;
            }
            *col_j.add(j) = pivot;
        }
    }
    true
}

/// Rows `first..first + 4 M` of column `j` of [`cholesky_avx`] minus the
/// products of columns 0..j, summed in M registers in that order.
///
/// # Safety
/// AVX available; `p` holds d x d entries; j < d and first + 4 M <= d.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
unsafe fn column_rows_avx<const M: usize>(p: *mut f64, d: usize, j: usize, first: usize) {
    use std::arch::x86_64::{
        _mm256_broadcast_sd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_storeu_pd, _mm256_sub_pd,
    };
    // SAFETY: rows first..first + 4 M and row j of columns 0..=j are
    // inside the d x d entries (caller).
    unsafe {
        let col_j = p.add(j * d + first);
        let mut acc: [_; M] = std::array::from_fn(|m| _mm256_loadu_pd(col_j.add(4 * m)));
        for k in 0..j {
            let col_k = p.add(k * d);
            let l_jk = _mm256_broadcast_sd(&*col_k.add(j));
            let rows = col_k.add(first);
            for (m, acc) in acc.iter_mut().enumerate() {
                *acc = _mm256_sub_pd(*acc, _mm256_mul_pd(_mm256_loadu_pd(rows.add(4 * m)), l_jk));
            }
        }
        for (m, acc) in acc.iter().enumerate() {
            _mm256_storeu_pd(col_j.add(4 * m), *acc);
        }
    }
}

/// The factorisation, with `update(x, y, s)` doing x -= y * s.
#[inline(always)]
fn cholesky_with(a: &mut [f64], d: usize, update: impl Fn(&mut [f64], &[f64], f64)) -> bool {
    for k in 0..d {
        let (done, later) = a.split_at_mut((k + 1) * d);
        let col_k = &mut done[k * d..];
        let s = col_k[k];
        if !(s > 0.0 && s.is_finite()) {
            return false;
        }
        let pivot = s.sqrt();
        col_k[k] = pivot;
        for v in &mut col_k[k + 1..] {
            *v /= pivot;
        }
        let col_k = &*col_k;
        for (j, col_j) in (k + 1..d).zip(later.chunks_exact_mut(d)) {
            // From a row that is a multiple of 4: whole vectors (for j not
            // one, this also updates up to 3 entries above the diagonal,
            // scratch that stays at rounding-residue size).
            let start = j & !3;
            update(&mut col_j[start..], &col_k[start..], col_k[j]);
        }
    }
    true
}

/// x -= y * s elementwise (x and y of equal length), two entries at a
/// time (SSE2, part of x86_64) or one.
#[inline(always)]
fn subtract_scaled(x: &mut [f64], y: &[f64], s: f64) {
    let n = x.len().min(y.len());
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_loadu_pd, _mm_mul_pd, _mm_set1_pd, _mm_storeu_pd, _mm_sub_pd};
        // SAFETY: SSE2 is part of x86_64; i + 2 <= n bounds both slices.
        unsafe {
            let sv = _mm_set1_pd(s);
            while i + 2 <= n {
                let xv = _mm_loadu_pd(x.as_ptr().add(i));
                let yv = _mm_loadu_pd(y.as_ptr().add(i));
                _mm_storeu_pd(x.as_mut_ptr().add(i), _mm_sub_pd(xv, _mm_mul_pd(yv, sv)));
                i += 2;
            }
        }
    }
    while i < n {
        x[i] -= y[i] * s;
        i += 1;
    }
}

/// Solve L x = b in place (L from [`cholesky`]; d <= [`MAX_ARMS`]).
/// Column by column: x_k is final once the products of the earlier
/// entries are summed, then its products go into the later entries' sums,
/// in the order (k ascending, starting from -0.0, as `Iterator::sum`) of
/// the row-by-row dot products, so x is the same to the last bit (adding
/// y * x is subtracting y * -x, exactly).
fn forward(l: &[f64], d: usize, b: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU supports AVX (checked just now).
            return unsafe { forward_avx(l, d, b) };
        }
    }
    forward_with(l, d, b, subtract_scaled)
}

/// [`forward_with`] with AVX, by blocks of four rows: each block's sums
/// take the products of the entries solved before it as whole vectors
/// (columns are contiguous), then its rows are solved one by one, each
/// adding the products of the block's earlier rows; every sum starts from
/// -0.0 and adds its products in column order, as [`forward_with`] does,
/// so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn forward_avx(l: &[f64], d: usize, b: &mut [f64]) {
    use std::arch::x86_64::{
        _mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_set1_pd, _mm256_storeu_pd,
    };
    assert!(
        l.len() >= d * d && b.len() >= d,
        "L is d x d, b has d entries"
    );
    let (l, b) = (l.as_ptr(), b.as_mut_ptr());
    // SAFETY: every index is below d (entries of b) or is column * d +
    // row with both below d (entries of L), checked above.
    unsafe {
        let solve_row = |row: usize, mut sum: f64, from: usize| {
            for i in from..row {
                sum += *l.add(i * d + row) * *b.add(i);
            }
            *b.add(row) = (*b.add(row) - sum) / *l.add(row * d + row);
        };
        let mut first = 0;
        while first + 4 <= d {
            let mut acc = _mm256_set1_pd(-0.0);
            for i in 0..first {
                let x = _mm256_set1_pd(*b.add(i));
                acc = _mm256_add_pd(acc, _mm256_mul_pd(_mm256_loadu_pd(l.add(i * d + first)), x));
            }
            let mut sums = [0.0; 4];
            _mm256_storeu_pd(sums.as_mut_ptr(), acc);
            for (r, sum) in sums.into_iter().enumerate() {
                solve_row(first + r, sum, first);
            }
            first += 4;
        }
        for row in first..d {
            solve_row(row, -0.0, 0);
        }
    }
}

#[inline(always)]
fn forward_with(l: &[f64], d: usize, b: &mut [f64], update: impl Fn(&mut [f64], &[f64], f64)) {
    let mut sums = [-0.0f64; MAX_ARMS];
    for k in 0..d {
        let col = &l[k * d..(k + 1) * d];
        let x = (b[k] - sums[k]) / col[k];
        b[k] = x;
        // From a multiple of 4, as in `cholesky_with`: the sums below
        // k + 1 are spent already.
        let start = (k + 1) & !3;
        update(&mut sums[start..d], &col[start..], -x);
    }
}

/// Solve L^T x = b in place (L from [`cholesky`]): row j of L^T is column
/// j of L, contiguous. Entry j is b_j minus its products with the later,
/// final entries, from the last one down (the order of the row-oriented
/// form), divided by L_jj. Four rows at a time: their sums run side by
/// side over the entries final before the block (four independent
/// chains of subtractions instead of one), then each takes the products
/// of the block's rows above it, still from the last one down, so every
/// entry is the same to the last bit.
fn backward(l: &[f64], d: usize, b: &mut [f64]) {
    assert!(
        l.len() >= d * d && b.len() >= d,
        "L is d x d, b has d entries"
    );
    let (l, b) = (l.as_ptr(), b.as_mut_ptr());
    let mut end = d;
    // SAFETY: every index is below d (entries of b) or is column * d +
    // row with both below d (entries of L), checked above.
    unsafe {
        while end >= 4 {
            let cols = [end - 1, end - 2, end - 3, end - 4].map(|c| l.add(c * d));
            let mut sums = [end - 1, end - 2, end - 3, end - 4].map(|row| *b.add(row));
            for i in (end..d).rev() {
                let x = *b.add(i);
                for r in 0..4 {
                    sums[r] -= *cols[r].add(i) * x;
                }
            }
            for r in 0..4 {
                let row = end - 1 - r;
                let mut s = sums[r];
                for i in (row + 1..end).rev() {
                    s -= *cols[r].add(i) * *b.add(i);
                }
                *b.add(row) = s / *cols[r].add(row);
            }
            end -= 4;
        }
        for row in (0..end).rev() {
            let col = l.add(row * d);
            let mut s = *b.add(row);
            for i in (row + 1..d).rev() {
                s -= *col.add(i) * *b.add(i);
            }
            *b.add(row) = s / *col.add(row);
        }
    }
}

fn argmin(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x < v[best] {
            best = i;
        }
    }
    best
}

impl Learner for SmoothTs {
    fn kind(&self) -> LearnerKind {
        LearnerKind::SmoothTs
    }
    fn grid(&self) -> &OmegaGrid {
        &self.grid
    }
    fn choose(&mut self, context: Option<f64>) -> usize {
        let context = context.filter(|c| c.is_finite());
        let cell = context.map(|c| self.place(c));
        let arm = if self.grid.len() == 1 {
            0
        } else {
            let cv2_global = self.gather(cell, context);
            let scale = if self.rounds == 0 {
                0.0
            } else {
                self.params.explore
            };
            self.posterior_draw(scale);
            let drawn = self.within_reach_of_plain();
            self.local_exploration(cell, cv2_global).unwrap_or(drawn)
        };
        let plain_prediction = self.plain_prediction(cell, arm);
        self.pending = Some(SmoothTsPending {
            arm,
            cell,
            plain_prediction,
            context: cell.and(context),
        });
        arm
    }
    fn observe(&mut self, cost: f64) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let cost = if cost.is_nan() {
            MAX_COST
        } else {
            cost.clamp(0.0, MAX_COST)
        };
        self.rounds = self.rounds.saturating_add(1);
        let d = self.grid.len();
        self.detect_drift(0, p.arm, cost);
        self.global[p.arm].add(cost);
        self.global_derived.update(p.arm, &self.global[p.arm]);
        if let Some(k) = p.cell {
            let index = k * d + p.arm;
            self.check_model(p, k, cost);
            self.detect_drift(1, index, cost);
            self.cells[index].add(cost);
            if let Some(x) = p.context.or_else(|| self.cell_context(k)) {
                self.materialize_contexts();
                let mean = &mut self.cell_contexts[index];
                *mean += (x - *mean) / self.cells[index].n as f64;
                self.model_cache[index] = f64::NAN;
            }
            self.cells_derived.update(index, &self.cells[index]);
            if refit_due(self.rounds) {
                self.refit_model();
            }
        }
    }
    fn favourite(&self, context: Option<f64>) -> usize {
        argmin(&self.posterior_mean(context.filter(|c| c.is_finite())))
    }
    fn rounds(&self) -> u64 {
        self.rounds
    }
    fn save_state(&self) -> serde_json::Value {
        state_to_json(&self.state())
    }
    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        self.set_state(state_from_json("smooth_ts state", state)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every constant out of its documented range is refused, one at a
    /// time, with the parameters' name; the defaults and the edges of each
    /// range are accepted.
    #[test]
    fn each_bad_parameter_is_refused_alone() {
        let ok = SmoothTsParams::default();
        let grid = OmegaGrid::paper_default();
        let bad = [
            SmoothTsParams {
                level_var: 0.0,
                ..ok
            },
            SmoothTsParams {
                slope_var: f64::INFINITY,
                ..ok
            },
            SmoothTsParams {
                curvature_var: -1.0,
                ..ok
            },
            SmoothTsParams {
                residual_var: f64::NAN,
                ..ok
            },
            SmoothTsParams { length: 0.0, ..ok },
            SmoothTsParams {
                tau_context: -0.1,
                ..ok
            },
            SmoothTsParams {
                tau_global: 0.0,
                ..ok
            },
            SmoothTsParams {
                cv2_prior: 0.0,
                ..ok
            },
            SmoothTsParams {
                model_error: 0.0,
                ..ok
            },
            SmoothTsParams { bowl: -0.5, ..ok },
            SmoothTsParams {
                bowl: f64::INFINITY,
                ..ok
            },
            SmoothTsParams { centre: 1.5, ..ok },
            SmoothTsParams {
                centre: -0.01,
                ..ok
            },
            SmoothTsParams {
                explore: -1.0,
                ..ok
            },
            SmoothTsParams {
                explore: f64::INFINITY,
                ..ok
            },
            SmoothTsParams {
                drift_allowance: -0.5,
                ..ok
            },
            SmoothTsParams {
                drift_allowance: f64::NAN,
                ..ok
            },
            SmoothTsParams {
                drift_threshold: 0.0,
                ..ok
            },
            SmoothTsParams {
                drift_keep: 1.5,
                ..ok
            },
            SmoothTsParams { cells: 0, ..ok },
            SmoothTsParams {
                cells: 4097,
                window: 2,
                ..ok
            },
            SmoothTsParams {
                cells: 4,
                window: 5,
                ..ok
            },
        ];
        for params in bad {
            match SmoothTs::with_params(grid, 0, params) {
                Err(Error::InvalidArgument { what, .. }) => {
                    assert_eq!(what, "smooth_ts parameters")
                }
                other => panic!("{params:?} accepted: {}", other.is_ok()),
            }
        }
        let edges = SmoothTsParams {
            bowl: 0.0,
            centre: 1.0,
            explore: 0.0,
            drift_allowance: 0.0,
            drift_keep: 0.0,
            cells: 4096,
            window: 4096,
            ..ok
        };
        for params in [
            ok,
            edges,
            SmoothTsParams {
                centre: 0.0,
                drift_keep: 1.0,
                cells: 1,
                window: 0,
                ..ok
            },
        ] {
            assert_eq!(
                SmoothTs::with_params(grid, 0, params).unwrap().params(),
                &params
            );
        }
    }

    /// Parameters saved before the model fields existed load with the
    /// model's defaults.
    #[test]
    fn parameters_without_the_model_fields_take_the_defaults() {
        let mut json = serde_json::to_value(SmoothTsParams::default()).unwrap();
        let fields = json.as_object_mut().unwrap();
        for key in ["model", "model_error", "model_min_checks"] {
            assert!(fields.remove(key).is_some(), "{key}");
        }
        let params: SmoothTsParams = serde_json::from_value(json).unwrap();
        assert_eq!(params, SmoothTsParams::default());
    }

    /// The documented schedule and confidence width of the local
    /// exploration, exactly (the coarse-grid tests check only outcomes, so
    /// cargo-mutants found a changed schedule and width surviving them).
    #[test]
    fn neighbours_are_tested_on_the_documented_schedule_and_width() {
        let row = |plays: &[u64]| -> Vec<ArmStats> {
            plays
                .iter()
                .map(|&n| ArmStats {
                    n,
                    ..Default::default()
                })
                .collect()
        };
        // Arm 1 leads (mean 0); arms 0 and 2 never played (precision 0).
        let untried = |plays: u64, first: u64| {
            let r = row(&[0, plays, 0]);
            let precision = |i: usize| if i == 1 { 1.0 } else { 0.0 };
            short_of_plays(&r, precision, |_| 0.0, first)
        };
        assert_eq!(untried(2, 3), None, "global row: not before the 3rd play");
        assert_eq!(untried(3, 3), Some(0), "global row: from the 3rd play");
        assert_eq!(untried(1, 2), None, "cell: not before the 2nd play");
        assert_eq!(untried(2, 2), Some(0), "cell: from the 2nd play");
        // Played neighbours (mean 0.5, not yet shown worse): due =
        // floor(log2(2 n / first)) plays each.
        let played = |leader: u64, left: u64, right: u64| {
            let r = row(&[left, leader, right]);
            short_of_plays(&r, |_| 1.0, |i| if i == 1 { 0.0 } else { 0.5 }, 3)
        };
        // n = 5: 10 / 3 = 3, due 1; n = 6: due 2.
        assert_eq!(played(5, 1, 1), None);
        assert_eq!(played(6, 1, 1), Some(0));
        assert_eq!(played(6, 2, 1), Some(2), "the less-played neighbour first");
        assert_eq!(played(6, 2, 2), None);
        // A neighbour whose lower bound mean - sqrt(2 ln n / precision)
        // lies above the leader's mean is shown worse and skipped: n = 16,
        // width sqrt(2 ln 16) = 2.355 (due 3).
        let bounded = |neighbour_mean: f64| {
            let r = row(&[16, 2]);
            short_of_plays(
                &r,
                |_| 1.0,
                |i| if i == 0 { 0.0 } else { neighbour_mean },
                3,
            )
        };
        assert_eq!(
            bounded(2.27),
            Some(1),
            "lower bound -0.085: not yet shown worse"
        );
        assert_eq!(bounded(2.44), None, "lower bound 0.085: shown worse");
        // A lower bound exactly at the leader's mean is not below it
        // (cargo-mutants: the bound's `< lowest` as `<=` survived).
        let width = (2.0 * 16f64.ln()).sqrt();
        assert_eq!(bounded(width), None, "lower bound exactly 0: no better");
        // Of equal means the first leads: arms 0 and 2 tie at 0; arm 0's
        // neighbour has its plays, arm 2's right one (never played) would
        // be short (cargo-mutants: `m < lowest` as `<=` survived).
        let r = row(&[3, 5, 3, 0]);
        let tied = short_of_plays(
            &r,
            |i| if i == 3 { 0.0 } else { 1.0 },
            |i| if i == 1 { 9.0 } else { 0.0 },
            3,
        );
        assert_eq!(
            tied, None,
            "arm 0 leads; its neighbour arm 1 is played enough"
        );
    }

    /// The right-looking, vectorised factorisation and solves against the
    /// textbook inner-product forms they replaced, bit for bit, on both
    /// code paths (AVX and portable) and for sizes that are and are not
    /// multiples of the vector width: a reordered sum would change bits.
    #[test]
    fn factor_and_solves_are_bitwise_the_inner_product_forms() {
        fn reference_cholesky(a: &mut [f64], d: usize) {
            for j in 0..d {
                let mut s = a[j * d + j];
                for k in 0..j {
                    s -= a[j * d + k] * a[j * d + k];
                }
                a[j * d + j] = s.sqrt();
                for i in j + 1..d {
                    let mut s = a[i * d + j];
                    for k in 0..j {
                        s -= a[i * d + k] * a[j * d + k];
                    }
                    a[i * d + j] = s / a[j * d + j];
                }
            }
        }
        let mut rng = LearnerRng::new(3);
        for d in [1, 2, 3, 4, 5, 8, 16, 19, 20, 23, 37] {
            // The prior precision plus random observation precisions.
            let params = SmoothTsParams::default();
            let (prior_precision, _) = prior(d, &params);
            let mut a = prior_precision.clone();
            for i in 0..d {
                a[i * d + i] += 50.0 * rng.uniform();
            }
            let b: Vec<f64> = (0..d).map(|_| rng.uniform() - 0.5).collect();
            // Row-major lower L; transpose to compare with column-major.
            let mut want = a.clone();
            reference_cholesky(&mut want, d);
            let mut want_x = b.clone();
            for i in 0..d {
                let s: f64 = (0..i).map(|k| want[i * d + k] * want_x[k]).sum();
                want_x[i] = (want_x[i] - s) / want[i * d + i];
            }
            for i in (0..d).rev() {
                want_x[i] /= want[i * d + i];
                for j in 0..i {
                    want_x[j] -= want[i * d + j] * want_x[i];
                }
            }
            let mut paths: Vec<(&str, Vec<f64>, Vec<f64>)> = Vec::new();
            let mut portable = a.clone();
            assert!(cholesky_with(&mut portable, d, subtract_scaled));
            let mut x = b.clone();
            forward_with(&portable, d, &mut x, subtract_scaled);
            backward(&portable, d, &mut x);
            paths.push(("portable", portable, x));
            let mut dispatched = a.clone();
            assert!(cholesky(&mut dispatched, d));
            let mut x = b.clone();
            forward(&dispatched, d, &mut x);
            backward(&dispatched, d, &mut x);
            paths.push(("dispatched", dispatched, x));
            for (path, l, x) in paths {
                for i in 0..d {
                    for j in 0..=i {
                        assert_eq!(
                            l[j * d + i].to_bits(),
                            want[i * d + j].to_bits(),
                            "{path}, d = {d}: L({i}, {j})"
                        );
                    }
                    assert_eq!(
                        x[i].to_bits(),
                        want_x[i].to_bits(),
                        "{path}, d = {d}: x[{i}]"
                    );
                }
            }
        }
    }

    /// A state of the wrong size is refused with the message naming the
    /// field, its size and the learner's, verbatim.
    #[test]
    fn a_state_of_the_wrong_size_is_refused_by_name() {
        let mut l = SmoothTs::new(OmegaGrid::paper_default(), 1).unwrap();
        let good = l.state();
        let detail = |state: SmoothTsState| match state.validate(20, l.params()) {
            Err(Error::InvalidArgument { what, detail }) => format!("{what}: {detail}"),
            other => panic!("expected a refusal, got {other:?}"),
        };
        let mut short = good.clone();
        short.global.pop();
        assert_eq!(
            detail(short.clone()),
            "smooth_ts state: 'global' has 19 arms, learner has 20"
        );
        let mut wide = good.clone();
        wide.cells.push(ArmStats::default());
        assert_eq!(
            detail(wide.clone()),
            "smooth_ts state: 'cells' has 1281 entries, learner has 64 cells x 20 arms"
        );
        assert!(l.set_state(short).is_err() && l.set_state(wide).is_err());
        assert_eq!(
            l.state(),
            good,
            "a refused state leaves the learner as it was"
        );
        // A round in flight on an arm off the grid (cell and context
        // valid) is refused too.
        l.choose(Some(0.5));
        let mut state = l.state();
        let mut pending = state.pending.expect("a round in flight");
        pending.arm = 20;
        state.pending = Some(pending);
        match state.validate(20, l.params()) {
            Err(Error::InvalidArgument { what, detail }) => assert_eq!(
                format!("{what}: {detail}"),
                format!("smooth_ts state: 'pending' {pending:?} out of range")
            ),
            other => panic!("pending arm 20 accepted: {other:?}"),
        }
    }

    #[test]
    fn cholesky_solves_a_small_spd_system() {
        let mut a = vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let orig = a.clone();
        assert!(cholesky(&mut a, 3));
        let mut x = vec![1.0, 2.0, 3.0];
        forward(&a, 3, &mut x);
        backward(&a, 3, &mut x);
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| orig[i * 3 + j] * x[j]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        assert!(!cholesky(&mut [1.0, 2.0, 2.0, 1.0], 2));
    }

    #[test]
    fn first_round_plays_the_prior_centre_and_the_range_grows_by_merging() {
        let grid = OmegaGrid::paper_default();
        let mut l = SmoothTs::new(grid, 1).unwrap();
        let arm = l.choose(Some(0.5));
        // centre 0.75 of 20 arms: 0.75 * 19 = 14.25.
        assert_eq!(arm, 14);
        l.observe(40.0);
        l.choose(Some(0.9));
        l.observe(50.0);
        let (lo, hi) = l.context_span().unwrap();
        assert!(lo <= 0.5 && hi >= 0.9);
        let total: u64 = l.cells.iter().map(|s| s.n).sum();
        assert_eq!(total, 2);
    }

    /// If the posterior precision cannot be factorised (not for finite
    /// inputs: it is SPD) the draw is the prior mean, bowl (u_i - c)^2
    /// with c = 2 centre - 1 (cargo-mutants: the value of `centre_unit`
    /// survived every other test).
    #[test]
    fn a_failed_factorisation_falls_back_to_the_prior_mean() {
        let params = SmoothTsParams {
            centre: 0.3,
            bowl: 1.5,
            ..SmoothTsParams::default()
        };
        let mut l = SmoothTs::with_params(OmegaGrid::paper_default(), 1, params).unwrap();
        l.gather(None, None);
        l.obs_precision[4] = f64::NAN;
        l.posterior_draw(0.0);
        for i in 0..20 {
            let u = 2.0 * i as f64 / 19.0 - 1.0;
            let want = 1.5 * (u - (2.0 * 0.3 - 1.0)).powi(2);
            assert_eq!(l.rhs[i].to_bits(), want.to_bits(), "arm {i}");
        }
        assert_eq!(argmin(&l.rhs), 6, "0.3 * 19 = 5.7");
    }

    /// The forward solve starts each sum from -0.0, as the inner-product
    /// form's `Iterator::sum` does, so even the sign of a zero in the
    /// solution is the same, on both code paths (cargo-mutants: a +0.0
    /// start survived the bitwise test, whose right-hand sides hold no
    /// zeros; sizes of 4 and more check the AVX path's four-row blocks,
    /// whose +0.0 start the 3 x 3 case alone let through).
    #[test]
    fn forward_solve_gives_zeros_the_inner_product_forms_sign() {
        // d = 3: rows solved one by one; d >= 4: also the AVX path's
        // blocks of four rows (whose vector sums start from -0.0 too).
        for d in [3, 4, 6, 9] {
            // Tridiagonal SPD matrix (4 on the diagonal, 1 beside it).
            let mut l = vec![0.0; d * d];
            for i in 0..d {
                l[i * d + i] = 4.0;
                if i + 1 < d {
                    l[i * d + i + 1] = 1.0;
                    l[(i + 1) * d + i] = 1.0;
                }
            }
            assert!(cholesky(&mut l, d));
            let patterns: [fn(usize) -> f64; 4] = [
                |_| -0.0,
                |i| if i % 2 == 0 { -0.0 } else { 0.0 },
                |i| if i % 3 == 1 { 0.0 } else { -0.0 },
                |i| if i == 1 { 1.0 } else { -0.0 },
            ];
            for pattern in patterns {
                let b: Vec<f64> = (0..d).map(pattern).collect();
                // Inner-product form (L column-major: L(i, k) = l[k * d + i]).
                let mut want = b.clone();
                for i in 0..d {
                    let s: f64 = (0..i).map(|k| l[k * d + i] * want[k]).sum();
                    want[i] = (want[i] - s) / l[i * d + i];
                }
                let mut portable = b.clone();
                forward_with(&l, d, &mut portable, subtract_scaled);
                let mut dispatched = b.clone();
                forward(&l, d, &mut dispatched);
                for i in 0..d {
                    assert_eq!(portable[i].to_bits(), want[i].to_bits(), "{b:?}: x[{i}]");
                    assert_eq!(dispatched[i].to_bits(), want[i].to_bits(), "{b:?}: x[{i}]");
                }
            }
        }
        assert_eq!(
            (-0.0f64 - [0.0f64; 0].iter().sum::<f64>()).to_bits(),
            0.0f64.to_bits(),
            "an empty sum is -0.0"
        );
    }

    /// The span of contexts whose best arms `moves_optimum` compares: from
    /// the smallest to the largest mean context of the cells entries with
    /// data, after the refits and after loading a state (cargo-mutants:
    /// `span_with` returning an empty span, and the filter of the entries
    /// with data in `set_state`, survived).
    #[test]
    fn the_model_span_is_that_of_the_entries_with_data() {
        assert_eq!(span_with(None, 3.0), Some((3.0, 3.0)));
        assert_eq!(span_with(Some((1.0, 2.0)), 0.5), Some((0.5, 2.0)));
        assert_eq!(span_with(Some((1.0, 2.0)), 5.0), Some((1.0, 5.0)));
        assert_eq!(span_with(Some((1.0, 2.0)), 1.5), Some((1.0, 2.0)));
        let grid = OmegaGrid::paper_default();
        let mut l = SmoothTs::new(grid, 2).unwrap();
        for (c, cost) in [(0.3, 40.0), (0.9, 35.0), (0.6, 50.0)] {
            l.choose(Some(c));
            l.observe(cost);
        }
        let with_data: Vec<f64> = (0..l.cells.len())
            .filter(|&e| l.cells[e].n > 0)
            .map(|e| l.cell_contexts[e])
            .collect();
        let lo = with_data.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = with_data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(lo > 0.0 && hi < 1.0, "{with_data:?}");
        assert_eq!(l.model_span, Some((lo, hi)));
        let mut loaded = SmoothTs::new(grid, 2).unwrap();
        loaded.set_state(l.state()).unwrap();
        assert_eq!(loaded.model_span, Some((lo, hi)));
    }

    /// Whether the model moves the optimum is cached per fit: another
    /// fit's verdict is recomputed, not reused (cargo-mutants: the key
    /// comparison's == to != survived).
    #[test]
    fn moves_optimum_recomputes_for_another_fit() {
        let mut l = SmoothTs::new(OmegaGrid::paper_default(), 1).unwrap();
        let fit = sor_model::SorFit {
            scale: 0.9,
            level: 1.0,
            intercept: 0.0,
            form: sor_model::RhoForm::Proportional,
        };
        // One context: the best arm is the same at both ends.
        l.model_span = Some((0.5, 0.5));
        let other = (0, 0, 0, sor_model::RhoForm::Proportional);
        l.model_moves = Some((other, true));
        assert!(!l.moves_optimum(fit), "another fit's verdict was reused");
        // Contexts 0.1 and 0.99: the best arm moves.
        l.model_span = Some((0.1, 0.99));
        l.model_moves = None;
        assert!(l.moves_optimum(fit));
    }

    /// Without mean contexts (a state file written before them) the
    /// model's prediction for a cells entry is made at its cell's centre
    /// (cargo-mutants: the entry's cell e / d as e % d survived).
    #[test]
    fn a_prediction_without_mean_contexts_is_at_the_cells_centre() {
        let grid = OmegaGrid::paper_default();
        let mut l = SmoothTs::new(grid, 1).unwrap();
        l.range = Some((1.0, 65.0));
        l.cell_contexts.clear();
        // rho_J = 0.0235 x: up to 0.975 in cell 40 (centre 41.5), where
        // omega 1.15 and 1.25 are below the optimum and their cost
        // depends on rho_J (above it, SOR's rate is omega - 1).
        let fit = sor_model::SorFit {
            scale: 0.0235,
            level: 1.0,
            intercept: 0.0,
            form: sor_model::RhoForm::Proportional,
        };
        let d = grid.len();
        for e in [40 * d + 3, 38 * d + 5] {
            let centre = 1.0 + ((e / d) as f64 + 0.5);
            let want = fit.predict(centre, grid.omega(e % d));
            assert_eq!(
                l.cached_prediction(fit, e).to_bits(),
                want.to_bits(),
                "entry {e}"
            );
        }
    }

    /// Both code paths refuse a matrix that is not positive definite: a
    /// negative, zero, infinite or NaN pivot (cargo-mutants: the portable
    /// path's && to || survived, the dispatched one was the only one
    /// tested on such a matrix).
    #[test]
    fn both_factorisations_refuse_a_bad_pivot() {
        let bad: [[f64; 4]; 5] = [
            [1.0, 2.0, 2.0, 1.0],           // second pivot -3
            [1.0, 1.0, 1.0, 1.0],           // second pivot 0
            [-1.0, 0.0, 0.0, 1.0],          // first pivot -1
            [f64::INFINITY, 0.0, 0.0, 1.0], // infinite pivot
            [1.0, 0.0, 0.0, f64::NAN],      // NaN pivot
        ];
        for a in bad {
            assert!(!cholesky_with(&mut a.clone(), 2, subtract_scaled), "{a:?}");
            assert!(!cholesky(&mut a.clone(), 2), "{a:?}");
        }
        assert!(cholesky_with(&mut [1.0, 0.5, 0.5, 1.0], 2, subtract_scaled));
        // 5 x 5: a bad pivot in a column whose rows from the diagonal
        // fill a whole vector (column 2) and in one whose do not (4);
        // 20 x 20: the default grid's factor, with its columns written out.
        let cases = [
            (5, 2, -1.0),
            (5, 2, f64::INFINITY),
            (5, 2, f64::NAN),
            (5, 4, 0.0),
            (5, 4, f64::INFINITY),
            (DEFAULT_ARMS, 0, f64::NAN),
            (DEFAULT_ARMS, 6, -1.0),
            (DEFAULT_ARMS, 19, f64::INFINITY),
        ];
        for (d, k, bad) in cases {
            let mut a = vec![0.0; d * d];
            for i in 0..d {
                a[i * d + i] = 1.0;
            }
            a[k * d + k] = bad;
            assert!(
                !cholesky_with(&mut a.clone(), d, subtract_scaled),
                "{d}, {k}: {bad}"
            );
            assert!(!cholesky(&mut a.clone(), d), "{d}, {k}: {bad}");
        }
    }
}
