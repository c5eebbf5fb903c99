//! The learners' random stream: ChaCha8 (portable, reproducible on every
//! platform) with a position that can be saved and restored exactly.

use crate::error::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
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

    /// A standard normal draw: the Ziggurat method (Marsaglia and Tsang,
    /// as rand_distr's `StandardNormal`), exact in distribution, one
    /// 64-bit word of the stream for about 99 % of the draws. Box-Muller
    /// (two uniforms, a logarithm, a square root and a cosine per draw)
    /// was a quarter of SmoothTS's round.
    #[inline]
    pub fn standard_normal(&mut self) -> f64 {
        self.rng.sample(StandardNormal)
    }

    /// Sample an index from probabilities `p` (non-negative, summing to
    /// about 1) by inverting the cumulative sum; rounding slack falls on
    /// the last arm with positive probability.
    pub fn sample(&mut self, p: &[f64]) -> usize {
        let u = self.uniform();
        sample_at(p, u)
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

/// The index [`LearnerRng::sample`] draws for the uniform number `u`: the
/// first i whose cumulative probability exceeds u, so an arm of
/// probability 0 is never drawn; if rounding leaves u above the total, the
/// last arm with positive probability.
fn sample_at(p: &[f64], u: f64) -> usize {
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

#[cfg(test)]
mod tests {

    #[test]
    fn sample_skips_zero_probability_arms_and_gives_the_slack_to_the_last_positive() {
        // u = 0 must not draw an arm of probability 0 (u <= acc would).
        assert_eq!(sample_at(&[0.0, 1.0], 0.0), 1);
        assert_eq!(sample_at(&[0.0, 0.0, 0.5, 0.5], 0.0), 2);
        // Inversion of the cumulative sum.
        assert_eq!(sample_at(&[0.25, 0.5, 0.25], 0.2), 0);
        assert_eq!(sample_at(&[0.25, 0.5, 0.25], 0.25), 1);
        assert_eq!(sample_at(&[0.25, 0.5, 0.25], 0.8), 2);
        // Probabilities summing below u (rounding slack): the last arm
        // with positive probability, not a trailing zero, not the first.
        assert_eq!(sample_at(&[0.5, 0.3, 0.0], 0.9), 1);
        assert_eq!(sample_at(&[0.0, 0.0], 0.5), 0);
    }
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

    /// The normal draws have a standard normal's mean, variance, symmetry
    /// and tail masses (200,000 draws of a fixed seed; the bounds are 4 to
    /// 5 standard errors): catches a uniform or rescaled draw and a broken
    /// Ziggurat tail (|z| > 3.65 is drawn by a separate branch).
    #[test]
    fn standard_normal_has_the_normal_moments_and_tails() {
        let mut r = LearnerRng::new(5);
        let n = 200_000;
        let z: Vec<f64> = (0..n).map(|_| r.standard_normal()).collect();
        let n = n as f64;
        let mean = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        let beyond = |t: f64| z.iter().filter(|x| x.abs() > t).count() as f64 / n;
        let positive = z.iter().filter(|x| **x > 0.0).count() as f64 / n;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "variance {var}");
        assert!((positive - 0.5).abs() < 0.005, "P(z > 0) = {positive}");
        // P(|z| > 1.96) = 0.0500, P(|z| > 3) = 0.0027, P(|z| > 3.7) = 0.000216.
        assert!((beyond(1.96) - 0.05).abs() < 0.0025, "{}", beyond(1.96));
        assert!((beyond(3.0) - 0.0027).abs() < 0.0006, "{}", beyond(3.0));
        assert!((beyond(3.7) - 0.000216).abs() < 0.00015, "{}", beyond(3.7));
    }

    #[test]
    fn save_load_continues_the_normal_draws() {
        let mut a = LearnerRng::new(9);
        for _ in 0..5 {
            a.standard_normal();
        }
        a.uniform();
        let mut b = LearnerRng::load(&a.save()).unwrap();
        for _ in 0..50 {
            assert_eq!(a.standard_normal().to_bits(), b.standard_normal().to_bits());
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
