//! Online learners that pick omega from a grid, one solve at a time.
//!
//! A learner sees only a scalar context per solve (optional) and the cost
//! (iteration count) of the solve that used its choice. All learners hold a
//! seeded, portable random stream ([`rand_chacha::ChaCha8Rng`]), so the same
//! seed gives the same omega sequence on every platform, and use O(1) time
//! and memory per round, independent of how many rounds came before.
//!
//! - [`Fixed`]: always the same omega (the baseline, and a user's override).
//! - [`TsallisInf`]: adversarial bandit over the grid, no context.
//! - [`TsallisInfCb`]: one Tsallis-INF per context bin.
//! - [`ChebCb`]: SquareCB with Chebyshev features of the context.
//! - [`SmoothTs`]: Thompson sampling on a smooth model of log-cost over the
//!   ordered grid, per context cell when a context is given.

mod chebcb;
mod fixed;
mod rng;
mod smooth_ts;
mod sor_model;
mod tsallis;
mod tsallis_cb;

pub use chebcb::{ChebCb, ChebCbParams, ChebCbTarget};
pub use fixed::Fixed;
pub use rng::{LearnerRng, RngState};
pub use smooth_ts::{SmoothTs, SmoothTsParams, SmoothTsState};
pub use sor_model::{RhoForm, SorAlternative, SorFit, SorModelState};
pub use tsallis::TsallisInf;
pub use tsallis_cb::TsallisInfCb;

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Which learner a preconditioner runs. Values are part of the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearnerKind {
    /// Always the configured omega.
    Fixed = 0,
    /// Tsallis-INF bandit over the omega grid (the paper's learner).
    TsallisInf = 1,
    /// ChebCB contextual bandit (Chebyshev features of the context).
    ChebCb = 2,
    /// Tsallis-INF per context bin.
    TsallisInfCb = 3,
    /// Thompson sampling on a smooth log-cost model over the ordered grid
    /// (context optional; the default: fewest iterations in the benchmarks).
    SmoothTs = 4,
}

impl LearnerKind {
    /// Short lower-case name used in options, views and state files.
    pub fn name(self) -> &'static str {
        match self {
            LearnerKind::Fixed => "fixed",
            LearnerKind::TsallisInf => "tsallis",
            LearnerKind::ChebCb => "chebcb",
            LearnerKind::TsallisInfCb => "tsallis_cb",
            LearnerKind::SmoothTs => "smooth_ts",
        }
    }

    /// Parse the names of [`LearnerKind::name`] (also accepts `tsallis_inf`, `tsallis_inf_cb`).
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "fixed" => Ok(LearnerKind::Fixed),
            "tsallis" | "tsallis_inf" => Ok(LearnerKind::TsallisInf),
            "chebcb" => Ok(LearnerKind::ChebCb),
            "tsallis_cb" | "tsallis_inf_cb" => Ok(LearnerKind::TsallisInfCb),
            "smooth_ts" => Ok(LearnerKind::SmoothTs),
            other => Err(Error::InvalidArgument {
                what: "learner",
                detail: format!(
                    "unknown learner '{other}' (expected fixed, tsallis, chebcb, tsallis_cb or smooth_ts)"
                ),
            }),
        }
    }
}

/// An evenly spaced grid of candidate omegas (the bandit's arms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OmegaGrid {
    lo: f64,
    hi: f64,
    count: usize,
}

impl OmegaGrid {
    /// Largest grid accepted (keeps per-round cost bounded).
    pub const MAX_COUNT: i64 = 10_000;

    /// `count` evenly spaced values from `lo` to `hi` inclusive; a single
    /// point grid (`count == 1`) is `lo` and needs `lo == hi` or `lo < hi`.
    pub fn new(lo: f64, hi: f64, count: i64) -> Result<Self> {
        if !(1..=Self::MAX_COUNT).contains(&count) {
            return Err(Error::InvalidGridSize(count));
        }
        if !(lo.is_finite() && hi.is_finite()) || lo <= 0.0 || hi >= 2.0 {
            return Err(Error::InvalidRange {
                what: "omega grid",
                lo,
                hi,
                extra: " inside (0, 2)",
            });
        }
        if lo > hi || (lo == hi && count > 1) {
            return Err(Error::InvalidRange {
                what: "omega grid",
                lo,
                hi,
                extra: " inside (0, 2)",
            });
        }
        Ok(Self {
            lo,
            hi,
            count: count as usize,
        })
    }

    /// The paper's default: 20 values on [1.0, 1.95].
    pub fn paper_default() -> Self {
        Self {
            lo: 1.0,
            hi: 1.95,
            count: 20,
        }
    }

    /// A one-point grid (the fixed learner).
    pub fn single(omega: f64) -> Result<Self> {
        check_omega(omega)?;
        Ok(Self {
            lo: omega,
            hi: omega,
            count: 1,
        })
    }

