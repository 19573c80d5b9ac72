//! Anthropic Messages (`POST {base}/v1/messages`), with extended thinking and prompt caching.

use super::{invalid_body, ErrorInfo, Parsed, Wire, WireOptions};
use crate::stop_reason;
use crate::types::{
    ChatRequest, GenerationSettings, Message, NativeProtocol, NativeTurn, Role, ToolCall, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The `anthropic-version` header value sent with every call.
pub const API_VERSION: &str = "2023-06-01";

/// `max_tokens` when the settings give none (the API requires one).
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The Anthropic protocol.
pub struct AnthropicWire {
    /// Fixed protocol options.
    pub options: WireOptions,
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<System<'a>>,
    messages: Vec<OutMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    stop_sequences: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking: Option<Thinking>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<OutTool<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum System<'a> {
    Text(&'a str),
    Blocks([TextBlock<'a>; 1]),
}

#[derive(Serialize)]
struct TextBlock<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<CacheControl>,
}

#[derive(Serialize)]
struct CacheControl {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct OutMessage<'a> {
    role: &'static str,
    content: Content<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Content<'a> {
    Text(&'a str),
    Blocks([TextBlock<'a>; 1]),
    /// Tool calls, tool results or a native turn: blocks built as JSON values.
    Values(Vec<serde_json::Value>),
}

#[derive(Serialize)]
struct Thinking {
    #[serde(rename = "type")]
    kind: &'static str,
    budget_tokens: u32,
}

#[derive(Serialize)]
struct OutTool<'a> {
    name: &'a str,
    description: &'a str,
    input_schema: &'a serde_json::Value,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    content: Vec<Block>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<InUsage>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Text {
        text: String,
    },
    Thinking {
        thinking: String,
    },
    RedactedThinking {},
    ToolUse {
        #[serde(default)]
        id: String,
        name: String,
        #[serde(default)]
        input: serde_json::Value,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct InUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: InError,
}

#[derive(Deserialize)]
struct InError {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// A message's content: a plain string when it is only text (the shape every single-turn call
/// has always sent), else blocks.
fn content(m: &Message, cache_point: bool) -> Content<'_> {
    let native = m
        .native
        .as_ref()
        .filter(|n| m.role == Role::Assistant && n.protocol == NativeProtocol::Anthropic);
    if let Some(native) = native {
        // Thinking blocks must go back exactly as they came, signatures and order included.
        if let serde_json::Value::Array(blocks) = &native.content {
            return Content::Values(blocks.clone());
        }
    }
    if m.tool_calls.is_empty() && m.tool_results.is_empty() {
        return if cache_point {
            Content::Blocks([TextBlock {
                kind: "text",
                text: &m.content,
                cache_control: Some(CacheControl { kind: "ephemeral" }),
            }])
        } else {
            Content::Text(&m.content)
        };
    }
    let mut blocks = Vec::new();
    // Tool results must open the user turn that answers the calls.
    for r in &m.tool_results {
        let mut block =
            json!({"type": "tool_result", "tool_use_id": r.call_id, "content": r.content});
        if r.is_error {
            block["is_error"] = json!(true);
        }
        blocks.push(block);
    }
    if !m.content.is_empty() {
        blocks.push(json!({"type": "text", "text": m.content}));
    }
    for c in &m.tool_calls {
        blocks.push(json!({"type": "tool_use", "id": c.id, "name": c.name, "input": tool_input(&c.arguments)}));
    }
    if cache_point {
        if let Some(serde_json::Value::Object(last)) = blocks.last_mut() {
            last.insert("cache_control".into(), json!({"type": "ephemeral"}));
        }
    }
    Content::Values(blocks)
}

/// `tool_use.input` must be an object; a call whose arguments were not valid JSON goes back as
/// the text the model wrote, wrapped so the API accepts it.
fn tool_input(arguments: &serde_json::Value) -> serde_json::Value {
    match arguments {
        serde_json::Value::Object(_) => arguments.clone(),
        serde_json::Value::String(text) => json!({ "_raw": text }),
        other => json!({ "_value": other }),
    }
}

/// Text standing in for a redacted thinking block in [`Parsed::reasoning`].
pub const REDACTED_THINKING: &str = "[redacted thinking]";

impl Wire for AnthropicWire {
    fn endpoint(&self, base_url: &str, _model: &str) -> String {
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        format!("{base}/v1/messages")
    }

    fn headers(&self, api_key: Option<&str>) -> Vec<(&'static str, String)> {
        let mut headers = vec![("anthropic-version", API_VERSION.to_string())];
        if let Some(key) = api_key {
            headers.push(("x-api-key", key.to_string()));
        }
        headers
    }

    fn body(&self, model: &str, request: &ChatRequest, settings: &GenerationSettings) -> String {
        let caching = self.options.prompt_caching;
        let cache = || caching.then_some(CacheControl { kind: "ephemeral" });
        let system = request.system.as_deref().map(|s| {
            if caching {
                System::Blocks([TextBlock {
                    kind: "text",
                    text: s,
                    cache_control: cache(),
                }])
            } else {
                System::Text(s)
            }
        });
        // The cache breakpoint goes on the last user message: everything up to it is the
        // prefix shared by every sample of a condition (and, in an agent session, by the
        // session's next turn).
        let last_user = request.messages.iter().rposition(|m| m.role == Role::User);
        let messages = request
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| OutMessage {
                role: match m.role {
                    Role::User => "user",
                    Role::Assistant => "assistant",
                },
                content: content(m, caching && Some(i) == last_user),
            })
            .collect();
        let thinking = settings.thinking_budget.map(|budget| Thinking {
            kind: "enabled",
            budget_tokens: budget,
        });
        let max_tokens = settings.max_tokens.unwrap_or_else(|| {
            settings
                .thinking_budget
                .map_or(DEFAULT_MAX_TOKENS, |b| b + DEFAULT_MAX_TOKENS)
        });
        let body = Body {
            model,
            max_tokens,
            system,
            messages,
            temperature: settings.temperature,
            top_p: settings.top_p,
            stop_sequences: &settings.stop,
            thinking,
            tools: request
                .tools
                .iter()
                .map(|t| OutTool {
                    name: &t.name,
                    description: &t.description,
                    input_schema: &t.parameters,
                })
                .collect(),
        };
        serde_json::to_string(&body).expect("request body serializes")
    }

    fn parse(&self, body: &[u8]) -> Result<Parsed, String> {
        let response: Response =
            serde_json::from_slice(body).map_err(|e| invalid_body(body, &e))?;
        let mut text = String::new();
        let mut reasoning: Option<String> = None;
        let mut tool_calls = Vec::new();
        // Blocks the normalized fields cannot rebuild: the turn must then go back verbatim.
        let mut opaque = false;
        let mut add_reasoning = |piece: &str| {
            let r = reasoning.get_or_insert_with(String::new);
            if !r.is_empty() {
                r.push_str("\n\n");
            }
            r.push_str(piece);
        };
        for block in response.content {
            match block {
                Block::Text { text: t } => {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&t);
                }
                Block::Thinking { thinking } => {
                    opaque = true;
                    add_reasoning(&thinking)
                }
                Block::RedactedThinking {} => {
                    opaque = true;
                    add_reasoning(REDACTED_THINKING)
                }
                Block::ToolUse { id, name, input } => tool_calls.push(ToolCall {
                    id,
                    name,
                    arguments: input,
                }),
                Block::Other => opaque = true,
            }
        }
        let native = if opaque {
            let whole: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| invalid_body(body, &e))?;
            Some(NativeTurn {
                protocol: NativeProtocol::Anthropic,
                content: whole.get("content").cloned().unwrap_or_default(),
            })
        } else {
            None
        };
        let usage = response
            .usage
            .map(|u| Usage {
                input_tokens: u.input_tokens,
                output_tokens: u.output_tokens,
                cache_read_tokens: u.cache_read_input_tokens.unwrap_or(0),
                cache_write_tokens: u.cache_creation_input_tokens.unwrap_or(0),
                reasoning_tokens: None,
            })
            .unwrap_or_default();
        let stop_reason = response
            .stop_reason
            .map(|s| stop_reason::from_anthropic(&s, !tool_calls.is_empty()));
        Ok(Parsed {
            model: response.model,
            text,
            reasoning,
            tool_calls,
            stop_reason,
            usage,
            native,
        })
    }

    fn error_info(&self, body: &[u8]) -> ErrorInfo {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(e) => ErrorInfo {
                kind: e.error.kind,
                message: e.error.message,
                retry_after_ms: None,
            },
            Err(_) => ErrorInfo::default(),
        }
    }
}
