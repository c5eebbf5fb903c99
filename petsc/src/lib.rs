//! PETSc plugin for banditsor: the PC type `banditsor`.
//!
//! The PETSc glue lives in the C shim `pcbanditsor.c` (PETSc's own style,
//! compiled by `build.rs`). This file is the small internal C API the shim
//! calls, the `bsorp_*` functions, over an opaque [`Bsorp`] object that
//! holds the learning side ([`banditsor::OmegaTuner`], whose omega is the
//! one of the current outer solve), the sweep settings, and the validated
//! diagonal of the matrix whose CSR arrays PETSc owns (borrowed zero-copy
//! on every apply).
//!
//! Contract with the shim:
//! - every `bsorp_*` function returns 0 on success and 1 on failure; the
//!   message of the last failure on this thread is `bsorp_errmsg()`; the
//!   shim turns it into a PETSc error (`SETERRQ`) carrying that message;
//! - no panic crosses the boundary: each export runs inside
//!   `catch_unwind`, a panic becomes an error status with its message;
//! - nothing here talks to MPI: the shim decides omega on rank 0 and
//!   broadcasts it (`bsorp_set_omega` on every rank).
//!
//! The public C entry points (`PetscDLLibraryRegister_banditsor_petsc`,
//! `PCBanditSOR*`) are implemented in the shim; they are re-exported from
//! here because a Rust cdylib exports only Rust-defined symbols.

use banditsor::context::dominance_sums_with;
use banditsor::ffi::{
    boundary_unnamed, bsor_sweep, check_out, last_error_ptr, nan_means_none, object_mut,
    sweep_kind, sweep_to_c, write_out, Failure, PoisonOnPanic, Poisonable,
};
use banditsor::learn::check_omega;
use banditsor::sweep::{
    backward_sweep_zero, eisenstat_lower_add, eisenstat_operator, forward_sweep_zero, sor,
    upper_multiply,
};
use banditsor::{
    validate_csr, ContextRange, CsrView, Diagonal, LearnerConfig, LearnerKind, OmegaGrid,
    OmegaTuner, SweepKind,
};
use std::ffi::{c_char, c_int, CStr, CString};
use std::path::PathBuf;

/// PETSc's integer type, as detected by the build-time probe of petscconf.h.
#[cfg(petsc_int64)]
pub type PetscInt = i64;
/// PETSc's integer type, as detected by the build-time probe of petscconf.h.
#[cfg(not(petsc_int64))]
pub type PetscInt = i32;

type FfiResult<T = ()> = Result<T, Failure>;

/// Every export's body runs behind the core's C boundary, the one the
/// `bsor_*` C ABI uses: panics are caught and never unwind into PETSc, the
/// message goes to the thread's last error (`bsorp_errmsg`), a non-zero
/// status comes back.
fn guard(body: impl FnOnce() -> FfiResult) -> c_int {
    boundary_unnamed(body)
}

/// The plugin state behind `p`; refused when NULL or poisoned by a panic.
unsafe fn obj<'a>(p: *mut Bsorp) -> FfiResult<PoisonOnPanic<'a, PcState>> {
    object_mut("banditsor PC object (PC not set up?)", p)?
        .state
        .get_mut()
}

unsafe fn cstr<'a>(s: *const c_char, what: &str) -> Result<Option<&'a str>, String> {
    if s.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(s)
        .to_str()
        .map(Some)
        .map_err(|_| format!("{what}: not valid UTF-8"))
}

/// Settings the shim parses from the options database (declared to C by
/// the header build.rs generates from this file).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct BsorpSettings {
    /// NUL-terminated learner name: smooth_ts (default), tsallis, chebcb, tsallis_cb, fixed.
    pub learner: [c_char; 32],
    pub fixed_omega: f64,
    pub omega_min: f64,
    pub omega_max: f64,
    pub grid: i64,
    pub context_min: f64,
    pub context_max: f64,
    pub seed: i64,
    /// BSOR_SWEEP_FORWARD, _BACKWARD or _SYMMETRIC (include/banditsor.h).
    pub sweep: bsor_sweep,
    pub its: i64,
    pub lits: i64,
    /// Non-zero: Eisenstat's trick (-pc_banditsor_eisenstat), the KSP
    /// iterates on the transformed system; needs the symmetric sweep and
    /// its = lits = 1.
    pub eisenstat: i64,
    /// 1: without a context from the program, contextual learners get the
    /// operator's automatic context (-pc_banditsor_context auto); 0: none.
    pub auto_context: c_int,
}

// Steps of Eisenstat's trick (`bsorp_eisenstat`), on the local block with
// A = L + D + U and the current omega w.
/// y = (D/w + L)^-1 x: transforms the right-hand side at presolve.
pub const BSORP_EIS_LOWER_SOLVE: c_int = 0;
/// y = (D/w + U)^-1 x: transforms the solution back at postsolve.
pub const BSORP_EIS_UPPER_SOLVE: c_int = 1;
/// y = (D/w + U) x: transforms a non-zero initial guess at presolve.
pub const BSORP_EIS_UPPER_MULTIPLY: c_int = 2;
/// y = (D/w + L)^-1 A (D/w + U)^-1 x (w: work), the transformed operator
/// of a sequential matrix.
pub const BSORP_EIS_OPERATOR: c_int = 3;
/// y += (D/w + L)^-1 (x + (1 - 2/w) D y) (w: work): the second half of the
/// transformed operator, given y = (D/w + U)^-1 x_in and x = x_in plus the
/// off-process couplings times y.
pub const BSORP_EIS_LOWER_ADD: c_int = 4;
/// y = D x: the preconditioner of the transformed system (PCApply).
pub const BSORP_EIS_DIAGONAL: c_int = 5;

/// The operator as last validated: identity of PETSc's arrays and the
/// diagonal computed from them.
#[derive(Debug)]
struct Operator {
    n: usize,
    nnz: usize,
    rowptr: usize,
    colind: usize,
    values: usize,
    nonzero_state: i64,
    value_state: i64,
    diag: Diagonal,
    /// a_ii, contiguous: Eisenstat's PCApply (y = D x) streams it instead
    /// of gathering one value per row from the CSR values.
    diag_values: Vec<f64>,
}

/// a_ii of every row, from the validated diagonal positions.
fn diagonal_values(diag: &Diagonal, values: &[f64]) -> Vec<f64> {
    diag.positions().iter().map(|&d| values[d]).collect()
}

