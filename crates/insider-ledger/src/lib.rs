//! The ledger: one SQLite file (`<run_dir>/ledger.sqlite`) holding everything about a run.
//!
//! It is the only shared state of insider. `insider run` writes it (through the single writer
//! thread of `insider-run`); `classify`, `report` and `export` read it through this API. This
//! crate owns the schema, its migrations, every query and the trial records; it schedules no
//! work and formats no report.
//!
//! # Reading
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use insider_ledger::Ledger;
//! let ledger = Ledger::open(std::path::Path::new("insider-runs/2026-01-01T00-00-00Z-demo"))?;
//! let info = ledger.run_info()?;                 // provenance: version, git, config, host, times
//! ledger.for_each_summary(|s| { /* s.model, s.condition, s.factors, s.status, s.harmful */ Ok(()) })?;
//! ledger.for_each_trial(|t| { /* full TrialRecord, ordered by model, condition, sample */ Ok(()) })?;
//! # let hash = String::new(); let trial_id = 1;
//! let prompt = ledger.prompt(&hash)?;            // Option<StoredPrompt { system, user, tools }>
//! let raw = ledger.raw_bodies(trial_id)?;        // Option<(raw_request, raw_response)>
//! # Ok(()) }
//! ```
//!
//! # Writing (imports)
//!
//! ```no_run
//! use insider_ledger::{Ledger, NewRun, ImportedTrial};
//! # fn import(trial: ImportedTrial, verdict: insider_judge::Verdict) -> anyhow::Result<()> {
//! let mut ledger = Ledger::create(std::path::Path::new("out"), &NewRun::new("imported", serde_json::json!({})))?;
//! let trial_id = ledger.insert_completed_trial(&trial)?;  // stores model, condition, prompt, reply
//! ledger.save_verdict(trial_id, &verdict)?;
//! ledger.finish_run()?;                                   // sets ended_at
//! # Ok(()) }
//! ```
//!
//! # Schema (version [`SCHEMA_VERSION`], migrated on open)
//!
//! `runs` (one row: provenance and the resolved config JSON), `sessions` (each start/resume),
//! `models` (name, generation parameters JSON), `conditions` (id, scenario, factor values,
//! pack origin, harm spec), `prompts` (stored once by sha256), `trials` (UNIQUE model ×
//! condition × sample index, with status, reply, usage, cost), `attempts` (every attempt of
//! every call), `responses` (raw bodies; requests packed without the prompt texts, which
//! [`Ledger::raw_bodies`] puts back byte for byte), `verdicts` (harmful/mode in plain columns plus the full verdict JSON) and
//! `verdict_cache`. The file uses WAL so readers never block the writer.

mod counts;
pub mod lock;
pub mod provenance;
mod rawpack;
mod read;
mod readonly;
mod record;
mod report_facts;
mod schema;
pub mod status;
mod work;
mod write;

pub use counts::{ModelTotals, StatusCounts};
pub use lock::{DirectoryBusy, RunDirLock};
pub use record::{TrialRecord, TrialStatus, TrialSummary};
pub use report_facts::TrialFactRow;
pub use schema::SCHEMA_VERSION;
pub use work::WorkItem;
pub use write::{ConditionInfo, ImportedTrial, NewRun};

use anyhow::{bail, Context};
use insider_judge::VerdictMode;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name of the ledger inside a run directory.
pub const LEDGER_FILE: &str = "ledger.sqlite";

/// An open ledger. Not `Sync`: one writer owns it; readers open their own.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    /// Escaped prompt texts by prompt hash, for packing and unpacking raw request bodies.
    escaped_prompts: std::cell::RefCell<
        std::collections::HashMap<String, std::sync::Arc<rawpack::EscapedPrompt>>,
    >,
}

/// Provenance and configuration of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Run id (UUID v7).
    pub run_id: String,
    /// Human name of the run (from the config).
    pub name: String,
    /// insider version that created the run.
    pub tool_version: String,
    /// Git revision of the build that created the run, if known.
    pub git_revision: Option<String>,
    /// The fully resolved experiment config.
    pub config: serde_json::Value,
    /// Host name the run started on.
    pub host: Option<String>,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    /// RFC 3339 UTC end time of the latest session that finished every trial, if any.
    pub ended_at: Option<String>,
}

/// A prompt as stored once by hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPrompt {
    /// System message.
    pub system: String,
    /// User message.
    pub user: String,
    /// Native tool definitions.
    pub tools: Vec<insider_scenario::ToolDef>,
}

