//! The preconditioner object: an operator, sweep settings and an
//! [`OmegaTuner`], driven by the host solver's protocol
//! `presolve(context) -> omega`, `apply(r) -> z` (any number of times),
//! `postsolve(iterations, converged)`, once per linear solve.

use crate::context::dominance_ratio;
use crate::error::{Error, Result};
use crate::learn::{Learner, LearnerConfig, LearnerKind};
use crate::matrix::{CsrIndex, CsrMatrix, CsrView};
use crate::solve::{cg, stationary, CgWork, Method, SolveOutcome};
use crate::sweep::{sor, SweepKind};
use crate::tuner::OmegaTuner;
pub use crate::tuner::SolveStats;
use std::path::Path;

/// Largest number of sweeps per application accepted.
pub const MAX_SWEEPS: i64 = 1_000_000;

/// SOR/SSOR preconditioner whose omega is chosen per solve by a learner.
#[derive(Debug)]
pub struct Preconditioner {
    operator: Option<CsrMatrix>,
    sweep: SweepKind,
    its: usize,
    /// The learning side; its omega is the one apply uses.
    tuner: OmegaTuner,
    cg_work: CgWork,
    sor_work: Vec<f64>,
    /// Use the operator's automatic context when the caller gives none.
    auto_context: bool,
    /// The operator's automatic context ([`crate::context`]), computed
    /// when its values are set or change.
    operator_context: Option<f64>,
    /// Context passed to the learner by the last presolve.
    last_context: Option<f64>,
}

impl Default for Preconditioner {
    fn default() -> Self {
        Self::new()
    }
}

impl Preconditioner {
    /// Tsallis-INF on the paper's grid (20 omegas on [1, 1.95]), symmetric
    /// sweep, one sweep per application, seed 0, no operator yet.
    pub fn new() -> Self {
        Self {
            operator: None,
            sweep: SweepKind::Symmetric,
            its: 1,
            tuner: OmegaTuner::new(),
            cg_work: CgWork::default(),
            sor_work: Vec::new(),
            auto_context: true,
            operator_context: None,
            last_context: None,
        }
    }

    /// Build from a full learner configuration (validated).
    pub fn with_config(config: LearnerConfig) -> Result<Self> {
        Ok(Self {
            tuner: OmegaTuner::with_config(config)?,
            ..Self::new()
        })
    }

    // ----- operator -------------------------------------------------

    /// Validate and copy CSR arrays (32- or 64-bit indices). On error the
    /// previous operator is kept.
    pub fn set_operator_csr<I: CsrIndex>(
        &mut self,
        n: i64,
        rowptr: &[I],
        colind: &[I],
        values: &[f64],
    ) -> Result<()> {
        self.set_operator(CsrMatrix::from_csr(n, rowptr, colind, values)?);
        Ok(())
    }

    /// Take an already validated operator.
    pub fn set_operator(&mut self, a: CsrMatrix) {
        self.operator_context = Some(dominance_ratio(&a.view()));
        self.operator = Some(a);
    }

    /// Replace the operator's values in place (same pattern), e.g. a new
    /// time step; learning continues.
    pub fn update_values(&mut self, values: &[f64]) -> Result<()> {
        let a = self.operator.as_mut().ok_or(Error::NoOperator)?;
        a.update_values(values)?;
        self.operator_context = Some(dominance_ratio(&a.view()));
        Ok(())
    }

    /// Whether presolve without a context uses the operator's automatic
    /// context (the mean diagonal-dominance ratio, [`crate::context`]);
    /// on by default. Learners without context ignore it.
    pub fn set_auto_context(&mut self, on: bool) {
        self.auto_context = on;
    }
    pub fn auto_context(&self) -> bool {
        self.auto_context
    }
    /// The current operator's automatic context (`None` without operator).
    pub fn operator_context(&self) -> Option<f64> {
        self.operator_context
    }
    /// The context the last presolve gave the learner: the caller's, the
    /// automatic one, or `None`.
    pub fn last_context(&self) -> Option<f64> {
        self.last_context
    }

    pub fn operator(&self) -> Option<&CsrMatrix> {
        self.operator.as_ref()
    }

    // ----- settings -------------------------------------------------

    /// Replace the learner configuration; the learner restarts from
    /// scratch. On error nothing changes.
    pub fn reconfigure(&mut self, config: LearnerConfig) -> Result<()> {
        self.tuner.reconfigure(config)
    }

    pub fn set_learner(&mut self, kind: LearnerKind) -> Result<()> {
        self.tuner.set_learner(kind)
    }

    /// Pin omega: switches to the fixed learner at `omega` (0 < omega < 2).
    pub fn set_omega(&mut self, omega: f64) -> Result<()> {
        self.tuner.set_omega(omega)
    }

    /// Arms of the bandit learners: `count` omegas evenly spaced on [lo, hi].
    pub fn set_omega_grid(&mut self, lo: f64, hi: f64, count: i64) -> Result<()> {
        self.tuner.set_omega_grid(lo, hi, count)
    }

    /// Declared range of the context (contextual learners rescale to it).
    pub fn set_context_range(&mut self, lo: f64, hi: f64) -> Result<()> {
        self.tuner.set_context_range(lo, hi)
    }

    pub fn set_seed(&mut self, seed: u64) -> Result<()> {
        self.tuner.set_seed(seed)
    }

    /// Sweep direction and sweeps per application (1..=MAX_SWEEPS).
    pub fn set_sweep(&mut self, kind: SweepKind, its: i64) -> Result<()> {
        if !(1..=MAX_SWEEPS).contains(&its) {
            return Err(Error::InvalidSize {
                what: "its (sweeps per application, 1..=1000000)",
                value: its,
            });
        }
        self.sweep = kind;
        self.its = its as usize;
        Ok(())
    }

