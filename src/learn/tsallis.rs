//! Tsallis-INF (1/2-Tsallis entropy, implicitly normalised) over the omega
//! grid, as the paper's experiments run it: step eta_t = 2/sqrt(t), a
//! running loss scale, a Newton normaliser and importance-weighted loss
//! estimates. O(d) time and memory per round.

use super::{
    check_length, state_from_json, state_to_json, Learner, LearnerKind, LearnerRng, OmegaGrid,
    RngState,
};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Costs are clamped to this before they enter the statistics.
const MAX_COST: f64 = 1e15;

/// Tsallis-INF bandit over a grid of omegas.
#[derive(Debug, Clone)]
pub struct TsallisInf {
    grid: OmegaGrid,
    /// The bandit state proper (shared with the per-bin copies of
    /// Tsallis-INF-CB).
    core: TsallisCore,
    rng: LearnerRng,
    /// Probabilities of the current round (scratch, not state).
    scratch: Vec<f64>,
}

/// Arm statistics and the probability rule, without grid or random
/// stream, so that a contextual wrapper can keep one per bin. Saved as is
/// (serde derive) and checked by [`TsallisCore::validate`] on load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TsallisCore {
    /// Importance-weighted cumulative loss estimate per arm (raw units).
    cumulative: Vec<f64>,
    /// Rounds observed.
    rounds: u64,
    /// Sum of observed losses (for the running loss scale).
    loss_sum: f64,
    /// Arm and its probability of the round in flight.
    #[serde(default)]
    pending: Option<(usize, f64)>,
}

impl TsallisCore {
    pub(crate) fn new(arms: usize) -> Self {
        Self {
            cumulative: vec![0.0; arms],
            rounds: 0,
            loss_sum: 0.0,
            pending: None,
        }
    }

    pub(crate) fn rounds(&self) -> u64 {
        self.rounds
    }

    /// Running loss scale: mean observed loss minus 1, kept positive.
    fn scale(&self) -> f64 {
        if self.rounds == 0 {
            return 1.0;
        }
        (self.loss_sum / self.rounds as f64 - 1.0).max(1.0)
    }

    /// Sampling probabilities for the next round, written into `p`.
    pub(crate) fn probabilities(&self, p: &mut [f64]) {
        let d = self.cumulative.len();
        debug_assert_eq!(p.len(), d);
        let t = self.rounds.saturating_add(1) as f64;
        let eta = 2.0 / t.sqrt();
        let s = self.scale();
        // Scaled cumulative losses L_i = k_i / s, kept in `p` while the
        // normaliser is found.
        let mut min_loss = f64::INFINITY;
        for (li, &k) in p.iter_mut().zip(&self.cumulative) {
            *li = k / s;
            min_loss = min_loss.min(*li);
        }
        // f(x) = sum_i 4 / (eta (L_i - x))^2 - 1 is convex and increasing
        // for x < min L; from x0 = min L - 2/eta (where f >= 0) Newton
        // descends monotonically onto the root. With g_i = 1 / (eta (L_i -
        // x)): p_i = 4 g_i^2 and f'(x) = sum_i 8 eta g_i^3 = eta sum p_i^1.5.
        let mut x = min_loss - 2.0 / eta;
        for _ in 0..60 {
            let mut sum = 0.0;
            let mut slope = 0.0;
            for &li in p.iter() {
                let g = 1.0 / (eta * (li - x));
                let g2 = g * g;
                sum += g2;
                slope += g2 * g;
            }
            let f = 4.0 * sum - 1.0;
            let slope = 8.0 * eta * slope;
            if f.abs() < 1e-12 || slope <= 0.0 || !slope.is_finite() {
                break;
            }
            x -= f / slope;
        }
        for pi in p.iter_mut() {
            let gap = eta * (*pi - x);
            *pi = 4.0 / (gap * gap);
        }
        let total: f64 = p.iter().sum();
        if total.is_finite() && total > 0.0 {
            p.iter_mut().for_each(|pi| *pi /= total);
        } else {
            p.iter_mut().for_each(|pi| *pi = 1.0 / d as f64);
        }
    }

    /// Choose an arm with the probabilities of [`Self::probabilities`].
    pub(crate) fn choose(&mut self, rng: &mut LearnerRng, p: &mut [f64]) -> usize {
        self.probabilities(p);
        let arm = rng.sample(p);
        self.pending = Some((arm, p[arm]));
        arm
    }

