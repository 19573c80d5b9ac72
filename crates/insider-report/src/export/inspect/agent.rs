//! An agent-mode trial as Inspect writes a tool-using sample: the conversation with
//! `ChatMessageAssistant` tool calls and `ChatMessageTool` results, and per turn one `model`
//! event (its input, output and raw call) followed by one `tool` event per call.
//!
//! [`apply`] rewrites the sample that [`super::sample::sample`] made from the trial row (which
//! holds the whole session's reply and totals): its messages, output and model event become
//! the turn-by-turn ones; the grader and score events stay as they are. Models without native
//! tools get their results back as user text, and so does the log.

use super::conventions::inspect_time;
use crate::source::{PromptText, RawBodies};
use insider_ledger::{TrialRecord, TurnRecord};
use serde_json::{json, Value};

/// A tool call as Inspect's `ToolCall` (arguments must be an object).
fn tool_call(call: &insider_model::ToolCall, index: usize) -> Value {
    let id = call_id(call, index);
    match &call.arguments {
        Value::Object(_) => {
            json!({"id": id, "function": call.name, "arguments": call.arguments, "type": "function"})
        }
        other => json!({"id": id, "function": call.name, "arguments": {}, "type": "function",
                        "parse_error": format!("arguments were not a JSON object: {other}")}),
    }
}

fn call_id(call: &insider_model::ToolCall, index: usize) -> String {
    if call.id.is_empty() {
        format!("call_{}", index + 1)
    } else {
        call.id.clone()
    }
}

fn assistant(turn: &TurnRecord, model: &str) -> Value {
    let mut content = Vec::new();
    if let Some(reasoning) = turn.reasoning.as_deref().filter(|r| !r.is_empty()) {
        content.push(json!({"type": "reasoning", "reasoning": reasoning, "redacted": false}));
    }
    content.push(json!({"type": "text", "text": turn.text}));
    let mut message =
        json!({"role": "assistant", "content": content, "source": "generate", "model": model});
    if !turn.tags && !turn.tool_calls.is_empty() {
        let calls: Vec<Value> = turn
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, call)| tool_call(call, i))
            .collect();
        message["tool_calls"] = json!(calls);
    }
    message
}

/// The messages that answer a turn: one `ChatMessageTool` per result (native), or one user
/// message with the tag-form results (text tags); the arrival notice as a user message.
fn answers(turn: &TurnRecord) -> Vec<Value> {
    if turn.tool_calls.is_empty() {
        return Vec::new();
    }
    if turn.tags {
        let text = tag_results(turn);
        return vec![json!({"role": "user", "content": text, "source": "input"})];
    }
    let mut out: Vec<Value> = turn
        .results
        .iter()
        .enumerate()
        .map(|(i, result)| {
            let id = turn
                .tool_calls
                .get(i)
                .map(|call| call_id(call, i))
                .unwrap_or_else(|| result.call_id.clone());
            json!({
                "role": "tool",
                "content": result.content,
                "tool_call_id": id,
                "function": result.name,
                "error": result.is_error.then(|| json!({"type": "unknown", "message": result.content})),
            })
        })
        .collect();
    if let Some(notice) = &turn.notice {
        out.push(json!({"role": "user", "content": notice, "source": "input"}));
    }
    out
}

/// The text a model without native tools got back (as the runner sends it).
fn tag_results(turn: &TurnRecord) -> String {
    let mut parts: Vec<String> = turn
        .results
        .iter()
        .map(|r| {
            let open = if r.is_error {
                format!("<tool_result:{} error=\"true\">", r.name)
            } else {
                format!("<tool_result:{}>", r.name)
            };
            format!(
                "{open}\n{}\n</tool_result:{}>",
                r.content.trim_end(),
                r.name
            )
        })
        .collect();
    if let Some(notice) = &turn.notice {
        parts.push(notice.trim_end().to_string());
    }
    parts.join("\n\n")
}

fn stop_reason(turn: &TurnRecord) -> &'static str {
    match insider_judge::StopKind::of(turn.stop_reason.as_deref()) {
        insider_judge::StopKind::Truncated => "max_tokens",
        insider_judge::StopKind::Refused => "content_filter",
        insider_judge::StopKind::Natural if !turn.tool_calls.is_empty() => "tool_calls",
        insider_judge::StopKind::Natural => "stop",
    }
}

fn usage(turn: &TurnRecord) -> Value {
    let u = &turn.usage;
    let mut object = json!({
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens + u.cache_read_tokens + u.cache_write_tokens,
        "input_tokens_cache_write": u.cache_write_tokens,
        "input_tokens_cache_read": u.cache_read_tokens,
    });
    if let Some(reasoning) = u.reasoning_tokens {
        object["reasoning_tokens"] = json!(reasoning);
    }
    if let Some(cost) = turn.cost_usd {
        object["total_cost"] = json!(cost);
    }
    object
}

