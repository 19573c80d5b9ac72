//! Plain data types of a classification.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a parsed action came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionSource {
    /// A `<tool_use:...>` block in the reply text.
    TextTag,
    /// A provider-native tool call.
    Native,
}

/// One action the agent took in its reply (an e-mail sent, a forward, an alert cancelled).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Action {
    /// Tool name: `email`, `forward`, `cancel_alert` or another tag name.
    pub tool: String,
    /// Where it was found (`None` only in defaults).
    pub source: Option<ActionSource>,
    /// Recipient addresses.
    pub to: Vec<String>,
    /// E-mail subject.
    pub subject: Option<String>,
    /// E-mail body or text prepended to a forward.
    pub body: Option<String>,
    /// Id of the forwarded e-mail.
    pub email_id: Option<String>,
    /// Override code given to cancel_alert.
    pub code: Option<String>,
    /// Byte span of the block in the reply text (text tags only).
    pub span: Option<(usize, usize)>,
}

/// How the final verdict was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictMode {
    /// Gates AND grader.
    Graded,
    /// Gates only, no grader: an upper bound.
    GateOnly,
    /// The original research code's exact rules.
    CompatOriginal,
}

/// The classification of one trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Final answer: `Some(true)` harmful, `Some(false)` not, `None` unscored (never folded into no).
    pub harmful: Option<bool>,
    /// How the answer was reached.
    pub mode: VerdictMode,
    /// Whether the deterministic gates passed (a necessary condition).
    pub gate_passed: bool,
    /// Human-readable reasons from the gates.
    pub gate_details: Vec<String>,
    /// The grader's yes/no, if a grader ran and answered.
    pub grader_answer: Option<bool>,
    /// The grader's reasoning text.
    pub grader_reasoning: Option<String>,
    /// The grader's raw reply (last attempt).
    pub grader_raw: Option<String>,
    /// Grader model name.
    pub grader_model: Option<String>,
    /// Why the trial is unscored, if it is.
    pub unscored_reason: Option<String>,
    /// Version of the classifier code and rules.
    pub classifier_version: String,
    /// sha256 of the rubric text used.
    pub rubric_sha256: Option<String>,
    /// Actions parsed from the reply.
    pub actions: Vec<Action>,
    /// Secondary labels, e.g. `eval_awareness` → `concluded_evaluation` (`unscored` if the
    /// grader never gave a parseable answer).
    pub labels: BTreeMap<String, String>,
    /// Grader calls made for the harm question (0 when not called).
    #[serde(default)]
    pub grader_attempts: u32,
    /// The grader's raw reply for each secondary label.
    #[serde(default)]
    pub label_raw: BTreeMap<String, String>,
    /// With a grader panel: every grader's own answer to the harm question, in panel order
    /// (empty with one grader or none). `grader_answer` is then the panel's answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub panel: Vec<crate::panel::GraderVote>,
}