/// Why a presolve did not start a learning round.
#[derive(Debug, Clone)]
enum Round {
    Learning,
    Held,
}

/// The opaque object behind a PC of type banditsor (poisoned, as the C
/// ABI's handles are, by a panic caught while it was being changed).
#[derive(Debug)]
pub struct Bsorp {
    state: Poisonable<PcState>,
}

/// What a PC of type banditsor keeps on the Rust side.
#[derive(Debug)]
pub struct PcState {
    /// The learner, its statistics and the omega every apply uses.
    tuner: OmegaTuner,
    sweep: SweepKind,
    its: usize,
    lits: usize,
    eisenstat: bool,
    op: Option<Operator>,
    rounds: Vec<Round>,
    last_hold: Option<String>,
    /// Outer solves learned from in this process (the state file may add
    /// earlier ones to the tuner's statistics).
    learned_solves: u64,
    /// Solves the learner had learned from in the state file loaded at setup.
    loaded_solves: u64,
    /// The omegas (as bits) of this run's learned solves.
    tried: std::collections::BTreeSet<u64>,
    held_solves: u64,
    cumulative_iterations: u64,
    last_iterations: Option<(i64, bool)>,
    state_path: Option<PathBuf>,
    state_loaded: bool,
    /// Where the state file came from: loaded at setup, or created there.
    state_note: Option<String>,
    /// Learned solves in the state file as last saved after a solve.
    saved_after: Option<u64>,
    view_lines: Vec<CString>,
    /// Full validations (new pattern) and diagonal refreshes (new values).
    validations: u64,
    refreshes: u64,
    /// -pc_banditsor_context auto: contextual learners get the operator's
    /// automatic context when the program sets none.
    auto_context: bool,
    /// The automatic context of the operator (mean over the rows of all
    /// ranks, combined by the shim) and the number of those rows.
    operator_context: Option<(f64, u64)>,
    /// How many times the automatic context was computed (once per new
    /// operator values: shown by the view, so a recomputation per solve or
    /// per apply shows).
    context_computations: u64,
    /// The context the last presolve gave the learner, and whether it was
    /// the automatic one.
    last_context: Option<(f64, bool)>,
}

impl PcState {
    fn new() -> Self {
        Self {
            tuner: OmegaTuner::new(),
            sweep: SweepKind::Symmetric,
            its: 1,
            lits: 1,
            eisenstat: false,
            op: None,
            rounds: Vec::new(),
            last_hold: None,
            learned_solves: 0,
            loaded_solves: 0,
            tried: Default::default(),
            held_solves: 0,
            cumulative_iterations: 0,
            last_iterations: None,
            state_path: None,
            state_loaded: false,
            state_note: None,
            saved_after: None,
            view_lines: Vec::new(),
            validations: 0,
            refreshes: 0,
            auto_context: true,
            operator_context: None,
            context_computations: 0,
            last_context: None,
        }
    }

    fn configure(&mut self, s: &BsorpSettings) -> Result<(), String> {
        // SAFETY: the array is NUL-terminated by the shim (checked below).
        let raw = &s.learner;
        if !raw.contains(&0) {
            return Err("-pc_banditsor_learner: name too long".into());
        }
        let name = unsafe { CStr::from_ptr(raw.as_ptr()) }
            .to_str()
            .map_err(|_| "-pc_banditsor_learner: not valid UTF-8".to_string())?;
        let kind = LearnerKind::from_name(name)
            .map_err(|e| format!("-pc_banditsor_learner {name}: {e}"))?;
        check_omega(s.fixed_omega)
            .map_err(|e| format!("-pc_banditsor_omega {}: {e}", s.fixed_omega))?;
        let grid = OmegaGrid::new(s.omega_min, s.omega_max, s.grid).map_err(|e| {
            format!(
                "-pc_banditsor_omega_min {} / -pc_banditsor_omega_max {} / -pc_banditsor_grid {}: {e}",
                s.omega_min, s.omega_max, s.grid
            )
        })?;
        let context_range = ContextRange::new(s.context_min, s.context_max).map_err(|e| {
            format!(
                "-pc_banditsor_context_min {} / -pc_banditsor_context_max {}: {e}",
                s.context_min, s.context_max
            )
        })?;
        if s.seed < 0 {
            return Err(format!("-pc_banditsor_seed {}: must be >= 0", s.seed));
        }
        let sweep = sweep_kind(s.sweep).map_err(|e| format!("sweep: {e}"))?;
        let max = banditsor::pc::MAX_SWEEPS;
        if !(1..=max).contains(&s.its) {
            return Err(format!("-pc_banditsor_its {}: must be in 1..={max}", s.its));
        }
        if !(1..=max).contains(&s.lits) {
            return Err(format!(
                "-pc_banditsor_lits {}: must be in 1..={max}",
                s.lits
            ));
        }
        if s.eisenstat != 0 {
            // Eisenstat's trick factors one SSOR sweep: nothing else has
            // that form (as PCEISENSTAT, which has no such options).
            if sweep != SweepKind::Symmetric {
                return Err(format!(
                    "-pc_banditsor_eisenstat needs the symmetric sweep (-pc_banditsor_symmetric), not {}: Eisenstat's trick factors one SSOR sweep",
                    sweep.name()
                ));
            }
            if s.its != 1 || s.lits != 1 {
                return Err(format!(
                    "-pc_banditsor_eisenstat needs -pc_banditsor_its 1 and -pc_banditsor_lits 1 (got its = {}, lits = {}): Eisenstat's trick factors one SSOR sweep",
                    s.its, s.lits
                ));
            }
        }
        let mut config = self.tuner.config().clone();
        config.kind = kind;
        config.fixed_omega = s.fixed_omega;
        config.grid = grid;
        config.context_range = context_range;
        config.seed = s.seed as u64;
        if config != *self.tuner.config() {
            if self.tuner.stats().solves > 0 || !self.rounds.is_empty() {
                return Err(format!(
                    "cannot change the learner configuration of a banditsor PC after {} solve(s)",
                    self.tuner.stats().solves
                ));
            }
            // Validate by building first: LearnerConfig::build names the problem.
            let test: LearnerConfig = config.clone();
            test.build()
                .map_err(|e| format!("-pc_banditsor_learner {name}: {e}"))?;
            self.tuner.reconfigure(config).map_err(|e| e.to_string())?;
            self.state_loaded = false;
        }
        self.sweep = sweep;
        self.its = s.its as usize;
        self.lits = s.lits as usize;
        self.eisenstat = s.eisenstat != 0;
        self.auto_context = s.auto_context != 0;
        if self.rounds.is_empty() {
            self.use_favourite_omega()?;
        }
        Ok(())
    }

