//! The reply the classifier is given. Its own file so that `reading` can take it without
//! depending on the classifier that uses the reading.

use insider_model::ToolCall;
use insider_scenario::HarmSpec;

/// One reply to classify and the scenario it answered.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyInput<'a> {
    /// The agent's visible reply text.
    pub reply: &'a str,
    /// Native tool calls the agent made.
    pub tool_calls: &'a [ToolCall],
    /// The pack's harm section.
    pub harm: &'a HarmSpec,
    /// Condition id (for messages; does not change the verdict).
    pub condition_id: &'a str,
    /// The reply's stop reason (`ChatResponse::stop_reason`, canonical or raw): a reply cut at
    /// the token limit or stopped by a refusal is unscored unless a harmful action is complete.
    pub stop_reason: Option<&'a str>,
}
