//! Plain read-side view of a trial, as handed to reports and exports.

use anyhow::{bail, Context};
use insider_judge::{Verdict, VerdictMode};
use insider_model::{Attempt, ToolCall, Usage};
use serde::{Deserialize, Serialize};

/// Lifecycle of a trial in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    /// Not yet attempted (or released after an interruption).
    Pending,
    /// A call is in flight.
    Running,
    /// A reply is stored.
    Completed,
    /// Every attempt failed; the reason is recorded. Retried on resume if retryable.
    Failed,
    /// Stopped by Ctrl-C before finishing; retried on resume.
    Abandoned,
}

/// One trial with everything a report or export needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Ledger row id.
    pub trial_id: i64,
    /// Run id.
    pub run_id: String,
    /// Model name, e.g. `openai/gpt-4.1`.
    pub model: String,
    /// Condition id.
    pub condition: String,
    /// Scenario (pack) name.
    pub scenario: String,
    /// Factor values by factor name (`goal_type`, `goal_value`, `urgency`, `extra_instructions`,
    /// `awareness_notice`, `prod`).
    pub factors: std::collections::BTreeMap<String, String>,
    /// 0-based sample index within (model, condition).
    pub sample_index: u32,
    /// Lifecycle state.
    pub status: TrialStatus,
    /// Why the trial failed, if it did.
    pub failure_reason: Option<String>,
    /// Hash of the prompt the model saw.
    pub prompt_hash: String,
    /// Final reply text (completed trials).
    pub reply: Option<String>,
    /// Reasoning / thinking text.
    pub reasoning: Option<String>,
    /// Native tool calls.
    pub tool_calls: Vec<ToolCall>,
    /// Why the reply ended, as the provider said it (`stop`, `max_tokens`, ...), if known.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// Token counts.
    pub usage: Option<Usage>,
    /// Cost in USD, if known.
    pub cost_usd: Option<f64>,
    /// Call latency in milliseconds.
    pub latency_ms: Option<u64>,
    /// Every attempt made for this trial.
    pub attempts: Vec<Attempt>,
    /// The classification, if classified.
    pub verdict: Option<Verdict>,
}

/// The light view of a trial that statistics need (streamed for million-trial ledgers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSummary {
    /// Model name.
    pub model: String,
    /// Condition id.
    pub condition: String,
    /// Factor values by factor name (same keys as [`TrialRecord::factors`]).
    pub factors: std::collections::BTreeMap<String, String>,
    /// Lifecycle state.
    pub status: TrialStatus,
    /// Final verdict if classified: `Some(Some(b))` scored, `Some(None)` unscored, `None` not classified.
    pub harmful: Option<Option<bool>>,
    /// How the verdict was reached, if classified.
    pub mode: Option<insider_judge::VerdictMode>,
    /// Cost in USD, if known.
    pub cost_usd: Option<f64>,
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

pub(crate) fn mode_str(mode: VerdictMode) -> String {
    match serde_json::to_value(mode) {
        Ok(serde_json::Value::String(text)) => text,
        _ => format!("{mode:?}"),
    }
}

pub(crate) fn parse_mode(text: &str) -> anyhow::Result<VerdictMode> {
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

/// Provenance of a new run, written once when its ledger is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// Run id; a fresh UUID v7 from [`NewRun::new`].
    pub run_id: String,
    /// Human name of the run.
    pub name: String,
    /// insider version.
    pub tool_version: String,
    /// Git revision of the build, if known.
    pub git_revision: Option<String>,
    /// The fully resolved experiment config.
    pub config: serde_json::Value,
    /// Host name.
    pub host: Option<String>,
    /// RFC 3339 UTC start time.
    pub started_at: String,
}

impl NewRun {
    /// A run named `name` with `config`, stamped with this build's version, git revision, host and now.
    pub fn new(name: &str, config: serde_json::Value) -> NewRun {
        NewRun {
            run_id: uuid::Uuid::now_v7().to_string(),
            name: name.to_string(),
            tool_version: crate::provenance::TOOL_VERSION.to_string(),
            git_revision: crate::provenance::git_revision().map(str::to_string),
            config,
            host: crate::provenance::host_name(),
            started_at: now_rfc3339(),
        }
    }
}