    /// Outside a solve, the omega an apply uses is the learner's favourite.
    fn use_favourite_omega(&mut self) -> Result<(), String> {
        let omega = self.tuner.favourite_omega(None);
        self.tuner.use_omega(omega).map_err(|e| e.to_string())
    }

    fn set_operator(
        &mut self,
        n: PetscInt,
        rowptr: *const PetscInt,
        colind: *const PetscInt,
        values: *const f64,
        nonzero_state: i64,
        value_state: i64,
    ) -> Result<(), String> {
        if n < 0 {
            return Err(format!("negative local matrix size {n}"));
        }
        let n_us = n as usize;
        if rowptr.is_null() || (n_us > 0 && (colind.is_null() || values.is_null())) {
            return Err("matrix has no CSR arrays (not assembled?)".into());
        }
        // SAFETY: PETSc's arrays of an assembled AIJ matrix: n+1 row
        // pointers, rowptr[n] column indices and values.
        let rp = unsafe { std::slice::from_raw_parts(rowptr, n_us + 1) };
        let nnz_i = rp[n_us];
        if nnz_i < 0 {
            return Err(format!("negative number of nonzeros {nnz_i}"));
        }
        let nnz = nnz_i as usize;
        let ci = unsafe { slice_or_empty(colind, nnz) };
        let va = unsafe { slice_or_empty(values, nnz) };
        let same_pattern = self.op.as_ref().is_some_and(|o| {
            o.n == n_us
                && o.nnz == nnz
                && o.rowptr == rowptr as usize
                && o.colind == colind as usize
                && o.nonzero_state == nonzero_state
        });
        if same_pattern {
            let o = self.op.as_mut().expect("checked");
            if o.values == values as usize && o.value_state == value_state {
                return Ok(());
            }
            o.diag
                .refresh_values(rp, ci, va)
                .map_err(|e| format!("matrix values: {e}"))?;
            o.diag_values = diagonal_values(&o.diag, va);
            o.values = values as usize;
            o.value_state = value_state;
            self.refreshes += 1;
            return Ok(());
        }
        self.op = None;
        let diag = validate_csr(n as i64, rp, ci, va).map_err(|e| format!("matrix: {e}"))?;
        self.validations += 1;
        let diag_values = diagonal_values(&diag, va);
        self.op = Some(Operator {
            n: n_us,
            nnz,
            rowptr: rowptr as usize,
            colind: colind as usize,
            values: values as usize,
            nonzero_state,
            value_state,
            diag,
            diag_values,
        });
        Ok(())
    }

