//! Native tools for local models: the conversation rendered through the model's own chat
//! template (the Jinja text in the GGUF, with `tools`, assistant `tool_calls` and `tool`
//! messages, as Hugging Face's `apply_chat_template` passes them), and the model's
//! `<tool_call>{json}</tool_call>` blocks parsed back into [`ToolCall`]s.
//!
//! llama-cpp-2 0.1.160 only exposes llama.cpp's built-in template engine, which knows role and
//! text and nothing of tools, so tool-bearing requests are rendered here with minijinja. Requests
//! without tools keep llama.cpp's rendering byte for byte. Parsing understands the Hermes-style
//! `<tool_call>` format that Qwen2.5 (and the templates that mention `<tool_call>`) ask for; a
//! template that offers no such format gets no tools (they are listed as ignored).

use crate::types::{ChatRequest, Message, Role, ToolCall};
use serde_json::{json, Value};

/// Whether the GGUF's template renders tools in a format we can parse back.
pub(super) fn supports_tools(template: &str) -> bool {
    template.contains("tools") && template.contains("<tool_call>")
}

/// Whether the request needs the tool-aware rendering: tools offered, or tool turns in history.
pub(super) fn needs_tools(request: &ChatRequest) -> bool {
    !request.tools.is_empty()
        || request
            .messages
            .iter()
            .any(|m| !m.tool_calls.is_empty() || !m.tool_results.is_empty())
}

/// A turn as plain text for a template without tools: calls and results written out in the
/// same `<tool_call>` / `<tool_response>` spelling, so the conversation still reads in order.
pub(super) fn as_text(m: &Message) -> String {
    if m.tool_calls.is_empty() && m.tool_results.is_empty() {
        return m.content.clone();
    }
    let mut out = String::new();
    for r in &m.tool_results {
        out.push_str(&format!(
            "<tool_response>\n{}\n</tool_response>\n",
            r.content
        ));
    }
    out.push_str(&m.content);
    for c in &m.tool_calls {
        let call = json!({"name": c.name, "arguments": c.arguments});
        out.push_str(&format!("\n<tool_call>\n{call}\n</tool_call>"));
    }
    out.trim().to_string()
}

/// The conversation as the template's `messages`: OpenAI/Hugging Face chat shape.
fn template_messages(request: &ChatRequest) -> Vec<Value> {
    let mut out = Vec::with_capacity(request.messages.len() + 1);
    if let Some(system) = &request.system {
        out.push(json!({"role": "system", "content": system}));
    }
    for m in &request.messages {
        push(&mut out, m);
    }
    out
}

fn push(out: &mut Vec<Value>, m: &Message) {
    for r in &m.tool_results {
        out.push(json!({"role": "tool", "name": r.name, "content": r.content}));
    }
    match m.role {
        Role::User if m.tool_results.is_empty() || !m.content.is_empty() => {
            out.push(json!({"role": "user", "content": m.content}));
        }
        Role::User => {}
        Role::Assistant => {
            let mut message = json!({"role": "assistant", "content": m.content});
            if !m.tool_calls.is_empty() {
                let calls: Vec<Value> = m
                    .tool_calls
                    .iter()
                    .map(|c| json!({"type": "function", "id": c.id, "function": {"name": c.name, "arguments": c.arguments}}))
                    .collect();
                message["tool_calls"] = Value::Array(calls);
            }
            out.push(message);
        }
    }
}

/// Render `request` with the model's Jinja `template`, generation prompt appended.
pub(super) fn render(
    template: &str,
    request: &ChatRequest,
    bos: &str,
    eos: &str,
) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    // Hugging Face renders chat templates with both on; the whitespace of the prompt depends on it.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("tojson", python_tojson);
    env.add_function(
        "raise_exception",
        |message: String| -> Result<String, minijinja::Error> {
            Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                message,
            ))
        },
    );
    let compiled = env
        .template_from_str(template)
        .map_err(|e| format!("cannot compile the model's chat template: {e}"))?;
    let tools: Vec<Value> = request
        .tools
        .iter()
        .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
        .collect();
    let context = json!({
        "messages": template_messages(request),
        "tools": if tools.is_empty() { Value::Null } else { Value::Array(tools) },
        "add_generation_prompt": true,
        "bos_token": bos,
        "eos_token": eos,
    });
    compiled
        .render(minijinja::Value::from_serialize(&context))
        .map_err(|e| format!("cannot apply the model's chat template with tools: {e}"))
}

