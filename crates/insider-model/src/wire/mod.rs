//! The three wire protocols: building exact request bodies and parsing responses.
//!
//! Each protocol is a [`Wire`]: it knows its endpoint, its auth headers, how to serialize a
//! [`ChatRequest`] and how to read a success or error body. Retries, limits and raw capture
//! live in [`crate::http`], shared by all three.

pub mod anthropic;
pub mod gemini;
pub mod openai;

use crate::types::{ChatRequest, GenerationSettings, NativeTurn, ToolCall, Usage};

/// Which protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireKind {
    /// OpenAI Chat Completions (and every OpenAI-compatible server).
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini `generateContent`.
    Gemini,
}

/// Protocol options fixed when the provider is resolved.
#[derive(Debug, Clone, Default)]
pub struct WireOptions {
    /// Send `max_completion_tokens` instead of `max_tokens` (OpenAI's own API).
    pub max_completion_tokens: bool,
    /// Mark the shared prefix for Anthropic prompt caching.
    pub prompt_caching: bool,
}

/// The normalized content of a successful response body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Model id reported by the provider.
    pub model: Option<String>,
    /// Visible text.
    pub text: String,
    /// Reasoning / thinking text.
    pub reasoning: Option<String>,
    /// Native tool calls.
    pub tool_calls: Vec<ToolCall>,
    /// Canonical stop reason (see [`crate::stop_reason`]).
    pub stop_reason: Option<String>,
    /// Token counts.
    pub usage: Usage,
    /// Blocks to send back unchanged with this turn (see [`NativeTurn`]).
    pub native: Option<NativeTurn>,
}

/// What an error body says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorInfo {
    /// The provider's error type/status string (e.g. `overloaded_error`, `RESOURCE_EXHAUSTED`).
    pub kind: Option<String>,
    /// The provider's message.
    pub message: Option<String>,
    /// A retry delay given in the body (Gemini `RetryInfo.retryDelay`), in milliseconds.
    pub retry_after_ms: Option<u64>,
}

/// One protocol's request building and response parsing.
pub trait Wire: Send + Sync {
    /// The full URL for a call to `model` at `base_url`.
    fn endpoint(&self, base_url: &str, model: &str) -> String;
    /// Auth and protocol headers (the key is only ever put in a header).
    fn headers(&self, api_key: Option<&str>) -> Vec<(&'static str, String)>;
    /// The exact request body.
    fn body(&self, model: &str, request: &ChatRequest, settings: &GenerationSettings) -> String;
    /// Parse a success body; `Err` describes why it is not a valid response.
    fn parse(&self, body: &[u8]) -> Result<Parsed, String>;
    /// Read an error body (best effort).
    fn error_info(&self, body: &[u8]) -> ErrorInfo;
}

/// The protocol implementation for `kind`.
pub fn wire_for(kind: WireKind, options: WireOptions) -> Box<dyn Wire> {
    match kind {
        WireKind::OpenAi => Box::new(openai::OpenAiWire { options }),
        WireKind::Anthropic => Box::new(anthropic::AnthropicWire { options }),
        WireKind::Gemini => Box::new(gemini::GeminiWire),
    }
}

/// Request settings merged over model defaults: a field set on the request wins.
pub fn merge_settings(
    defaults: &GenerationSettings,
    request: &GenerationSettings,
) -> GenerationSettings {
    GenerationSettings {
        temperature: request.temperature.or(defaults.temperature),
        max_tokens: request.max_tokens.or(defaults.max_tokens),
        top_p: request.top_p.or(defaults.top_p),
        seed: request.seed.or(defaults.seed),
        reasoning_effort: request
            .reasoning_effort
            .clone()
            .or_else(|| defaults.reasoning_effort.clone()),
        thinking_budget: request.thinking_budget.or(defaults.thinking_budget),
        stop: if request.stop.is_empty() {
            defaults.stop.clone()
        } else {
            request.stop.clone()
        },
    }
}

/// Arguments JSON text as a value; invalid JSON is kept as a string value.
pub(crate) fn arguments_value(text: &str) -> serde_json::Value {
    if text.trim().is_empty() {
        return serde_json::Value::Object(Default::default());
    }
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

/// A tool call's arguments as the JSON text a protocol wants: the model's own text when it wrote
/// invalid JSON (kept as a string value), else the value serialized.
pub(crate) fn arguments_text(arguments: &serde_json::Value) -> String {
    match arguments {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A JSON body's top-level parse error, phrased for an attempt record.
pub(crate) fn invalid_body(body: &[u8], error: &serde_json::Error) -> String {
    if body.is_empty() {
        "empty response body".to_string()
    } else if error.is_eof() {
        format!("truncated response body ({} bytes): {error}", body.len())
    } else {
        format!("malformed response body ({} bytes): {error}", body.len())
    }
}
