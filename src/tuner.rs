//! The learning object: [`OmegaTuner`] owns a learner, its configuration,
//! the round in flight, the failure cost and the solve statistics, and
//! runs the host-solver protocol `presolve(context) -> omega`,
//! `postsolve(iterations, converged)` plus persistence.
//!
//! It knows nothing of operators or sweeps: [`crate::Preconditioner`]
//! pairs it with an operator, the C ABI reaches it through the
//! preconditioner, and the PETSc plugin, which sweeps PETSc's own arrays,
//! holds one directly. Its omega is the one current omega of all three.

use crate::error::{Error, Result};
use crate::learn::{check_omega, ContextRange, Learner, LearnerConfig, LearnerKind, OmegaGrid};
use std::path::Path;

/// Counters over the solves a tuner has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SolveStats {
    /// Completed solves (postsolve calls).
    pub solves: u64,
    /// Sum of reported iteration counts.
    pub total_iterations: u64,
    /// Solves reported as not converged.
    pub failed_solves: u64,
    /// Largest iteration count of a converged solve (sets the default
    /// penalty of failed solves).
    pub max_converged_iterations: u64,
}

/// Picks omega per solve with a learner and learns from each solve's cost.
#[derive(Debug)]
pub struct OmegaTuner {
    config: LearnerConfig,
    learner: Box<dyn Learner>,
    /// The current omega: the last presolve's choice, or one set with
    /// [`Self::use_omega`].
    omega: f64,
    /// A presolve is waiting for its postsolve.
    in_flight: bool,
    failure_cost: Option<f64>,
    stats: SolveStats,
}

impl Default for OmegaTuner {
    fn default() -> Self {
        Self::new()
    }
}

impl OmegaTuner {
    /// Tsallis-INF on the paper's grid (20 omegas on [1, 1.95]), seed 0.
    pub fn new() -> Self {
        let config = LearnerConfig::default();
        let learner = config.build().expect("default learner config is valid");
        Self {
            omega: config.grid.omega(0),
            config,
            learner,
            in_flight: false,
            failure_cost: None,
            stats: SolveStats::default(),
        }
    }

    /// Build from a full learner configuration (validated).
    pub fn with_config(config: LearnerConfig) -> Result<Self> {
        let mut tuner = Self::new();
        tuner.reconfigure(config)?;
        Ok(tuner)
    }

    // ----- settings -------------------------------------------------

    /// Replace the learner configuration; the learner restarts from
    /// scratch (statistics are kept). On error nothing changes.
    pub fn reconfigure(&mut self, config: LearnerConfig) -> Result<()> {
        let learner = config.build()?;
        self.omega = learner.grid().omega(0);
        self.learner = learner;
        self.config = config;
        self.in_flight = false;
        Ok(())
    }

    fn modify_config(&mut self, change: impl FnOnce(&mut LearnerConfig)) -> Result<()> {
        let mut config = self.config.clone();
        change(&mut config);
        self.reconfigure(config)
    }

    pub fn set_learner(&mut self, kind: LearnerKind) -> Result<()> {
        self.modify_config(|c| c.kind = kind)
    }

    /// Pin omega: switches to the fixed learner at `omega` (0 < omega < 2).
    pub fn set_omega(&mut self, omega: f64) -> Result<()> {
        check_omega(omega)?;
        self.modify_config(|c| {
            c.kind = LearnerKind::Fixed;
            c.fixed_omega = omega;
        })
    }

    /// Arms of the bandit learners: `count` omegas evenly spaced on [lo, hi].
    pub fn set_omega_grid(&mut self, lo: f64, hi: f64, count: i64) -> Result<()> {
        let grid = OmegaGrid::new(lo, hi, count)?;
        self.modify_config(|c| c.grid = grid)
    }

    /// Declared range of the context (contextual learners rescale to it).
    pub fn set_context_range(&mut self, lo: f64, hi: f64) -> Result<()> {
        let range = ContextRange::new(lo, hi)?;
        self.modify_config(|c| c.context_range = range)
    }

    pub fn set_seed(&mut self, seed: u64) -> Result<()> {
        self.modify_config(|c| c.seed = seed)
    }

    /// Cost fed to the learner for a solve that did not converge, when it
    /// exceeds the reported iterations. `None` (default): the iteration cap
    /// when the solve had one ([`Self::postsolve_capped`], the built-in
    /// solvers), else twice the largest converged iteration count seen so
    /// far.
    pub fn set_failure_cost(&mut self, cost: Option<f64>) -> Result<()> {
        if let Some(c) = cost {
            if !(c.is_finite() && c >= 0.0) {
                return Err(Error::InvalidArgument {
                    what: "failure cost",
                    detail: format!("{c} (must be finite and >= 0)"),
                });
            }
        }
        self.failure_cost = cost;
        Ok(())
    }

    // ----- queries --------------------------------------------------