    /// Cost fed to the learner for a solve that did not converge, when it
    /// exceeds the reported iterations. `None` (default): the iteration cap
    /// for the built-in solvers ([`Self::solve`]), and twice the largest
    /// converged iteration count seen so far for host solvers (postsolve).
    pub fn set_failure_cost(&mut self, cost: Option<f64>) -> Result<()> {
        self.tuner.set_failure_cost(cost)
    }

    pub fn config(&self) -> &LearnerConfig {
        self.tuner.config()
    }
    pub fn sweep(&self) -> (SweepKind, usize) {
        (self.sweep, self.its)
    }
    pub fn learner(&self) -> &dyn Learner {
        self.tuner.learner()
    }
    pub fn stats(&self) -> SolveStats {
        self.tuner.stats()
    }
    /// The learning side (learner, statistics, persistence).
    pub fn tuner(&self) -> &OmegaTuner {
        &self.tuner
    }
    /// omega that apply uses now (last presolve's choice, or the grid's
    /// first value before any solve).
    pub fn omega(&self) -> f64 {
        self.tuner.omega()
    }
    /// omega the learner currently favours for this context.
    pub fn favourite_omega(&self, context: Option<f64>) -> f64 {
        self.tuner.favourite_omega(context)
    }
    /// Whether a presolve is waiting for its postsolve.
    pub fn solve_in_flight(&self) -> bool {
        self.tuner.solve_in_flight()
    }

    // ----- host-solver protocol -------------------------------------

    /// Start a solve: the learner picks omega for this `context` (`None`
    /// or NaN: no context, then the operator's automatic context if that
    /// is on and an operator is set; out-of-range contexts are clamped).
    /// A presolve while another solve is in flight abandons that one
    /// unlearned.
    pub fn presolve(&mut self, context: Option<f64>) -> Result<f64> {
        let context = context.filter(|c| !c.is_nan()).or(if self.auto_context {
            self.operator_context
        } else {
            None
        });
        self.last_context = context;
        self.tuner.presolve(context)
    }

    /// z = M^-1 r: `its` sweeps of the configured kind from zero at the
    /// current omega.
    pub fn apply(&self, r: &[f64], z: &mut [f64]) -> Result<()> {
        let a = self.operator.as_ref().ok_or(Error::NoOperator)?;
        check_len("r", r, a.n())?;
        check_len("z", z, a.n())?;
        sor(&a.view(), r, z, self.omega(), self.sweep, self.its, true);
        Ok(())
    }

    /// End a solve: feed its cost to the learner. A solve that did not
    /// converge costs max(iterations, failure cost), the failure cost being
    /// the one set with [`Self::set_failure_cost`], or else twice the
    /// largest converged iteration count seen so far.
    pub fn postsolve(&mut self, iterations: i64, converged: bool) -> Result<()> {
        self.tuner.postsolve(iterations, converged)
    }

    /// presolve, a built-in solver, postsolve: one learned solve of
    /// A x = b from the initial guess in `x`.
    pub fn solve(
        &mut self,
        method: Method,
        context: Option<f64>,
        b: &[f64],
        x: &mut [f64],
        rtol: f64,
        max_it: i64,
    ) -> Result<SolveOutcome> {
        let n = self.operator.as_ref().ok_or(Error::NoOperator)?.n();
        check_len("b", b, n)?;
        check_len("x", x, n)?;
        if !(rtol.is_finite() && rtol >= 0.0) {
            return Err(Error::InvalidArgument {
                what: "rtol",
                detail: format!("{rtol} (must be finite and >= 0)"),
            });
        }
        if max_it < 0 {
            return Err(Error::InvalidSize {
                what: "max_it",
                value: max_it,
            });
        }
        // A NaN or infinity in b or the initial guess is the caller's
        // error, not the chosen omega's: refuse it before the learner
        // picks, so no arm is charged a failure it did not cause.
        check_finite("b", b)?;
        check_finite("x", x)?;
        let omega = self.presolve(context)?;
        let a = self.operator.as_ref().expect("checked above");
        let view: CsrView<'_, usize> = a.view();
        let outcome = match method {
            Method::Sor => {
                self.sor_work.resize(n, 0.0);
                stationary(
                    &view,
                    self.sweep,
                    self.its,
                    omega,
                    b,
                    x,
                    rtol,
                    max_it as u64,
                    &mut self.sor_work,
                )
            }
            Method::SsorCg => cg(
                &view,
                Some(omega),
                b,
                x,
                rtol,
                max_it as u64,
                &mut self.cg_work,
            ),
            Method::Cg => cg(&view, None, b, x, rtol, max_it as u64, &mut self.cg_work),
        };
        self.tuner.postsolve_capped(
            outcome.iterations as i64,
            outcome.converged,
            Some(max_it as u64),
        )?;
        Ok(outcome)
    }

    // ----- persistence ----------------------------------------------

    /// Save the learner (configuration, state, statistics) to `path`
    /// atomically (temporary file, then rename).
    pub fn save_state(&self, path: &Path) -> Result<()> {
        self.tuner.save_state(path)
    }

    /// Load a state saved by a preconditioner of the same learner
    /// configuration. On error nothing changes.
    pub fn load_state(&mut self, path: &Path) -> Result<()> {
        self.tuner.load_state(path)
    }
}

fn check_finite(what: &'static str, v: &[f64]) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::InvalidArgument {
            what,
            detail: format!("{what}[{i}] = {} (must be finite)", v[i]),
        }),
    }
}

fn check_len(what: &'static str, v: &[f64], n: usize) -> Result<()> {
    if v.len() == n {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            what,
            expected: n,
            got: v.len(),
        })
    }
}