    pub fn lo(&self) -> f64 {
        self.lo
    }
    pub fn hi(&self) -> f64 {
        self.hi
    }
    pub fn len(&self) -> usize {
        self.count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The omega of arm `i` (0-based). The last arm is `hi` exactly (as
    /// MATLAB's linspace): the interpolation formula can round it past
    /// `hi`, e.g. to 2.0 for hi = 2 - 2^-52.
    pub fn omega(&self, i: usize) -> f64 {
        if self.count == 1 {
            self.lo
        } else if i + 1 == self.count {
            self.hi
        } else {
            self.lo + (self.hi - self.lo) * i as f64 / (self.count - 1) as f64
        }
    }

    /// All omegas, in arm order.
    pub fn values(&self) -> Vec<f64> {
        (0..self.count).map(|i| self.omega(i)).collect()
    }
}

/// Check 0 < omega < 2 (and finite).
pub fn check_omega(omega: f64) -> Result<()> {
    if omega.is_finite() && omega > 0.0 && omega < 2.0 {
        Ok(())
    } else {
        Err(Error::InvalidOmega(omega))
    }
}

/// The declared range of the scalar context; contexts outside are clamped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContextRange {
    lo: f64,
    hi: f64,
}

impl ContextRange {
    pub fn new(lo: f64, hi: f64) -> Result<Self> {
        // The width must be finite too: rescaling divides by it.
        if lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite() {
            Ok(Self { lo, hi })
        } else {
            Err(Error::InvalidRange {
                what: "context",
                lo,
                hi,
                extra: "",
            })
        }
    }
    pub fn lo(&self) -> f64 {
        self.lo
    }
    pub fn hi(&self) -> f64 {
        self.hi
    }
    /// Map a context to [-1, 1], clamping outside values; `None` (no
    /// context) maps to the centre of the range.
    pub fn rescale(&self, context: Option<f64>) -> f64 {
        match context {
            Some(c) if !c.is_nan() => {
                let t = 2.0 * (c - self.lo) / (self.hi - self.lo) - 1.0;
                t.clamp(-1.0, 1.0)
            }
            _ => 0.0,
        }
    }
}

impl Default for ContextRange {
    fn default() -> Self {
        Self { lo: 0.0, hi: 1.0 }
    }
}

/// Everything needed to build a learner; also the identity a state file is
/// checked against on load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerConfig {
    pub kind: LearnerKind,
    /// Arms of the bandit learners.
    pub grid: OmegaGrid,
    /// omega of the fixed learner.
    pub fixed_omega: f64,
    /// Range of the scalar context (contextual learners only).
    pub context_range: ContextRange,
    /// Seed of the learner's random stream.
    pub seed: u64,
    /// Number of context bins of Tsallis-INF-CB.
    pub context_bins: usize,
    /// Number of Chebyshev features of ChebCB (T_0..T_{m-1}).
    pub chebyshev_features: usize,
}

/// The default learner is SmoothTS: in tens to thousands of solves it pays
/// less than Tsallis-INF on every sequence measured (BENCHMARKS.md); the
/// paper's learners stay selectable by kind.
impl Default for LearnerConfig {
    fn default() -> Self {
        Self {
            kind: LearnerKind::SmoothTs,
            grid: OmegaGrid::paper_default(),
            fixed_omega: 1.0,
            context_range: ContextRange::default(),
            seed: 0,
            context_bins: 10,
            chebyshev_features: 6,
        }
    }
}

impl LearnerConfig {
    /// Build the learner this configuration describes.
    pub fn build(&self) -> Result<Box<dyn Learner>> {
        Ok(match self.kind {
            LearnerKind::Fixed => Box::new(Fixed::new(self.fixed_omega)?),
            LearnerKind::TsallisInf => Box::new(TsallisInf::new(self.grid, self.seed)),
            LearnerKind::TsallisInfCb => Box::new(TsallisInfCb::new(
                self.grid,
                self.context_range,
                self.context_bins,
                self.seed,
            )?),
            LearnerKind::ChebCb => Box::new(ChebCb::new(
                self.grid,
                self.context_range,
                self.chebyshev_features,
                self.seed,
            )?),
            LearnerKind::SmoothTs => Box::new(SmoothTs::new(self.grid, self.seed)?),
        })
    }
}

/// An online learner of omega: choose an arm for a solve, then observe
/// that solve's cost.
///
/// Protocol: `choose` then `observe`, alternating. `observe` without a
/// preceding `choose` is ignored by learners (the preconditioner reports
/// it as an error before it gets here). Costs passed to `observe` are
/// finite and >= 0 (the preconditioner turns failed solves into a
/// penalty before calling).
///
/// `Sync` because the C ABI lets threads call the read-only functions
/// (`const bsor_pc *`) on one handle at once: a learner holds no interior
/// mutability.
pub trait Learner: Send + Sync + std::fmt::Debug {
    /// Which learner this is.
    fn kind(&self) -> LearnerKind;

