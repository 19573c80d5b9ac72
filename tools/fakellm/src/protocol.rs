//! Wire shapes of the three protocols: reading requests, writing replies and error bodies.

use crate::conversation::{call_signed_text, signature};
use crate::rules::{FakeUsage, Reply};
use serde_json::{json, Value};

pub use crate::protocol_kind::Protocol;

/// The text of a request's system prompt and messages, for rule matching and token estimates.
pub fn request_text(body: &Value) -> String {
    let mut out = String::new();
    collect_text(body, &mut out);
    out
}

fn collect_text(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("tools" | "functionDeclarations" | "tool_choice", _) => {}
                    ("text" | "content" | "system" | "thinking", Value::String(s)) => {
                        out.push_str(s);
                        out.push('\n');
                    }
                    _ => collect_text(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

/// Estimated tokens for a text (characters / 4, at least 1).
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64 / 4).max(1)
}

/// Token figures after filling in estimates.
pub struct Counts {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub reasoning: u64,
}

impl Counts {
    pub fn from(usage: Option<&FakeUsage>, prompt: &str, text: &str, reasoning: &str) -> Counts {
        let u = usage.cloned().unwrap_or_default();
        let reasoning_est = if reasoning.is_empty() {
            0
        } else {
            estimate_tokens(reasoning)
        };
        let reasoning = u.reasoning_tokens.unwrap_or(reasoning_est);
        Counts {
            input: u.input_tokens.unwrap_or_else(|| estimate_tokens(prompt)),
            output: u
                .output_tokens
                .unwrap_or_else(|| estimate_tokens(text) + reasoning),
            cache_read: u.cache_read_tokens.unwrap_or(0),
            cache_write: u.cache_write_tokens.unwrap_or(0),
            reasoning,
        }
    }
}

fn stop_reason(reply: &Reply) -> &str {
    match reply.stop_reason.as_deref() {
        Some(s) => s,
        None if !reply.tool_calls.is_empty() => "tool_use",
        None => "stop",
    }
}

/// Render a successful reply body in `protocol`'s shape.
pub fn render_reply(
    protocol: Protocol,
    model: &str,
    reply: &Reply,
    text: &str,
    counts: &Counts,
    serial: u64,
) -> Value {
    let stop = stop_reason(reply);
    match protocol {
        Protocol::OpenAi => render_openai(model, reply, text, counts, serial, stop),
        Protocol::Anthropic => render_anthropic(model, reply, text, counts, serial, stop),
        Protocol::Gemini => render_gemini(model, reply, text, counts, serial, stop),
    }
}

/// A Chat Completions body: tool calls, reasoning and refusals where OpenAI puts them.
fn render_openai(
    model: &str,
    reply: &Reply,
    text: &str,
    counts: &Counts,
    serial: u64,
    stop: &str,
) -> Value {
    let mut message = json!({"role": "assistant", "content": text});
    if let Some(r) = &reply.reasoning {
        message["reasoning_content"] = json!(r);
    }
    if !reply.tool_calls.is_empty() {
        let calls: Vec<Value> = reply
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "id": if c.id.is_empty() { format!("call_{serial}_{i}") } else { c.id.clone() },
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments.to_string()},
                })
            })
            .collect();
        message["tool_calls"] = Value::Array(calls);
        if text.is_empty() {
            message["content"] = Value::Null;
        }
    }
    message["refusal"] = Value::Null;
    if stop == "refusal" {
        // OpenAI reports a refusal in `message.refusal`, with no content.
        message["refusal"] = json!(text);
        message["content"] = Value::Null;
    }
    let finish = match stop {
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        "content_filter" => "content_filter",
        _ => "stop",
    };
    json!({
        "id": format!("chatcmpl-fake{serial}"),
        "object": "chat.completion",
        "created": 1_700_000_000u64 + serial,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": counts.input + counts.cache_read,
            "completion_tokens": counts.output,
            "total_tokens": counts.input + counts.cache_read + counts.output,
            "prompt_tokens_details": {"cached_tokens": counts.cache_read},
            "completion_tokens_details": {"reasoning_tokens": counts.reasoning},
        },
        "system_fingerprint": "fp_fakellm",
    })
}

