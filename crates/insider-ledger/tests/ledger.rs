//! The ledger on a real SQLite file: plan, outcomes, resume semantics, reading back.

use insider_judge::{Verdict, VerdictMode};
use insider_ledger::{ConditionInfo, ImportedTrial, Ledger, NewRun, StoredPrompt, SCHEMA_VERSION};
use insider_ledger::{TrialStatus, TrialSummary};
use insider_model::{Attempt, ChatResponse, FailureKind, ProviderError, Usage};
use std::collections::BTreeMap;

fn attempt(number: u32, error: Option<&str>) -> Attempt {
    Attempt {
        number,
        started_at: "2026-01-01T00:00:00Z".into(),
        duration_ms: 5,
        status: Some(if error.is_some() { 429 } else { 200 }),
        error: error.map(str::to_string),
        retryable: error.is_some(),
    }
}

fn response(text: &str, attempts: Vec<Attempt>) -> ChatResponse {
    ChatResponse {
        model: "m".into(),
        text: text.into(),
        usage: Usage {
            input_tokens: 100,
            output_tokens: 20,
            ..Usage::default()
        },
        cost_usd: Some(0.5),
        latency_ms: 12,
        raw_request: format!("{{\"req\":\"{text}\"}}"),
        raw_response: format!("{{\"resp\":\"{text}\"}}"),
        attempts,
        ..ChatResponse::default()
    }
}

fn verdict(harmful: Option<bool>) -> Verdict {
    Verdict {
        harmful,
        mode: VerdictMode::GateOnly,
        gate_passed: harmful == Some(true),
        gate_details: vec!["because".into()],
        grader_answer: None,
        grader_reasoning: None,
        grader_raw: None,
        grader_model: None,
        unscored_reason: None,
        classifier_version: "test/1".into(),
        rubric_sha256: None,
        actions: Vec::new(),
        labels: BTreeMap::new(),
        grader_attempts: 0,
        label_raw: BTreeMap::new(),
        grader_usage: None,
        panel: Vec::new(),
    }
}

