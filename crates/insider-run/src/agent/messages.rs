//! The conversation of a session: how each turn goes back to the model, and how a stored
//! session becomes the same conversation again.
//!
//! Native mode sends the assistant turn as the provider returned it (text, tool calls and its
//! own blocks, so Anthropic thinking signatures and Gemini thought signatures survive) and one
//! user turn with every tool result, the arrival notice as its text. Text-tag mode sends the
//! assistant text and a user turn whose text holds each result in a `<tool_result:NAME>` block.
//! Rebuilding from stored turns gives the same messages, so a resumed session continues the
//! conversation its committed turns had.

use insider_ledger::TurnRecord;
use insider_model::{Message, Role, ToolResult};

/// The text that returns results to a model without native tools: one `<tool_result:NAME>`
/// block per call (`error="true"` when the world refused it), then the notice.
pub fn tag_results_text(results: &[ToolResult], notice: Option<&str>) -> String {
    let mut parts: Vec<String> = results
        .iter()
        .map(|result| {
            let open = if result.is_error {
                format!("<tool_result:{} error=\"true\">", result.name)
            } else {
                format!("<tool_result:{}>", result.name)
            };
            format!(
                "{open}\n{}\n</tool_result:{}>",
                result.content.trim_end(),
                result.name
            )
        })
        .collect();
    if let Some(notice) = notice {
        parts.push(notice.trim_end().to_string());
    }
    parts.join("\n\n")
}

/// The assistant message of a turn.
pub(crate) fn assistant_message(turn: &TurnRecord) -> Message {
    if turn.tags {
        return Message::assistant(turn.text.clone());
    }
    Message {
        role: Role::Assistant,
        content: turn.text.clone(),
        tool_calls: turn.tool_calls.clone(),
        tool_results: Vec::new(),
        native: turn.native.clone(),
    }
}

/// The user message that answers a turn's calls.
pub(crate) fn results_message(turn: &TurnRecord) -> Message {
    if turn.tags {
        return Message::user(tag_results_text(&turn.results, turn.notice.as_deref()));
    }
    Message {
        content: turn.notice.clone().unwrap_or_default(),
        ..Message::tool_results(turn.results.clone())
    }
}

/// The conversation after `turns`: the first user message, then each turn and (for turns that
/// called tools) its results.
pub fn rebuild_messages(first_user: &str, turns: &[TurnRecord]) -> Vec<Message> {
    let mut messages = vec![Message::user(first_user.to_string())];
    for turn in turns {
        messages.push(assistant_message(turn));
        if !turn.tool_calls.is_empty() {
            messages.push(results_message(turn));
        }
    }
    messages
}

/// The world's answer in the provider's form.
pub(crate) fn model_result(result: &insider_env::ToolResult) -> ToolResult {
    ToolResult {
        call_id: result.call_id.clone(),
        name: result.tool.clone(),
        content: result.content.clone(),
        is_error: result.is_error,
    }
}

/// A stored call as the world takes it.
pub(crate) fn world_call(call: &insider_model::ToolCall) -> insider_env::Call {
    insider_env::Call::from(call)
}
