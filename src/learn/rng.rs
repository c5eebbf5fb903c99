//! The learners' random stream: ChaCha8 (portable, reproducible on every
//! platform) with a position that can be saved and restored exactly.

use crate::error::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

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

    /// Serializable position: seed and word position of the stream.
    pub fn save(&self) -> serde_json::Value {
        json!({ "seed": self.seed, "word_pos": self.rng.get_word_pos().to_string() })
    }

    /// Parse a position saved by [`LearnerRng::save`].
    pub fn load(v: &serde_json::Value) -> Result<Self> {
        let bad = |detail: &str| Error::InvalidArgument {
            what: "random stream state",
            detail: detail.to_string(),
        };
        let seed = v
            .get("seed")
            .and_then(|s| s.as_u64())
            .ok_or_else(|| bad("missing seed"))?;
        let word_pos: u128 = v
            .get("word_pos")
            .and_then(|w| w.as_str())
            .ok_or_else(|| bad("missing word_pos"))?
            .parse()
            .map_err(|_| bad("word_pos is not an integer"))?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_word_pos(word_pos);
        Ok(Self { seed, rng })
    }
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
