//! Google Gemini `generateContent` (`POST {base}/v1beta/models/{model}:generateContent`).
//!
//! The key travels in the `x-goog-api-key` header, never in a `key=` query parameter.

use super::{invalid_body, ErrorInfo, Parsed, Wire};
use crate::stop_reason;
use crate::types::{
    ChatRequest, GenerationSettings, Message, NativeProtocol, NativeTurn, Role, ToolCall, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The Gemini protocol.
pub struct GeminiWire;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    system_instruction: Option<OutContent<'a>>,
    contents: Vec<OutContent<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<OutTools<'a>>,
    #[serde(skip_serializing_if = "GenerationConfig::is_empty")]
    generation_config: GenerationConfig<'a>,
}

#[derive(Serialize)]
struct OutContent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    parts: Parts<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Parts<'a> {
    Text([OutPart<'a>; 1]),
    /// Function calls, function responses or a native turn: parts built as JSON values.
    Values(Vec<serde_json::Value>),
}

#[derive(Serialize)]
struct OutPart<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutTools<'a> {
    function_declarations: Vec<OutFunction<'a>>,
}

#[derive(Serialize)]
struct OutFunction<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a serde_json::Value,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    stop_sequences: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking_config: Option<ThinkingConfig>,
}

impl GenerationConfig<'_> {
    fn is_empty(&self) -> bool {
        self.temperature.is_none()
            && self.top_p.is_none()
            && self.max_output_tokens.is_none()
            && self.seed.is_none()
            && self.stop_sequences.is_empty()
            && self.thinking_config.is_none()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThinkingConfig {
    thinking_budget: u32,
    include_thoughts: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    candidates: Vec<Candidate>,
    #[serde(default)]
    usage_metadata: Option<InUsage>,
    #[serde(default)]
    model_version: Option<String>,
    #[serde(default)]
    prompt_feedback: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    #[serde(default)]
    content: Option<InContent>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct InContent {
    #[serde(default)]
    parts: Vec<InPart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InPart {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    thought: bool,
    #[serde(default)]
    thought_signature: Option<String>,
    #[serde(default)]
    function_call: Option<InFunctionCall>,
}

#[derive(Deserialize)]
struct InFunctionCall {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default)]
    args: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InUsage {
    #[serde(default)]
    prompt_token_count: u64,
    #[serde(default)]
    candidates_token_count: u64,
    #[serde(default)]
    thoughts_token_count: Option<u64>,
    #[serde(default)]
    cached_content_token_count: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: InError,
}

#[derive(Deserialize)]
struct InError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    details: Vec<serde_json::Value>,
}

/// A message's parts: one text part when it is only text, else function calls or responses (or
/// the model's own parts, verbatim, when they carry thought signatures).
fn parts(m: &Message) -> Parts<'_> {
    let native = m
        .native
        .as_ref()
        .filter(|n| m.role == Role::Assistant && n.protocol == NativeProtocol::Gemini);
    if let Some(serde_json::Value::Array(parts)) = native.map(|n| &n.content) {
        return Parts::Values(parts.clone());
    }
    if m.tool_calls.is_empty() && m.tool_results.is_empty() {
        return Parts::Text([OutPart { text: &m.content }]);
    }
    let mut parts = Vec::new();
    for r in &m.tool_results {
        // `output` and `error` are the keys the API documents for a function's result.
        let key = if r.is_error { "error" } else { "output" };
        let mut response = json!({"name": r.name, "response": {key: r.content}});
        if !r.call_id.is_empty() {
            response["id"] = json!(r.call_id);
        }
        parts.push(json!({ "functionResponse": response }));
    }
    if !m.content.is_empty() {
        parts.push(json!({"text": m.content}));
    }
    for c in &m.tool_calls {
        let mut call = json!({"name": c.name, "args": call_args(&c.arguments)});
        if !c.id.is_empty() {
            call["id"] = json!(c.id);
        }
        parts.push(json!({ "functionCall": call }));
    }
    Parts::Values(parts)
}

/// `functionCall.args` must be an object; invalid JSON the model wrote goes back as its text.
fn call_args(arguments: &serde_json::Value) -> serde_json::Value {
    match arguments {
        serde_json::Value::Object(_) => arguments.clone(),
        serde_json::Value::String(text) => json!({ "_raw": text }),
        other => json!({ "_value": other }),
    }
}