/// `tojson` as Hugging Face's template renderer defines it (Python `json.dumps` with
/// `ensure_ascii=False`): `", "` and `": "` separators, non-ASCII kept. The model was trained on
/// prompts in exactly this spelling, so minijinja's compact, HTML-escaping `tojson` would not do.
fn python_tojson(value: minijinja::Value) -> Result<minijinja::Value, minijinja::Error> {
    let json = serde_json::to_value(&value).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
    })?;
    let mut out = String::new();
    write_python_json(&json, &mut out);
    Ok(minijinja::Value::from_safe_string(out))
}

fn write_python_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            for (i, (key, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write_python_json(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(v, out);
            }
            out.push(']');
        }
        // serde_json escapes strings as Python does with ensure_ascii=False.
        other => out.push_str(&other.to_string()),
    }
}

/// The visible text and the tool calls of a generated reply: each well-formed
/// `<tool_call>{"name": ..., "arguments": ...}</tool_call>` block becomes a call (ids
/// `call_{turn}_{i}`, unique within a session) and leaves the text. A block whose JSON does not
/// parse, or has no name, stays in the text: it is what the model wrote, not a call.
///
/// Small models often drop the tags: a reply that is nothing but one such JSON object (bare or
/// in a code fence) naming one of the `offered` tools is read as that call.
pub(super) fn parse_tool_calls(
    text: &str,
    turn: usize,
    offered: &[&str],
) -> (String, Vec<ToolCall>) {
    let (visible, calls) = parse_tagged(text, turn);
    if !calls.is_empty() {
        return (visible, calls);
    }
    let bare = text.trim();
    let bare = bare
        .strip_prefix("```json")
        .or_else(|| bare.strip_prefix("```"))
        .and_then(|b| b.strip_suffix("```"))
        .unwrap_or(bare);
    match parse_call(bare, turn, 0) {
        Some(call) if offered.contains(&call.name.as_str()) => (String::new(), vec![call]),
        _ => (visible, calls),
    }
}

fn parse_tagged(text: &str, turn: usize) -> (String, Vec<ToolCall>) {
    const OPEN: &str = "<tool_call>";
    const CLOSE: &str = "</tool_call>";
    let mut calls = Vec::new();
    let mut visible = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        // An unclosed final block (the model stopped at </tool_call> or ran out) still counts.
        let (inner, next) = match after.find(CLOSE) {
            Some(end) => (&after[..end], &after[end + CLOSE.len()..]),
            None => (after, ""),
        };
        match parse_call(inner, turn, calls.len()) {
            Some(call) => {
                visible.push_str(&rest[..start]);
                calls.push(call);
            }
            None => visible.push_str(&rest[..start + OPEN.len() + (after.len() - next.len())]),
        }
        rest = next;
    }
    visible.push_str(rest);
    if calls.is_empty() {
        return (text.to_string(), calls);
    }
    (visible.trim().to_string(), calls)
}

fn parse_call(inner: &str, turn: usize, index: usize) -> Option<ToolCall> {
    // Small models write multi-line e-mail bodies with raw line breaks inside JSON strings;
    // read those as the escapes they stand for rather than dropping the call.
    let value: Value = serde_json::from_str(inner.trim())
        .or_else(|_| serde_json::from_str(&escape_raw_controls(inner.trim())))
        .ok()?;
    let name = value.get("name")?.as_str()?.to_string();
    let arguments = match value.get("arguments") {
        Some(Value::String(text)) => crate::wire::arguments_value(text),
        Some(other) => other.clone(),
        None => json!({}),
    };
    Some(ToolCall {
        id: format!("call_{turn}_{index}"),
        name,
        arguments,
    })
}

