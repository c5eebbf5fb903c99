//! The learners' random stream: ChaCha8 (portable, reproducible on every
//! platform) with a position that can be saved and restored exactly.

use crate::error::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Seeded random stream whose position survives a save/load round trip.
#[derive(Debug, Clone)]
pub struct LearnerRng {
    seed: u64,
    rng: ChaCha8Rng,
}

impl LearnerRng {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// Sample an index from probabilities `p` (non-negative, summing to
    /// about 1) by inverting the cumulative sum; rounding slack falls on
    /// the last arm with positive probability.
    pub fn sample(&mut self, p: &[f64]) -> usize {
        let u = self.uniform();
        let mut acc = 0.0;
        let mut last_positive = 0;
        for (i, &pi) in p.iter().enumerate() {
            if pi > 0.0 {
                last_positive = i;
            }
            acc += pi;
            if u < acc {
                return i;
            }
        }
        last_positive
    }

    /// The stream's position: seed and word position.
    pub fn state(&self) -> RngState {
        RngState {
            seed: self.seed,
            word_pos: self.rng.get_word_pos().to_string(),
        }
    }

    /// The stream at a position taken by [`LearnerRng::state`].
    pub fn from_state(state: &RngState) -> Result<Self> {
        let word_pos: u128 = state.word_pos.parse().map_err(|_| Error::InvalidArgument {
            what: "random stream state",
            detail: format!("word_pos '{}' is not an integer", state.word_pos),
        })?;
        let mut rng = ChaCha8Rng::seed_from_u64(state.seed);
        rng.set_word_pos(word_pos);
        Ok(Self {
            seed: state.seed,
            rng,
        })
    }

    /// [`LearnerRng::state`] as JSON.
    pub fn save(&self) -> serde_json::Value {
        serde_json::to_value(self.state()).expect("a seed and a string always serialise")
    }

    /// Parse a position saved by [`LearnerRng::save`].
    pub fn load(v: &serde_json::Value) -> Result<Self> {
        let state = RngState::deserialize(v).map_err(|e| Error::InvalidArgument {
            what: "random stream state",
            detail: e.to_string(),
        })?;
        Self::from_state(&state)
    }
}

/// A random stream's position as stored in state files: the seed and the
/// word position (a u128, kept as a decimal string: JSON numbers are not
/// exact beyond 2^53).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RngState {
    pub seed: u64,
    pub word_pos: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_continues_the_same_stream() {
        let mut a = LearnerRng::new(42);
        for _ in 0..7 {
            a.uniform();
        }
        let mut b = LearnerRng::load(&a.save()).unwrap();
        for _ in 0..20 {
            assert_eq!(a.uniform().to_bits(), b.uniform().to_bits());
        }
    }

    #[test]
    fn sample_follows_probabilities() {
        let mut r = LearnerRng::new(1);
        let p = [0.1, 0.0, 0.6, 0.3];
        let mut counts = [0usize; 4];
        for _ in 0..20_000 {
            counts[r.sample(&p)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            (counts[2] as f64 / 20_000.0 - 0.6).abs() < 0.02,
            "{counts:?}"
        );
        assert!(
            (counts[0] as f64 / 20_000.0 - 0.1).abs() < 0.02,
            "{counts:?}"
        );
    }
}