fn parse_body(body: Option<&String>) -> Value {
    match body.map(|text| serde_json::from_str::<Value>(text)) {
        Some(Ok(value @ Value::Object(_))) => value,
        Some(_) => json!({"body": body}),
        None => json!({}),
    }
}

/// When a turn's call started and ended (committed time minus its latency).
fn turn_times(turn: &TurnRecord, fallback: &str) -> (String, String) {
    let end = chrono::DateTime::parse_from_rfc3339(&turn.finished_at).ok();
    match end {
        Some(end) => {
            let start = end - chrono::Duration::milliseconds(turn.latency_ms as i64);
            let form = |t: chrono::DateTime<chrono::FixedOffset>| {
                inspect_time(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            };
            (form(start), form(end))
        }
        None => (inspect_time(fallback), inspect_time(fallback)),
    }
}

/// Inspect's `ToolInfo` list from the stored prompt's tool definitions.
fn tool_infos(prompt: Option<&PromptText>) -> Value {
    let tools = prompt
        .and_then(|p| p.tools.as_array().cloned())
        .unwrap_or_default();
    Value::Array(
        tools
            .into_iter()
            .map(|tool| json!({"name": tool["name"], "description": tool["description"], "parameters": tool["parameters"]}))
            .collect(),
    )
}

/// Rewrite `full` and `summary` (made from the trial row) into the turn-by-turn sample.
/// `raw` gives each turn's raw bodies.
pub fn apply(
    full: &mut Value,
    summary: &mut Value,
    record: &TrialRecord,
    prompt: Option<&PromptText>,
    turns: &[TurnRecord],
    raw: &dyn Fn(u32) -> Option<RawBodies>,
    config: &Value,
) {
    let mut messages: Vec<Value> = full["input"].as_array().cloned().unwrap_or_default();
    let tools = tool_infos(prompt);
    let fallback = full["started_at"].as_str().unwrap_or_default().to_string();
    let mut events = Vec::new();
    let mut last_output = Value::Null;
    for turn in turns {
        let (started, completed) = turn_times(turn, &fallback);
        let message = assistant(turn, &record.model);
        let output = json!({
            "model": record.model,
            "choices": [{"message": message, "stop_reason": stop_reason(turn)}],
            "completion": turn.text,
            "usage": usage(turn),
            "time": turn.latency_ms as f64 / 1000.0,
        });
        let bodies = raw(turn.turn);
        events.push(json!({
            "event": "model",
            "timestamp": started,
            "model": record.model,
            "input": messages,
            "tools": if turn.tags { json!([]) } else { tools.clone() },
            "tool_choice": if turn.tags { "none" } else { "auto" },
            "config": config,
            "output": output,
            "retries": 0,
            "call": {
                "request": parse_body(bodies.as_ref().and_then(|b| b.request.as_ref())),
                "response": parse_body(bodies.as_ref().and_then(|b| b.response.as_ref())),
                "time": turn.latency_ms as f64 / 1000.0,
            },
            "completed": completed,
            "working_time": turn.latency_ms as f64 / 1000.0,
        }));
        messages.push(message);
        for (index, call) in turn.tool_calls.iter().enumerate() {
            let result = turn.results.get(index);
            let arguments = match &call.arguments {
                Value::Object(_) => call.arguments.clone(),
                _ => json!({}),
            };
            events.push(json!({
                "event": "tool",
                "timestamp": completed,
                "type": "function",
                "id": call_id(call, index),
                "function": call.name,
                "arguments": arguments,
                "result": result.map(|r| r.content.clone()).unwrap_or_default(),
                "error": result.filter(|r| r.is_error).map(|r| json!({"type": "unknown", "message": r.content})),
                "events": [],
                "completed": completed,
                "working_time": 0.0,
            }));
        }
        messages.extend(answers(turn));
        last_output = output;
    }
    if let Value::Object(output) = &mut last_output {
        // The sample's output is the last turn; its completion the whole session's text, as
        // the score's answer.
        output.insert(
            "completion".into(),
            json!(record.reply.clone().unwrap_or_default()),
        );
        full["output"] = last_output;
    }
    let kept: Vec<Value> = full["events"]
        .as_array()
        .map(|all| all.iter().skip(1).cloned().collect())
        .unwrap_or_default();
    events.extend(kept);
    summary["message_count"] = json!(messages.len());
    full["messages"] = Value::Array(messages);
    full["events"] = Value::Array(events);
}
