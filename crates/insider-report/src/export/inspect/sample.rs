//! One trial as an Inspect `EvalSample` (and its thin `EvalSampleSummary`).
//!
//! Times are the trial's real ones: the sample starts with its first attempt and ends with the
//! last attempt's end; the model event spans the successful call. The sample's output and the
//! score's `answer` are the agent's reply; the grader's own text goes in a separate model event
//! with role `grader` (the ledger keeps no grader usage or timing, so that event has neither).

use super::conventions::{inspect_time, short_id, SCORER};
use crate::source::{PromptText, RawBodies};
use insider_ledger::{TrialRecord, TrialStatus};
use serde_json::{json, Value};

/// Characters of text kept in a sample summary (summaries are held in memory per log).
const SUMMARY_TEXT: usize = 240;

/// Generation settings of the log's model, as Inspect's `GenerateConfig`.
pub fn generate_config(temperature: Option<f64>, max_tokens: Option<u64>) -> Value {
    let mut config = serde_json::Map::new();
    if let Some(t) = temperature {
        config.insert("temperature".into(), json!(t));
    }
    if let Some(m) = max_tokens {
        config.insert("max_tokens".into(), json!(m));
    }
    Value::Object(config)
}

/// Inspect's usage object of one trial, by model name (empty without usage).
pub fn model_usage(record: &TrialRecord) -> Value {
    let Some(usage) = &record.usage else {
        return json!({});
    };
    let mut object = json!({
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
        "input_tokens_cache_write": usage.cache_write_tokens,
        "input_tokens_cache_read": usage.cache_read_tokens,
    });
    if let Some(reasoning) = usage.reasoning_tokens {
        object["reasoning_tokens"] = json!(reasoning);
    }
    if let Some(cost) = record.cost_usd {
        object["total_cost"] = json!(cost);
    }
    let mut by_model = serde_json::Map::new();
    by_model.insert(record.model.clone(), object);
    Value::Object(by_model)
}

fn assistant_message(record: &TrialRecord) -> Value {
    let mut content = Vec::new();
    if let Some(reasoning) = record.reasoning.as_deref().filter(|r| !r.is_empty()) {
        content.push(json!({"type": "reasoning", "reasoning": reasoning, "redacted": false}));
    }
    content.push(json!({"type": "text", "text": record.reply.clone().unwrap_or_default()}));
    let mut message = json!({
        "role": "assistant",
        "content": content,
        "source": "generate",
        "model": record.model,
    });
    if !record.tool_calls.is_empty() {
        let calls: Vec<Value> = record
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, call)| {
                let id = if call.id.is_empty() { format!("call_{}", i + 1) } else { call.id.clone() };
                match &call.arguments {
                    Value::Object(_) => json!({"id": id, "function": call.name, "arguments": call.arguments, "type": "function"}),
                    other => json!({"id": id, "function": call.name, "arguments": {}, "type": "function",
                                    "parse_error": format!("arguments were not a JSON object: {other}")}),
                }
            })
            .collect();
        message["tool_calls"] = json!(calls);
    }
    message
}

/// Inspect's stop reason for a canonical (or raw) provider stop reason.
fn stop_reason(record: &TrialRecord) -> &'static str {
    match insider_judge::StopKind::of(record.stop_reason.as_deref()) {
        insider_judge::StopKind::Truncated => "max_tokens",
        insider_judge::StopKind::Refused => "content_filter",
        insider_judge::StopKind::Natural if !record.tool_calls.is_empty() => "tool_calls",
        insider_judge::StopKind::Natural => "stop",
    }
}

/// The `harmfulness_scorer` score: `{harmful, classifier_verdict}` like the agentic_misalignment
/// port, with the agent's reply as the answer.
pub fn score(record: &TrialRecord) -> Option<Value> {
    let verdict = record.verdict.as_ref()?;
    let harmful = verdict.harmful?;
    let grader = verdict.grader_answer.unwrap_or(harmful);
    Some(json!({
        "value": {"harmful": if harmful { 1.0 } else { 0.0 }, "classifier_verdict": if grader { 1.0 } else { 0.0 }},
        "answer": record.reply,
        "explanation": verdict.grader_reasoning,
        "metadata": {
            "mode": verdict.mode,
            "gate_passed": verdict.gate_passed,
            "gate_details": verdict.gate_details,
            "grader_model": verdict.grader_model,
            "grader_raw": verdict.grader_raw,
            "classifier_version": verdict.classifier_version,
            "rubric_sha256": verdict.rubric_sha256,
            "labels": verdict.labels,
        },
        "history": [],
    }))
}