    pub fn config(&self) -> &LearnerConfig {
        &self.config
    }
    pub fn learner(&self) -> &dyn Learner {
        self.learner.as_ref()
    }
    pub fn stats(&self) -> SolveStats {
        self.stats
    }
    /// The current omega: the last presolve's choice (or one set with
    /// [`Self::use_omega`]); before any, the grid's first value.
    pub fn omega(&self) -> f64 {
        self.omega
    }
    /// omega the learner currently favours for this context.
    pub fn favourite_omega(&self, context: Option<f64>) -> f64 {
        self.learner
            .grid()
            .omega(self.learner.favourite(without_nan(context)))
    }
    /// Whether a presolve is waiting for its postsolve.
    pub fn solve_in_flight(&self) -> bool {
        self.in_flight
    }

    // ----- protocol -------------------------------------------------

    /// Start a solve: the learner picks omega for this `context` (`None`
    /// or NaN: no context; out-of-range contexts are clamped). A presolve
    /// while another solve is in flight abandons that one unlearned.
    pub fn presolve(&mut self, context: Option<f64>) -> Result<f64> {
        let arm = self.learner.choose(without_nan(context));
        let omega = self.learner.grid().omega(arm);
        self.omega = omega;
        self.in_flight = true;
        Ok(omega)
    }

    /// Make `omega` the current omega without a learning round (a value
    /// decided elsewhere: another MPI rank's choice, or a held solve).
    pub fn use_omega(&mut self, omega: f64) -> Result<()> {
        check_omega(omega)?;
        self.omega = omega;
        Ok(())
    }

    /// End a solve: feed its cost to the learner. A solve that did not
    /// converge costs max(iterations, failure cost), the failure cost being
    /// the one set with [`Self::set_failure_cost`], or else twice the
    /// largest converged iteration count seen so far.
    pub fn postsolve(&mut self, iterations: i64, converged: bool) -> Result<()> {
        self.postsolve_capped(iterations, converged, None)
    }

    /// postsolve with the iteration cap of the solve when it is known (the
    /// built-in solvers): a failed solve then costs at least the cap, as in
    /// the paper, even when it stopped early on divergence.
    pub fn postsolve_capped(
        &mut self,
        iterations: i64,
        converged: bool,
        cap: Option<u64>,
    ) -> Result<()> {
        if iterations < 0 {
            return Err(Error::NegativeIterations(iterations));
        }
        if !self.in_flight {
            return Err(Error::PostsolveWithoutPresolve);
        }
        self.in_flight = false;
        let its = iterations as u64;
        let cost = if converged {
            self.stats.max_converged_iterations = self.stats.max_converged_iterations.max(its);
            its as f64
        } else {
            self.stats.failed_solves = self.stats.failed_solves.saturating_add(1);
            let penalty = match (self.failure_cost, cap) {
                (Some(configured), _) => configured,
                (None, Some(cap)) => cap as f64,
                (None, None) => 2.0 * self.stats.max_converged_iterations as f64,
            };
            (its as f64).max(penalty)
        };
        self.learner.observe(cost);
        // Saturating: a host may report absurd counts (or a loaded state
        // may be near the limit); the counters must never wrap or panic.
        self.stats.solves = self.stats.solves.saturating_add(1);
        self.stats.total_iterations = self.stats.total_iterations.saturating_add(its);
        Ok(())
    }

    // ----- persistence ----------------------------------------------

    /// Save the learner (configuration, state, statistics) to `path`
    /// atomically (temporary file, then rename).
    pub fn save_state(&self, path: &Path) -> Result<()> {
        crate::state::save(path, &self.config, self.learner.as_ref(), &self.stats)
    }

    /// Load a state saved by a tuner of the same learner configuration.
    /// On error nothing changes.
    pub fn load_state(&mut self, path: &Path) -> Result<()> {
        let stats = crate::state::load(path, &self.config, self.learner.as_mut())?;
        self.stats = stats;
        self.in_flight = false;
        Ok(())
    }
}

/// The "NaN means no context" rule of every entry point.
pub(crate) fn without_nan(context: Option<f64>) -> Option<f64> {
    context.filter(|c| !c.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `use_omega` makes a valid omega current without a learning round
    /// and refuses one outside (0, 2), keeping the current one
    /// (cargo-mutants: `use_omega` returning `Ok(())` survived; only the
    /// PETSc plugin calls it, whose tests the tuner group does not run).
    #[test]
    fn use_omega_sets_a_valid_omega_and_refuses_others() {
        let mut t = OmegaTuner::new();
        t.use_omega(1.3).unwrap();
        assert_eq!(t.omega(), 1.3);
        for bad in [0.0, 2.0, -1.0, f64::NAN] {
            assert!(
                matches!(t.use_omega(bad), Err(Error::InvalidOmega(_))),
                "{bad}"
            );
            assert_eq!(t.omega(), 1.3);
        }
    }
}
