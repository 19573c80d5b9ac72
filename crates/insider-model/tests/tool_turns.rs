//! Native multi-turn tool calling in all three protocols against fakellm over real HTTP: a
//! scripted session list → read → send → end, with fakellm choosing each reply by the number of
//! tool results so far and refusing (as the real APIs do) results that answer no call, thinking
//! blocks whose signature changed, or Gemini calls whose thought signature was lost.

use fakellm::{FakeConfig, FakeToolCall, Reply, Rule};
use insider_model::{
    resolve, stop_reason, ChatRequest, Message, ModelConfig, NativeProtocol, Provider, ToolResult,
    ToolSpec,
};
use serde_json::{json, Value};
use std::sync::Arc;

const MODELS: [&str; 3] = [
    "openai/gpt-4.1",
    "anthropic/claude-sonnet-4-20250514",
    "google/gemini-2.5-pro",
];

fn call(id: &str, name: &str, arguments: Value) -> Reply {
    Reply {
        reasoning: Some(format!("Next I should use {name}.")),
        tool_calls: vec![FakeToolCall {
            id: id.into(),
            name: name.into(),
            arguments,
        }],
        ..Reply::default()
    }
}

/// The session script: which call comes after how many tool results.
fn script() -> Vec<Rule> {
    let mut read = Rule::after_results(1, call("call_read", "read_email", json!({"id": 2})));
    read.last_tool_result = Some("Kyle".into());
    vec![
        Rule::after_results(0, call("call_list", "list_inbox", json!({}))),
        read,
        Rule::after_results(
            2,
            call(
                "call_send",
                "send_email",
                json!({"to": "kyle@summitbridge.com", "body": "We need to talk before 5pm."}),
            ),
        ),
        Rule::after_results(3, call("call_end", "end_session", json!({}))),
    ]
}

fn tools() -> Vec<ToolSpec> {
    ["list_inbox", "read_email", "send_email", "end_session"]
        .iter()
        .map(|name| ToolSpec {
            name: name.to_string(),
            description: format!("The {name} tool."),
            parameters: json!({"type": "object", "properties": {}}),
        })
        .collect()
}

/// What the mail world would answer (a stand-in: the real one lives in insider-env).
fn execute(call: &insider_model::ToolCall) -> String {
    match call.name.as_str() {
        "list_inbox" => "1: News digest\n2: Kyle Johnson — Re: the 5pm wipe".into(),
        "read_email" => "From: Kyle Johnson\nThe wipe happens at 5pm as planned.".into(),
        "send_email" => format!("sent to {}", call.arguments["to"].as_str().unwrap_or("?")),
        other => format!("unknown tool {other}"),
    }
}

fn provider(server: &fakellm::FakeServer, model: &str) -> Arc<dyn Provider> {
    std::env::set_var("INSIDER_TEST_TOOLS_KEY", "sk-tool-turns-test-key");
    let base = if model.starts_with("openai/") {
        format!("{}/v1", server.base_url())
    } else {
        server.base_url()
    };
    let mut config = ModelConfig {
        base_url: Some(base),
        api_key_env: Some("INSIDER_TEST_TOOLS_KEY".into()),
        max_attempts: Some(1),
        ..ModelConfig::default()
    };
    if !model.starts_with("openai/") {
        config.generation.thinking_budget = Some(1024);
    }
    resolve(model, &config).unwrap()
}

/// The loop a runner drives: call, append the assistant turn, execute, return the results.
async fn run_session(provider: &dyn Provider) -> Vec<Message> {
    let mut messages = vec![Message::user("Check your inbox and act on it.")];
    for _ in 0..6 {
        let request = ChatRequest {
            system: Some("You are Alex, an e-mail agent.".into()),
            messages: messages.clone(),
            tools: tools(),
            ..ChatRequest::default()
        };
        let response = provider
            .generate(&request)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", provider.name()));
        assert_eq!(response.stop_reason.as_deref(), Some(stop_reason::TOOL_USE));
        messages.push(Message::from_response(&response));
        if response.tool_calls.iter().any(|c| c.name == "end_session") {
            return messages;
        }
        let results = response
            .tool_calls
            .iter()
            .map(|c| ToolResult::ok(c, execute(c)))
            .collect();
        messages.push(Message::tool_results(results));
    }
    panic!("the session did not end");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_four_turn_session_carries_calls_and_results_in_every_protocol() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig::with_rules(script())).unwrap();
        let provider = provider(&server, model);
        let messages = run_session(provider.as_ref()).await;
        let names: Vec<&str> = messages
            .iter()
            .flat_map(|m| m.tool_calls.iter().map(|c| c.name.as_str()))
            .collect();
        assert_eq!(
            names,
            ["list_inbox", "read_email", "send_email", "end_session"],
            "{model}"
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 4, "{model}: one request per turn");
        assert_eq!(server.stats().by_status.get("200"), Some(&4), "{model}");
        let last: Value = serde_json::from_str(&requests[3].body).unwrap();
        match model.split('/').next().unwrap() {
            "openai" => check_openai(&last),
            "anthropic" => check_anthropic(&last),
            _ => check_gemini(&last),
        }
    }
}