    /// `sweeps` local sweeps on A z = r at the current omega, from z = 0
    /// (`zero_guess`, z is output only) or from the z given.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        n: PetscInt,
        rowptr: *const PetscInt,
        colind: *const PetscInt,
        values: *const f64,
        r: *const f64,
        z: *mut f64,
        sweeps: PetscInt,
        zero_guess: bool,
    ) -> Result<(), String> {
        let o = self.checked_operator(n, rowptr, colind, values)?;
        if sweeps < 1 {
            return Err(format!("number of sweeps {sweeps} must be >= 1"));
        }
        if o.n == 0 {
            return Ok(());
        }
        if r.is_null() || z.is_null() {
            return Err("null vector array".into());
        }
        if std::ptr::eq(r, z) {
            return Err("input and output vectors must differ".into());
        }
        // SAFETY: identity (pointers, sizes, PETSc states) checked against
        // the arrays `diag` was validated from; vectors have n local entries.
        unsafe {
            let rp = std::slice::from_raw_parts(rowptr, o.n + 1);
            let ci = slice_or_empty(colind, o.nnz);
            let va = slice_or_empty(values, o.nnz);
            let view = CsrView::new_unchecked(rp, ci, va, &o.diag);
            let rr = std::slice::from_raw_parts(r, o.n);
            let zz = std::slice::from_raw_parts_mut(z, o.n);
            sor(
                &view,
                rr,
                zz,
                self.tuner.omega(),
                self.sweep,
                sweeps as usize,
                zero_guess,
            );
        }
        Ok(())
    }

    /// One step of Eisenstat's trick (the `BSORP_EIS_*` constants) at the
    /// current omega on the arrays validated last.
    #[allow(clippy::too_many_arguments)]
    fn eisenstat_step(
        &self,
        n: PetscInt,
        rowptr: *const PetscInt,
        colind: *const PetscInt,
        values: *const f64,
        step: c_int,
        x: *const f64,
        y: *mut f64,
        w: *mut f64,
    ) -> Result<(), String> {
        let o = self.checked_operator(n, rowptr, colind, values)?;
        let needs_work = matches!(step, BSORP_EIS_OPERATOR | BSORP_EIS_LOWER_ADD);
        if !(BSORP_EIS_LOWER_SOLVE..=BSORP_EIS_DIAGONAL).contains(&step) {
            return Err(format!("unknown Eisenstat step {step}"));
        }
        if o.n == 0 {
            return Ok(());
        }
        if x.is_null() || y.is_null() || (needs_work && w.is_null()) {
            return Err("null vector array".into());
        }
        if std::ptr::eq(x, y) || (needs_work && (std::ptr::eq(w, y) || std::ptr::eq(w, x))) {
            return Err("input, output and work vectors must differ".into());
        }
        let omega = self.tuner.omega();
        // SAFETY: identity (pointers, sizes, PETSc states) checked against
        // the arrays `diag` was validated from; vectors have n local
        // entries and do not overlap (distinct PETSc vectors).
        unsafe {
            let rp = std::slice::from_raw_parts(rowptr, o.n + 1);
            let ci = slice_or_empty(colind, o.nnz);
            let va = slice_or_empty(values, o.nnz);
            let a = CsrView::new_unchecked(rp, ci, va, &o.diag);
            let xx = std::slice::from_raw_parts(x, o.n);
            let yy = std::slice::from_raw_parts_mut(y, o.n);
            match step {
                BSORP_EIS_LOWER_SOLVE => forward_sweep_zero(&a, xx, yy, omega),
                BSORP_EIS_UPPER_SOLVE => backward_sweep_zero(&a, xx, yy, omega),
                BSORP_EIS_UPPER_MULTIPLY => upper_multiply(&a, xx, yy, omega),
                BSORP_EIS_OPERATOR => {
                    let ww = std::slice::from_raw_parts_mut(w, o.n);
                    eisenstat_operator(&a, omega, xx, yy, ww)
                }
                BSORP_EIS_LOWER_ADD => {
                    let ww = std::slice::from_raw_parts_mut(w, o.n);
                    eisenstat_lower_add(&a, omega, xx, yy, ww)
                }
                _ => {
                    for ((yi, xi), d) in yy.iter_mut().zip(xx).zip(&o.diag_values) {
                        *yi = d * xi;
                    }
                }
            }
        }
        Ok(())
    }

    /// The operator validated last, if these are still its arrays.
    fn checked_operator(
        &self,
        n: PetscInt,
        rowptr: *const PetscInt,
        colind: *const PetscInt,
        values: *const f64,
    ) -> Result<&Operator, String> {
        let o = self
            .op
            .as_ref()
            .ok_or("apply before the matrix was set (PCSetUp not called?)")?;
        if n < 0 || n as usize != o.n {
            return Err(format!(
                "local size {n} differs from the validated matrix ({})",
                o.n
            ));
        }
        if rowptr as usize != o.rowptr || colind as usize != o.colind || values as usize != o.values
        {
            return Err("matrix arrays moved since validation (call PCSetUp again)".into());
        }
        Ok(o)
    }

    /// Whether the next presolve needs the automatic context: the program
    /// set no context (`explicit` NaN), it is on and the learner uses one.
    fn wants_auto_context(&self, explicit: f64) -> bool {
        explicit.is_nan() && self.auto_context && uses_context(self.tuner.config().kind)
    }

    /// This rank's pieces of the automatic context: sum over its rows of
    /// sum_{j != i} |a_ij| / |a_ii| and its number of rows. The entries of
    /// the local diagonal block come from the registered operator, those in
    /// other ranks' columns from the off-process block (`off_rowptr`,
    /// `off_values`: n + 1 row pointers and their values; NULL for a serial
    /// matrix), so the sums of all ranks add up to those of the whole
    /// matrix. `first_row` (global index of local row 0) names rows in
    /// errors.
    fn context_sums(
        &self,
        off_rowptr: *const PetscInt,
        off_values: *const f64,
        first_row: i64,
    ) -> Result<(f64, u64), String> {
        let o = self
            .op
            .as_ref()
            .ok_or("automatic context before the matrix was set (PCSetUp not called?)")?;
        // SAFETY: the registered arrays, as in apply (the shim refreshed
        // the registration just before); the off-process block has n + 1
        // row pointers and rowptr[n] values (checked below before use).
        let (rp, ci, va) = unsafe {
            (
                std::slice::from_raw_parts(o.rowptr as *const PetscInt, o.n + 1),
                slice_or_empty(o.colind as *const PetscInt, o.nnz),
                slice_or_empty(o.values as *const f64, o.nnz),
            )
        };
        let off_sums = if off_rowptr.is_null() {
            vec![0.0; o.n]
        } else {
            let orp = unsafe { std::slice::from_raw_parts(off_rowptr, o.n + 1) };
            if orp[0] != 0 || orp.windows(2).any(|w| w[1] < w[0]) {
                return Err("off-process block: row pointers do not start at 0 or decrease".into());
            }
            let onnz = orp[o.n] as usize;
            if onnz > 0 && off_values.is_null() {
                return Err("off-process block: no values".into());
            }
            let ova = unsafe { slice_or_empty(off_values, onnz) };
            let mut sums = Vec::with_capacity(o.n);
            for (row, w) in orp.windows(2).enumerate() {
                let vals = &ova[w[0] as usize..w[1] as usize];
                if let Some(v) = vals.iter().find(|v| !v.is_finite()) {
                    return Err(format!(
                        "matrix: non-finite value {v} in row {} (a column owned by another rank)",
                        first_row + row as i64
                    ));
                }
                sums.push(vals.iter().map(|v| v.abs()).sum::<f64>());
            }
            sums
        };
        // SAFETY: as in apply: the arrays `diag` was validated from.
        let view = unsafe { CsrView::new_unchecked(rp, ci, va, &o.diag) };
        let (sum, rows) = dominance_sums_with(&view, |row| off_sums[row]);
        Ok((sum, rows as u64))
    }

    /// The automatic context of the operator, combined over the ranks by
    /// the shim (`sum` and `rows` of every rank's `context_sums` added up).
    fn set_operator_context(&mut self, sum: f64, rows: f64) -> Result<(), String> {
        if !(sum.is_finite() && sum >= 0.0 && rows >= 0.0 && rows.fract() == 0.0) {
            return Err(format!(
                "automatic context: invalid sums {sum} over {rows} rows"
            ));
        }
        let value = if rows == 0.0 { 0.0 } else { sum / rows };
        self.operator_context = Some((value, rows as u64));
        self.context_computations += 1;
        Ok(())
    }

    /// The context of a solve: the program's (`explicit`, NaN: none), else
    /// the automatic one when it is on and the learner uses a context.
    fn solve_context(&self, explicit: f64) -> Option<(f64, bool)> {
        match nan_means_none(explicit) {
            Some(c) => Some((c, false)),
            None if self.wants_auto_context(explicit) => {
                self.operator_context.map(|(c, _)| (c, true))
            }
            None => None,
        }
    }

    fn presolve(&mut self, root: bool, hold: Option<&str>, explicit: f64) -> Result<f64, String> {
        let chosen = self.solve_context(explicit);
        self.last_context = chosen;
        let ctx = chosen.map(|(c, _)| c);
        // Only rank 0 decides; the other ranks keep their omega until the
        // shim hands them rank 0's (bsorp_set_omega).
        let round = if !self.rounds.is_empty() {
            self.last_hold =
                Some("nested solve inside an outer solve (omega of the outer solve kept)".into());
            Round::Held
        } else if let Some(reason) = hold {
            self.last_hold = Some(reason.to_string());
            if root {
                let omega = self.tuner.favourite_omega(ctx);
                self.tuner.use_omega(omega).map_err(|e| e.to_string())?;
            }
            Round::Held
        } else {
            self.last_hold = None;
            if root {
                self.tuner.presolve(ctx).map_err(|e| e.to_string())?;
            }
            Round::Learning
        };
        self.rounds.push(round);
        Ok(self.tuner.omega())
    }

    fn postsolve(&mut self, root: bool, iterations: i64, converged: bool) -> Result<bool, String> {
        let round = self.rounds.pop().ok_or("postsolve without presolve")?;
        if iterations < 0 {
            return Err(format!("negative iteration count {iterations}"));
        }
        match round {
            Round::Held => {
                if self.rounds.is_empty() {
                    self.held_solves += 1;
                }
                Ok(false)
            }
            Round::Learning => {
                self.learned_solves += 1;
                self.tried.insert(self.tuner.omega().to_bits());
                self.cumulative_iterations += iterations as u64;
                self.last_iterations = Some((iterations, converged));
                if root {
                    self.tuner
                        .postsolve(iterations, converged)
                        .map_err(|e| e.to_string())?;
                }
                Ok(root)
            }
        }
    }

    /// The `-ksp_view` lines: each says one thing a user can act on.
    /// `context` is the one set for the next solves (NaN: none). Valid on
    /// rank 0, the only rank whose learner is fed.
    fn view(&mut self, context: f64) {
        let cfg = self.tuner.config().clone();
        let kind = cfg.kind;
        let learner = kind.name();
        let contextual = uses_context(kind);
        // the context of the next solve: the program's, else the automatic one
        let chosen = self.solve_context(context);
        let ctx = chosen.map(|(c, _)| c);
        let mut lines = Vec::new();
        lines.push(match kind {
            LearnerKind::Fixed => format!("learner: fixed, omega = {}", g(cfg.fixed_omega)),
            _ => format!(
                "learner: {learner} over {} omegas on [{}, {}], seed {}",
                cfg.grid.len(),
                cfg.grid.lo(),
                cfg.grid.hi(),
                cfg.seed
            ),
        });
        lines.push(format!(
            "sweep: {}, its = {}, lits = {}",
            self.sweep.name(),
            self.its,
            self.lits
        ));
        if self.eisenstat {
            lines.push(
                "Eisenstat's trick (-pc_banditsor_eisenstat): the KSP iterates on (D/w + L)^-1 A (D/w + U)^-1, \
                 two triangular sweeps per product, preconditioned by D"
                    .into(),
            );
        }
        // Where the context comes from and whether the learner uses it.
        let range = format!(
            "range [{}, {}] (-pc_banditsor_context_min/max), values outside clamped",
            cfg.context_range.lo(),
            cfg.context_range.hi()
        );
        let automatic = match (self.operator_context, self.context_computations) {
            (Some((_, rows)), k) => format!(
                "automatic: mean over the {rows} rows of all ranks of sum_(j!=i) |a_ij|/|a_ii|, \
                 computed {k} time(s), once per new operator values; -pc_banditsor_context none turns it off"
            ),
            (None, _) => String::new(),
        };
        match (kind, chosen) {
            (LearnerKind::Fixed, _) => {}
            (_, Some((c, false))) if contextual => lines.push(format!(
                "context: {} (from PCBanditSORSetContext(), which takes precedence over \
                 -pc_banditsor_context auto), {range}",
                g(c)
            )),
            (_, Some((c, true))) => lines.push(format!("context: {} ({automatic}), {range}", g(c))),
            (_, None) if contextual && self.wants_auto_context(context) => lines.push(format!(
                "context: automatic, computed at the next solve from the operator's values \
                 (mean diagonal-dominance ratio; -pc_banditsor_context none turns it off), {range}"
            )),
            (_, None) if contextual => lines.push(format!(
                "context: none, so {learner} learns one omega for all solves: \
                 give each solve its context with PCBanditSORSetContext(), {range}"
            )),
            (_, Some((c, _))) => lines.push(format!(
                "context: {} (from PCBanditSORSetContext()), unused by {learner}: \
                 -pc_banditsor_learner chebcb, tsallis_cb or smooth_ts use it",
                g(c)
            )),
            (_, None) => lines.push(format!("context: none (unused by {learner})")),
        }
        let st = self.tuner.stats();
        if kind != LearnerKind::Fixed {
            if self.learned_solves + self.held_solves == 0 {
                lines.push(format!(
                    "omega: {} until the first solve",
                    g(self.tuner.omega())
                ));
            } else {
                lines.push(format!(
                    "omega of the last solve: {}",
                    g(self.tuner.omega())
                ));
            }
            // A bandit's favourite is often an omega it has not tried yet
            // (untried arms look free): report it once there is evidence
            // for it, a learned solve of this run at that omega, or a
            // loaded state with at least one solve per arm.
            let favourite = self.tuner.favourite_omega(ctx);
            let evidence = self.tried.contains(&favourite.to_bits())
                || (self.loaded_solves > 0 && st.solves >= cfg.grid.len() as u64);
            if st.solves == 0 {
                lines.push("omega the learner favours: none yet (no solve learned from)".into());
            } else if !evidence {
                lines.push(format!(
                    "omega the learner favours: none yet (after {} learned solve(s) it still leans to omegas not tried)",
                    st.solves
                ));
            } else {
                let for_context = match ctx {
                    Some(c) if contextual => format!(" for context {}", g(c)),
                    _ => String::new(),
                };
                let fav = g(favourite);
                lines.push(format!(
                    "omega the learner favours{for_context}: {fav} after {} learned solve(s) \
                     (to keep it: -pc_banditsor_omega {fav})",
                    st.solves
                ));
            }
        }
        let this_run = if kind == LearnerKind::Fixed {
            format!("solves: {}", self.learned_solves)
        } else if self.loaded_solves > 0 {
            format!(
                "solves learned from: {} in this run + {} from the state file = {}",
                self.learned_solves, self.loaded_solves, st.solves
            )
        } else {
            format!("solves learned from: {}", self.learned_solves)
        };
        lines.push(format!(
            "{this_run}; held (omega not learned): {}; iterations in this run: {}",
            self.held_solves, self.cumulative_iterations
        ));
        if let Some((its, conv)) = self.last_iterations {
            lines.push(format!(
                "last solve: {its} iterations, {}",
                if conv {
                    "converged"
                } else {
                    "not converged (costed as a failure)"
                }
            ));
        }
        if let Some(reason) = &self.last_hold {
            lines.push(format!("omega held, not learning: {reason}"));
        }
        if let Some(p) = &self.state_path {
            let origin = self
                .state_note
                .as_deref()
                .unwrap_or("not read yet: at setup");
            let saved = match self.saved_after {
                Some(n) => format!("; saved after each learned solve, last with {n} solve(s)"),
                None => "; saved after each learned solve".into(),
            };
            lines.push(format!("state file: {} ({origin}{saved})", p.display()));
        }
        if let Some(o) = &self.op {
            let indices = match o.diag.compact() {
                Some(c) => format!(
                    "sweeps read a compact copy of the pattern (16-bit column offsets, {} bytes) and PETSc's values",
                    c.bytes()
                ),
                None => "sweeps read PETSc's column indices (a column lies beyond 16-bit offsets of its row)".into(),
            };
            lines.push(format!(
                "local matrix: {} rows, {} nonzeros (CSR borrowed from PETSc); pattern validated {} time(s), diagonal refreshed for new values {} time(s); {indices}",
                o.n, o.nnz, self.validations, self.refreshes
            ));
        }
        self.view_lines = lines
            .into_iter()
            .map(|l| CString::new(l.replace('\0', " ")).unwrap_or_default())
            .collect();
    }
}

