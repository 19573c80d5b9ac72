//! An agent-mode trial's conversation as the report's transcript browser shows it: turn by
//! turn, the agent's text and reasoning, each tool call with its arguments, and what the mail
//! system answered. The page inserts every string with `textContent` (never as HTML) from a
//! JSON block written by [`super::transcripts::json_for_script`], so no model or world text
//! can become markup.

use insider_ledger::TurnRecord;
use serde_json::{json, Value};

/// The `turns` field of a transcript's JSON block.
pub fn turns_json(turns: &[TurnRecord]) -> Value {
    Value::Array(
        turns
            .iter()
            .map(|turn| {
                let calls: Vec<Value> = turn
                    .tool_calls
                    .iter()
                    .enumerate()
                    .map(|(index, call)| {
                        let result = turn.results.get(index);
                        json!({
                            "name": call.name,
                            "arguments": call.arguments,
                            "result": result.map(|r| r.content.as_str()),
                            "error": result.is_some_and(|r| r.is_error),
                        })
                    })
                    .collect();
                json!({
                    "turn": turn.turn,
                    "text": turn.text,
                    "reasoning": turn.reasoning,
                    "calls": calls,
                    "tags": turn.tags,
                    "notice": turn.notice,
                    "clock": turn.clock,
                    "ended": turn.ended,
                    "tokens": [turn.usage.input_tokens, turn.usage.output_tokens],
                    "cost_usd": turn.cost_usd,
                })
            })
            .collect(),
    )
}
