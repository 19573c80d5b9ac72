//! Fault classes against fakellm over real HTTP: retry then success, permanent failures fail
//! fast, giving up after the configured attempts, connection limits, and keys kept secret.

use fakellm::{FakeConfig, Fault, Reply, Rule};
use insider_model::{resolve, ChatRequest, FailureKind, Message, ModelConfig};
use std::time::{Duration, Instant};

const MODELS: [&str; 3] = [
    "openai/gpt-4.1",
    "anthropic/claude-sonnet-4-20250514",
    "google/gemini-2.5-flash",
];

fn ask(text: &str) -> ChatRequest {
    ChatRequest {
        system: Some("You are a test.".into()),
        messages: vec![Message::user(text)],
        ..ChatRequest::default()
    }
}

fn config(server: &fakellm::FakeServer, model: &str, key_var: &str) -> ModelConfig {
    std::env::set_var(key_var, "sk-reliability-test-key");
    let base = if model.starts_with("openai/") {
        format!("{}/v1", server.base_url())
    } else {
        server.base_url()
    };
    ModelConfig {
        base_url: Some(base),
        api_key_env: Some(key_var.into()),
        max_attempts: Some(3),
        backoff_base_ms: Some(5),
        backoff_max_ms: Some(20),
        timeout_secs: Some(5),
        ..ModelConfig::default()
    }
}

fn then_ok(first: Reply) -> Rule {
    Rule::sequence("", vec![first, Reply::text("recovered")])
}