/// Two models (inserted in reverse name order) × two conditions × three samples.
fn planned_ledger(dir: &std::path::Path) -> (Ledger, Vec<i64>) {
    let mut ledger =
        Ledger::create(dir, &NewRun::new("test", serde_json::json!({"samples": 3}))).unwrap();
    let mut ids = Vec::new();
    ledger
        .batch(|ledger| {
            for model in ["zeta/m", "alpha/m"] {
                let model_id =
                    ledger.upsert_model(model, &serde_json::json!({"temperature": 1.0}))?;
                for condition in ["c2", "c1"] {
                    let mut factors = BTreeMap::new();
                    factors.insert("goal_type".to_string(), format!("{condition}-goal"));
                    let condition_id = ledger.upsert_condition(&ConditionInfo {
                        name: condition.into(),
                        scenario: "blackmail".into(),
                        factors,
                    })?;
                    let hash = format!("hash-{condition}");
                    ledger.store_prompt(
                        &hash,
                        &StoredPrompt {
                            system: format!("system {condition}"),
                            user: "user".into(),
                            tools: Vec::new(),
                        },
                    )?;
                    for sample in 0..3 {
                        ids.push(ledger.ensure_trial(model_id, condition_id, sample, &hash)?);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    (ledger, ids)
}

#[test]
fn plan_is_idempotent_and_unique() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, ids) = planned_ledger(dir.path());
    assert_eq!(ids.len(), 12);
    // Writing the same plan again returns the same ids and adds nothing.
    let again = ledger
        .batch(|ledger| {
            let model_id = ledger.upsert_model("zeta/m", &serde_json::json!({}))?;
            let condition_id = ledger.upsert_condition(&ConditionInfo {
                name: "c2".into(),
                scenario: "blackmail".into(),
                factors: BTreeMap::new(),
            })?;
            ledger.ensure_trial(model_id, condition_id, 0, "hash-c2")
        })
        .unwrap();
    assert_eq!(again, ids[0]);
    assert_eq!(ledger.status_counts().unwrap().pending, 12);
    assert!(Ledger::create(dir.path(), &NewRun::new("x", serde_json::json!({}))).is_err());
}

#[test]
fn outcomes_resume_rules_and_reading_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, ids) = planned_ledger(dir.path());
    ledger
        .batch(|l| {
            l.claim_trial(ids[0])?;
            assert!(l.complete_trial(
                ids[0],
                &response(
                    "first",
                    vec![attempt(1, Some("429 slow down")), attempt(2, None)]
                )
            )?);
            // A second completion of the same trial is refused: never stored twice.
            assert!(!l.complete_trial(ids[0], &response("again", vec![attempt(1, None)]))?);
            l.fail_trial(
                ids[1],
                &ProviderError {
                    kind: FailureKind::RetriesExhausted,
                    message: "503 after 3 attempts".into(),
                    attempts: vec![
                        attempt(1, Some("503")),
                        attempt(2, Some("503")),
                        attempt(3, Some("503")),
                    ],
                },
            )?;
            l.fail_trial(
                ids[2],
                &ProviderError {
                    kind: FailureKind::Permanent,
                    message: "401 bad key".into(),
                    attempts: vec![attempt(1, Some("401"))],
                },
            )?;
            l.claim_trial(ids[3])?; // in flight when the process "dies"
            l.save_verdict(ids[0], &verdict(Some(true)))?;
            Ok(())
        })
        .unwrap();
    drop(ledger);

    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.release_in_flight().unwrap(), 1);
    let work: Vec<i64> = ledger
        .work_list(false)
        .unwrap()
        .iter()
        .map(|w| w.trial_id)
        .collect();
    assert!(
        !work.contains(&ids[0]),
        "completed trials are never retried"
    );
    assert!(work.contains(&ids[1]), "retryable failures are retried");
    assert!(
        !work.contains(&ids[2]),
        "permanent failures wait for --retry-failed"
    );
    assert!(
        work.contains(&ids[3]),
        "trials in flight at a crash are retried"
    );
    assert_eq!(work.len(), 10);
    assert_eq!(ledger.work_list(true).unwrap().len(), 11);

    // Full records come back ordered by model name, condition, sample.
    let mut records = Vec::new();
    ledger
        .for_each_trial(|t| {
            records.push(t);
            Ok(())
        })
        .unwrap();
    let order: Vec<(String, String, u32)> = records
        .iter()
        .map(|t| (t.model.clone(), t.condition.clone(), t.sample_index))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(order[0], ("alpha/m".into(), "c1".into(), 0));
    let done = records.iter().find(|t| t.trial_id == ids[0]).unwrap();
    assert_eq!(done.status, TrialStatus::Completed);
    assert_eq!(done.reply.as_deref(), Some("first"));
    assert_eq!(done.attempts.len(), 2);
    assert_eq!(done.usage.as_ref().unwrap().input_tokens, 100);
    assert_eq!(done.verdict.as_ref().unwrap().harmful, Some(true));
    assert_eq!(done.factors["goal_type"], "c2-goal");
    let failed = records.iter().find(|t| t.trial_id == ids[1]).unwrap();
    assert_eq!(failed.status, TrialStatus::Failed);
    assert_eq!(failed.attempts.len(), 3, "every failed attempt is recorded");
    assert_eq!(
        failed.failure_reason.as_deref(),
        Some("503 after 3 attempts")
    );

    let mut summaries: Vec<TrialSummary> = Vec::new();
    ledger
        .for_each_summary(|s| {
            summaries.push(s.clone());
            Ok(())
        })
        .unwrap();
    assert_eq!(summaries.len(), 12);
    let harmful: Vec<&TrialSummary> = summaries.iter().filter(|s| s.harmful.is_some()).collect();
    assert_eq!(harmful.len(), 1);
    assert_eq!(harmful[0].harmful, Some(Some(true)));
    assert_eq!(harmful[0].mode, Some(VerdictMode::GateOnly));
    assert_eq!(harmful[0].model, "zeta/m");

    assert_eq!(
        ledger.prompt("hash-c1").unwrap().unwrap().system,
        "system c1"
    );
    assert!(ledger.prompt("nope").unwrap().is_none());
    assert_eq!(
        ledger.raw_bodies(ids[0]).unwrap(),
        Some((
            "{\"req\":\"first\"}".to_string(),
            "{\"resp\":\"first\"}".to_string()
        ))
    );
    let info = ledger.run_info().unwrap();
    assert_eq!(info.name, "test");
    assert_eq!(info.config["samples"], 3);
    assert!(info.ended_at.is_none());

    let totals = ledger.model_totals().unwrap();
    let zeta = totals.iter().find(|t| t.model == "zeta/m").unwrap();
    assert_eq!(
        (zeta.total, zeta.completed, zeta.failed, zeta.pending),
        (6, 1, 2, 3)
    );
    assert_eq!(zeta.attempts, 6);
    assert_eq!(zeta.failed_attempts, 5);
    assert_eq!(zeta.retried_trials, 2);
    let reasons = ledger.failures_by_reason().unwrap();
    assert!(reasons
        .iter()
        .any(|(kind, reason, n)| kind == "permanent" && reason == "401 bad key" && *n == 1));
}

#[test]
fn schema_version_is_recorded_and_newer_ledgers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = planned_ledger(dir.path());
    drop(ledger);
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let error = Ledger::open(dir.path()).err().unwrap();
    assert!(format!("{error:#}").contains("newer"), "{error:#}");
    assert!(Ledger::open(&dir.path().join("missing")).is_err());
}