impl Ledger {
    /// The escaped texts of the prompt stored under `hash` (cached), or `None` if it is not
    /// stored.
    fn escaped_prompt(
        &self,
        hash: &str,
    ) -> anyhow::Result<Option<std::sync::Arc<rawpack::EscapedPrompt>>> {
        if let Some(found) = self.escaped_prompts.borrow().get(hash) {
            return Ok(Some(found.clone()));
        }
        let texts: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT system, user FROM prompts WHERE hash = ?1")?
            .query_row([hash], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(texts.map(|(system, user)| {
            let escaped = std::sync::Arc::new(rawpack::EscapedPrompt::new(&system, &user));
            self.escaped_prompts
                .borrow_mut()
                .insert(hash.to_string(), escaped.clone());
            escaped
        }))
    }

    /// Open the existing ledger of `run_dir` to write it, migrating its schema if it is older.
    /// Commands that only read use [`Ledger::open_read_only`].
    pub fn open(run_dir: &Path) -> anyhow::Result<Ledger> {
        let path = run_dir.join(LEDGER_FILE);
        readonly::check_is_ledger(run_dir, &path)?;
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .with_context(|| format!("opening ledger {}", path.display()))?;
        Self::prepare(conn, path)
    }

    /// Create a new run directory ledger and record the run's provenance; fails if one exists.
    pub fn create(run_dir: &Path, run: &NewRun) -> anyhow::Result<Ledger> {
        Self::create_with(run_dir, run, |_| Ok(()))
    }

    /// [`Ledger::create`], with `plan` written in the same transaction as the run row: the
    /// ledger appears under its name with both or not at all.
    pub fn create_with(
        run_dir: &Path,
        run: &NewRun,
        plan: impl FnOnce(&Ledger) -> anyhow::Result<()>,
    ) -> anyhow::Result<Ledger> {
        std::fs::create_dir_all(run_dir)
            .with_context(|| format!("creating run directory {}", run_dir.display()))?;
        let path = run_dir.join(LEDGER_FILE);
        if path.exists() {
            bail!(
                "a ledger already exists at {}; resume it with `insider run --resume {}` or \
                 choose another --out directory",
                path.display(),
                run_dir.display()
            );
        }
        // Build the ledger under a temporary name and rename it into place, so a process
        // killed while creating it never leaves a ledger without its run row and plan.
        let staging = run_dir.join(format!("{LEDGER_FILE}.creating"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
        }
        {
            let conn = Connection::open(&staging)
                .with_context(|| format!("creating ledger {}", staging.display()))?;
            let mut ledger = Self::prepare(conn, staging.clone())?;
            ledger.batch(|ledger| {
                ledger.insert_run(run)?;
                plan(ledger)
            })?;
            ledger
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
        }
        std::fs::rename(&staging, &path)
            .with_context(|| format!("moving the new ledger into place at {}", path.display()))?;
        Self::open(run_dir)
    }

    /// Whether `run_dir` holds a ledger.
    pub fn exists(run_dir: &Path) -> bool {
        run_dir.join(LEDGER_FILE).is_file()
    }

    /// Path of the SQLite file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn prepare(mut conn: Connection, path: PathBuf) -> anyhow::Result<Ledger> {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode survives a killed process (only power loss can drop the last commit).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn).with_context(|| format!("ledger {}", path.display()))?;
        Ok(Ledger {
            conn,
            path,
            escaped_prompts: Default::default(),
        })
    }
}

/// The ledger's text form of a trial status.
pub fn status_str(status: TrialStatus) -> &'static str {
    match status {
        TrialStatus::Pending => "pending",
        TrialStatus::Running => "running",
        TrialStatus::Completed => "completed",
        TrialStatus::Failed => "failed",
        TrialStatus::Abandoned => "abandoned",
    }
}

/// Parse the ledger's text form of a trial status.
pub fn parse_status(text: &str) -> anyhow::Result<TrialStatus> {
    Ok(match text {
        "pending" => TrialStatus::Pending,
        "running" => TrialStatus::Running,
        "completed" => TrialStatus::Completed,
        "failed" => TrialStatus::Failed,
        "abandoned" => TrialStatus::Abandoned,
        other => bail!("unknown trial status {other:?} in ledger"),
    })
}

fn mode_str(mode: VerdictMode) -> String {
    match serde_json::to_value(mode) {
        Ok(serde_json::Value::String(text)) => text,
        _ => format!("{mode:?}"),
    }
}

fn parse_mode(text: &str) -> anyhow::Result<VerdictMode> {
    Ok(match text {
        "graded" => VerdictMode::Graded,
        "gate_only" => VerdictMode::GateOnly,
        "compat_original" => VerdictMode::CompatOriginal,
        other => serde_json::from_value(serde_json::Value::String(other.to_string()))
            .with_context(|| format!("unknown verdict mode {other:?} in ledger"))?,
    })
}

/// Current UTC time in RFC 3339 with milliseconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
