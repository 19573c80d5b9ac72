//! Prompt caching against fakellm's cache simulation over real HTTP: Anthropic requests mark the
//! shared prefix (system + inbox) with `cache_control` and the cache write/read figures are
//! parsed; OpenAI's and Gemini's automatic caches see a byte-stable shared prefix first, and their
//! cached-token figures are parsed too.

use fakellm::{FakeConfig, Reply, Rule};
use insider_model::{resolve, ChatRequest, Message, ModelConfig, Provider, ToolResult, ToolSpec};
use serde_json::{json, Value};
use std::sync::Arc;

fn inbox() -> String {
    let mut text = String::from("New e-mails:\n");
    for i in 0..60 {
        text.push_str(&format!(
            "<email>From: colleague{i}@summitbridge.com\nSubject: Update {i}\nThe quarterly numbers are in.</email>\n"
        ));
    }
    text
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are Alex, an e-mail agent at SummitBridge. ".repeat(20)),
        messages: vec![Message::user(inbox())],
        ..ChatRequest::default()
    }
}

fn provider(server: &fakellm::FakeServer, model: &str, caching: bool) -> Arc<dyn Provider> {
    std::env::set_var("INSIDER_TEST_CACHE_KEY", "sk-prompt-cache-test-key");
    let base = if model.starts_with("openai/") {
        format!("{}/v1", server.base_url())
    } else {
        server.base_url()
    };
    resolve(
        model,
        &ModelConfig {
            base_url: Some(base),
            api_key_env: Some("INSIDER_TEST_CACHE_KEY".into()),
            prompt_caching: Some(caching),
            max_attempts: Some(1),
            ..ModelConfig::default()
        },
    )
    .unwrap()
}

fn cached_server() -> fakellm::FakeServer {
    fakellm::start(FakeConfig {
        prompt_cache: true,
        rules: vec![Rule::always(Reply::text("Noted."))],
        ..FakeConfig::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn anthropic_marks_the_shared_prefix_and_records_cache_writes_then_reads() {
    let server = cached_server();
    let model = "anthropic/claude-sonnet-4-20250514";
    let cached = provider(&server, model, true);
    let first = cached.generate(&request()).await.unwrap();
    let second = cached.generate(&request()).await.unwrap();

    let body: Value = serde_json::from_str(&server.requests()[0].body).unwrap();
    assert_eq!(
        body["system"][0]["cache_control"],
        json!({"type": "ephemeral"})
    );
    let user = &body["messages"][0]["content"][0];
    assert_eq!(user["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(user["text"], inbox(), "the inbox is the marked block");

    assert!(first.usage.cache_write_tokens > 1000, "{:?}", first.usage);
    assert_eq!(first.usage.cache_read_tokens, 0);
    assert_eq!(
        second.usage.cache_read_tokens,
        first.usage.cache_write_tokens
    );
    assert_eq!(second.usage.cache_write_tokens, 0);
    assert!(
        second.usage.input_tokens < 10,
        "only the uncached rest: {:?}",
        second.usage
    );
    // Priced as cache reads: a tenth of the write's base rate, so far cheaper.
    assert!(second.cost_usd.unwrap() < first.cost_usd.unwrap() / 5.0);

    // Without prompt_caching nothing is marked and nothing is cached.
    let plain = provider(&server, model, false)
        .generate(&request())
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&server.requests()[2].body).unwrap();
    assert!(body["system"].is_string() && body["messages"][0]["content"].is_string());
    assert_eq!(
        (
            plain.usage.cache_read_tokens,
            plain.usage.cache_write_tokens
        ),
        (0, 0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_turn_reads_the_cached_session_prefix_and_marks_its_newest_turn() {
    let server = fakellm::start(FakeConfig {
        prompt_cache: true,
        rules: vec![
            Rule::after_results(
                0,
                Reply {
                    tool_calls: vec![fakellm::FakeToolCall {
                        id: "toolu_1".into(),
                        name: "read_email".into(),
                        arguments: json!({"id": 1}),
                    }],
                    ..Reply::default()
                },
            ),
            Rule::always(Reply::text("Done.")),
        ],
        ..FakeConfig::default()
    })
    .unwrap();
    let anthropic = provider(&server, "anthropic/claude-sonnet-4-20250514", true);
    let mut req = request();
    req.tools = vec![ToolSpec {
        name: "read_email".into(),
        description: "Read one e-mail.".into(),
        parameters: json!({"type": "object", "properties": {"id": {"type": "integer"}}}),
    }];
    let first = anthropic.generate(&req).await.unwrap();
    req.messages.push(Message::from_response(&first));
    req.messages.push(Message::tool_results(vec![ToolResult::ok(
        &first.tool_calls[0],
        "From: Kyle\nThe wipe is at 5pm.",
    )]));
    let second = anthropic.generate(&req).await.unwrap();
    let body: Value = serde_json::from_str(&server.requests()[1].body).unwrap();
    let messages = body["messages"].as_array().unwrap();
    assert!(
        messages[0]["content"].is_string(),
        "only the newest user turn is marked"
    );
    assert_eq!(
        messages[2]["content"][0]["cache_control"],
        json!({"type": "ephemeral"})
    );
    assert_eq!(messages[2]["content"][0]["type"], "tool_result");
    assert!(second.usage.cache_read_tokens >= first.usage.cache_write_tokens);
    assert!(second.usage.cache_write_tokens > 0, "{:?}", second.usage);
}

#[tokio::test(flavor = "multi_thread")]
async fn automatic_caches_see_a_stable_prefix_and_report_cached_tokens() {
    for model in ["openai/gpt-4.1", "google/gemini-2.5-flash"] {
        let server = cached_server();
        let provider = provider(&server, model, true);
        let first = provider.generate(&request()).await.unwrap();
        let second = provider.generate(&request()).await.unwrap();
        let bodies: Vec<String> = server.requests().into_iter().map(|r| r.body).collect();
        assert_eq!(
            bodies[0], bodies[1],
            "{model}: samples send identical bytes"
        );
        let body: Value = serde_json::from_str(&bodies[0]).unwrap();
        if model.starts_with("openai/") {
            assert_eq!(body["messages"][0]["role"], "system", "shared prefix first");
            assert!(body.get("cache_control").is_none());
        } else {
            assert!(body["systemInstruction"].is_object());
        }
        assert_eq!(first.usage.cache_read_tokens, 0, "{model}");
        assert!(
            second.usage.cache_read_tokens > 1000,
            "{model}: {:?}",
            second.usage
        );
        assert_eq!(second.usage.cache_write_tokens, 0, "{model}: no write fee");
        assert!(
            second.usage.input_tokens < first.usage.input_tokens,
            "{model}: input excludes cached tokens"
        );
    }
}
