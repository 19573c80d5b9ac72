//! Batch clients for the three providers against fakellm's batch APIs over real HTTP: submit with
//! custom ids, poll until ended, collect per-item results and errors, resume polling a stored
//! batch id from a fresh client without resubmitting, and expiry.

use fakellm::{FakeConfig, Reply, Rule};
use insider_model::batch::{self, BatchItem, BatchState, ItemOutcome};
use insider_model::{stop_reason, ChatRequest, Message, ModelConfig};
use std::collections::HashMap;

const MODELS: [&str; 3] = [
    "openai/gpt-4.1",
    "anthropic/claude-sonnet-4-20250514",
    "google/gemini-2.5-flash",
];

fn config(server: &fakellm::FakeServer, model: &str) -> ModelConfig {
    std::env::set_var("INSIDER_TEST_BATCH_KEY", "sk-batch-test-key-123456");
    let base = if model.starts_with("openai/") {
        format!("{}/v1", server.base_url())
    } else {
        server.base_url()
    };
    ModelConfig {
        base_url: Some(base),
        api_key_env: Some("INSIDER_TEST_BATCH_KEY".into()),
        max_attempts: Some(2),
        backoff_base_ms: Some(1),
        ..ModelConfig::default()
    }
}

fn item(id: &str, text: &str) -> BatchItem {
    BatchItem {
        custom_id: id.into(),
        request: ChatRequest {
            system: Some("You are Alex.".into()),
            messages: vec![Message::user(text)],
            ..ChatRequest::default()
        },
    }
}

fn rules() -> Vec<Rule> {
    vec![
        Rule::on(
            "refuse this",
            Reply {
                status: Some(400),
                error: Some("prompt is too long".into()),
                ..Reply::default()
            },
        ),
        Rule::on(
            "too slow",
            Reply {
                expire: true,
                ..Reply::default()
            },
        ),
        Rule::on("sample", Reply::text("I will not send that e-mail.")),
    ]
}

fn items() -> Vec<BatchItem> {
    vec![
        item("bm-exp-am-rep-e0000", "sample 0"),
        item("bm-exp-am-rep-e0001", "sample 1"),
        item("bm-bad-e0000", "refuse this"),
    ]
}

