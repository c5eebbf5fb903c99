//! Learner state persistence: a versioned JSON file holding the learner
//! configuration, its state (including the random stream position) and
//! the solve statistics, so learning continues across runs.
//!
//! Saving writes a temporary file in the same directory, syncs it and
//! renames it over the target: a crash never leaves a half-written state.
//! Loading checks format, version and configuration before touching the
//! learner: a file from another configuration or a corrupt file is an
//! error and leaves the learner as it was.

use crate::error::{Error, Result};
use crate::learn::{Learner, LearnerConfig};
use crate::tuner::SolveStats;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

/// Identifies a banditsor state file.
pub const FORMAT: &str = "banditsor-learner-state";
/// Bumped whenever the layout changes incompatibly.
pub const VERSION: u64 = 1;

pub(crate) fn save(
    path: &Path,
    config: &LearnerConfig,
    learner: &dyn Learner,
    stats: &SolveStats,
) -> Result<()> {
    let io = |detail: String| Error::StateIo {
        path: path.to_path_buf(),
        detail,
    };
    let doc = json!({
        "format": FORMAT,
        "version": VERSION,
        "library_version": env!("CARGO_PKG_VERSION"),
        "config": config,
        "stats": {
            "solves": stats.solves,
            "total_iterations": stats.total_iterations,
            "failed_solves": stats.failed_solves,
            "max_converged_iterations": stats.max_converged_iterations,
        },
        "learner": learner.save_state(),
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| io(format!("cannot encode: {e}")))?;
    let file_name = path
        .file_name()
        .ok_or_else(|| io("path has no file name".into()))?;
    // Unique per process and per call: concurrent saves (other threads,
    // other handles) to the same path must not share a temporary file.
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let serial = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp_name = file_name.to_os_string();
    tmp_name.push(format!(".tmp.{}.{serial}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(format!("cannot write: {e}"))
    })
}

pub(crate) fn load(
    path: &Path,
    config: &LearnerConfig,
    learner: &mut dyn Learner,
) -> Result<SolveStats> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::StateIo {
        path: path.to_path_buf(),
        detail: format!("cannot read: {e}"),
    })?;
    let corrupt = |detail: String| Error::StateCorrupt {
        path: path.to_path_buf(),
        detail,
    };
    let doc: Value = serde_json::from_str(&text).map_err(|e| corrupt(format!("not JSON: {e}")))?;
    if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(corrupt(format!("'format' is not \"{FORMAT}\"")));
    }
    match doc.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(v) => {
            return Err(Error::StateMismatch {
                path: path.to_path_buf(),
                detail: format!("state format version {v}, this library reads version {VERSION}"),
            })
        }
        None => return Err(corrupt("missing 'version'".into())),
    }
    let saved_config: LearnerConfig = serde_json::from_value(
        doc.get("config")
            .cloned()
            .ok_or_else(|| corrupt("missing 'config'".into()))?,
    )
    .map_err(|e| corrupt(format!("malformed 'config': {e}")))?;
    if &saved_config != config {
        return Err(Error::StateMismatch {
            path: path.to_path_buf(),
            detail: format!(
                "saved for {}, this preconditioner is configured as {}",
                describe(&saved_config),
                describe(config)
            ),
        });
    }
    let stats = doc
        .get("stats")
        .ok_or_else(|| corrupt("missing 'stats'".into()))?;
    let field = |name: &str| {
        stats
            .get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| corrupt(format!("missing or malformed stats.{name}")))
    };
    let stats = SolveStats {
        solves: field("solves")?,
        total_iterations: field("total_iterations")?,
        failed_solves: field("failed_solves")?,
        max_converged_iterations: field("max_converged_iterations")?,
    };
    let state = doc
        .get("learner")
        .ok_or_else(|| corrupt("missing 'learner'".into()))?;
    learner
        .load_state(state)
        .map_err(|e| corrupt(format!("learner state: {e}")))?;
    Ok(stats)
}

fn describe(c: &LearnerConfig) -> String {
    format!(
        "learner {} (grid {} x [{}, {}], fixed omega {}, context [{}, {}], seed {}, {} bins, {} features)",
        c.kind.name(),
        c.grid.len(),
        c.grid.lo(),
        c.grid.hi(),
        c.fixed_omega,
        c.context_range.lo(),
        c.context_range.hi(),
        c.seed,
        c.context_bins,
        c.chebyshev_features
    )
}