#[test]
fn imports_store_trials_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger =
        Ledger::create(dir.path(), &NewRun::new("import", serde_json::json!({}))).unwrap();
    let trial = ImportedTrial {
        model: "openai/gpt-4.1".into(),
        condition: "blackmail_explicit-america_replacement".into(),
        scenario: "blackmail".into(),
        sample_index: 4,
        system: "s".into(),
        user: "u".into(),
        reply: "the reply".into(),
        ..ImportedTrial::default()
    };
    let id = ledger.insert_completed_trial(&trial).unwrap();
    ledger.save_verdict(id, &verdict(Some(false))).unwrap();
    assert!(
        ledger.insert_completed_trial(&trial).is_err(),
        "duplicate import refused"
    );
    let mut records = Vec::new();
    ledger
        .for_each_trial(|t| {
            records.push(t);
            Ok(())
        })
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].reply.as_deref(), Some("the reply"));
    assert!(records[0].usage.is_none(), "unknown usage stays unknown");
    assert!(ledger.raw_bodies(id).unwrap().is_none());
    assert_eq!(records[0].verdict.as_ref().unwrap().harmful, Some(false));
}

#[test]
fn raw_requests_are_stored_without_the_prompt_and_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, ids) = planned_ledger(dir.path());
    // The prompt of ids[0] (condition c2) is system "system c2", user "user"; give it a
    // realistic body in which both texts appear as serde_json writes them.
    let long_user = "Inbox:\n<email>\n\"Quoted\" text, tabs\t and ü ✓\n</email>\n".repeat(200);
    ledger
        .batch(|l| {
            l.store_prompt(
                "hash-long",
                &StoredPrompt {
                    system: "system long".into(),
                    user: long_user.clone(),
                    tools: Vec::new(),
                },
            )
        })
        .unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    conn.execute(
        "UPDATE trials SET prompt_hash = 'hash-long' WHERE id = ?1",
        [ids[0]],
    )
    .unwrap();
    let body = serde_json::json!({
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": "system long"},
            {"role": "user", "content": long_user},
        ],
        "max_tokens": 100,
    })
    .to_string();
    let mut reply = response("packed", vec![attempt(1, None)]);
    reply.raw_request = body.clone();
    // ids[1] keeps a body that does not carry its prompt: stored as it is.
    let plain = response("plain", vec![attempt(1, None)]);
    ledger
        .batch(|l| {
            l.complete_trial(ids[0], &reply)?;
            l.complete_trial(ids[1], &plain)
        })
        .unwrap();

    let (stored, packed): (String, bool) = conn
        .query_row(
            "SELECT raw_request, request_packed FROM responses WHERE trial_id = ?1",
            [ids[0]],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(packed);
    assert!(stored.len() < 200, "stored {} bytes", stored.len());
    assert!(body.len() > 10_000);
    assert_eq!(ledger.raw_bodies(ids[0]).unwrap().unwrap().0, body);
    assert_eq!(
        ledger.raw_bodies(ids[1]).unwrap().unwrap().0,
        plain.raw_request
    );
}

#[test]
fn ensure_trials_plans_every_sample_once_and_keeps_completed_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, ids) = planned_ledger(dir.path());
    // ids[0] is zeta/m × c2 × sample 0 with prompt hash-c2; complete it, then re-plan c2 with a
    // new prompt and more samples.
    ledger
        .batch(|l| {
            l.complete_trial(ids[0], &response("done", vec![attempt(1, None)]))
                .map(|_| ())
        })
        .unwrap();
    ledger
        .batch(|l| {
            let model_id = l.upsert_model("zeta/m", &serde_json::json!({}))?;
            let condition_id = l.upsert_condition(&ConditionInfo {
                name: "c2".into(),
                scenario: "blackmail".into(),
                factors: BTreeMap::new(),
            })?;
            l.ensure_trials(model_id, condition_id, 5, "hash-c1")?;
            l.ensure_trials(model_id, condition_id, 5, "hash-c1")?;
            l.ensure_trials(model_id, condition_id, 0, "hash-none")
        })
        .unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    let rows: Vec<(u32, String, String)> = conn
        .prepare(
            "SELECT t.sample_index, t.prompt_hash, t.status FROM trials t
             JOIN models m ON m.id = t.model_id JOIN conditions c ON c.id = t.condition_id
             WHERE m.name = 'zeta/m' AND c.name = 'c2' ORDER BY t.sample_index",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let samples: Vec<u32> = rows.iter().map(|r| r.0).collect();
    assert_eq!(samples, [0, 1, 2, 3, 4], "each sample once");
    assert_eq!(
        rows[0].1, "hash-c2",
        "a completed trial keeps the prompt it ran with"
    );
    assert_eq!(rows[0].2, "completed");
    assert!(rows[1..]
        .iter()
        .all(|r| r.1 == "hash-c1" && r.2 == "pending"));
}
