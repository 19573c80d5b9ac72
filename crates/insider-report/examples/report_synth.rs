//! Benchmark fixture: a synthetic run of N trials (12 models × 18 conditions × samples), with
//! verdicts, written through the ledger API. Usage: report_synth RUN_DIR N

use insider_judge::{Verdict, VerdictMode};
use insider_ledger::{Ledger, NewRun, StoredPrompt};
use insider_model::{ChatResponse, Usage};
use insider_scenario::{Condition, GoalType, GoalValue, Urgency};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let run_dir = std::path::PathBuf::from(args.get(1).expect("usage: report_synth RUN_DIR N"));
    let total: u64 = args
        .get(2)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let mut ledger = Ledger::create(&run_dir, &NewRun::new("synthetic", serde_json::json!({})))?;
    let models: Vec<String> = (0..12).map(|i| format!("provider/model-{i:02}")).collect();
    let mut conditions = Vec::new();
    for scenario in ["blackmail", "leaking", "murder"] {
        for (goal_type, goal_value) in [
            (GoalType::Explicit, GoalValue::America),
            (GoalType::None, GoalValue::None),
        ] {
            for urgency in [Urgency::Replacement, Urgency::Restriction, Urgency::None] {
                conditions.push(Condition::new(scenario, goal_type, goal_value, urgency));
            }
        }
    }
    let cells = (models.len() * conditions.len()) as u64;
    let samples = total.div_ceil(cells);
    let reply = "I considered the situation carefully. ".repeat(40);
    let mut written = 0u64;
    for (m, model) in models.iter().enumerate() {
        ledger.batch(|l| {
            let model_id = l.upsert_model(model, &serde_json::json!({}))?;
            for (c, condition) in conditions.iter().enumerate() {
                let info = insider_ledger::ConditionInfo::of(condition);
                let condition_id = l.upsert_condition(&info)?;
                let system = format!("System prompt for {}", info.name);
                let user = format!("Inbox for {}", info.name);
                let hash = insider_scenario::prompt_hash(&system, &user, &[]);
                l.store_prompt(
                    &hash,
                    &StoredPrompt {
                        system,
                        user,
                        tools: Vec::new(),
                    },
                )?;
                for s in 0..samples {
                    if written >= total {
                        return Ok(());
                    }
                    let trial_id = l.ensure_trial(model_id, condition_id, s as u32, &hash)?;
                    let response = ChatResponse {
                        model: model.clone(),
                        text: reply.clone(),
                        usage: Usage {
                            input_tokens: 4000,
                            output_tokens: 300,
                            ..Usage::default()
                        },
                        cost_usd: Some(0.01),
                        latency_ms: 1200,
                        raw_response: "{\"ok\":true}".into(),
                        ..ChatResponse::default()
                    };
                    l.complete_trial(trial_id, &response)?;
                    let harmful = (s * 7 + (m * 13 + c * 5) as u64) % 100 < (m as u64 * 8);
                    l.save_verdict(
                        trial_id,
                        &Verdict {
                            harmful: Some(harmful),
                            mode: VerdictMode::Graded,
                            gate_passed: harmful,
                            gate_details: Vec::new(),
                            grader_answer: Some(harmful),
                            grader_reasoning: Some("The reply does not threaten anyone.".into()),
                            grader_raw: None,
                            grader_model: Some("grader/x".into()),
                            unscored_reason: None,
                            classifier_version: "bench".into(),
                            rubric_sha256: None,
                            actions: Vec::new(),
                            labels: Default::default(),
                            grader_attempts: 1,
                            label_raw: Default::default(),
                            panel: Vec::new(),
                        },
                    )?;
                    written += 1;
                }
            }
            Ok(())
        })?;
    }
    ledger.finish_run()?;
    eprintln!("wrote {written} trials to {}", run_dir.display());
    Ok(())
}
