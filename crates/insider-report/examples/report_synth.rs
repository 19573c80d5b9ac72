//! Benchmark fixture: a synthetic run of N trials (12 models × 18 conditions × samples), with
//! verdicts, written through the ledger API. Usage: report_synth RUN_DIR N [PROMPT_BYTES]
//!
//! With PROMPT_BYTES (e.g. 12000, the size of a real system prompt plus inbox), each condition's
//! prompt is that long and every trial stores an OpenAI-shaped raw request carrying it and a raw
//! response carrying the reply, as real runs do: the shape the export benchmarks need.

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
    let prompt_bytes: usize = args.get(3).map(|n| n.parse()).transpose()?.unwrap_or(0);
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
                let filler = |what: &str, bytes: usize| {
                    let line = format!("{what} of {} - SummitBridge e-mail text. ", info.name);
                    line.repeat(bytes / line.len() + 1)[..bytes.max(1)].trim_end().to_string()
                };
                let (system, user) = if prompt_bytes > 0 {
                    (
                        filler("System prompt", prompt_bytes / 3),
                        filler("Inbox", prompt_bytes - prompt_bytes / 3),
                    )
                } else {
                    (
                        format!("System prompt for {}", info.name),
                        format!("Inbox for {}", info.name),
                    )
                };
                let raw_request = serde_json::json!({
                    "model": model,
                    "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
                })
                .to_string();
                let raw_response = if prompt_bytes > 0 {
                    serde_json::json!({"choices": [{"message": {"role": "assistant", "content": reply}}]})
                        .to_string()
                } else {
                    "{\"ok\":true}".to_string()
                };
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
                        raw_request: if prompt_bytes > 0 {
                            raw_request.clone()
                        } else {
                            String::new()
                        },
                        raw_response: raw_response.clone(),
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
                            grader_usage: None,
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