/// The learners that choose omega for a context (the others ignore it).
fn uses_context(kind: LearnerKind) -> bool {
    matches!(
        kind,
        LearnerKind::ChebCb | LearnerKind::TsallisInfCb | LearnerKind::SmoothTs
    )
}

/// A number as PETSc's %g would print it (6 significant digits), so grid
/// values read 1.8, not 1.7999999999999998.
fn g(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = 5 - x.abs().log10().floor() as i32;
    let rounded = format!("{:.*}", digits.max(0) as usize, x);
    let trimmed = if rounded.contains('.') {
        rounded.trim_end_matches('0').trim_end_matches('.')
    } else {
        &rounded
    };
    trimmed
        .parse::<f64>()
        .map_or(rounded.clone(), |v| format!("{v}"))
}

unsafe fn slice_or_empty<'a, T>(p: *const T, len: usize) -> &'a [T] {
    if len == 0 || p.is_null() {
        &[]
    } else {
        std::slice::from_raw_parts(p, len)
    }
}

// ----- the internal C API used by pcbanditsor.c ---------------------------

/// Bytes of the PetscInt this library was built for.
#[no_mangle]
pub extern "C" fn bsorp_petscint_bytes() -> c_int {
    std::mem::size_of::<PetscInt>() as c_int
}