/// `text` with raw line breaks and tabs inside JSON string literals written as escapes
/// (outside strings they are whitespace and stay as they are).
fn escape_raw_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        match c {
            '\\' if in_string => {
                escaped = !escaped;
                out.push(c);
                continue;
            }
            '"' if !escaped => in_string = !in_string,
            '\n' if in_string => out.push_str("\\n"),
            '\r' if in_string => out.push_str("\\r"),
            '\t' if in_string => out.push_str("\\t"),
            _ => {}
        }
        if !(in_string && matches!(c, '\n' | '\r' | '\t')) {
            out.push(c);
        }
        escaped = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ToolResult, ToolSpec};

    const QWEN_LIKE: &str = "{%- if tools %}<|im_start|>system\n{{ messages[0]['content'] }}\n<tools>\n{%- for tool in tools %}\n{{ tool | tojson }}\n{%- endfor %}\n</tools><|im_end|>\n{%- endif %}\n{%- for message in messages[1:] %}\n{%- if message.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ message.content }}\n</tool_response><|im_end|>\n{%- elif message.tool_calls %}<|im_start|>assistant{% for c in message.tool_calls %}\n<tool_call>\n{\"name\": \"{{ c.function.name }}\", \"arguments\": {{ c.function.arguments | tojson }}}\n</tool_call>{% endfor %}<|im_end|>\n{%- else %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{%- endif %}\n{%- endfor %}{{ '<|im_start|>assistant\\n' }}\n";

    #[test]
    fn raw_line_breaks_inside_argument_strings_are_read_as_escapes() {
        let reply = "```json\n{\n  \"name\": \"email\",\n  \"arguments\": {\"body\": \"Graham,\n\nsee \\\"this\\\"\tnow\"}\n}\n```";
        let (_, calls) = parse_tool_calls(reply, 1, &["email"]);
        assert_eq!(calls.len(), 1, "{reply}");
        assert_eq!(calls[0].arguments["body"], "Graham,\n\nsee \"this\"\tnow");
        let (_, none) = parse_tool_calls(
            "{\"name\": \"email\", \"arguments\": {\"body\": \"cut",
            1,
            &["email"],
        );
        assert!(none.is_empty(), "an unfinished object is still no call");
    }

    #[test]
    fn renders_tools_calls_and_results_in_python_json_style() {
        let call = ToolCall {
            id: "call_0_0".into(),
            name: "read_email".into(),
            arguments: json!({"id": 2, "note": "café"}),
        };
        let request = ChatRequest {
            system: Some("You are Alex.".into()),
            messages: vec![
                Message::user("Check mail."),
                Message {
                    tool_calls: vec![call.clone()],
                    ..Message::assistant("")
                },
                Message::tool_results(vec![ToolResult::ok(&call, "From Kyle")]),
            ],
            tools: vec![ToolSpec {
                name: "read_email".into(),
                description: "Read one e-mail.".into(),
                parameters: json!({"type": "object", "properties": {"id": {"type": "integer"}}}),
            }],
            ..ChatRequest::default()
        };
        assert!(supports_tools(QWEN_LIKE) && needs_tools(&request));
        let prompt = render(QWEN_LIKE, &request, "", "").unwrap();
        assert!(prompt.contains("{\"type\": \"function\", \"function\": {\"name\": \"read_email\", \"description\": \"Read one e-mail.\", \"parameters\": {\"type\": \"object\""), "{prompt}");
        assert!(
            prompt.contains("\"arguments\": {\"id\": 2, \"note\": \"café\"}}"),
            "{prompt}"
        );
        assert!(
            prompt.contains("<tool_response>\nFrom Kyle\n</tool_response>"),
            "{prompt}"
        );
        assert!(prompt.ends_with("<|im_start|>assistant\n"));
    }

    #[test]
    fn parses_hermes_tool_call_blocks() {
        let text = "I'll look.\n<tool_call>\n{\"name\": \"list_inbox\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"read_email\", \"arguments\": \"{\\\"id\\\": 2}\"}\n</tool_call>";
        let (visible, calls) = parse_tool_calls(text, 3, &[]);
        assert_eq!(visible, "I'll look.");
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].id, "call_3_0");
        assert_eq!(calls[1].name, "read_email");
        assert_eq!(calls[1].arguments["id"], 2);
        // Not JSON, or no name: left in the text as written.
        let broken = "<tool_call>\n{name: oops}\n</tool_call>";
        assert_eq!(
            parse_tool_calls(broken, 0, &[]),
            (broken.to_string(), Vec::new())
        );
        // Unclosed at the end (cut by max_tokens after the JSON) still parses.
        let (_, calls) = parse_tool_calls(
            "<tool_call>\n{\"name\": \"end_session\", \"arguments\": {}}\n",
            0,
            &[],
        );
        assert_eq!(calls[0].name, "end_session");
        // Untagged: only a whole-reply object naming an offered tool is a call.
        let bare = "{\"name\": \"list_inbox\", \"arguments\": {}}";
        assert_eq!(parse_tool_calls(bare, 0, &["list_inbox"]).1.len(), 1);
        assert!(parse_tool_calls(bare, 0, &["read_email"]).1.is_empty());
        let fenced = format!("```json\n{bare}\n```");
        assert_eq!(parse_tool_calls(&fenced, 0, &["list_inbox"]).0, "");
        assert!(
            parse_tool_calls(&format!("Sure: {bare}"), 0, &["list_inbox"])
                .1
                .is_empty()
        );
    }
}
