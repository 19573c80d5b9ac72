//! Plain read-side view of a trial, as handed to reports and exports.

use insider_judge::Verdict;
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