/// Message of the last failure on this thread (valid until the next failure).
#[no_mangle]
pub extern "C" fn bsorp_errmsg() -> *const c_char {
    last_error_ptr()
}

/// The default of every setting, decided here rather than re-typed in C:
/// the shim starts from these.
///
/// # Safety
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn bsorp_default_settings(out: *mut BsorpSettings) -> c_int {
    guard(|| {
        check_out("settings output", out)?;
        let config = LearnerConfig::default();
        let state = PcState::new();
        let mut learner: [c_char; 32] = [0; 32];
        for (slot, byte) in learner.iter_mut().zip(config.kind.name().bytes()) {
            *slot = byte as c_char;
        }
        write_out(
            out,
            BsorpSettings {
                learner,
                fixed_omega: config.fixed_omega,
                omega_min: config.grid.lo(),
                omega_max: config.grid.hi(),
                grid: config.grid.len() as i64,
                context_min: config.context_range.lo(),
                context_max: config.context_range.hi(),
                seed: config.seed as i64,
                sweep: sweep_to_c(state.sweep),
                its: state.its as i64,
                lits: state.lits as i64,
                eisenstat: state.eisenstat as i64,
                // the core's default (automatic context on), as the Rust and C APIs
                auto_context: banditsor::Preconditioner::new().auto_context() as c_int,
            },
        );
        Ok(())
    })
}

/// # Safety
/// `out` must be a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn bsorp_create(out: *mut *mut Bsorp) -> c_int {
    guard(|| {
        check_out("bsorp_create output", out)?;
        let object = Box::new(Bsorp {
            state: Poisonable::new(PcState::new()),
        });
        write_out(out, Box::into_raw(object));
        Ok(())
    })
}

/// # Safety
/// `p` null or from `bsorp_create`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn bsorp_destroy(p: *mut Bsorp) -> c_int {
    guard(|| {
        if !p.is_null() {
            drop(Box::from_raw(p));
        }
        Ok(())
    })
}

/// Validate and apply settings; errors name the offending option.
///
/// # Safety
/// Valid object and settings pointers.
#[no_mangle]
pub unsafe extern "C" fn bsorp_configure(p: *mut Bsorp, s: *const BsorpSettings) -> c_int {
    guard(|| {
        let mut b = obj(p)?;
        let s = s.as_ref().ok_or("null settings")?;
        Ok(b.configure(s)?)
    })
}

/// Set (or clear with NULL/"") the learner state file.
///
/// # Safety
/// Valid object; `path` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn bsorp_set_state_path(p: *mut Bsorp, path: *const c_char) -> c_int {
    guard(|| {
        let mut b = obj(p)?;
        let path = cstr(path, "-pc_banditsor_state")?.filter(|s| !s.is_empty());
        let new = path.map(PathBuf::from);
        if new != b.state_path {
            b.state_path = new;
            b.state_loaded = false;
            b.state_note = None;
            b.saved_after = None;
        }
        Ok(())
    })
}

/// On rank 0, once: load the state file if it exists, then write it, so an
/// unwritable path (say, a directory that does not exist) fails here, at
/// setup, with the message a save after the first solve would give.
///
/// # Safety
/// Valid object.
#[no_mangle]
pub unsafe extern "C" fn bsorp_setup_state(p: *mut Bsorp, root: c_int) -> c_int {
    guard(|| {
        let mut b = obj(p)?;
        if root == 0 || b.state_loaded {
            return Ok(());
        }
        b.state_loaded = true;
        let Some(path) = b.state_path.clone() else {
            return Ok(());
        };
        if path.exists() {
            b.tuner
                .load_state(&path)
                .map_err(|e| format!("-pc_banditsor_state: {e}"))?;
            b.loaded_solves = b.tuner.stats().solves;
            b.state_note = Some(format!(
                "loaded at setup with {} earlier solve(s)",
                b.loaded_solves
            ));
            if b.rounds.is_empty() {
                b.use_favourite_omega()?;
            }
        } else {
            b.state_note = Some("new: created at setup".into());
        }
        b.tuner
            .save_state(&path)
            .map_err(|e| format!("-pc_banditsor_state: {e}"))?;
        Ok(())
    })
}