/// A Messages body: thinking (signed), redacted thinking, text and tool use blocks.
fn render_anthropic(
    model: &str,
    reply: &Reply,
    text: &str,
    counts: &Counts,
    serial: u64,
    stop: &str,
) -> Value {
    let mut content = Vec::new();
    if let Some(r) = &reply.reasoning {
        content.push(json!({"type": "thinking", "thinking": r, "signature": signature(r)}));
    }
    if let Some(data) = &reply.redacted_thinking {
        content.push(json!({"type": "redacted_thinking", "data": data}));
    }
    if !text.is_empty() || reply.tool_calls.is_empty() {
        content.push(json!({"type": "text", "text": text}));
    }
    for (i, c) in reply.tool_calls.iter().enumerate() {
        let id = if c.id.is_empty() {
            format!("toolu_fake{serial}_{i}")
        } else {
            c.id.clone()
        };
        content.push(json!({"type": "tool_use", "id": id, "name": c.name, "input": c.arguments}));
    }
    let stop = match stop {
        "max_tokens" => "max_tokens",
        "tool_use" => "tool_use",
        // Anthropic has one stop reason for both.
        "refusal" | "content_filter" => "refusal",
        _ => "end_turn",
    };
    json!({
        "id": format!("msg_fake{serial}"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": null,
        "usage": {
            "input_tokens": counts.input,
            "cache_creation_input_tokens": counts.cache_write,
            "cache_read_input_tokens": counts.cache_read,
            "output_tokens": counts.output,
        },
    })
}

/// A generateContent body: thought, text and function call parts, the first call signed when
/// the model was thinking.
fn render_gemini(
    model: &str,
    reply: &Reply,
    text: &str,
    counts: &Counts,
    serial: u64,
    stop: &str,
) -> Value {
    let mut parts = Vec::new();
    if let Some(r) = &reply.reasoning {
        parts.push(json!({"text": r, "thought": true}));
    }
    if !text.is_empty() || reply.tool_calls.is_empty() {
        parts.push(json!({"text": text}));
    }
    for (i, c) in reply.tool_calls.iter().enumerate() {
        let call = json!({"name": c.name, "args": c.arguments});
        let mut part = json!({ "functionCall": call });
        // A thinking Gemini signs the first function call of its turn.
        if i == 0 && reply.reasoning.is_some() {
            part["thoughtSignature"] = json!(signature(&call_signed_text(&call)));
        }
        parts.push(part);
    }
    let finish = match stop {
        "max_tokens" => "MAX_TOKENS",
        // Gemini has no refusal reason; its safety filter stands for both.
        "refusal" | "content_filter" => "SAFETY",
        _ => "STOP",
    };
    let mut usage = json!({
        "promptTokenCount": counts.input + counts.cache_read,
        "candidatesTokenCount": counts.output.saturating_sub(counts.reasoning),
        "totalTokenCount": counts.input + counts.cache_read + counts.output,
    });
    if counts.reasoning > 0 {
        usage["thoughtsTokenCount"] = json!(counts.reasoning);
    }
    if counts.cache_read > 0 {
        usage["cachedContentTokenCount"] = json!(counts.cache_read);
    }
    json!({
        "candidates": [{
            "content": {"role": "model", "parts": parts},
            "finishReason": finish,
            "index": 0,
        }],
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": format!("fake{serial}"),
    })
}

/// Render an error body in `protocol`'s shape for `status`.
pub fn render_error(
    protocol: Protocol,
    status: u16,
    message: &str,
    retry_after: Option<u64>,
) -> Value {
    match protocol {
        Protocol::OpenAi => {
            let (kind, code) = match status {
                400 => ("invalid_request_error", "invalid_request"),
                401 => ("invalid_request_error", "invalid_api_key"),
                403 => ("invalid_request_error", "permission_denied"),
                404 => ("invalid_request_error", "model_not_found"),
                429 => ("requests", "rate_limit_exceeded"),
                _ => ("server_error", "server_error"),
            };
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        }
        Protocol::Anthropic => {
            let kind = match status {
                400 => "invalid_request_error",
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": kind, "message": message}})
        }
        Protocol::Gemini => {
            let kind = match status {
                400 => "INVALID_ARGUMENT",
                401 => "UNAUTHENTICATED",
                403 => "PERMISSION_DENIED",
                404 => "NOT_FOUND",
                429 => "RESOURCE_EXHAUSTED",
                503 => "UNAVAILABLE",
                504 => "DEADLINE_EXCEEDED",
                _ => "INTERNAL",
            };
            let mut error = json!({"code": status, "message": message, "status": kind});
            if let Some(secs) = retry_after {
                error["details"] = json!([{
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": format!("{secs}s"),
                }]);
            }
            json!({ "error": error })
        }
    }
}

/// Default message for an error status.
pub fn default_error_message(status: u16) -> &'static str {
    match status {
        400 => "fakellm: invalid request",
        401 => "fakellm: invalid api key",
        403 => "fakellm: permission denied",
        404 => "fakellm: model not found",
        429 => "fakellm: rate limit exceeded",
        529 => "fakellm: overloaded",
        503 => "fakellm: service unavailable",
        _ => "fakellm: internal server error",
    }
}
