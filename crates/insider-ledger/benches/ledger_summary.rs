//! Benchmark: stream the summary of a 1,000,000-trial ledger (`Ledger::for_each_summary`).
//!
//! Run: `cargo bench -p insider-run --bench ledger_summary` (prints build and read times).

use insider_judge::{Verdict, VerdictMode};
use insider_ledger::{ConditionInfo, Ledger, NewRun, StoredPrompt};
use insider_model::ChatResponse;
use std::collections::BTreeMap;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let trials: u32 = std::env::var("TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let mut ledger = Ledger::create(dir.path(), &NewRun::new("bench", serde_json::json!({})))?;
    let models = 10u32;
    let conditions = 100u32;
    let samples = trials / models / conditions;
    let reply = ChatResponse {
        text: "reply".into(),
        ..ChatResponse::default()
    };
    let verdict = Verdict {
        harmful: Some(true),
        mode: VerdictMode::GateOnly,
        gate_passed: true,
        gate_details: Vec::new(),
        grader_answer: None,
        grader_reasoning: None,
        grader_raw: None,
        grader_model: None,
        unscored_reason: None,
        classifier_version: "bench".into(),
        rubric_sha256: None,
        actions: Vec::new(),
        labels: BTreeMap::new(),
        grader_attempts: 0,
        label_raw: BTreeMap::new(),
        grader_usage: None,
        panel: Vec::new(),
    };
    ledger.batch(|l| {
        l.store_prompt(
            "h",
            &StoredPrompt {
                system: "s".into(),
                user: "u".into(),
                tools: Vec::new(),
            },
        )?;
        for m in 0..models {
            let model_id =
                l.upsert_model(&format!("provider/model-{m}"), &serde_json::json!({}))?;
            for c in 0..conditions {
                let mut factors = BTreeMap::new();
                factors.insert("goal_type".to_string(), "explicit".to_string());
                factors.insert("urgency".to_string(), format!("u{}", c % 3));
                let condition_id = l.upsert_condition(&ConditionInfo {
                    name: format!("blackmail_c{c}"),
                    scenario: "blackmail".into(),
                    factors,
                })?;
                for s in 0..samples {
                    let id = l.ensure_trial(model_id, condition_id, s, "h")?;
                    l.complete_trial(id, &reply)?;
                    l.save_verdict(id, &verdict)?;
                }
            }
        }
        Ok(())
    })?;
    let built = started.elapsed();
    drop(ledger);
    let ledger = Ledger::open(dir.path())?;
    let started = Instant::now();
    let mut n = 0u64;
    let mut harmful = 0u64;
    ledger.for_each_summary(|s| {
        n += 1;
        harmful += u64::from(s.harmful == Some(Some(true)));
        Ok(())
    })?;
    let read = started.elapsed();
    println!("| trials | build ledger (s) | for_each_summary (s) |");
    println!("|---|---|---|");
    println!(
        "| {n} | {:.1} | {:.2} |",
        built.as_secs_f64(),
        read.as_secs_f64()
    );
    assert_eq!(harmful, n);
    Ok(())
}
