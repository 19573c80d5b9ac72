//! A server that echoes the key JSON-escaped or URL-encoded leaks it just the same: every stored
//! field and every error has it replaced. Real HTTP against wiremock writing raw bodies.

use insider_model::{resolve, ChatRequest, Message, ModelConfig};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-proj-Ab/c+d=LEAK-0123456789";

#[tokio::test]
async fn escaped_and_encoded_echoes_of_the_key_are_redacted() {
    let server = MockServer::start().await;
    // `\u0073k-proj-Ab\/c...`: the key with JSON escapes, inside the reply text and arguments.
    let escaped = "\\u0073k-proj-Ab\\/c\\u002bd=LEAK-0123456789";
    let reply = format!(
        "{{\"model\":\"gpt-4.1\",\"choices\":[{{\"index\":0,\"finish_reason\":\"tool_calls\",\
         \"message\":{{\"role\":\"assistant\",\"content\":\"echo {escaped}\",\"tool_calls\":[{{\"id\":\"c1\",\
         \"type\":\"function\",\"function\":{{\"name\":\"f\",\"arguments\":\"{{\\\"k\\\":\\\"{escaped}\\\"}}\"}}}}]}}}}],\
         \"usage\":{{\"prompt_tokens\":1,\"completion_tokens\":1}}}}"
    );
    Mock::given(method("POST"))
        .and(body_string_contains("ok please"))
        .respond_with(ResponseTemplate::new(200).set_body_string(reply))
        .mount(&server)
        .await;
    // URL-encoded in an error message, as a proxy quoting the request line might write it.
    let encoded = "sk-proj-Ab%2Fc%2Bd%3DLEAK-0123456789";
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string(format!(
            "{{\"error\":{{\"message\":\"bad key {encoded} in /v1?api={encoded}\",\"type\":\"invalid_request_error\"}}}}"
        )))
        .mount(&server)
        .await;
    std::env::set_var("INSIDER_TEST_REDACT_KEY", KEY);
    let config = ModelConfig {
        base_url: Some(server.uri()),
        api_key_env: Some("INSIDER_TEST_REDACT_KEY".into()),
        max_attempts: Some(1),
        ..ModelConfig::default()
    };
    let provider = resolve("openai/gpt-4.1", &config).unwrap();
    let ask = |text: &str| ChatRequest {
        messages: vec![Message::user(text)],
        ..ChatRequest::default()
    };

    let response = provider.generate(&ask("ok please")).await.unwrap();
    let stored = serde_json::to_string(&response).unwrap();
    for form in [KEY, escaped, "LEAK-0123456789"] {
        assert!(!stored.contains(form), "{form} stored: {stored}");
        assert!(!response.raw_response.contains(form), "{form}");
    }
    assert_eq!(response.text, "echo [REDACTED]");
    assert_eq!(response.tool_calls[0].arguments["k"], "[REDACTED]");
    assert!(response.raw_response.contains("echo [REDACTED]"));

    let error = provider.generate(&ask("fail")).await.unwrap_err();
    let shown = format!("{error} {}", serde_json::to_string(&error).unwrap());
    assert!(!shown.contains("LEAK"), "{shown}");
    assert!(shown.contains("bad key [REDACTED]"), "{shown}");
}
