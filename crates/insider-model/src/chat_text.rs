//! What `insider chat` shows of one call: the reply for stdout, and for stderr its reasoning,
//! tool calls and a usage line, or the failure with every attempt.

use crate::{ChatResponse, ProviderError};
use std::fmt::Write;

/// The reasoning and tool calls that come before the reply (for stderr).
pub fn preamble(response: &ChatResponse) -> String {
    let mut out = String::new();
    if let Some(reasoning) = &response.reasoning {
        let _ = writeln!(out, "[reasoning]\n{reasoning}\n[/reasoning]");
    }
    for call in &response.tool_calls {
        let _ = writeln!(out, "[tool call] {}({})", call.name, call.arguments);
    }
    out
}

/// One line: model, tokens, cost, latency and attempts.
pub fn usage_line(response: &ChatResponse) -> String {
    let cost = response
        .cost_usd
        .map_or("cost unknown".to_string(), |c| format!("${c:.6}"));
    let attempts = response.attempts.len();
    format!(
        "{} · {} in (+{} cached) / {} out tokens · {} · {} ms · {} attempt{}",
        response.model,
        response.usage.input_tokens,
        response.usage.cache_read_tokens,
        response.usage.output_tokens,
        cost,
        response.latency_ms,
        attempts,
        if attempts == 1 { "" } else { "s" },
    )
}

/// The failure and each attempt, one per line.
pub fn failure_text(error: &ProviderError) -> String {
    let mut out = format!("error: {}\n", error.message);
    for attempt in &error.attempts {
        let _ = writeln!(
            out,
            "  attempt {}: {} after {} ms: {}",
            attempt.number,
            attempt
                .status
                .map_or("no response".to_string(), |s| format!("HTTP {s}")),
            attempt.duration_ms,
            attempt.error.as_deref().unwrap_or("ok"),
        );
    }
    out
}

/// The normalized response as pretty JSON, with the provider's name added.
pub fn response_json(response: &ChatResponse, name: &str) -> serde_json::Result<String> {
    let mut value = serde_json::to_value(response)?;
    if let Some(map) = value.as_object_mut() {
        map.insert("name".into(), name.into());
    }
    serde_json::to_string_pretty(&value)
}