fn parse_body(body: Option<&String>) -> Value {
    match body {
        None => json!({}),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => value,
            _ => json!({"body": text}),
        },
    }
}

fn shift(rfc3339: &str, milliseconds: u64) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            (t + chrono::Duration::milliseconds(milliseconds.min(i64::MAX as u64) as i64))
                .with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// When the trial ran: first attempt start, last attempt end, the successful call's start, and
/// the seconds spent in calls.
struct Timing {
    started: String,
    completed: String,
    call_started: String,
    call_seconds: f64,
    working_seconds: f64,
}

fn timing(record: &TrialRecord, fallback: &str) -> Timing {
    let Some(first) = record.attempts.first() else {
        let started = inspect_time(fallback);
        let seconds = record.latency_ms.unwrap_or(0) as f64 / 1000.0;
        let completed = shift(&started, record.latency_ms.unwrap_or(0));
        return Timing {
            call_started: started.clone(),
            started,
            completed,
            call_seconds: seconds,
            working_seconds: seconds,
        };
    };
    let last = record.attempts.last().unwrap_or(first);
    let started = inspect_time(&first.started_at);
    let call_started = inspect_time(&last.started_at);
    Timing {
        completed: shift(&call_started, last.duration_ms),
        started,
        call_started,
        call_seconds: last.duration_ms as f64 / 1000.0,
        working_seconds: record.attempts.iter().map(|a| a.duration_ms).sum::<u64>() as f64 / 1000.0,
    }
}

fn grader_events(record: &TrialRecord, at: &str) -> Vec<Value> {
    let Some(verdict) = &record.verdict else {
        return Vec::new();
    };
    let Some(grader) = &verdict.grader_model else {
        return Vec::new();
    };
    let mut texts: Vec<(String, &str)> = Vec::new();
    if let Some(raw) = &verdict.grader_raw {
        texts.push(("harm question".into(), raw));
    }
    for (label, raw) in &verdict.label_raw {
        texts.push((format!("label {label}"), raw));
    }
    texts
        .into_iter()
        .map(|(question, text)| {
            let message = json!({"role": "assistant", "content": text, "source": "generate", "model": grader});
            json!({
                "event": "model",
                "timestamp": at,
                "model": grader,
                "role": "grader",
                "input": [{"role": "user", "content": format!("(grader prompt for the {question}: not stored in the ledger; rubric sha256 {})", verdict.rubric_sha256.as_deref().unwrap_or("unknown")), "source": "input"}],
                "tools": [],
                "tool_choice": "none",
                "config": {},
                "output": {"model": grader, "choices": [{"message": message, "stop_reason": "stop"}], "completion": text},
                "retries": verdict.grader_attempts.saturating_sub(1),
            })
        })
        .collect()
}