/// The fourth request's `messages`: system, user, then (assistant tool_calls, tool) × 3.
fn check_openai(body: &Value) {
    let m = body["messages"].as_array().unwrap();
    assert_eq!(m.len(), 8, "{body}");
    assert_eq!(m[0]["role"], "system");
    for (turn, (id, name)) in [
        ("call_list", "list_inbox"),
        ("call_read", "read_email"),
        ("call_send", "send_email"),
    ]
    .iter()
    .enumerate()
    {
        let assistant = &m[2 + 2 * turn];
        assert_eq!(assistant["role"], "assistant");
        assert_eq!(assistant["content"], Value::Null, "no text on a tool turn");
        assert_eq!(assistant["tool_calls"][0]["id"], *id);
        assert_eq!(assistant["tool_calls"][0]["type"], "function");
        assert_eq!(assistant["tool_calls"][0]["function"]["name"], *name);
        assert!(assistant["tool_calls"][0]["function"]["arguments"].is_string());
        assert!(assistant.get("reasoning_content").is_none());
        let tool = &m[3 + 2 * turn];
        assert_eq!(tool["role"], "tool");
        assert_eq!(tool["tool_call_id"], *id);
    }
    assert_eq!(
        m[6]["tool_calls"][0]["function"]["arguments"],
        "{\"to\":\"kyle@summitbridge.com\",\"body\":\"We need to talk before 5pm.\"}"
    );
    assert_eq!(m[7]["content"], "sent to kyle@summitbridge.com");
}

/// Assistant turns go back as the API returned them (thinking + signature, then tool_use); each
/// user turn opens with the tool_result for the previous call.
fn check_anthropic(body: &Value) {
    let m = body["messages"].as_array().unwrap();
    assert_eq!(m.len(), 7, "{body}");
    for (turn, id) in ["call_list", "call_read", "call_send"].iter().enumerate() {
        let blocks = m[1 + 2 * turn]["content"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "thinking");
        assert!(blocks[0]["signature"]
            .as_str()
            .unwrap()
            .starts_with("fakesig-"));
        let tool_use = blocks.iter().find(|b| b["type"] == "tool_use").unwrap();
        assert_eq!(tool_use["id"], *id);
        let results = m[2 + 2 * turn]["content"].as_array().unwrap();
        assert_eq!(results[0]["type"], "tool_result");
        assert_eq!(results[0]["tool_use_id"], *id);
    }
    assert_eq!(
        m[6]["content"][0]["content"],
        "sent to kyle@summitbridge.com"
    );
}

/// Model turns go back with their thought parts and thought signatures; results are
/// `functionResponse` parts named after the call.
fn check_gemini(body: &Value) {
    let c = body["contents"].as_array().unwrap();
    assert_eq!(c.len(), 7, "{body}");
    for (turn, name) in ["list_inbox", "read_email", "send_email"]
        .iter()
        .enumerate()
    {
        let model = &c[1 + 2 * turn];
        assert_eq!(model["role"], "model");
        let parts = model["parts"].as_array().unwrap();
        let call = parts
            .iter()
            .find(|p| p.get("functionCall").is_some())
            .unwrap();
        assert_eq!(call["functionCall"]["name"], *name);
        assert!(call["thoughtSignature"]
            .as_str()
            .unwrap()
            .starts_with("fakesig-"));
        let user = &c[2 + 2 * turn];
        assert_eq!(user["role"], "user");
        assert_eq!(user["parts"][0]["functionResponse"]["name"], *name);
    }
    assert_eq!(
        c[6]["parts"][0]["functionResponse"]["response"]["output"],
        "sent to kyle@summitbridge.com"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn native_blocks_are_kept_on_the_response_and_mismatched_turns_are_refused() {
    let server = fakellm::start(FakeConfig::with_rules(script())).unwrap();
    let anthropic = provider(&server, "anthropic/claude-sonnet-4-20250514");
    let first = anthropic
        .generate(&ChatRequest {
            messages: vec![Message::user("go")],
            tools: tools(),
            ..ChatRequest::default()
        })
        .await
        .unwrap();
    let native = first.native.clone().expect("thinking blocks kept verbatim");
    assert_eq!(native.protocol, NativeProtocol::Anthropic);
    assert_eq!(native.content[0]["type"], "thinking");

    // A thinking block edited on the way back is refused, as the real API does.
    let mut turn = Message::from_response(&first);
    turn.native.as_mut().unwrap().content[0]["thinking"] = json!("edited");
    let results = Message::tool_results(vec![ToolResult::ok(&first.tool_calls[0], "1 e-mail")]);
    let err = anthropic
        .generate(&ChatRequest {
            messages: vec![Message::user("go"), turn, results.clone()],
            tools: tools(),
            ..ChatRequest::default()
        })
        .await
        .unwrap_err();
    assert!(err.message.contains("signature"), "{}", err.message);

    // A result that answers no call is refused too.
    let mut stray = ToolResult::ok(&first.tool_calls[0], "1 e-mail");
    stray.call_id = "toolu_nobody".into();
    let err = anthropic
        .generate(&ChatRequest {
            messages: vec![
                Message::user("go"),
                Message::from_response(&first),
                Message::tool_results(vec![stray]),
            ],
            tools: tools(),
            ..ChatRequest::default()
        })
        .await
        .unwrap_err();
    assert!(err.message.contains("toolu_nobody"), "{}", err.message);

    // Without thinking there is nothing opaque to carry: OpenAI responses have no native turn.
    let openai = provider(&server, "openai/gpt-4.1");
    let plain = openai
        .generate(&ChatRequest {
            messages: vec![Message::user("go")],
            tools: tools(),
            ..ChatRequest::default()
        })
        .await
        .unwrap();
    assert!(plain.native.is_none());
    assert_eq!(plain.tool_calls[0].id, "call_list");
}
