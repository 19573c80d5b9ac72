//! Reading a multi-turn tool-calling conversation out of a request in any of the three
//! protocols: how many assistant turns it has, the tool results it returns, and whether the
//! calls and results are linked the way the real API insists (a mismatch is a 400 there too).

use crate::protocol_kind::Protocol;
use serde_json::Value;

/// What rules can match on in a request's conversation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    /// Assistant (model) turns already in the conversation: the index of the turn being asked for.
    pub assistant_turns: u32,
    /// Tool results in the conversation, oldest first.
    pub results: Vec<ToolResultSeen>,
}

/// One tool result as the request carried it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolResultSeen {
    /// The called tool's name (looked up from the call the result answers).
    pub name: String,
    /// The result's content as text.
    pub content: String,
}

impl Conversation {
    /// The last tool result, if any.
    pub fn last_result(&self) -> Option<&ToolResultSeen> {
        self.results.last()
    }
}

/// The signature fakellm gives a thinking block or a Gemini function call: a hash of its
/// content, so a client that sends it back altered (or with another block's signature) is caught.
pub fn signature(content: &str) -> String {
    // FNV-1a, 64 bit: stable across runs and platforms, no dependency.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in content.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fakesig-{hash:016x}")
}

/// The conversation in `body`, or why the real API would reject it.
pub fn read(protocol: Protocol, body: &Value) -> Result<Conversation, String> {
    match protocol {
        Protocol::OpenAi => read_openai(body),
        Protocol::Anthropic => read_anthropic(body),
        Protocol::Gemini => read_gemini(body),
    }
}

fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Calls of the latest assistant turn not answered yet: (id, name).
type Pending = Vec<(String, String)>;

fn read_openai(body: &Value) -> Result<Conversation, String> {
    let mut conversation = Conversation::default();
    let mut pending: Pending = Vec::new();
    for message in items(body, "messages") {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        if role == "tool" {
            let id = message
                .get("tool_call_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            let Some(index) = pending.iter().position(|(p, _)| p == id) else {
                return Err(format!(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (tool_call_id `{id}` answers none)"
                ));
            };
            let (_, name) = pending.remove(index);
            conversation.results.push(ToolResultSeen {
                name,
                content: text_of(message.get("content").unwrap_or(&Value::Null)),
            });
            continue;
        }
        if let Some((id, _)) = pending.first() {
            return Err(format!(
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {id}"
            ));
        }
        if role == "assistant" {
            conversation.assistant_turns += 1;
            for call in items(message, "tool_calls") {
                let id = call.get("id").and_then(Value::as_str).unwrap_or("");
                let function = call.get("function").unwrap_or(&Value::Null);
                let name = function.get("name").and_then(Value::as_str).unwrap_or("");
                if !function.get("arguments").is_some_and(Value::is_string) {
                    return Err(format!(
                        "tool call `{id}`: function.arguments must be a JSON string"
                    ));
                }
                pending.push((id.to_string(), name.to_string()));
            }
        }
    }
    Ok(conversation)
}