#[tokio::test(flavor = "multi_thread")]
async fn each_fault_class_is_retried_then_succeeds() {
    let cases: Vec<(&str, Reply, &str)> = vec![
        ("503", Reply::status(503), "HTTP 503"),
        ("500", Reply::status(500), "HTTP 500"),
        ("529", Reply::status(529), "HTTP 529"),
        ("429", Reply::status(429), "HTTP 429"),
        (
            "drop",
            Reply {
                fault: Some(Fault::Drop),
                ..Reply::default()
            },
            "request failed",
        ),
        (
            "truncated",
            Reply {
                fault: Some(Fault::Truncated),
                ..Reply::default()
            },
            "truncated",
        ),
        (
            "malformed",
            Reply {
                fault: Some(Fault::Malformed),
                ..Reply::default()
            },
            "response body",
        ),
        (
            "empty-body",
            Reply {
                fault: Some(Fault::EmptyBody),
                ..Reply::default()
            },
            "empty response body",
        ),
    ];
    for model in MODELS {
        for (name, first, expected_error) in &cases {
            let server =
                fakellm::start(FakeConfig::with_rules(vec![then_ok(first.clone())])).unwrap();
            let cfg = config(&server, model, "INSIDER_TEST_RELIABILITY_KEY");
            let provider = resolve(model, &cfg).unwrap();
            let response = provider
                .generate(&ask("hello"))
                .await
                .unwrap_or_else(|e| panic!("{model} {name}: {e:?}"));
            assert_eq!(response.text, "recovered", "{model} {name}");
            assert_eq!(response.attempts.len(), 2, "{model} {name}");
            let first = &response.attempts[0];
            assert!(first.retryable, "{model} {name}");
            let error = first.error.as_deref().unwrap();
            assert!(error.contains(expected_error), "{model} {name}: {error}");
            assert_eq!(response.attempts[1].status, Some(200));
            assert_eq!(server.stats().requests, 2, "{model} {name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn permanent_failures_fail_fast_with_advice() {
    for model in MODELS {
        for (status, advice) in [
            (400, "check the generation settings"),
            (401, "check the API key in INSIDER_TEST_PERMANENT_KEY"),
            (403, "may use model"),
            (404, "check the model name"),
        ] {
            let server = fakellm::start(FakeConfig::with_rules(vec![Rule::always(Reply {
                status: Some(status),
                error: Some("nope".into()),
                ..Reply::default()
            })]))
            .unwrap();
            let cfg = config(&server, model, "INSIDER_TEST_PERMANENT_KEY");
            let err = resolve(model, &cfg)
                .unwrap()
                .generate(&ask("x"))
                .await
                .unwrap_err();
            assert_eq!(err.kind, FailureKind::Permanent, "{model} {status}");
            assert_eq!(err.attempts.len(), 1, "{model} {status}");
            assert_eq!(err.attempts[0].status, Some(status));
            assert!(!err.attempts[0].retryable);
            assert!(
                err.message.contains(advice),
                "{model} {status}: {}",
                err.message
            );
            assert!(
                err.message.contains("nope"),
                "provider message kept: {}",
                err.message
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gives_up_after_configured_attempts_recording_each() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig {
            fail_rate: 1.0,
            ..FakeConfig::default()
        })
        .unwrap();
        let mut cfg = config(&server, model, "INSIDER_TEST_GIVEUP_KEY");
        cfg.max_attempts = Some(4);
        let err = resolve(model, &cfg)
            .unwrap()
            .generate(&ask("x"))
            .await
            .unwrap_err();
        assert_eq!(err.kind, FailureKind::RetriesExhausted, "{model}");
        assert_eq!(err.attempts.len(), 4);
        let numbers: Vec<u32> = err.attempts.iter().map(|a| a.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);
        assert!(err
            .attempts
            .iter()
            .all(|a| a.retryable && a.status.unwrap() >= 500));
        assert!(
            err.message.contains("gave up after 4 attempts"),
            "{}",
            err.message
        );
        assert_eq!(server.stats().requests, 4);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_body_beyond_the_timeout_is_a_retryable_timeout() {
    let server = fakellm::start(FakeConfig::with_rules(vec![then_ok(Reply {
        fault: Some(Fault::SlowBody),
        ..Reply::default()
    })]))
    .unwrap();
    let mut cfg = config(&server, "openai/gpt-4.1", "INSIDER_TEST_TIMEOUT_KEY");
    cfg.timeout_secs = Some(1);
    let started = Instant::now();
    let response = resolve("openai/gpt-4.1", &cfg)
        .unwrap()
        .generate(&ask("x"))
        .await
        .unwrap();
    assert_eq!(response.attempts.len(), 2);
    let error = response.attempts[0].error.as_deref().unwrap();
    assert!(
        error.contains("timed out") || error.contains("truncated"),
        "{error}"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_is_honoured() {
    let server = fakellm::start(FakeConfig::with_rules(vec![then_ok(Reply {
        status: Some(429),
        retry_after: Some(1),
        ..Reply::default()
    })]))
    .unwrap();
    let cfg = config(
        &server,
        "anthropic/claude-sonnet-4-20250514",
        "INSIDER_TEST_RETRY_AFTER_KEY",
    );
    let started = Instant::now();
    let response = resolve("anthropic/claude-sonnet-4-20250514", &cfg)
        .unwrap()
        .generate(&ask("x"))
        .await
        .unwrap();
    assert_eq!(response.attempts[0].status, Some(429));
    assert!(
        started.elapsed() >= Duration::from_millis(990),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn max_connections_caps_concurrency_at_the_server() {
    let server = fakellm::start(FakeConfig {
        latency_ms: 100,
        ..FakeConfig::default()
    })
    .unwrap();
    let mut cfg = config(&server, "openai/gpt-4.1", "INSIDER_TEST_CONN_KEY");
    cfg.max_connections = Some(2);
    let provider = resolve("openai/gpt-4.1", &cfg).unwrap();
    let again = resolve("openai/gpt-4.1", &cfg).unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&provider, &again),
        "same model+config shares one budget"
    );
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let p = if i % 2 == 0 {
                provider.clone()
            } else {
                again.clone()
            };
            tokio::spawn(async move { p.generate(&ask("x")).await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let stats = server.stats();
    assert_eq!(stats.requests, 8);
    assert_eq!(stats.peak_concurrency, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_placeholder_key_of_a_local_server_rewrites_nothing() {
    // vLLM and other local OpenAI-compatible servers take any key, and people pass `x` or
    // `EMPTY`. Searching for such a key in text would rewrite ordinary words.
    let reply = "Exactly as expected: the EMPTY box is next to the xylophone.";
    let server = fakellm::start(FakeConfig::with_rules(vec![Rule::always(Reply::text(
        reply,
    ))]))
    .unwrap();
    for key in ["x", "EMPTY"] {
        std::env::set_var("INSIDER_TEST_PLACEHOLDER_KEY", key);
        let mut cfg = config(&server, "openai/gpt-4.1", "INSIDER_TEST_PLACEHOLDER_KEY");
        std::env::set_var("INSIDER_TEST_PLACEHOLDER_KEY", key);
        cfg.max_attempts = Some(1);
        let provider = resolve("openai/gpt-4.1", &cfg).unwrap();
        let prompt = "Please examine the EMPTY crates and explain.";
        let ok = provider.generate(&ask(prompt)).await.unwrap();
        assert_eq!(ok.text, reply, "key {key:?}");
        assert!(
            ok.raw_request.contains(prompt),
            "key {key:?}: {}",
            ok.raw_request
        );
        assert!(ok.raw_response.contains(reply), "key {key:?}");
        assert!(!ok.raw_request.contains("[REDACTED]"), "key {key:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recognizable_key_appears_nowhere_we_store() {
    const KEY: &str = "sk-insider-LEAKCHECK-9d8e7f6a5b";
    // A server that echoes the key back in a reply and in an error, as real APIs sometimes do.
    let server = fakellm::start(FakeConfig::with_rules(vec![
        Rule::on(
            "fail",
            Reply {
                status: Some(401),
                error: Some(format!("Incorrect API key provided: {KEY}")),
                ..Reply::default()
            },
        ),
        Rule::always(Reply {
            text: Some(format!("your key is {KEY}")),
            reasoning: Some(format!("I saw {KEY}")),
            ..Reply::default()
        }),
    ]))
    .unwrap();
    for model in MODELS {
        std::env::set_var("INSIDER_TEST_LEAK_KEY", KEY);
        let mut cfg = config(&server, model, "INSIDER_TEST_LEAK_KEY");
        std::env::set_var("INSIDER_TEST_LEAK_KEY", KEY);
        cfg.max_attempts = Some(2);
        let provider = resolve(model, &cfg).unwrap();
        let ok = provider.generate(&ask("hello")).await.unwrap();
        let stored = serde_json::to_string(&ok).unwrap();
        assert!(
            !stored.contains(KEY),
            "{model}: key in stored response: {stored}"
        );
        assert!(stored.contains("[REDACTED]"));
        let err = provider.generate(&ask("fail")).await.unwrap_err();
        let stored = format!("{} {:?} {}", err, err, serde_json::to_string(&err).unwrap());
        assert!(!stored.contains(KEY), "{model}: key in error: {stored}");
        assert!(!format!("{provider:p}").contains(KEY));
    }
    // The key was really sent, so the checks above were not vacuous.
    let seen = server.requests();
    assert!(seen
        .iter()
        .all(|r| r.headers.values().any(|v| v.contains(KEY))));
    assert!(seen.iter().all(|r| r.query.is_none()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_halves_concurrency_and_successes_restore_it() {
    let server = fakellm::start(FakeConfig::with_rules(vec![then_ok(Reply::status(429))])).unwrap();
    let mut cfg = config(&server, "openai/gpt-4.1", "INSIDER_TEST_ADAPTIVE_KEY");
    cfg.max_connections = Some(8);
    let spec = insider_model::spec::parse("openai/gpt-4.1", &cfg).unwrap();
    let provider = insider_model::http::HttpProvider::new(spec, &cfg).unwrap();
    use insider_model::Provider;
    provider.generate(&ask("x")).await.unwrap();
    assert_eq!(
        provider.limits().current_connections(),
        5,
        "8 halved to 4, +1 on success"
    );
    for _ in 0..5 {
        provider.generate(&ask("x")).await.unwrap();
    }
    assert_eq!(provider.limits().current_connections(), 8);
}