    /// Importance-weighted update with the loss of the pending arm.
    pub(crate) fn observe(&mut self, cost: f64) {
        let Some((arm, prob)) = self.pending.take() else {
            return;
        };
        // Costs are finite and >= 0 by contract; clamp anyway so that one
        // absurd value cannot turn the statistics into inf/NaN.
        let cost = if cost.is_nan() {
            MAX_COST
        } else {
            cost.clamp(0.0, MAX_COST)
        };
        // Saturating: a loaded state may sit at the top of the range.
        self.rounds = self.rounds.saturating_add(1);
        self.loss_sum += cost;
        self.cumulative[arm] += (cost - 1.0) / prob.max(1e-300);
    }

    pub(crate) fn favourite(&self) -> usize {
        let mut p = vec![0.0; self.cumulative.len()];
        self.probabilities(&mut p);
        argmax(&p)
    }

    /// Whether a saved core can continue a learner with `arms` arms.
    pub(crate) fn validate(&self, arms: usize) -> Result<()> {
        let bad = |detail: String| Error::InvalidArgument {
            what: "tsallis state",
            detail,
        };
        check_length("cumulative", self.cumulative.len(), "arms", arms, arms).map_err(bad)?;
        if self.cumulative.iter().any(|k| !k.is_finite()) {
            return Err(bad("'cumulative' holds a non-finite value".into()));
        }
        if !self.loss_sum.is_finite() {
            return Err(bad("non-finite 'loss_sum'".into()));
        }
        if let Some((a, q)) = self.pending {
            if a >= arms || !(q > 0.0 && q <= 1.0) {
                return Err(bad("'pending' arm or probability out of range".into()));
            }
        }
        Ok(())
    }
}

/// Index of the largest value (first on ties).
pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

impl TsallisInf {
    pub fn new(grid: OmegaGrid, seed: u64) -> Self {
        Self {
            grid,
            core: TsallisCore::new(grid.len()),
            rng: LearnerRng::new(seed),
            scratch: vec![0.0; grid.len()],
        }
    }

    /// Current sampling probabilities (for reports and tests).
    pub fn probabilities(&self) -> Vec<f64> {
        let mut p = vec![0.0; self.grid.len()];
        self.core.probabilities(&mut p);
        p
    }
}

impl Learner for TsallisInf {
    fn kind(&self) -> LearnerKind {
        LearnerKind::TsallisInf
    }
    fn grid(&self) -> &OmegaGrid {
        &self.grid
    }
    fn choose(&mut self, _context: Option<f64>) -> usize {
        self.core.choose(&mut self.rng, &mut self.scratch)
    }
    fn observe(&mut self, cost: f64) {
        self.core.observe(cost);
    }
    fn favourite(&self, _context: Option<f64>) -> usize {
        self.core.favourite()
    }
    fn rounds(&self) -> u64 {
        self.core.rounds()
    }
    fn save_state(&self) -> serde_json::Value {
        state_to_json(&TsallisInfState {
            bandit: self.core.clone(),
            rng: self.rng.state(),
        })
    }
    fn load_state(&mut self, state: &serde_json::Value) -> Result<()> {
        let state: TsallisInfState = state_from_json("tsallis state", state)?;
        state.bandit.validate(self.grid.len())?;
        let rng = LearnerRng::from_state(&state.rng)?;
        self.core = state.bandit;
        self.rng = rng;
        Ok(())
    }
}