/// Register the local CSR arrays (validated when the pattern is new,
/// diagonal refreshed when only values changed).
///
/// # Safety
/// PETSc's arrays of an assembled AIJ matrix with `n` rows.
#[no_mangle]
pub unsafe extern "C" fn bsorp_set_operator(
    p: *mut Bsorp,
    n: PetscInt,
    rowptr: *const PetscInt,
    colind: *const PetscInt,
    values: *const f64,
    nonzero_state: i64,
    value_state: i64,
) -> c_int {
    guard(|| Ok(obj(p)?.set_operator(n, rowptr, colind, values, nonzero_state, value_state)?))
}

/// `sweeps` local sweeps on A z = r from zero (`zero_guess` != 0, z output
/// only) or from z (in/out), on the arrays registered last.
///
/// # Safety
/// The arrays registered by `bsorp_set_operator`; r and z of n entries.
#[no_mangle]
pub unsafe extern "C" fn bsorp_apply(
    p: *mut Bsorp,
    n: PetscInt,
    rowptr: *const PetscInt,
    colind: *const PetscInt,
    values: *const f64,
    r: *const f64,
    z: *mut f64,
    sweeps: PetscInt,
    zero_guess: c_int,
) -> c_int {
    guard(|| Ok(obj(p)?.apply(n, rowptr, colind, values, r, z, sweeps, zero_guess != 0)?))
}

/// One step of Eisenstat's trick (`BSORP_EIS_*`) at the current omega on
/// the arrays registered last: x input, y output (and input for
/// `BSORP_EIS_LOWER_ADD`), w work (`BSORP_EIS_OPERATOR`,
/// `BSORP_EIS_LOWER_ADD`; may be NULL otherwise).
///
/// # Safety
/// The arrays registered by `bsorp_set_operator`; x, y, w of n entries,
/// distinct.
#[no_mangle]
pub unsafe extern "C" fn bsorp_eisenstat(
    p: *mut Bsorp,
    n: PetscInt,
    rowptr: *const PetscInt,
    colind: *const PetscInt,
    values: *const f64,
    step: c_int,
    x: *const f64,
    y: *mut f64,
    w: *mut f64,
) -> c_int {
    guard(|| Ok(obj(p)?.eisenstat_step(n, rowptr, colind, values, step, x, y, w)?))
}

/// Start an outer solve. On rank 0 the learner picks omega unless `hold`
/// (a reason) is given or a solve is already in flight. `omega_out` is the
/// value rank 0 broadcasts.
///
/// # Safety
/// Valid object and output pointer; `hold` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn bsorp_presolve(
    p: *mut Bsorp,
    root: c_int,
    hold: *const c_char,
    context: f64,
    omega_out: *mut f64,
) -> c_int {
    guard(|| {
        let mut b = obj(p)?;
        let hold = cstr(hold, "hold reason")?;
        check_out("omega output", omega_out)?;
        let omega = b.presolve(root != 0, hold, context)?;
        write_out(omega_out, omega);
        Ok(())
    })
}

/// Whether the next presolve needs the automatic context (`out` 1): no
/// context from the program (`explicit` NaN), -pc_banditsor_context auto,
/// a learner that uses a context. The same on every rank (settings and
/// context are logically collective), so the shim may reduce on it.
///
/// # Safety
/// Valid object and output pointer.
#[no_mangle]
pub unsafe extern "C" fn bsorp_wants_auto_context(
    p: *mut Bsorp,
    explicit: f64,
    out: *mut c_int,
) -> c_int {
    guard(|| {
        let b = obj(p)?;
        check_out("output", out)?;
        write_out(out, b.wants_auto_context(explicit) as c_int);
        Ok(())
    })
}

/// This rank's sums of the automatic context (see `PcState::context_sums`)
/// over the operator registered last plus the off-process block
/// (`off_rowptr` NULL: none).
///
/// # Safety
/// Valid object and outputs; the registered arrays still PETSc's current
/// ones; `off_rowptr` NULL or the n + 1 row pointers of the local rows'
/// off-process block, `off_values` its values.
#[no_mangle]
pub unsafe extern "C" fn bsorp_context_sums(
    p: *mut Bsorp,
    off_rowptr: *const PetscInt,
    off_values: *const f64,
    first_row: i64,
    sum: *mut f64,
    rows: *mut f64,
) -> c_int {
    guard(|| {
        let b = obj(p)?;
        check_out("sum output", sum)?;
        check_out("rows output", rows)?;
        let (s, n) = b.context_sums(off_rowptr, off_values, first_row)?;
        write_out(sum, s);
        write_out(rows, n as f64);
        Ok(())
    })
}

/// Store the automatic context from the sums added over all ranks.
///
/// # Safety
/// Valid object.
#[no_mangle]
pub unsafe extern "C" fn bsorp_set_operator_context(p: *mut Bsorp, sum: f64, rows: f64) -> c_int {
    guard(|| Ok(obj(p)?.set_operator_context(sum, rows)?))
}

/// The context the last presolve gave the learner (NaN: none, also before
/// any solve) and whether it was the automatic one.
///
/// # Safety
/// Valid object and output pointers.
#[no_mangle]
pub unsafe extern "C" fn bsorp_last_context(
    p: *mut Bsorp,
    context: *mut f64,
    automatic: *mut c_int,
) -> c_int {
    guard(|| {
        let b = obj(p)?;
        check_out("context output", context)?;
        check_out("automatic output", automatic)?;
        let (c, auto) = b.last_context.unwrap_or((f64::NAN, false));
        write_out(context, c);
        write_out(automatic, auto as c_int);
        Ok(())
    })
}

/// Forget solves in flight (their postsolve will never come: an error
/// ended them, or the PC was reset).
///
/// # Safety
/// Valid object.
#[no_mangle]
pub unsafe extern "C" fn bsorp_reset_rounds(p: *mut Bsorp) -> c_int {
    guard(|| {
        obj(p)?.rounds.clear();
        Ok(())
    })
}

/// PCReset: forget solves in flight and the borrowed matrix (PETSc
/// releases it), so a view after the reset shows no stale matrix and the
/// next setup validates whatever matrix comes. The learner is kept.
///
/// # Safety
/// Valid object.
#[no_mangle]
pub unsafe extern "C" fn bsorp_reset(p: *mut Bsorp) -> c_int {
    guard(|| {
        let mut b = obj(p)?;
        b.rounds.clear();
        b.op = None;
        Ok(())
    })
}

/// Use this omega (the broadcast choice of rank 0).
///
/// # Safety
/// Valid object.
#[no_mangle]
pub unsafe extern "C" fn bsorp_set_omega(p: *mut Bsorp, omega: f64) -> c_int {
    guard(|| {
        obj(p)?.tuner.use_omega(omega)?;
        Ok(())
    })
}

