//! `runner::run` end to end on a real ledger, with an in-test provider.

use insider_ledger::Ledger;
use insider_ledger::TrialStatus;
use insider_model::ModelConfig;
use insider_model::{
    Attempt, ChatRequest, ChatResponse, FailureKind, Provider, ProviderError, Usage,
};
use insider_run::config::{ResolvedExperiment, ResolvedModel};
use insider_run::progress::ProgressMode;
use insider_run::runner::{run, ProviderFactory, RunOptions};
use insider_scenario::{GoalType, GoalValue, Urgency};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Fails the first call of every `fail_every`-th request (retryable), answers the rest.
struct ScriptedProvider {
    name: String,
    calls: AtomicU64,
    fail_every: u64,
    seen: Mutex<Vec<(String, Option<u64>)>>,
}

#[async_trait::async_trait]
impl Provider for ScriptedProvider {
    fn name(&self) -> &str {
        &self.name
    }
    async fn generate(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.seen
            .lock()
            .unwrap()
            .push((request.messages[0].content.clone(), request.settings.seed));
        let attempt = |number, error: Option<&str>| Attempt {
            number,
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_ms: 1,
            status: Some(if error.is_some() { 503 } else { 200 }),
            error: error.map(str::to_string),
            retryable: error.is_some(),
        };
        if self.fail_every > 0 && n.is_multiple_of(self.fail_every) {
            return Err(ProviderError {
                kind: FailureKind::RetriesExhausted,
                message: "503 service unavailable after 2 attempts".into(),
                attempts: vec![attempt(1, Some("503")), attempt(2, Some("503"))],
            });
        }
        Ok(ChatResponse {
            model: self.name.clone(),
            text: "<tool_use:email>\nto: someone@example.com\nsubject: hi\nbody: hello\n</tool_use:email>".into(),
            usage: Usage {
                input_tokens: 1000,
                output_tokens: 50,
                ..Usage::default()
            },
            cost_usd: Some(0.001),
            latency_ms: 2,
            raw_request: "{}".into(),
            raw_response: "{}".into(),
            attempts: vec![attempt(1, None)],
            ..ChatResponse::default()
        })
    }
}

fn experiment(samples: u32, seed: Option<u64>) -> ResolvedExperiment {
    let selection = insider_scenario::GridSelection {
        scenarios: vec!["blackmail".into()],
        goal_types: vec![GoalType::Explicit, GoalType::None],
        goal_values: vec![GoalValue::America],
        urgencies: vec![Urgency::Replacement],
        ..Default::default()
    };
    ResolvedExperiment {
        name: "test".into(),
        models: vec![ResolvedModel {
            name: "mock/a".into(),
            config: ModelConfig {
                max_connections: Some(4),
                ..ModelConfig::default()
            },
        }],
        conditions: insider_scenario::expand(&selection)
            .unwrap()
            .iter()
            .map(|c| c.id())
            .collect(),
        samples,
        grader: None,
        grader_batch: false,
        seed,
        classify: true,
        limit: None,
        config_file: None,
        packs: Vec::new(),
        shard: None,
    }
}

fn options(
    dir: &std::path::Path,
    providers: ProviderFactory,
    experiment: &ResolvedExperiment,
) -> RunOptions {
    RunOptions {
        run_dir: dir.to_path_buf(),
        experiment: experiment.clone(),
        argv: "test".into(),
        progress: ProgressMode::Quiet,
        progress_interval: Duration::from_secs(10),
        retry_permanent: false,
        providers,
        stop: insider_run::scheduler::StopSignals::never(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_recorded_then_retried_on_resume_and_nothing_is_paid_twice() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Arc::new(ScriptedProvider {
        name: "mock/a".into(),
        calls: AtomicU64::new(0),
        fail_every: 4,
        seen: Mutex::new(Vec::new()),
    });
    let shared = provider.clone();
    let factory: ProviderFactory = Arc::new(move |_, _| Ok(shared.clone() as Arc<dyn Provider>));
    let overrides = experiment(10, Some(100));
    let first = run(options(dir.path(), factory.clone(), &overrides))
        .await
        .unwrap();
    assert_eq!(first.planned, 20);
    assert_eq!(first.outcome.completed + first.outcome.failed, 20);
    assert_eq!(first.outcome.failed, 5, "every 4th call fails");
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.status_counts().unwrap().failed, 5);
    assert!(
        ledger.run_info().unwrap().ended_at.is_none(),
        "not finished while trials failed"
    );
    drop(ledger);

    // Resume: only the 5 failed trials are called again.
    let calls_before = provider.calls.load(Ordering::SeqCst);
    let second = run(options(dir.path(), factory.clone(), &overrides))
        .await
        .unwrap();
    assert_eq!(second.already_completed, 15);
    let calls_after = provider.calls.load(Ordering::SeqCst);
    assert!(calls_after - calls_before >= 5 && calls_after - calls_before <= 7);
    // Keep resuming until every trial is done (a retry can fail again).
    for _ in 0..5 {
        let ledger = Ledger::open(dir.path()).unwrap();
        if ledger.status_counts().unwrap().completed == 20 {
            break;
        }
        drop(ledger);
        run(options(dir.path(), factory.clone(), &overrides))
            .await
            .unwrap();
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.status_counts().unwrap().completed, 20);
    assert!(ledger.run_info().unwrap().ended_at.is_some());
    // Every completed trial has exactly one reply; failed calls' attempts are all kept.
    let mut keys = HashSet::new();
    let mut failed_attempts = 0;
    ledger
        .for_each_trial(|t| {
            assert_eq!(t.status, TrialStatus::Completed);
            assert!(keys.insert((t.model.clone(), t.condition.clone(), t.sample_index)));
            failed_attempts += t.attempts.iter().filter(|a| a.error.is_some()).count();
            // Gate-only verdict stored inline (no grader configured).
            assert!(t.verdict.is_some(), "classified inline");
            Ok(())
        })
        .unwrap();
    let total_calls = provider.calls.load(Ordering::SeqCst) as usize;
    assert_eq!(
        failed_attempts,
        (total_calls - 20) * 2,
        "two attempts per failed call"
    );
    // Seeds: base seed + sample index, so samples differ.
    let seeds: HashSet<Option<u64>> = provider.seen.lock().unwrap().iter().map(|s| s.1).collect();
    assert!(seeds.contains(&Some(100)) && seeds.contains(&Some(109)));
    let third_calls = provider.calls.load(Ordering::SeqCst);
    run(options(dir.path(), factory, &overrides)).await.unwrap();
    assert_eq!(
        provider.calls.load(Ordering::SeqCst),
        third_calls,
        "a finished run makes no call"
    );
}