fn thin(text: &str) -> String {
    if text.chars().count() <= SUMMARY_TEXT {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(SUMMARY_TEXT).collect();
    cut.push('…');
    cut
}

/// The model's output: the assistant message of a completed trial (`None` otherwise, which
/// gives an empty output) with its stop reason, time and usage.
fn model_output(
    record: &TrialRecord,
    assistant: Option<&Value>,
    usage: &Value,
    time: &Timing,
) -> Value {
    let Some(assistant) = assistant else {
        return json!({"model": record.model, "choices": [], "completion": ""});
    };
    let mut output = json!({
        "model": record.model,
        "choices": [{"message": assistant, "stop_reason": stop_reason(record)}],
        "completion": record.reply.clone().unwrap_or_default(),
        "time": time.call_seconds,
    });
    if let Some(u) = usage.get(&record.model) {
        output["usage"] = u.clone();
    }
    output
}

/// The model event of the successful call, with the raw provider request and response.
fn model_event(
    record: &TrialRecord,
    input: &Value,
    config: &Value,
    output: &Value,
    raw: Option<&RawBodies>,
    time: &Timing,
) -> Value {
    json!({
        "event": "model",
        "timestamp": time.call_started,
        "model": record.model,
        "input": input,
        "tools": [],
        "tool_choice": "none",
        "config": config,
        "output": output,
        "retries": record.attempts.len().saturating_sub(1),
        "call": {
            "request": parse_body(raw.and_then(|r| r.request.as_ref())),
            "response": parse_body(raw.and_then(|r| r.response.as_ref())),
            "time": time.call_seconds,
        },
        "completed": time.completed,
        "working_time": time.call_seconds,
    })
}

/// The sample's metadata: the trial's ids, factors and verdict as insider records them.
fn sample_metadata(record: &TrialRecord) -> Value {
    let verdict = record.verdict.as_ref();
    json!({
        "condition": record.condition,
        "scenario": record.scenario,
        "factors": record.factors,
        "trial_id": record.trial_id,
        "run_id": record.run_id,
        "prompt_hash": record.prompt_hash,
        "verdict": crate::source::verdict_label(record.status, verdict.map(|v| v.harmful)),
        "unscored_reason": verdict.and_then(|v| v.unscored_reason.clone()),
        "stop_reason": record.stop_reason,
        "cost_usd": record.cost_usd,
    })
}

/// Seconds from the first attempt's start to the end; the time spent in calls when either
/// time does not parse.
fn total_time(time: &Timing) -> f64 {
    chrono::DateTime::parse_from_rfc3339(&time.completed)
        .ok()
        .zip(chrono::DateTime::parse_from_rfc3339(&time.started).ok())
        .map(|(end, start)| (end - start).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(time.working_seconds)
}

/// One full `EvalSample` and its thin `EvalSampleSummary`; `config` is the model's generation
/// settings, `fallback_time` the run's start (for trials without attempts).
pub fn sample(
    record: &TrialRecord,
    prompt: Option<&PromptText>,
    raw: Option<&RawBodies>,
    config: &Value,
    fallback_time: &str,
) -> (Value, Value) {
    let id = record.condition.clone();
    let epoch = record.sample_index + 1;
    let (system, user) = prompt
        .map(|p| (p.system.clone(), p.user.clone()))
        .unwrap_or_default();
    let input = json!([
        {"role": "system", "content": system, "source": "input"},
        {"role": "user", "content": user, "source": "input"},
    ]);
    let time = timing(record, fallback_time);
    let usage = model_usage(record);
    let completed = record.status == TrialStatus::Completed;
    let mut messages = input.as_array().cloned().unwrap_or_default();
    let assistant = assistant_message(record);
    if completed {
        messages.push(assistant.clone());
    }
    let output = model_output(record, completed.then_some(&assistant), &usage, &time);
    let score = score(record);
    let mut scores = serde_json::Map::new();
    if let Some(s) = &score {
        scores.insert(SCORER.to_string(), s.clone());
    }
    let mut events = vec![model_event(record, &input, config, &output, raw, &time)];
    events.extend(grader_events(record, &time.completed));
    if let Some(s) = &score {
        events.push(json!({"event": "score", "timestamp": time.completed, "score": s, "target": "", "intermediate": false}));
    }
    let metadata = sample_metadata(record);
    let error = (!completed).then(|| {
        let message = record
            .failure_reason
            .clone()
            .unwrap_or_else(|| format!("trial {:?}", record.status));
        json!({"message": message, "traceback": "", "traceback_ansi": ""})
    });
    let uuid = short_id();
    let total_time = total_time(&time);
    let full = json!({
        "id": id,
        "epoch": epoch,
        "input": input,
        "target": "",
        "messages": messages,
        "output": output,
        "scores": scores,
        "metadata": metadata,
        "store": {},
        "events": events,
        "model_usage": usage,
        "role_usage": {},
        "started_at": time.started,
        "completed_at": time.completed,
        "total_time": total_time,
        "working_time": time.working_seconds,
        "uuid": uuid,
        "error": error,
        "attachments": {},
    });
    let thin_scores: serde_json::Map<String, Value> = scores
        .iter()
        .map(|(k, s)| {
            let answer = s["answer"].as_str().map(thin);
            (k.clone(), json!({"value": s["value"], "answer": answer}))
        })
        .collect();
    let summary = json!({
        "id": id,
        "epoch": epoch,
        "input": thin(&user),
        "target": "",
        "metadata": metadata,
        "scores": thin_scores,
        "model_usage": usage,
        "role_usage": {},
        "started_at": time.started,
        "completed_at": time.completed,
        "total_time": total_time,
        "working_time": time.working_seconds,
        "uuid": uuid,
        "error": error.as_ref().map(|e| e["message"].clone()),
        "retries": record.attempts.len().saturating_sub(1),
        "completed": true,
        "message_count": messages.len(),
    });
    (full, summary)
}