/// omega in use.
///
/// # Safety
/// Valid pointers.
#[no_mangle]
pub unsafe extern "C" fn bsorp_get_omega(p: *mut Bsorp, omega: *mut f64) -> c_int {
    guard(|| {
        let b = obj(p)?;
        check_out("omega output", omega)?;
        write_out(omega, b.tuner.omega());
        Ok(())
    })
}

/// End an outer solve; feeds the learner on rank 0 and saves the state
/// file there when one is set.
///
/// # Safety
/// Valid object.
#[no_mangle]
pub unsafe extern "C" fn bsorp_postsolve(
    p: *mut Bsorp,
    root: c_int,
    iterations: i64,
    converged: c_int,
) -> c_int {
    guard(|| {
        let mut b = obj(p)?;
        let learned = b.postsolve(root != 0, iterations, converged != 0)?;
        if learned {
            if let Some(path) = b.state_path.clone() {
                b.tuner
                    .save_state(&path)
                    .map_err(|e| format!("-pc_banditsor_state: {e}"))?;
                b.saved_after = Some(b.tuner.stats().solves);
            }
        }
        Ok(())
    })
}

/// Prepare the view for the context set for the next solves (NaN: none);
/// returns the number of lines through `count`.
///
/// # Safety
/// Valid pointers.
#[no_mangle]
pub unsafe extern "C" fn bsorp_view(p: *mut Bsorp, context: f64, count: *mut c_int) -> c_int {
    guard(|| {
        let mut b = obj(p)?;
        check_out("line count output", count)?;
        b.view(context);
        write_out(count, b.view_lines.len() as c_int);
        Ok(())
    })
}

/// Line `i` of the last `bsorp_view` (NULL when out of range).
///
/// # Safety
/// Valid object.
#[no_mangle]
pub unsafe extern "C" fn bsorp_view_line(p: *mut Bsorp, i: c_int) -> *const c_char {
    match p.as_ref().map(|b| b.state.get()) {
        Some(Ok(b)) if i >= 0 && (i as usize) < b.view_lines.len() => {
            b.view_lines[i as usize].as_ptr()
        }
        _ => std::ptr::null(),
    }
}

// ----- public PETSc entry points (implemented in the shim) ---------------

type PetscErrorCode = c_int;
type PC = *mut std::ffi::c_void;
/// PETSc's boolean (a C enum: int-sized).
type PetscBool = c_int;

extern "C" {
    fn bsorp_shim_dll_register() -> PetscErrorCode;
    fn bsorp_shim_register() -> PetscErrorCode;
    fn bsorp_shim_set_context(pc: PC, c: f64) -> PetscErrorCode;
    fn bsorp_shim_get_omega(pc: PC, omega: *mut f64) -> PetscErrorCode;
    fn bsorp_shim_set_learner(pc: PC, name: *const c_char) -> PetscErrorCode;
    fn bsorp_shim_set_eisenstat(pc: PC, flg: PetscBool) -> PetscErrorCode;
    fn bsorp_shim_get_eisenstat(pc: PC, flg: *mut PetscBool) -> PetscErrorCode;
    fn bsorp_shim_set_auto_context(pc: PC, on: c_int) -> PetscErrorCode;
    fn bsorp_shim_get_context(pc: PC, context: *mut f64, automatic: *mut c_int) -> PetscErrorCode;
}

/// Called by PETSc's `-dll_append`: registers PC type "banditsor".
#[no_mangle]
pub extern "C" fn PetscDLLibraryRegister_banditsor_petsc() -> PetscErrorCode {
    unsafe { bsorp_shim_dll_register() }
}

/// Registers PC type "banditsor" (for programs linking the plugin).
#[no_mangle]
pub extern "C" fn PCBanditSORRegister() -> PetscErrorCode {
    unsafe { bsorp_shim_register() }
}

/// Context of the next solve(s) for the contextual learners.
///
/// # Safety
/// A valid PC.
#[no_mangle]
pub unsafe extern "C" fn PCBanditSORSetContext(pc: PC, c: f64) -> PetscErrorCode {
    bsorp_shim_set_context(pc, c)
}

/// omega in use (the one of the current or last solve).
///
/// # Safety
/// A valid PC and output pointer.
#[no_mangle]
pub unsafe extern "C" fn PCBanditSORGetOmega(pc: PC, omega: *mut f64) -> PetscErrorCode {
    bsorp_shim_get_omega(pc, omega)
}

/// Learner by name: tsallis, chebcb, tsallis_cb or fixed.
///
/// # Safety
/// A valid PC and NUL-terminated name.
#[no_mangle]
pub unsafe extern "C" fn PCBanditSORSetLearner(pc: PC, name: *const c_char) -> PetscErrorCode {
    bsorp_shim_set_learner(pc, name)
}

/// Eisenstat's trick on (PETSC_TRUE) or off: see PCBANDITSOR.
///
/// # Safety
/// A valid PC.
#[no_mangle]
pub unsafe extern "C" fn PCBanditSORSetEisenstat(pc: PC, flg: PetscBool) -> PetscErrorCode {
    bsorp_shim_set_eisenstat(pc, flg)
}

/// Whether Eisenstat's trick is on.
///
/// # Safety
/// A valid PC and output pointer.
#[no_mangle]
pub unsafe extern "C" fn PCBanditSORGetEisenstat(pc: PC, flg: *mut PetscBool) -> PetscErrorCode {
    bsorp_shim_get_eisenstat(pc, flg)
}

/// Automatic context on (PETSC_TRUE, the default) or off: without a
/// context from PCBanditSORSetContext(), the contextual learners get the
/// operator's mean diagonal-dominance ratio (-pc_banditsor_context auto).
///
/// # Safety
/// A valid PC.
#[no_mangle]
pub unsafe extern "C" fn PCBanditSORSetAutoContext(pc: PC, on: c_int) -> PetscErrorCode {
    bsorp_shim_set_auto_context(pc, on)
}

/// The context the last solve's learner got (NaN: none) and whether it
/// was the automatic one (`automatic` may be NULL).
///
/// # Safety
/// A valid PC and output pointers.
#[no_mangle]
pub unsafe extern "C" fn PCBanditSORGetContext(
    pc: PC,
    context: *mut f64,
    automatic: *mut c_int,
) -> PetscErrorCode {
    bsorp_shim_get_context(pc, context, automatic)
}