impl Wire for GeminiWire {
    fn endpoint(&self, base_url: &str, model: &str) -> String {
        let base = base_url.trim_end_matches('/');
        let base = base
            .strip_suffix("/v1beta")
            .or_else(|| base.strip_suffix("/v1"))
            .unwrap_or(base);
        format!("{base}/v1beta/models/{model}:generateContent")
    }

    fn headers(&self, api_key: Option<&str>) -> Vec<(&'static str, String)> {
        match api_key {
            Some(key) => vec![("x-goog-api-key", key.to_string())],
            None => Vec::new(),
        }
    }

    fn body(&self, _model: &str, request: &ChatRequest, settings: &GenerationSettings) -> String {
        let body = Body {
            system_instruction: request.system.as_deref().map(|s| OutContent {
                role: None,
                parts: Parts::Text([OutPart { text: s }]),
            }),
            contents: request
                .messages
                .iter()
                .map(|m| OutContent {
                    role: Some(match m.role {
                        Role::User => "user",
                        Role::Assistant => "model",
                    }),
                    parts: parts(m),
                })
                .collect(),
            tools: if request.tools.is_empty() {
                Vec::new()
            } else {
                vec![OutTools {
                    function_declarations: request
                        .tools
                        .iter()
                        .map(|t| OutFunction {
                            name: &t.name,
                            description: &t.description,
                            parameters: &t.parameters,
                        })
                        .collect(),
                }]
            },
            generation_config: GenerationConfig {
                temperature: settings.temperature,
                top_p: settings.top_p,
                max_output_tokens: settings.max_tokens,
                seed: settings.seed,
                stop_sequences: &settings.stop,
                thinking_config: settings.thinking_budget.map(|b| ThinkingConfig {
                    thinking_budget: b,
                    include_thoughts: true,
                }),
            },
        };
        serde_json::to_string(&body).expect("request body serializes")
    }

    fn parse(&self, body: &[u8]) -> Result<Parsed, String> {
        let response: Response =
            serde_json::from_slice(body).map_err(|e| invalid_body(body, &e))?;
        let Some(candidate) = response.candidates.into_iter().next() else {
            // A prompt blocked by safety filters comes back with no candidates.
            return match response.prompt_feedback {
                Some(feedback) => Ok(Parsed {
                    model: response.model_version,
                    stop_reason: Some(stop_reason::from_gemini_block(
                        feedback
                            .get("blockReason")
                            .and_then(|r| r.as_str())
                            .unwrap_or("blocked"),
                    )),
                    ..Parsed::default()
                }),
                None => Err("response has no candidates".to_string()),
            };
        };
        let mut text = String::new();
        let mut reasoning: Option<String> = None;
        let mut tool_calls = Vec::new();
        let mut opaque = false;
        for part in candidate.content.map(|c| c.parts).unwrap_or_default() {
            // Signed or thought parts cannot be rebuilt from text and calls: keep them verbatim.
            opaque |= part.thought || part.thought_signature.is_some();
            if let Some(call) = part.function_call {
                tool_calls.push(ToolCall {
                    id: call.id.unwrap_or_default(),
                    name: call.name,
                    arguments: call.args,
                });
            } else if let Some(t) = part.text {
                if part.thought {
                    let r = reasoning.get_or_insert_with(String::new);
                    r.push_str(&t);
                } else {
                    text.push_str(&t);
                }
            }
        }
        let usage = response
            .usage_metadata
            .map(|u| {
                let cached = u.cached_content_token_count.unwrap_or(0);
                let thoughts = u.thoughts_token_count;
                Usage {
                    input_tokens: u.prompt_token_count.saturating_sub(cached),
                    output_tokens: u.candidates_token_count + thoughts.unwrap_or(0),
                    cache_read_tokens: cached,
                    cache_write_tokens: 0,
                    reasoning_tokens: thoughts,
                }
            })
            .unwrap_or_default();
        let stop_reason = candidate
            .finish_reason
            .map(|s| stop_reason::from_gemini(&s, !tool_calls.is_empty()));
        let native = if opaque {
            let whole: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| invalid_body(body, &e))?;
            Some(NativeTurn {
                protocol: NativeProtocol::Gemini,
                content: whole["candidates"][0]["content"]["parts"].clone(),
            })
        } else {
            None
        };
        Ok(Parsed {
            model: response.model_version,
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
                retry_after_ms: e.error.details.iter().find_map(|d| {
                    let delay = d.get("retryDelay")?.as_str()?;
                    crate::retry::parse_duration_ms(delay)
                }),
                kind: e.error.status,
                message: e.error.message,
            },
            Err(_) => ErrorInfo::default(),
        }
    }
}
