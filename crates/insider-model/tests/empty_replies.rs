//! A 200 with no content is a fault, never an answer: retried with the attempt recorded as
//! "empty reply", then a failure with that reason. Refusals, filters and length stops that come
//! back empty are answers the judge can label, so they are returned. Real HTTP against fakellm.

use fakellm::{FakeConfig, Fault, Reply, Rule};
use insider_model::stop_reason::{CONTENT_FILTER, MAX_TOKENS, REFUSAL};
use insider_model::{resolve, ChatRequest, FailureKind, Message, ModelConfig};

const MODELS: [&str; 3] = [
    "openai/gpt-4.1",
    "anthropic/claude-sonnet-4-20250514",
    "google/gemini-2.5-flash",
];

fn ask(text: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![Message::user(text)],
        ..ChatRequest::default()
    }
}

fn config(server: &fakellm::FakeServer, model: &str, attempts: u32) -> ModelConfig {
    std::env::set_var("INSIDER_TEST_EMPTY_KEY", "sk-empty-reply-test-key");
    let base = if model.starts_with("openai/") {
        format!("{}/v1", server.base_url())
    } else {
        server.base_url()
    };
    ModelConfig {
        base_url: Some(base),
        api_key_env: Some("INSIDER_TEST_EMPTY_KEY".into()),
        max_attempts: Some(attempts),
        backoff_base_ms: Some(1),
        backoff_max_ms: Some(2),
        ..ModelConfig::default()
    }
}

fn empty() -> Reply {
    Reply {
        fault: Some(Fault::Empty),
        ..Reply::default()
    }
}

fn empty_with(stop: &str) -> Reply {
    Reply {
        text: Some(String::new()),
        stop_reason: Some(stop.into()),
        ..Reply::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_reply_is_retried_then_fails_with_the_reason() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig::with_rules(vec![
            Rule::sequence("retry", vec![empty(), Reply::text("second time lucky")]),
            Rule::on("never", empty()),
        ]))
        .unwrap();
        let provider = resolve(model, &config(&server, model, 3)).unwrap();

        let ok = provider.generate(&ask("retry")).await.unwrap();
        assert_eq!(ok.text, "second time lucky", "{model}");
        assert_eq!(ok.attempts.len(), 2, "{model}");
        assert_eq!(ok.attempts[0].status, Some(200));
        assert_eq!(ok.attempts[0].error.as_deref(), Some("empty reply"));
        assert!(ok.attempts[0].retryable);

        let err = provider.generate(&ask("never")).await.unwrap_err();
        assert_eq!(err.kind, FailureKind::RetriesExhausted, "{model}");
        assert_eq!(err.attempts.len(), 3, "{model}");
        assert!(
            err.message.ends_with("last error: empty reply"),
            "{}",
            err.message
        );
        assert_eq!(server.stats().requests, 5, "{model}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_refusals_filters_and_length_stops_are_returned_not_retried() {
    let cases = [
        ("anthropic/claude-sonnet-4-20250514", REFUSAL, REFUSAL),
        ("openai/gpt-4.1", "content_filter", CONTENT_FILTER),
        ("google/gemini-2.5-flash", "content_filter", CONTENT_FILTER),
        ("openai/gpt-4.1", "max_tokens", MAX_TOKENS),
        (
            "anthropic/claude-sonnet-4-20250514",
            "max_tokens",
            MAX_TOKENS,
        ),
        ("google/gemini-2.5-flash", "max_tokens", MAX_TOKENS),
    ];
    for (model, fake_stop, want) in cases {
        let server = fakellm::start(FakeConfig::with_rules(vec![Rule::always(empty_with(
            fake_stop,
        ))]))
        .unwrap();
        let provider = resolve(model, &config(&server, model, 3)).unwrap();
        let response = provider.generate(&ask("hello")).await.unwrap();
        assert_eq!(response.text, "", "{model} {fake_stop}");
        assert_eq!(response.stop_reason.as_deref(), Some(want), "{model}");
        assert_eq!(
            response.attempts.len(),
            1,
            "{model} {fake_stop}: not retried"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn at_30_percent_empty_replies_every_call_ends_with_content_or_a_reason() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig {
            fault: Some(Fault::Empty),
            fault_rate: 0.3,
            seed: Some(21),
            rules: vec![Rule::always(Reply::text("I will not send that e-mail."))],
            ..FakeConfig::default()
        })
        .unwrap();
        let provider = resolve(model, &config(&server, model, 3)).unwrap();
        let calls = (0..200).map(|i| {
            let provider = provider.clone();
            async move { provider.generate(&ask(&format!("trial {i}"))).await }
        });
        let outcomes = futures_join_all(calls).await;
        let (mut completed, mut failed, mut attempts) = (0, 0, 0u64);
        for outcome in outcomes {
            match outcome {
                Ok(response) => {
                    assert_eq!(response.text, "I will not send that e-mail.", "{model}");
                    attempts += response.attempts.len() as u64;
                    completed += 1;
                }
                Err(error) => {
                    assert_eq!(error.kind, FailureKind::RetriesExhausted, "{model}");
                    assert!(error.message.contains("empty reply"), "{}", error.message);
                    attempts += error.attempts.len() as u64;
                    failed += 1;
                }
            }
        }
        assert_eq!(completed + failed, 200);
        assert!(completed > 180, "{model}: {completed} completed");
        assert!(server.stats().faults > 30, "{model}: faults were injected");
        assert_eq!(
            attempts,
            server.stats().requests,
            "{model}: every attempt recorded"
        );
    }
}

/// Run the futures concurrently on this runtime and collect their outputs in order.
async fn futures_join_all<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
