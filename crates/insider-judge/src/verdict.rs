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
    /// What the grader calls behind this verdict used and cost (harm question, retries, panel
    /// members and labels together); `None` without a grader, and in verdicts stored before
    /// grader usage was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grader_usage: Option<GraderUsage>,
}

/// Tokens and cost of the grader calls behind one verdict, summed over every call.
///
/// A failed call (no response) counts as a call with no tokens and no cost: providers return
/// no usage for it. A verdict answered from the verdict cache made no call and records zero
/// with `cached` set, so a reply graded once is paid for once however often it is classified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraderUsage {
    /// Grader calls made (each provider call, successful or not).
    #[serde(default)]
    pub calls: u32,
    /// Prompt tokens billed at the normal rate.
    #[serde(default)]
    pub input_tokens: u64,
    /// Generated tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    #[serde(default)]
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the provider's cache.
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Cost in USD (at the batch price for batched graders); `None` when any call's price is
    /// unknown, so no total is claimed where a price is missing.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// Answered from the verdict cache: no call made, every figure zero.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
}

impl GraderUsage {
    /// No call made yet: zero tokens at a known cost of zero.
    pub fn zero() -> GraderUsage {
        GraderUsage {
            calls: 0,
            input_tokens: 0,
            output_tokens: 0,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
            cost_usd: Some(0.0),
            cached: false,
        }
    }

    /// The usage of a verdict answered from the verdict cache: no call, nothing spent.
    pub fn from_cache() -> GraderUsage {
        GraderUsage {
            cached: true,
            ..GraderUsage::zero()
        }
    }

    /// Count one call that returned `response`.
    pub fn add_response(&mut self, response: &insider_model::ChatResponse) {
        self.calls += 1;
        self.input_tokens += response.usage.input_tokens;
        self.output_tokens += response.usage.output_tokens;
        self.cache_read_tokens += response.usage.cache_read_tokens;
        self.cache_write_tokens += response.usage.cache_write_tokens;
        self.cost_usd = self.cost_usd.zip(response.cost_usd).map(|(a, b)| a + b);
    }

    /// Count one call that failed (no usage reported, nothing billed).
    pub fn add_failed_call(&mut self) {
        self.calls += 1;
    }

    /// Add `other`'s calls, tokens and cost (unknown if either is).
    pub fn add(&mut self, other: &GraderUsage) {
        self.calls += other.calls;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
        self.cost_usd = self.cost_usd.zip(other.cost_usd).map(|(a, b)| a + b);
    }
}

impl Default for GraderUsage {
    fn default() -> Self {
        GraderUsage::zero()
    }
}