/// Tsallis-INF's saved state: the bandit and the random stream position.
#[derive(Debug, Serialize, Deserialize)]
struct TsallisInfState {
    bandit: TsallisCore,
    rng: RngState,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state of the wrong size is refused with the message naming the
    /// field, its size and the learner's, verbatim.
    #[test]
    fn a_state_of_the_wrong_size_is_refused_by_name() {
        let mut core = TsallisCore::new(20);
        core.cumulative.pop();
        match core.validate(20) {
            Err(Error::InvalidArgument { what, detail }) => assert_eq!(
                format!("{what}: {detail}"),
                "tsallis state: 'cumulative' has 19 arms, learner has 20"
            ),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// The round in flight must name an arm of the grid and a probability
    /// in (0, 1] (observe divides by it).
    #[test]
    fn a_pending_round_out_of_range_is_refused() {
        let mut core = TsallisCore::new(4);
        for (arm, q) in [(0, 0.0), (1, -0.5), (2, 1.5), (4, 0.5)] {
            core.pending = Some((arm, q));
            match core.validate(4) {
                Err(Error::InvalidArgument { what, detail }) => assert_eq!(
                    format!("{what}: {detail}"),
                    "tsallis state: 'pending' arm or probability out of range"
                ),
                other => panic!("pending ({arm}, {q}) accepted: {other:?}"),
            }
        }
        for (arm, q) in [(0, 1.0), (3, 1e-300)] {
            core.pending = Some((arm, q));
            core.validate(4).unwrap();
        }
    }

    #[test]
    fn probabilities_sum_to_one_and_favour_cheap_arms() {
        let grid = OmegaGrid::paper_default();
        let mut l = TsallisInf::new(grid, 3);
        for _ in 0..2000 {
            let arm = l.choose(None);
            // Arm 12 is cheapest; cost grows with distance from it.
            let cost = 50.0 + 10.0 * (arm as f64 - 12.0).abs();
            l.observe(cost);
        }
        let p = l.probabilities();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(p.iter().all(|&x| x >= 0.0));
        assert_eq!(l.favourite(None), 12, "{p:?}");
    }

    /// p_i = 4 / (eta (L_i - x))^2 with one normaliser x below every
    /// scaled loss L_i: eta L_i - 2 / sqrt(p_i) = eta x is the same for
    /// all arms (a stray Newton root or an unconverged x breaks it, which
    /// the final division by the total does not hide).
    #[test]
    fn probabilities_are_the_tsallis_inf_distribution() {
        let cases: [(u64, f64, Vec<f64>); 4] = [
            (1, 30.0, vec![58.0, 0.0]),
            (2, 100.0, vec![0.0, 300.0, 45.0]),
            (9, 500.0, vec![10.0, 2000.0, 0.0, 150.0, 800.0]),
            (
                400,
                2e4,
                (0..20).map(|i| 1e3 * ((i as f64) - 7.0).powi(2)).collect(),
            ),
        ];
        for (rounds, loss_sum, cumulative) in cases {
            let d = cumulative.len();
            let core = TsallisCore {
                cumulative: cumulative.clone(),
                rounds,
                loss_sum,
                pending: None,
            };
            let mut p = vec![0.0; d];
            core.probabilities(&mut p);
            let eta = 2.0 / ((rounds + 1) as f64).sqrt();
            let s = loss_sum / rounds as f64 - 1.0;
            let scaled: Vec<f64> = cumulative.iter().map(|k| k / s).collect();
            let eta_x: Vec<f64> = p
                .iter()
                .zip(&scaled)
                .map(|(&pi, &li)| eta * li - 2.0 / pi.sqrt())
                .collect();
            let min_l = scaled.iter().cloned().fold(f64::INFINITY, f64::min);
            for &ex in &eta_x {
                assert!(
                    (ex - eta_x[0]).abs() <= 1e-9 * (1.0 + eta_x[0].abs()),
                    "rounds {rounds}: eta x per arm {eta_x:?}, p {p:?}"
                );
                assert!(ex < eta * min_l, "normaliser above the smallest loss");
            }
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn overflowing_losses_fall_back_to_uniform_and_one_arm_is_certain() {
        // Losses so large that L_i - x rounds to 0: the weights overflow
        // to inf and the round samples uniformly instead.
        let core = TsallisCore {
            cumulative: vec![1e300; 3],
            rounds: 5,
            loss_sum: 100.0,
            pending: None,
        };
        let mut p = vec![0.0; 3];
        core.probabilities(&mut p);
        assert_eq!(p, vec![1.0 / 3.0; 3]);
        // A one-point grid: probability 1, every round.
        let mut l = TsallisInf::new(OmegaGrid::single(1.3).unwrap(), 0);
        for _ in 0..3 {
            assert_eq!(l.probabilities(), vec![1.0]);
            assert_eq!(l.choose(None), 0);
            l.observe(40.0);
        }
        assert_eq!(l.rounds(), 3);
    }

    #[test]
    fn uniform_before_any_round() {
        let l = TsallisInf::new(OmegaGrid::paper_default(), 0);
        for p in l.probabilities() {
            assert!((p - 0.05).abs() < 1e-9);
        }
    }
}