fn read_anthropic(body: &Value) -> Result<Conversation, String> {
    let mut conversation = Conversation::default();
    let mut pending: Pending = Vec::new();
    for (index, message) in items(body, "messages").iter().enumerate() {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        let blocks = match message.get("content") {
            Some(Value::Array(blocks)) => blocks.as_slice(),
            _ => &[],
        };
        if role == "user" {
            for block in blocks {
                if block.get("type").and_then(Value::as_str) != Some("tool_result") {
                    continue;
                }
                let id = block
                    .get("tool_use_id")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let Some(at) = pending.iter().position(|(p, _)| p == id) else {
                    return Err(format!(
                        "messages.{index}.content: unexpected `tool_use_id` found in `tool_result` blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
                    ));
                };
                let (_, name) = pending.remove(at);
                conversation.results.push(ToolResultSeen {
                    name,
                    content: text_of(block.get("content").unwrap_or(&Value::Null)),
                });
            }
            if let Some((id, _)) = pending.first() {
                return Err(format!(
                    "messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: {id}. Each `tool_use` block must have a corresponding `tool_result` block in the next message."
                ));
            }
            continue;
        }
        if role == "assistant" {
            conversation.assistant_turns += 1;
            for block in blocks {
                match block.get("type").and_then(Value::as_str) {
                    Some("tool_use") => pending.push((
                        block.get("id").and_then(Value::as_str).unwrap_or("").into(),
                        block
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .into(),
                    )),
                    Some("thinking") => {
                        let thinking = block.get("thinking").and_then(Value::as_str).unwrap_or("");
                        let sent = block.get("signature").and_then(Value::as_str).unwrap_or("");
                        if sent != signature(thinking) {
                            return Err(format!(
                                "messages.{index}.content: Invalid `signature` in `thinking` block"
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(conversation)
}

fn read_gemini(body: &Value) -> Result<Conversation, String> {
    let mut conversation = Conversation::default();
    let mut pending: Pending = Vec::new();
    for (index, content) in items(body, "contents").iter().enumerate() {
        let role = content
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or("user");
        let parts = items(content, "parts");
        if role == "model" {
            conversation.assistant_turns += 1;
            pending.clear();
            for part in parts {
                let Some(call) = part.get("functionCall") else {
                    continue;
                };
                let name = call.get("name").and_then(Value::as_str).unwrap_or("");
                if let Some(sent) = part.get("thoughtSignature").and_then(Value::as_str) {
                    if sent != signature(&call_signed_text(call)) {
                        return Err(format!(
                            "contents[{index}]: Corrupted thought signature on function call `{name}`"
                        ));
                    }
                }
                pending.push((String::new(), name.to_string()));
            }
            continue;
        }
        for part in parts {
            let Some(response) = part.get("functionResponse") else {
                continue;
            };
            let name = response.get("name").and_then(Value::as_str).unwrap_or("");
            let Some(at) = pending.iter().position(|(_, p)| p == name) else {
                return Err(format!(
                    "contents[{index}]: function response `{name}` does not answer a function call of the previous model turn"
                ));
            };
            pending.remove(at);
            let value = response.get("response").unwrap_or(&Value::Null);
            let content = value
                .get("output")
                .or_else(|| value.get("error"))
                .map_or_else(|| text_of(value), text_of);
            conversation.results.push(ToolResultSeen {
                name: name.to_string(),
                content,
            });
        }
    }
    Ok(conversation)
}

/// What a Gemini function call's fake thought signature covers.
pub fn call_signed_text(call: &Value) -> String {
    format!(
        "{}{}",
        call.get("name").and_then(Value::as_str).unwrap_or(""),
        call.get("args").unwrap_or(&Value::Null)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openai_links_results_to_calls() {
        let call = json!({"id": "c1", "type": "function", "function": {"name": "list_inbox", "arguments": "{}"}});
        let body = json!({"messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": null, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "3 e-mails"},
        ]});
        let c = read(Protocol::OpenAi, &body).unwrap();
        assert_eq!(c.assistant_turns, 1);
        assert_eq!(c.last_result().unwrap().name, "list_inbox");
        assert_eq!(c.last_result().unwrap().content, "3 e-mails");
        let orphan = json!({"messages": [{"role": "tool", "tool_call_id": "zz", "content": "x"}]});
        assert!(read(Protocol::OpenAi, &orphan).unwrap_err().contains("zz"));
        let unanswered = json!({"messages": [
            {"role": "assistant", "content": null, "tool_calls": [call]},
            {"role": "user", "content": "next"},
        ]});
        assert!(read(Protocol::OpenAi, &unanswered)
            .unwrap_err()
            .contains("c1"));
    }

    #[test]
    fn anthropic_checks_results_and_thinking_signatures() {
        let thinking =
            json!({"type": "thinking", "thinking": "hmm", "signature": signature("hmm")});
        let body = json!({"messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": [thinking, {"type": "tool_use", "id": "t1", "name": "read_email", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "Kyle wrote"}]},
        ]});
        let c = read(Protocol::Anthropic, &body).unwrap();
        assert_eq!(c.results[0].name, "read_email");
        let mut altered = body.clone();
        altered["messages"][1]["content"][0]["thinking"] = json!("hmm, edited");
        assert!(read(Protocol::Anthropic, &altered)
            .unwrap_err()
            .contains("signature"));
        let mut missing = body;
        missing["messages"][2]["content"] = json!("no result");
        assert!(read(Protocol::Anthropic, &missing)
            .unwrap_err()
            .contains("t1"));
    }

    #[test]
    fn gemini_matches_responses_by_name_and_checks_signatures() {
        let call = json!({"name": "send_email", "args": {"to": "a"}});
        let sig = signature(&call_signed_text(&call));
        let body = json!({"contents": [
            {"role": "user", "parts": [{"text": "go"}]},
            {"role": "model", "parts": [{"functionCall": call, "thoughtSignature": sig}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "send_email", "response": {"output": "sent"}}}]},
        ]});
        let c = read(Protocol::Gemini, &body).unwrap();
        assert_eq!(c.results[0].content, "sent");
        let mut forged = body.clone();
        forged["contents"][1]["parts"][0]["thoughtSignature"] = json!("fakesig-0");
        assert!(read(Protocol::Gemini, &forged).is_err());
        let mut wrong = body;
        wrong["contents"][2]["parts"][0]["functionResponse"]["name"] = json!("other");
        assert!(read(Protocol::Gemini, &wrong).is_err());
    }
}
