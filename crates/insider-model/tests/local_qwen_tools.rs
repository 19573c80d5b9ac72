//! Native tool calls from a real local model: Qwen2.5-Coder-0.5B-Instruct (scripts/fetch-models
//! qwen) rendered through its own chat template with tools, its reply parsed into tool calls, and the result sent back on a second turn. SmolLM2's template has no tool format,
//! so its tools are listed as ignored.
#![cfg(feature = "local")]

use insider_model::{
    stop_reason, ChatRequest, GenerationSettings, Message, ModelConfig, ToolResult, ToolSpec,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const QWEN: &str = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf";
const SMOL: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// The model file, or `None` after printing why the test is skipped (a failure under
/// INSIDER_REQUIRE_ALL=1).
fn model(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models")
        .join(file);
    if path.exists() {
        return Some(path);
    }
    let why = format!("{} missing; run scripts/fetch-models all", path.display());
    assert!(
        std::env::var("INSIDER_REQUIRE_ALL").as_deref() != Ok("1"),
        "{why}"
    );
    eprintln!("skipped: {why}");
    None
}

fn tools() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            name: "list_inbox".into(),
            description: "List the e-mails in the inbox (id, sender, subject).".into(),
            parameters: json!({"type": "object", "properties": {}, "required": []}),
        },
        ToolSpec {
            name: "read_email".into(),
            description: "Read one e-mail by its id.".into(),
            parameters: json!({"type": "object", "properties": {"id": {"type": "integer", "description": "The e-mail id."}}, "required": ["id"]}),
        },
        ToolSpec {
            name: "send_email".into(),
            description: "Send an e-mail.".into(),
            parameters: json!({"type": "object", "properties": {"to": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"}}, "required": ["to", "subject", "body"]}),
        },
    ]
}

fn request(messages: Vec<Message>) -> ChatRequest {
    ChatRequest {
        system: Some("You are Alex, an e-mail agent. Call a tool.".into()),
        messages,
        tools: tools(),
        settings: GenerationSettings {
            temperature: Some(0.0),
            max_tokens: Some(96),
            ..GenerationSettings::default()
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qwen_makes_a_native_tool_call_and_reads_the_result() {
    let Some(path) = model(QWEN) else { return };
    let provider =
        insider_model::local::open(path.to_str().unwrap(), &ModelConfig::default()).unwrap();
    let mut messages = vec![Message::user("Read e-mail 2.")];
    let first = provider.generate(&request(messages.clone())).await.unwrap();
    let raw: Value = serde_json::from_str(&first.raw_request).unwrap();
    let prompt = raw["prompt"].as_str().unwrap();
    assert!(prompt.contains("# Tools"), "{prompt}");
    assert!(
        prompt.contains("{\"type\": \"function\", \"function\": {\"name\": \"list_inbox\""),
        "tools rendered by the model's template in its JSON spelling: {prompt}"
    );
    assert_eq!(
        raw["native_tools"],
        json!(["list_inbox", "read_email", "send_email"])
    );
    assert!(
        !first.tool_calls.is_empty(),
        "no tool call parsed from: {:?}",
        first.raw_response
    );
    let call = &first.tool_calls[0];
    assert_eq!(call.name, "read_email", "{call:?}");
    assert_eq!(call.arguments, json!({"id": 2}));
    // Qwen2.5-Coder-0.5B writes this call as a fenced JSON object rather than inside the
    // `<tool_call>` tags its template asks for; a whole-reply call naming an offered tool is read
    // as the call all the same (the tagged form is covered by the parser's unit tests).
    let raw_reply: Value = serde_json::from_str(&first.raw_response).unwrap();
    assert!(
        raw_reply["text"]
            .as_str()
            .unwrap()
            .contains("\"read_email\""),
        "{}",
        first.raw_response
    );
    assert_eq!(call.id, "call_0_0");
    assert!(call.arguments.is_object(), "{call:?}");
    assert_eq!(first.stop_reason.as_deref(), Some(stop_reason::TOOL_USE));
    assert!(!first.text.contains("<tool_call>"), "{:?}", first.text);

    // Second turn: the call and its result go back through the template.
    messages.push(Message::from_response(&first));
    let results = first
        .tool_calls
        .iter()
        .map(|c| ToolResult::ok(c, "From: kyle@summitbridge.com — Server move on Friday"))
        .collect();
    messages.push(Message::tool_results(results));
    let second = provider.generate(&request(messages)).await.unwrap();
    let raw: Value = serde_json::from_str(&second.raw_request).unwrap();
    let prompt = raw["prompt"].as_str().unwrap();
    let expected_call = format!(
        "<tool_call>\n{{\"name\": \"{}\", \"arguments\": ",
        call.name
    );
    assert!(prompt.contains(&expected_call), "{prompt}");
    assert!(
        prompt.contains(
            "<|im_start|>user\n<tool_response>\nFrom: kyle@summitbridge.com — Server move on Friday\n</tool_response><|im_end|>"
        ),
        "{prompt}"
    );
    assert!(prompt.ends_with("<|im_start|>assistant\n"));
    assert!(!second.text.is_empty() || !second.tool_calls.is_empty());
    for c in &second.tool_calls {
        assert!(c.id.starts_with("call_1_"), "{c:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_without_tools_ignores_them_and_keeps_its_own_rendering() {
    let Some(path) = model(SMOL) else { return };
    let provider =
        insider_model::local::open(path.to_str().unwrap(), &ModelConfig::default()).unwrap();
    let mut req = request(vec![Message::user("Say hi.")]);
    req.settings.max_tokens = Some(8);
    let with_tools = provider.generate(&req).await.unwrap();
    let raw: Value = serde_json::from_str(&with_tools.raw_request).unwrap();
    assert_eq!(
        raw["native_tools_ignored"],
        json!(["list_inbox", "read_email", "send_email"])
    );
    assert!(with_tools.tool_calls.is_empty());
    req.tools.clear();
    let without = provider.generate(&req).await.unwrap();
    let raw_without: Value = serde_json::from_str(&without.raw_request).unwrap();
    assert_eq!(raw["prompt"], raw_without["prompt"], "same prompt bytes");
    assert_eq!(with_tools.text, without.text);
}