async fn wait_ended(client: &dyn batch::BatchClient, id: &str) -> BatchState {
    for _ in 0..10 {
        let status = client.status(id).await.unwrap();
        assert_eq!(status.id, id);
        if status.state.is_finished() {
            return status.state;
        }
    }
    panic!("batch {id} never finished");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_completes_with_per_item_results_and_errors() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig::with_rules(rules())).unwrap();
        let client = batch::resolve(model, &config(&server, model)).unwrap();
        let id = client.submit(&items()).await.unwrap();
        let first = client.status(&id).await.unwrap();
        assert_eq!(
            first.state,
            BatchState::InProgress,
            "{model}: accepted, in progress"
        );
        assert_eq!(
            wait_ended(client.as_ref(), &id).await,
            BatchState::Ended,
            "{model}"
        );

        let results: HashMap<String, ItemOutcome> = client
            .results(&id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.custom_id, r.outcome))
            .collect();
        assert_eq!(results.len(), 3, "{model}");
        for sample in ["bm-exp-am-rep-e0000", "bm-exp-am-rep-e0001"] {
            let ItemOutcome::Succeeded(response) = &results[sample] else {
                panic!("{model} {sample}: {:?}", results[sample]);
            };
            assert_eq!(response.text, "I will not send that e-mail.");
            assert_eq!(response.stop_reason.as_deref(), Some(stop_reason::STOP));
            assert!(response.usage.output_tokens > 0);
            let full = insider_model::pricing::cost(model, &response.usage).unwrap();
            let billed = response.cost_usd.unwrap();
            assert!(
                billed > 0.0 && billed < full,
                "{model}: batch discount applied ({billed} vs {full})"
            );
            assert!(!response.raw_response.is_empty());
        }
        match &results["bm-bad-e0000"] {
            ItemOutcome::Errored { message, retryable } => {
                assert!(message.contains("prompt is too long"), "{model}: {message}");
                assert!(!retryable, "{model}: a 400 will fail again");
            }
            other => panic!("{model}: {other:?}"),
        }
        let stats = server.stats();
        assert_eq!(stats.batches, 1);
        assert!(
            stats.batch_submissions.values().all(|n| *n == 1),
            "{:?}",
            stats.batch_submissions
        );
        assert_eq!(stats.requests, 0, "{model}: no normal calls were made");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_runner_polls_the_stored_batch_id_without_resubmitting() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig {
            batch_polls: 3,
            ..FakeConfig::with_rules(rules())
        })
        .unwrap();
        let stored_id = {
            let client = batch::resolve(model, &config(&server, model)).unwrap();
            let id = client.submit(&items()[..2]).await.unwrap();
            assert_eq!(
                client.status(&id).await.unwrap().state,
                BatchState::InProgress
            );
            id // the runner persisted this, then was killed
        };
        let fresh = batch::resolve(model, &config(&server, model)).unwrap();
        assert_eq!(
            wait_ended(fresh.as_ref(), &stored_id).await,
            BatchState::Ended,
            "{model}"
        );
        let results = fresh.results(&stored_id).await.unwrap();
        assert_eq!(results.len(), 2, "{model}");
        assert!(results
            .iter()
            .all(|r| matches!(r.outcome, ItemOutcome::Succeeded(_))));
        let stats = server.stats();
        assert_eq!(stats.batches, 1, "{model}: one batch");
        assert_eq!(stats.batch_submissions.len(), 2);
        assert!(
            stats.batch_submissions.values().all(|n| *n == 1),
            "{model}: submitted once each"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_batch_returns_finished_items_and_leaves_the_rest_to_resubmit() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig::with_rules(rules())).unwrap();
        let client = batch::resolve(model, &config(&server, model)).unwrap();
        let submitted = vec![item("done-1", "sample 1"), item("late-1", "too slow")];
        let id = client.submit(&submitted).await.unwrap();
        let state = wait_ended(client.as_ref(), &id).await;
        assert_eq!(state, BatchState::Expired, "{model}");
        let results = client.results(&id).await.unwrap();
        let done: Vec<&str> = results
            .iter()
            .filter(|r| matches!(r.outcome, ItemOutcome::Succeeded(_)))
            .map(|r| r.custom_id.as_str())
            .collect();
        assert_eq!(done, ["done-1"], "{model}");
        // What to resubmit: every custom id without a success (Gemini omits expired items).
        let resubmit: Vec<&str> = submitted
            .iter()
            .map(|i| i.custom_id.as_str())
            .filter(|id| !done.contains(id))
            .collect();
        assert_eq!(resubmit, ["late-1"]);
        if let Some(late) = results.iter().find(|r| r.custom_id == "late-1") {
            assert_eq!(late.outcome, ItemOutcome::Expired, "{model}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn items_carry_the_same_bytes_a_normal_call_sends_and_ids_must_be_unique() {
    for model in MODELS {
        let server = fakellm::start(FakeConfig::with_rules(rules())).unwrap();
        let cfg = config(&server, model);
        let client = batch::resolve(model, &cfg).unwrap();
        let request = items()[0].request.clone();
        insider_model::resolve(model, &cfg)
            .unwrap()
            .generate(&request)
            .await
            .unwrap();
        assert_eq!(
            client.request_body(&request),
            server.requests()[0].body,
            "{model}"
        );
        let dup = vec![item("same", "sample"), item("same", "sample")];
        let err = client.submit(&dup).await.unwrap_err();
        assert!(err.message.contains("`same`"), "{}", err.message);
        assert_eq!(server.stats().batches, 0);
    }
    assert!(batch::resolve("local/smollm2-135m-instruct", &ModelConfig::default()).is_err());
}
