//! Tsallis-INF-CB: the context interval is split into bins and each bin
//! runs its own Tsallis-INF; a round uses the bin whose centre is nearest
//! the (clamped) context. O(d) time per round, O(bins * d) memory.

use super::tsallis::TsallisCore;
use super::{
    state_from_json, state_to_json, ContextRange, Learner, LearnerKind, LearnerRng, OmegaGrid,
    RngState,
};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// One Tsallis-INF per context bin, sharing one random stream.
#[derive(Debug, Clone)]
pub struct TsallisInfCb {
    grid: OmegaGrid,
    range: ContextRange,
    bins: Vec<TsallisCore>,
    /// Bin of the round in flight.
    pending_bin: Option<usize>,
    rng: LearnerRng,
    /// Probability buffer reused every round (no per-round allocation).
    scratch: Vec<f64>,
}

impl TsallisInfCb {
    /// `bins` must be in 1..=10000.
    pub fn new(grid: OmegaGrid, range: ContextRange, bins: usize, seed: u64) -> Result<Self> {
        if !(1..=10_000).contains(&bins) {
            return Err(Error::InvalidArgument {
                what: "context_bins",
                detail: format!("{bins} bins; need 1 to 10000"),
            });
        }
        Ok(Self {
            grid,
            range,
            bins: vec![TsallisCore::new(grid.len()); bins],
            pending_bin: None,
            rng: LearnerRng::new(seed),
            scratch: vec![0.0; grid.len()],
        })
    }

    /// Bin whose centre is nearest the context (centres at bin midpoints of
    /// the rescaled interval [-1, 1]).
    pub fn bin_of(&self, context: Option<f64>) -> usize {
        let m = self.bins.len();
        let t = (self.range.rescale(context) + 1.0) / 2.0; // in [0, 1]
        ((t * m as f64).floor() as usize).min(m - 1)
    }
}

impl Learner for TsallisInfCb {
    fn kind(&self) -> LearnerKind {
        LearnerKind::TsallisInfCb
    }
    fn grid(&self) -> &OmegaGrid {
        &self.grid
    }
    fn choose(&mut self, context: Option<f64>) -> usize {
        let b = self.bin_of(context);
        self.pending_bin = Some(b);
        self.bins[b].choose(&mut self.rng, &mut self.scratch)
    }
    fn observe(&mut self, cost: f64) {
        if let Some(b) = self.pending_bin.take() {
            self.bins[b].observe(cost);
        }
    }
    fn favourite(&self, context: Option<f64>) -> usize {
        self.bins[self.bin_of(context)].favourite()
    }
    fn rounds(&self) -> u64 {
        // Saturating: bins loaded near the top of the range must not overflow.
        self.bins
            .iter()
            .fold(0u64, |sum, b| sum.saturating_add(b.rounds()))
    }
    fn save_state(&self) -> serde_json::Value {
        state_to_json(&TsallisInfCbState {
            bins: self.bins.clone(),
            pending_bin: self.pending_bin,
            rng: self.rng.state(),
        })
    }
    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        let state: TsallisInfCbState = state_from_json("tsallis_cb state", state)?;
        let bad = |detail: String| Error::InvalidArgument {
            what: "tsallis_cb state",
            detail,
        };
        if state.bins.len() != self.bins.len() {
            return Err(bad(format!(
                "state has {} bins, learner has {}",
                state.bins.len(),
                self.bins.len()
            )));
        }
        for bin in &state.bins {
            bin.validate(self.grid.len())?;
        }
        if state.pending_bin.is_some_and(|b| b >= state.bins.len()) {
            return Err(bad("'pending_bin' out of range".into()));
        }
        let rng = LearnerRng::from_state(&state.rng)?;
        self.bins = state.bins;
        self.pending_bin = state.pending_bin;
        self.rng = rng;
        Ok(())
    }
}

/// Tsallis-INF-CB's saved state: one bandit per bin, the bin of the round
/// in flight and the random stream position.
#[derive(Debug, Serialize, Deserialize)]
struct TsallisInfCbState {
    bins: Vec<TsallisCore>,
    #[serde(default)]
    pending_bin: Option<usize>,
    rng: RngState,
}
