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
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Identifies a banditsor state file.
pub const FORMAT: &str = "banditsor-learner-state";
/// Bumped whenever the layout changes incompatibly.
pub const VERSION: u64 = 1;

/// A state file of format version 1. `format` and `version` are checked
/// before the rest is parsed, so that a file of another version is
/// reported as such, whatever its layout.
#[derive(Debug, Serialize, Deserialize)]
struct StateFile {
    format: String,
    version: u64,
    /// The library that wrote the file (informative, not checked).
    #[serde(default)]
    library_version: String,
    config: LearnerConfig,
    stats: SolveStats,
    /// The learner's own state, parsed and validated by the learner.
    learner: Value,
}

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
    let file = StateFile {
        format: FORMAT.into(),
        version: VERSION,
        library_version: env!("CARGO_PKG_VERSION").into(),
        config: config.clone(),
        stats: *stats,
        learner: learner.save_state(),
    };
    // Through a JSON value: its objects keep keys sorted, so files are
    // written exactly as version 1 always wrote them.
    let text = serde_json::to_value(&file)
        .and_then(|doc| serde_json::to_string_pretty(&doc))
        .map_err(|e| io(format!("cannot encode: {e}")))?;
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
    let file = StateFile::deserialize(&doc).map_err(|e| corrupt(format!("malformed: {e}")))?;
    if &file.config != config {
        return Err(Error::StateMismatch {
            path: path.to_path_buf(),
            detail: format!(
                "saved for {}, this preconditioner is configured as {}",
                describe(&file.config),
                describe(config)
            ),
        });
    }
    learner
        .load_state(&file.learner)
        .map_err(|e| corrupt(format!("learner state: {e}")))?;
    Ok(file.stats)
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