    /// The arms.
    fn grid(&self) -> &OmegaGrid;

    /// Pick the arm for the next solve; `context` is `None` when the host
    /// gives none (contextual learners then use the centre of the range).
    fn choose(&mut self, context: Option<f64>) -> usize;

    /// Feed back the cost of the solve that used the last chosen arm.
    fn observe(&mut self, cost: f64);

    /// The arm the learner currently favours for this context (highest
    /// probability or lowest predicted cost), for views and reports.
    fn favourite(&self, context: Option<f64>) -> usize;

    /// Rounds observed so far.
    fn rounds(&self) -> u64;

    /// The learner's whole mutable state (including the random stream
    /// position), for persistence.
    fn save_state(&self) -> serde_json::Value;

    /// Replace the state with one produced by `save_state` of a learner of
    /// the same configuration. On error the learner is unchanged.
    fn load_state(&mut self, state: &serde_json::Value) -> Result<()>;
}

/// A learner's state struct as saved: JSON through its serde derive.
pub(crate) fn state_to_json<T: Serialize>(state: &T) -> serde_json::Value {
    serde_json::to_value(state).expect("learner states are plain numbers and strings")
}

/// Length check of a saved per-arm (or per-entry) vector: `Err` with the
/// detail "'field' has len unit, learner has learner_has" (the wording
/// every learner's state check uses) when `len` is not `expected`.
pub(crate) fn check_length(
    field: &str,
    len: usize,
    unit: &str,
    expected: usize,
    learner_has: impl std::fmt::Display,
) -> std::result::Result<(), String> {
    if len == expected {
        Ok(())
    } else {
        Err(format!(
            "'{field}' has {len} {unit}, learner has {learner_has}"
        ))
    }
}

/// A learner's state struct from saved JSON (to be validated by the
/// learner before it replaces anything); `what` names the learner.
pub(crate) fn state_from_json<T: DeserializeOwned>(
    what: &'static str,
    state: &serde_json::Value,
) -> Result<T> {
    T::deserialize(state).map_err(|e| Error::InvalidArgument {
        what,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learner_names_parse_back() {
        for (kind, name) in [
            (LearnerKind::Fixed, "fixed"),
            (LearnerKind::TsallisInf, "tsallis"),
            (LearnerKind::ChebCb, "chebcb"),
            (LearnerKind::TsallisInfCb, "tsallis_cb"),
            (LearnerKind::SmoothTs, "smooth_ts"),
        ] {
            assert_eq!(kind.name(), name);
            assert_eq!(LearnerKind::from_name(name).unwrap(), kind);
        }
        assert_eq!(
            LearnerKind::from_name("tsallis_inf").unwrap(),
            LearnerKind::TsallisInf
        );
        assert_eq!(
            LearnerKind::from_name("tsallis_inf_cb").unwrap(),
            LearnerKind::TsallisInfCb
        );
        match LearnerKind::from_name("Fixed") {
            Err(Error::InvalidArgument { what, detail }) => assert_eq!(
                format!("{what}: {detail}"),
                "learner: unknown learner 'Fixed' (expected fixed, tsallis, chebcb, tsallis_cb or smooth_ts)"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_grid_reports_its_ends_and_size() {
        let g = OmegaGrid::new(0.8, 1.6, 5).unwrap();
        assert_eq!(
            (g.lo(), g.hi(), g.len(), g.is_empty()),
            (0.8, 1.6, 5, false)
        );
        for (v, want) in g.values().into_iter().zip([0.8, 1.0, 1.2, 1.4, 1.6]) {
            assert!((v - want).abs() < 1e-15, "{v} vs {want}");
        }
        let one = OmegaGrid::single(1.3).unwrap();
        assert_eq!(
            (one.lo(), one.hi(), one.len(), one.is_empty()),
            (1.3, 1.3, 1, false)
        );
        assert_eq!(one.values(), vec![1.3]);
    }

    #[test]
    fn omegas_must_lie_strictly_between_0_and_2() {
        for bad in [
            0.0,
            -0.5,
            2.0,
            2.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            match check_omega(bad) {
                Err(Error::InvalidOmega(w)) => assert!(w.to_bits() == bad.to_bits()),
                other => panic!("omega {bad} accepted: {other:?}"),
            }
            assert!(OmegaGrid::single(bad).is_err());
        }
        for good in [f64::MIN_POSITIVE, 1.0, 2.0 - f64::EPSILON] {
            check_omega(good).unwrap();
        }
    }

    #[test]
    fn a_context_range_reports_its_ends() {
        let r = ContextRange::new(-3.0, 5.0).unwrap();
        assert_eq!((r.lo(), r.hi()), (-3.0, 5.0));
        assert_eq!(r.rescale(Some(1.0)), 0.0);
        assert_eq!(r.rescale(Some(-3.0)), -1.0);
    }
}
