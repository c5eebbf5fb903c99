//! The fixed learner: always the same omega. The baseline every learned
//! run is compared against, and the way a user pins omega.

use super::{Learner, LearnerKind, OmegaGrid};
use crate::error::Result;
use serde_json::json;

/// Always plays its single omega; counts rounds for statistics.
#[derive(Debug, Clone)]
pub struct Fixed {
    grid: OmegaGrid,
    rounds: u64,
}

impl Fixed {
    /// Errors with [`crate::Error::InvalidOmega`] unless 0 < omega < 2.
    pub fn new(omega: f64) -> Result<Self> {
        Ok(Self {
            grid: OmegaGrid::single(omega)?,
            rounds: 0,
        })
    }
}

impl Learner for Fixed {
    fn kind(&self) -> LearnerKind {
        LearnerKind::Fixed
    }
    fn grid(&self) -> &OmegaGrid {
        &self.grid
    }
    fn choose(&mut self, _context: Option<f64>) -> usize {
        0
    }
    fn observe(&mut self, _cost: f64) {
        // Saturating: a loaded state may sit at the top of the range.
        self.rounds = self.rounds.saturating_add(1);
    }
    fn favourite(&self, _context: Option<f64>) -> usize {
        0
    }
    fn rounds(&self) -> u64 {
        self.rounds
    }
    fn save_state(&self) -> serde_json::Value {
        json!({ "rounds": self.rounds })
    }
    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        let rounds = state
            .get("rounds")
            .and_then(|r| r.as_u64())
            .ok_or_else(|| crate::Error::InvalidArgument {
                what: "fixed learner state",
                detail: "missing 'rounds'".into(),
            })?;
        self.rounds = rounds;
        Ok(())
    }
}
