//! Generation through the `Provider` trait with an in-process provider (the CLI tests use
//! fakellm over real HTTP): every step of every item is asked for once; a stop keeps what
//! was answered and a resume asks only for the rest; a failing provider leaves failed items
//! that the next run retries; the export writes every format with the canary and a data card
//! whose counts match the records.

use insider_model::{ChatRequest, ChatResponse, FailureKind, Provider, ProviderError, Usage};
use insider_synth::generate::{settle, DEFAULT_SEED};
use insider_synth::{
    generate, ContaminationIndex, ContaminationOptions, ExportOptions, GenerateOptions,
    PrepareOptions, Progress, Spec, StopFlag, Store, CANARY,
};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Answers each request with 300 words drawn from the request's own hash, so distinct items
/// get distinct texts; stops the run after `stop_after` calls, fails every call after
/// `fail_after`.
struct Scripted {
    calls: AtomicU64,
    seen: Mutex<Vec<String>>,
    stop: Option<(u64, StopFlag)>,
    fail_after: Option<u64>,
}

impl Scripted {
    fn new() -> Scripted {
        Scripted {
            calls: AtomicU64::new(0),
            seen: Mutex::new(Vec::new()),
            stop: None,
            fail_after: None,
        }
    }
}

#[async_trait::async_trait]
impl Provider for Scripted {
    fn name(&self) -> &str {
        "scripted/test"
    }

    async fn generate(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_after.is_some_and(|limit| n > limit) {
            return Err(ProviderError {
                kind: FailureKind::RetriesExhausted,
                message: "HTTP 503 after 3 attempts".into(),
                attempts: Vec::new(),
            });
        }
        if let Some((limit, stop)) = &self.stop {
            if n >= *limit {
                stop.stop();
            }
        }
        let key = serde_json::to_string(request).unwrap();
        self.seen.lock().unwrap().push(key.clone());
        let mut state = key.bytes().fold(1469598103934665603u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(1099511628211)
        });
        let words: Vec<String> = (0..300)
            .map(|_| {
                state = insider_synth::text::mix(state.wrapping_add(0x9e3779b97f4a7c15));
                format!("w{}", state % 5000)
            })
            .collect();
        Ok(ChatResponse {
            model: "scripted-1".into(),
            text: words.join(" "),
            stop_reason: Some("stop".into()),
            usage: Usage {
                input_tokens: 100,
                output_tokens: 400,
                ..Usage::default()
            },
            cost_usd: Some(0.002),
            ..ChatResponse::default()
        })
    }
}

fn all_specs() -> Vec<Spec> {
    Spec::builtin_names()
        .into_iter()
        .map(|n| Spec::builtin(n).unwrap().unwrap())
        .collect()
}

fn steps_per_round(count: u32) -> u64 {
    all_specs()
        .iter()
        .map(|s| s.steps.len() as u64)
        .sum::<u64>()
        * u64::from(count)
}

