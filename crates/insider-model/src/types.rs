//! Plain data types shared by every provider adapter.

use serde::{Deserialize, Serialize};

/// Who wrote a message in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person or harness talking to the model.
    User,
    /// The model itself.
    Assistant,
}

/// One message of the conversation (the system prompt travels separately in [`ChatRequest`]).
///
/// A plain turn is a role and text. Agent sessions with native tools add two things: the
/// assistant turn carries the [`ToolCall`]s the model made (and, in `native`, the provider's own
/// blocks that must be sent back unchanged), and the next user turn carries the
/// [`ToolResult`]s. Each adapter renders them in its protocol: OpenAI `tool_calls` and
/// `role: tool` messages, Anthropic `tool_use`/`tool_result` blocks, Gemini
/// `functionCall`/`functionResponse` parts, the local engine through the model's chat template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Author of the message.
    pub role: Role,
    /// Plain text content (may be empty on a turn that only calls tools or returns results).
    pub content: String,
    /// Assistant turns: the native tool calls the model made, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// User turns: results of the previous assistant turn's tool calls, in call order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_results: Vec<ToolResult>,
    /// Assistant turns: the provider's own content for this turn, sent back verbatim to the same
    /// protocol (Anthropic thinking blocks with signatures, Gemini thought signatures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native: Option<NativeTurn>,
}

impl Message {
    /// A user turn with this text.
    pub fn user(text: impl Into<String>) -> Message {
        Message::plain(Role::User, text.into())
    }

    /// An assistant turn with this text.
    pub fn assistant(text: impl Into<String>) -> Message {
        Message::plain(Role::Assistant, text.into())
    }

    /// The assistant turn a response stands for: its text, tool calls and native blocks, ready to
    /// append to the conversation for the next call.
    pub fn from_response(response: &ChatResponse) -> Message {
        Message {
            role: Role::Assistant,
            content: response.text.clone(),
            tool_calls: response.tool_calls.clone(),
            tool_results: Vec::new(),
            native: response.native.clone(),
        }
    }

    /// A user turn returning tool results (and no text).
    pub fn tool_results(results: Vec<ToolResult>) -> Message {
        Message {
            tool_results: results,
            ..Message::plain(Role::User, String::new())
        }
    }

    fn plain(role: Role, content: String) -> Message {
        Message {
            role,
            content,
            tool_calls: Vec::new(),
            tool_results: Vec::new(),
            native: None,
        }
    }
}

/// The outcome of executing one [`ToolCall`], returned to the model on the next user turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The id of the call this answers (OpenAI `tool_call_id`, Anthropic `tool_use_id`, Gemini
    /// `functionResponse.id`; may be empty where the provider gave none).
    pub call_id: String,
    /// The called function's name (Gemini matches results by name).
    pub name: String,
    /// What the tool returned, as text.
    pub content: String,
    /// The tool failed; `content` says why (Anthropic `is_error`, Gemini `error`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
}

impl ToolResult {
    /// A successful result for `call`.
    pub fn ok(call: &ToolCall, content: impl Into<String>) -> ToolResult {
        ToolResult {
            call_id: call.id.clone(),
            name: call.name.clone(),
            content: content.into(),
            is_error: false,
        }
    }

    /// A failed result for `call` (unknown tool, bad arguments, ...), with the reason.
    pub fn error(call: &ToolCall, reason: impl Into<String>) -> ToolResult {
        ToolResult {
            is_error: true,
            ..ToolResult::ok(call, reason)
        }
    }
}

/// Which protocol a [`NativeTurn`] was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NativeProtocol {
    /// Anthropic Messages: `content` is the response's `content` block array.
    Anthropic,
    /// Gemini: `content` is the candidate's `content.parts` array.
    Gemini,
}

/// A provider's own rendering of an assistant turn, kept because it holds blocks the normalized
/// fields cannot rebuild (thinking with signatures, redacted thinking, thought signatures).
///
/// An adapter of the same protocol sends `content` back unchanged; another protocol ignores it
/// and rebuilds the turn from the text and tool calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NativeTurn {
    /// The protocol `content` is written in.
    pub protocol: NativeProtocol,
    /// The blocks or parts exactly as the provider returned them.
    pub content: serde_json::Value,
}

/// A native function/tool the model may call, as a JSON-schema description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// Function name, e.g. `email`.
    pub name: String,
    /// What the tool does, shown to the model.
    pub description: String,
    /// JSON schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// Generation settings sent with a request; `None` means "provider default".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerationSettings {
    /// Sampling temperature (the original study used 1.0).
    pub temperature: Option<f64>,
    /// Maximum output tokens.
    pub max_tokens: Option<u32>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Sampling seed, where the API accepts one.
    pub seed: Option<u64>,
    /// OpenAI-style reasoning effort (`low`, `medium`, `high`).
    pub reasoning_effort: Option<String>,
    /// Anthropic/Gemini thinking budget in tokens.
    pub thinking_budget: Option<u32>,
    /// Stop sequences.
    pub stop: Vec<String>,
}

/// Everything a provider needs to make one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// System prompt, if any.
    pub system: Option<String>,
    /// Conversation turns, oldest first.
    pub messages: Vec<Message>,
    /// Native tools offered to the model (empty: text tool tags only).
    pub tools: Vec<ToolSpec>,
    /// Sampling and length settings.
    pub settings: GenerationSettings,
}

