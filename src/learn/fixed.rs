//! The fixed learner: always the same omega. The baseline every learned
//! run is compared against, and the way a user pins omega.

use super::{state_from_json, state_to_json, Learner, LearnerKind, OmegaGrid};
use crate::error::Result;
use serde::{Deserialize, Serialize};

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
        state_to_json(&FixedState {
            rounds: self.rounds,
        })
    }
    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        let state: FixedState = state_from_json("fixed learner state", state)?;
        self.rounds = state.rounds;
        Ok(())
    }
}

/// The fixed learner's saved state: its round counter.
#[derive(Debug, Serialize, Deserialize)]
struct FixedState {
    rounds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_its_one_omega_and_counts_rounds() {
        let mut fixed = Fixed::new(1.7).unwrap();
        assert_eq!(fixed.kind(), LearnerKind::Fixed);
        assert_eq!(fixed.grid().len(), 1);
        assert_eq!(fixed.grid().omega(0), 1.7);
        assert_eq!(fixed.rounds(), 0);
        for round in 1..=3u64 {
            assert_eq!(fixed.choose(Some(0.5)), 0);
            fixed.observe(10.0);
            assert_eq!(fixed.rounds(), round);
            assert_eq!(fixed.favourite(None), 0);
        }
        let mut restored = Fixed::new(1.7).unwrap();
        restored.load_state(&fixed.save_state()).unwrap();
        assert_eq!(restored.rounds(), 3);
    }
}