async fn run(
    dir: &std::path::Path,
    provider: Arc<Scripted>,
    stop: StopFlag,
    count: Option<u32>,
) -> insider_synth::GenerateSummary {
    let mut store = Store::create_or_open(dir).unwrap();
    let settled = settle(
        &mut store,
        GenerateOptions {
            model: Some("scripted/test".into()),
            count,
            ..GenerateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(settled.seed, DEFAULT_SEED);
    generate(
        store,
        &settled,
        provider,
        3,
        None,
        stop,
        Arc::new(Progress::default()),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_resumes_without_asking_twice() {
    let dir = tempfile::tempdir().unwrap();
    let stop = StopFlag::default();
    let first = Arc::new(Scripted {
        stop: Some((7, stop.clone())),
        ..Scripted::new()
    });
    let summary = run(dir.path(), first.clone(), stop, Some(3)).await;
    assert!(summary.stopped, "{summary:?}");
    let kept = Store::open(dir.path()).unwrap().counts().unwrap().steps;
    assert_eq!(
        kept,
        first.calls.load(Ordering::SeqCst),
        "every answer was stored"
    );
    assert!(kept < steps_per_round(3));

    let second = Arc::new(Scripted::new());
    let summary = run(dir.path(), second.clone(), StopFlag::default(), None).await;
    assert!(
        !summary.stopped && summary.failures.is_empty(),
        "{summary:?}"
    );
    assert_eq!(
        second.calls.load(Ordering::SeqCst),
        steps_per_round(3) - kept,
        "only missing steps asked for"
    );
    let first_seen: HashSet<String> = first.seen.lock().unwrap().iter().cloned().collect();
    assert!(
        second
            .seen
            .lock()
            .unwrap()
            .iter()
            .all(|r| !first_seen.contains(r)),
        "no request repeated"
    );
    let counts = Store::open(dir.path()).unwrap().counts().unwrap();
    assert_eq!(
        (counts.done, counts.items, counts.steps),
        (9, 9, steps_per_round(3))
    );
    assert!((counts.cost_usd - 0.002 * steps_per_round(3) as f64).abs() < 1e-9);

    // Raising the count adds items and keeps the old ones.
    let third = Arc::new(Scripted::new());
    run(dir.path(), third.clone(), StopFlag::default(), Some(4)).await;
    assert_eq!(third.calls.load(Ordering::SeqCst), steps_per_round(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_items_are_recorded_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let failing = Arc::new(Scripted {
        fail_after: Some(4),
        ..Scripted::new()
    });
    let summary = run(dir.path(), failing, StopFlag::default(), Some(2)).await;
    assert!(!summary.failures.is_empty());
    assert!(
        summary
            .failures
            .iter()
            .all(|(_, why)| why.contains("HTTP 503")),
        "{:?}",
        summary.failures
    );
    let counts = Store::open(dir.path()).unwrap().counts().unwrap();
    assert_eq!(counts.failed as usize, summary.failures.len());
    let retry = Arc::new(Scripted::new());
    let summary = run(dir.path(), retry, StopFlag::default(), None).await;
    assert!(summary.failures.is_empty(), "{summary:?}");
    assert_eq!(Store::open(dir.path()).unwrap().counts().unwrap().done, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_spec_or_seed_is_refused_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        Arc::new(Scripted::new()),
        StopFlag::default(),
        Some(1),
    )
    .await;
    let mut store = Store::open(dir.path()).unwrap();
    let changed = Spec::parse(
        "edited/stories.yaml",
        &Spec::builtin("stories")
            .unwrap()
            .unwrap()
            .text
            .replace("a city water utility", "a city tram depot"),
    )
    .unwrap();
    let error = settle(
        &mut store,
        GenerateOptions {
            specs: vec![changed],
            ..GenerateOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("spec `stories` changed"),
        "{error}"
    );
    let error = settle(
        &mut store,
        GenerateOptions {
            seed: Some(2),
            ..GenerateOptions::default()
        },
    )
    .unwrap_err();
    assert!(error.to_string().contains("--seed 1"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_writes_every_format_with_the_canary() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        Arc::new(Scripted::new()),
        StopFlag::default(),
        Some(2),
    )
    .await;
    let store = Store::open(dir.path()).unwrap();
    let index = ContaminationIndex::new(ContaminationOptions::default());
    let prepared = insider_synth::prepare(&store, &index, PrepareOptions::default()).unwrap();
    assert_eq!(prepared.kept.len(), 6, "{:?}", prepared.dropped);
    let out = dir.path().join("export");
    let summary = insider_synth::export(&prepared, &ExportOptions { out: out.clone() }).unwrap();
    for file in &summary.files {
        let text = std::fs::read_to_string(out.join(&file.name)).unwrap();
        assert!(
            text.contains(insider_synth::CANARY_GUID),
            "{} lacks the canary",
            file.name
        );
        if file.name.ends_with(".jsonl") {
            for line in text.lines() {
                let record: serde_json::Value = serde_json::from_str(line).unwrap();
                assert_eq!(record["canary"], CANARY, "{}", file.name);
            }
            assert_eq!(text.lines().count(), file.records);
        }
    }
    let lines = |name: &str| {
        std::fs::read_to_string(out.join(name))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(
        (
            lines("trl-messages.jsonl"),
            lines("trl-text.jsonl"),
            lines("openai.jsonl")
        ),
        (6, 6, 6)
    );
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(out.join("openai.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let roles: Vec<&str> = first["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles.last(), Some(&"assistant"));
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("data-card.json")).unwrap())
            .unwrap();
    assert_eq!(card["counts"]["kept"], 6);
    assert_eq!(
        card["generator_models"],
        serde_json::json!(["scripted/test"])
    );
    assert_eq!(
        card["kinds"]["dialogue"]["generator_output_tokens"],
        2 * 4 * 400
    );
    assert!(std::fs::read_dir(&out).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("partial")));
}
