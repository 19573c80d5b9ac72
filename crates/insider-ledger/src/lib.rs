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
//! [`Ledger::raw_bodies`] puts back byte for byte), `verdicts` (harmful, mode, grader, classifier version, unscored reason code and labels in plain columns plus the full verdict JSON),
//! `verdict_cache`, `grader_votes`, and for agent-mode sessions `worlds` (each session's
//! starting world by hash) and `turns` (every committed turn; see [`Ledger::commit_turn`]); `batches` and `batch_items` (provider batches of `insider run --batch` and the trials each holds, see [`Ledger::open_batch`]; grader batches, `purpose` `grader`, hold requests by hash in `grader_batch_items`, see [`Ledger::open_grader_batch`]). The file uses WAL so readers never block the writer.

mod attempts;
mod batches;
mod cache_use;
mod counts;
mod grader_batches;
mod grader_use;
mod ledger;
pub mod lock;
pub mod merge;
pub mod provenance;
mod rawpack;
mod read;
mod readonly;
mod record;
mod report_facts;
mod schema;
mod staging;
pub mod status;
mod turns;
pub mod unscored_advice;
mod verdict_columns;
mod verdict_facts;
mod work;
mod write;

pub use batches::BatchRecord;
pub use cache_use::CacheUse;
pub use counts::{ModelTotals, StatusCounts};
pub use grader_batches::GraderBatchRecord;
pub use grader_use::GraderSpend;
pub use lock::{DirectoryBusy, RunDirLock};
pub use record::{TrialRecord, TrialStatus, TrialSummary};
pub use report_facts::TrialFactRow;
pub use schema::SCHEMA_VERSION;
pub use staging::build_run_dir;
pub use turns::{NewTurn, TurnRecord, ENDED_NO_CALLS};
pub use verdict_facts::ModelUnscored;
pub use work::{Unclassified, WorkItem};
pub use write::{ConditionInfo, ImportedTrial};

pub use ledger::{Ledger, LEDGER_FILE};
pub(crate) use record::{mode_str, parse_mode};
pub use record::{now_rfc3339, parse_status, status_str, NewRun, RunInfo, StoredPrompt};
