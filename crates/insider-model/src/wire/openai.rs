//! OpenAI Chat Completions (`POST {base}/chat/completions`), also used for vLLM, llama.cpp,
//! Ollama, OpenRouter, Together and any other OpenAI-compatible server.

use super::{arguments_text, arguments_value, invalid_body, ErrorInfo, Parsed, Wire, WireOptions};
use crate::stop_reason;
use crate::types::{ChatRequest, GenerationSettings, Message, Role, ToolCall, Usage};
use serde::{Deserialize, Serialize};

/// The OpenAI protocol.
pub struct OpenAiWire {
    /// Fixed protocol options.
    pub options: WireOptions,
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    messages: Vec<OutMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    stop: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<OutTool<'a>>,
}

#[derive(Serialize)]
struct OutMessage<'a> {
    role: &'a str,
    /// `null` only on an assistant turn that made tool calls and wrote no text.
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<OutToolCall<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<&'a str>,
}

impl<'a> OutMessage<'a> {
    fn text(role: &'a str, content: &'a str) -> Self {
        OutMessage {
            role,
            content: Some(content),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

#[derive(Serialize)]
struct OutToolCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: OutCall<'a>,
}

#[derive(Serialize)]
struct OutCall<'a> {
    name: &'a str,
    arguments: String,
}

#[derive(Serialize)]
struct OutTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: OutFunction<'a>,
}

#[derive(Serialize)]
struct OutFunction<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a serde_json::Value,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<InUsage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<InMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct InMessage {
    #[serde(default)]
    content: Option<String>,
    /// DeepSeek, vLLM and others put reasoning here.
    #[serde(default)]
    reasoning_content: Option<String>,
    /// OpenRouter and newer vLLM use `reasoning`.
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Vec<InToolCall>,
}

#[derive(Deserialize)]
struct InToolCall {
    #[serde(default)]
    id: String,
    function: InFunction,
}

#[derive(Deserialize)]
struct InFunction {
    name: String,
    #[serde(default)]
    arguments: String,
}

#[derive(Deserialize)]
struct InUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: InError,
}

#[derive(Deserialize)]
struct InError {
    #[serde(default)]
    message: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
}

/// One conversation turn as OpenAI messages: tool results become `role: tool` messages (one per
/// result, before any text of the same turn); an assistant turn carries its `tool_calls`.
fn push_message<'a>(out: &mut Vec<OutMessage<'a>>, m: &'a Message) {
    for result in &m.tool_results {
        out.push(OutMessage {
            tool_call_id: Some(&result.call_id),
            ..OutMessage::text("tool", &result.content)
        });
    }
    match m.role {
        Role::User if m.tool_results.is_empty() || !m.content.is_empty() => {
            out.push(OutMessage::text("user", &m.content));
        }
        Role::User => {}
        Role::Assistant => out.push(OutMessage {
            content: (!m.content.is_empty() || m.tool_calls.is_empty()).then_some(&m.content),
            tool_calls: m
                .tool_calls
                .iter()
                .map(|c| OutToolCall {
                    id: &c.id,
                    kind: "function",
                    function: OutCall {
                        name: &c.name,
                        arguments: arguments_text(&c.arguments),
                    },
                })
                .collect(),
            ..OutMessage::text("assistant", "")
        }),
    }
}

impl Wire for OpenAiWire {
    fn endpoint(&self, base_url: &str, _model: &str) -> String {
        format!("{}/chat/completions", base_url.trim_end_matches('/'))
    }

    fn headers(&self, api_key: Option<&str>) -> Vec<(&'static str, String)> {
        match api_key {
            Some(key) => vec![("authorization", format!("Bearer {key}"))],
            None => Vec::new(),
        }
    }

    fn body(&self, model: &str, request: &ChatRequest, settings: &GenerationSettings) -> String {
        let mut messages = Vec::with_capacity(request.messages.len() + 1);
        if let Some(system) = &request.system {
            messages.push(OutMessage::text("system", system));
        }
        for m in &request.messages {
            push_message(&mut messages, m);
        }
        let (max_tokens, max_completion_tokens) = if self.options.max_completion_tokens {
            (None, settings.max_tokens)
        } else {
            (settings.max_tokens, None)
        };
        let body = Body {
            model,
            messages,
            temperature: settings.temperature,
            top_p: settings.top_p,
            max_tokens,
            max_completion_tokens,
            seed: settings.seed,
            reasoning_effort: settings.reasoning_effort.as_deref(),
            stop: &settings.stop,
            tools: request
                .tools
                .iter()
                .map(|t| OutTool {
                    kind: "function",
                    function: OutFunction {
                        name: &t.name,
                        description: &t.description,
                        parameters: &t.parameters,
                    },
                })
                .collect(),
        };
        serde_json::to_string(&body).expect("request body serializes")
    }

    fn parse(&self, body: &[u8]) -> Result<Parsed, String> {
        let response: Response =
            serde_json::from_slice(body).map_err(|e| invalid_body(body, &e))?;
        let choice = response
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| "response has no choices".to_string())?;
        let message = choice.message.unwrap_or_default();
        let refused = message
            .refusal
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
        let text = match (message.content, message.refusal) {
            (Some(c), _) => c,
            (None, Some(r)) => r,
            (None, None) => String::new(),
        };
        let usage = response.usage.map(|u| {
            let cached = u
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .unwrap_or(0);
            Usage {
                input_tokens: u.prompt_tokens.saturating_sub(cached),
                output_tokens: u.completion_tokens,
                cache_read_tokens: cached,
                cache_write_tokens: 0,
                reasoning_tokens: u.completion_tokens_details.and_then(|d| d.reasoning_tokens),
            }
        });
        let tool_calls: Vec<ToolCall> = message
            .tool_calls
            .into_iter()
            .map(|c| ToolCall {
                id: c.id,
                arguments: arguments_value(&c.function.arguments),
                name: c.function.name,
            })
            .collect();
        let stop_reason = match choice.finish_reason {
            Some(raw) => Some(stop_reason::from_openai(
                &raw,
                !tool_calls.is_empty(),
                refused,
            )),
            None if refused => Some(stop_reason::REFUSAL.to_string()),
            None => None,
        };
        Ok(Parsed {
            model: response.model,
            text,
            reasoning: message.reasoning_content.or(message.reasoning),
            tool_calls,
            stop_reason,
            usage: usage.unwrap_or_default(),
            native: None,
        })
    }

    fn error_info(&self, body: &[u8]) -> ErrorInfo {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(e) => ErrorInfo {
                kind: e
                    .error
                    .kind
                    .or_else(|| e.error.code.and_then(|c| c.as_str().map(str::to_string))),
                message: e.error.message,
                retry_after_ms: None,
            },
            Err(_) => ErrorInfo::default(),
        }
    }
}