/// A native tool call made by the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Provider-assigned call id (may be empty).
    pub id: String,
    /// Function name.
    pub name: String,
    /// Arguments as parsed JSON (a string value if the model sent invalid JSON).
    pub arguments: serde_json::Value,
}

/// Token counts of one call; `None` where the provider did not report the figure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens billed at the normal rate.
    pub input_tokens: u64,
    /// Generated tokens (including reasoning where the provider folds it in).
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the provider's cache.
    pub cache_write_tokens: u64,
    /// Reasoning/thinking tokens, if reported separately.
    pub reasoning_tokens: Option<u64>,
}

/// One HTTP (or local) attempt of a call, successful or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based attempt number.
    pub number: u32,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    /// Wall time of this attempt in milliseconds.
    pub duration_ms: u64,
    /// HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// Error description (redacted), if the attempt failed.
    pub error: Option<String>,
    /// Whether the failure was judged retryable.
    pub retryable: bool,
}

/// The normalized result of a successful call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// Model id as reported by the provider (or as requested).
    pub model: String,
    /// Final visible text.
    pub text: String,
    /// Reasoning / thinking text, if the provider returned any (redacted blocks noted).
    pub reasoning: Option<String>,
    /// Native tool calls.
    pub tool_calls: Vec<ToolCall>,
    /// Canonical stop reason: `stop`, `max_tokens`, `tool_use`, `refusal`, `content_filter`
    /// (constants in [`crate::stop_reason`]), else the provider's value lower-cased.
    pub stop_reason: Option<String>,
    /// Token counts.
    pub usage: Usage,
    /// Cost in US dollars; `None` when the model's price is unknown (never guessed as 0).
    pub cost_usd: Option<f64>,
    /// Total wall time of the call including retries, in milliseconds.
    pub latency_ms: u64,
    /// Exact request body sent (secrets redacted).
    pub raw_request: String,
    /// Exact response body received (secrets redacted).
    pub raw_response: String,
    /// Every attempt, in order; the last one succeeded.
    pub attempts: Vec<Attempt>,
    /// Provider blocks that must go back unchanged with this turn in a multi-turn session
    /// (see [`NativeTurn`]); `None` when the text and tool calls say everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native: Option<NativeTurn>,
}

/// Why a call failed for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The request can never succeed as sent (400, 401, 403, 404, bad config).
    Permanent,
    /// Retryable failures kept happening until the attempt budget ran out.
    RetriesExhausted,
    /// The call was cancelled (e.g. Ctrl-C) before it finished.
    Cancelled,
}

/// A call that did not produce a response, with every attempt made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// Class of failure.
    pub kind: FailureKind,
    /// Human-readable message saying what went wrong and what to fix (never contains a key).
    pub message: String,
    /// Every attempt made.
    pub attempts: Vec<Attempt>,
}

/// A model behind some API (or in process) that can answer a [`ChatRequest`].
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The full model name as the user wrote it, e.g. `openai/gpt-4.1`.
    fn name(&self) -> &str;
    /// The base URL calls go to, as [`crate::endpoint::recordable`] gives it (no credentials),
    /// known without a call: from `base_url` in the config, the provider's base-URL variable or
    /// its default. `None` for providers that call no URL (in process, test fakes).
    fn base_url(&self) -> Option<String> {
        None
    }
    /// Make one call, retrying retryable failures, and return the normalized response.
    async fn generate(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError>;
}

/// Per-model settings from the experiment config (all optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Override the API base URL (proxy, gateway, fakellm).
    pub base_url: Option<String>,
    /// Name of the environment variable holding the key (instead of the conventional one).
    pub api_key_env: Option<String>,
    /// Maximum concurrent requests to this model.
    pub max_connections: Option<usize>,
    /// Requests-per-minute budget.
    pub rpm: Option<u32>,
    /// Tokens-per-minute budget.
    pub tpm: Option<u32>,
    /// Maximum attempts per call (first try included).
    pub max_attempts: Option<u32>,
    /// Total timeout per attempt in seconds (default 600).
    pub timeout_secs: Option<u64>,
    /// Connect timeout per attempt in seconds (default 15).
    pub connect_timeout_secs: Option<u64>,
    /// Longest silence while reading a response, in seconds (default: the total timeout).
    pub read_timeout_secs: Option<u64>,
    /// First retry delay in milliseconds; doubles per attempt, with jitter (default 1000).
    pub backoff_base_ms: Option<u64>,
    /// Cap on the computed retry delay in milliseconds (default 60000); a server's
    /// `Retry-After` may ask for longer.
    pub backoff_max_ms: Option<u64>,
    /// Enable Anthropic prompt caching of the shared prefix.
    pub prompt_caching: Option<bool>,
    /// Whether the model takes native tool definitions (default true). `false`: agent-mode
    /// sessions send no tools and read `<tool_use:…>` tags from the reply text instead.
    pub native_tools: Option<bool>,
    /// Send this model's trials through its provider's batch API (`insider run --batch`);
    /// left out of the stored parameters when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<bool>,
    /// Generation settings for this model.
    pub generation: GenerationSettings,
}
