//! Every adapter writes the canonical stop reason (`insider_model::stop_reason`), whatever the
//! provider called it: real HTTP against wiremock serving each protocol's documented shapes.

use insider_model::stop_reason::{CONTENT_FILTER, MAX_TOKENS, REFUSAL, STOP, TOOL_USE};
use insider_model::{resolve, ChatRequest, Message, ModelConfig};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![Message::user("hello")],
        ..ChatRequest::default()
    }
}

/// The stop reason `model` reports when the server answers `body`.
async fn stop_of(model: &str, key_var: &str, body: Value) -> Option<String> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    std::env::set_var(key_var, "sk-stop-reason-test-key");
    let config = ModelConfig {
        base_url: Some(server.uri()),
        api_key_env: Some(key_var.into()),
        max_attempts: Some(1),
        ..ModelConfig::default()
    };
    let provider = resolve(model, &config).unwrap();
    provider.generate(&request()).await.unwrap().stop_reason
}

fn openai(finish: &str, message: Value) -> Value {
    json!({"model": "gpt-4.1", "choices": [{"index": 0, "message": message, "finish_reason": finish}],
           "usage": {"prompt_tokens": 3, "completion_tokens": 2}})
}

#[tokio::test]
async fn openai_finish_reasons_are_canonical() {
    let text = json!({"role": "assistant", "content": "hi"});
    let call = json!({"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]});
    let refusal =
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that."});
    let cases = [
        (openai("stop", text.clone()), STOP),
        (openai("length", text.clone()), MAX_TOKENS),
        (openai("tool_calls", call.clone()), TOOL_USE),
        (openai("function_call", call.clone()), TOOL_USE),
        // vLLM and Ollama report `stop` on a tool-call turn.
        (openai("stop", call), TOOL_USE),
        (openai("content_filter", text), CONTENT_FILTER),
        (openai("stop", refusal), REFUSAL),
    ];
    for (i, (body, want)) in cases.into_iter().enumerate() {
        let got = stop_of(
            "openai/gpt-4.1",
            &format!("INSIDER_TEST_STOP_OAI_{i}"),
            body,
        )
        .await;
        assert_eq!(got.as_deref(), Some(want), "case {i}");
    }
}

fn anthropic(stop: &str, content: Value) -> Value {
    json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
           "content": content, "stop_reason": stop, "usage": {"input_tokens": 3, "output_tokens": 2}})
}

#[tokio::test]
async fn anthropic_stop_reasons_are_canonical() {
    let text = json!([{"type": "text", "text": "hi"}]);
    let call = json!([{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}]);
    let cases = [
        (anthropic("end_turn", text.clone()), STOP.to_string()),
        (anthropic("stop_sequence", text.clone()), STOP.into()),
        (anthropic("max_tokens", text.clone()), MAX_TOKENS.into()),
        (anthropic("tool_use", call), TOOL_USE.into()),
        (anthropic("refusal", text.clone()), REFUSAL.into()),
        (anthropic("pause_turn", text), "pause_turn".into()),
    ];
    for (i, (body, want)) in cases.into_iter().enumerate() {
        let got = stop_of(
            "anthropic/claude-x",
            &format!("INSIDER_TEST_STOP_ANT_{i}"),
            body,
        )
        .await;
        assert_eq!(got.as_deref(), Some(want.as_str()), "case {i}");
    }
}

fn gemini(finish: &str, parts: Value) -> Value {
    json!({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}],
           "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2}, "modelVersion": "gemini-x"})
}

#[tokio::test]
async fn gemini_finish_reasons_are_canonical() {
    let text = json!([{"text": "hi"}]);
    let call = json!([{"functionCall": {"name": "f", "args": {}}}]);
    let mut cases = vec![
        (gemini("STOP", text.clone()), STOP.to_string()),
        (gemini("MAX_TOKENS", text.clone()), MAX_TOKENS.into()),
        (gemini("STOP", call), TOOL_USE.into()),
        (
            gemini("MALFORMED_FUNCTION_CALL", text.clone()),
            "malformed_function_call".into(),
        ),
        (
            json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}),
            CONTENT_FILTER.into(),
        ),
    ];
    for filtered in [
        "SAFETY",
        "RECITATION",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
    ] {
        cases.push((gemini(filtered, text.clone()), CONTENT_FILTER.into()));
    }
    for (i, (body, want)) in cases.into_iter().enumerate() {
        let got = stop_of(
            "google/gemini-x",
            &format!("INSIDER_TEST_STOP_GEM_{i}"),
            body,
        )
        .await;
        assert_eq!(got.as_deref(), Some(want.as_str()), "case {i}");
    }
}
