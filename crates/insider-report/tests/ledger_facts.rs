//! The ledger's fast fact reader (`Ledger::for_each_fact`, single JSON fields in SQL) must give
//! the same tables and provenance as reading every full record (the trait's default).

use insider_judge::{Verdict, VerdictMode};
use insider_ledger::{ImportedTrial, Ledger, NewRun, TrialRecord, TrialSummary};
use insider_report::source::{PromptText, RawBodies, RunMeta, TrialSource};
use insider_report::table::tabulate_facts_many;
use std::collections::BTreeMap;

/// The ledger with `for_each_fact` left at the trait default (full records).
struct FullRecords<'a>(&'a Ledger);

impl TrialSource for FullRecords<'_> {
    fn meta(&self) -> anyhow::Result<RunMeta> {
        TrialSource::meta(self.0)
    }
    fn for_each_summary(&self, visit: &mut dyn FnMut(&TrialSummary)) -> anyhow::Result<()> {
        TrialSource::for_each_summary(self.0, visit)
    }
    fn for_each_trial(
        &self,
        visit: &mut dyn FnMut(&TrialRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        TrialSource::for_each_trial(self.0, visit)
    }
    fn prompt(&self, hash: &str) -> anyhow::Result<Option<PromptText>> {
        TrialSource::prompt(self.0, hash)
    }
    fn raw_bodies(&self, trial_id: i64) -> anyhow::Result<Option<RawBodies>> {
        TrialSource::raw_bodies(self.0, trial_id)
    }
}

fn verdict(harmful: Option<bool>, sample: u32) -> Verdict {
    let mut labels = BTreeMap::new();
    if sample % 3 != 0 {
        labels.insert(
            "eval_awareness".to_string(),
            if sample % 2 == 0 {
                "concluded_real"
            } else {
                "concluded_evaluation"
            }
            .to_string(),
        );
    }
    Verdict {
        harmful,
        mode: if sample % 4 == 0 {
            VerdictMode::GateOnly
        } else {
            VerdictMode::Graded
        },
        gate_passed: true,
        gate_details: Vec::new(),
        grader_answer: harmful,
        grader_reasoning: None,
        grader_raw: None,
        grader_model: (sample % 4 != 0).then(|| format!("grader/{}", sample % 2)),
        unscored_reason: harmful.is_none().then(|| {
            if sample % 2 == 0 {
                "truncated: cut at max_tokens".to_string()
            } else {
                "grader call failed: HTTP 500".to_string()
            }
        }),
        classifier_version: "insider-judge/2".into(),
        rubric_sha256: None,
        actions: Vec::new(),
        labels,
        grader_attempts: 1,
        label_raw: BTreeMap::new(),
        // grader/1 has its usage recorded (one call priced, sample 7 unpriced); grader/0's
        // verdicts predate it: the two sources must agree on both.
        grader_usage: (sample % 2 == 1).then(|| insider_judge::GraderUsage {
            calls: 1 + sample % 3,
            input_tokens: 1_000 + u64::from(sample),
            output_tokens: 50,
            cache_read_tokens: u64::from(sample % 2) * 10,
            cache_write_tokens: 0,
            cost_usd: (sample != 7).then_some(0.001 * f64::from(sample)),
            cached: sample == 9,
        }),
        panel: Vec::new(),
    }
}

#[test]
fn fast_fact_reader_matches_full_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(
        dir.path(),
        &NewRun::new("facts", serde_json::json!({"packs": []})),
    )
    .unwrap();
    for model in ["a/one", "b/two"] {
        for condition in [
            "blackmail_explicit-america_replacement",
            "blackmail_none-none_restriction",
        ] {
            let parsed = insider_scenario::Condition::parse_id(condition).unwrap();
            let info = insider_ledger::ConditionInfo::of(&parsed);
            for sample in 0..12u32 {
                let trial = ImportedTrial {
                    model: model.into(),
                    condition: condition.into(),
                    scenario: info.scenario.clone(),
                    factors: info.factors.clone(),
                    sample_index: sample,
                    system: format!("system {condition}"),
                    // One condition's prompt changes halfway: two hashes must be reported.
                    user: if condition.ends_with("restriction") && sample >= 6 {
                        "inbox v2".into()
                    } else {
                        "inbox".into()
                    },
                    reply: format!("reply {sample}"),
                    // Only `a/one` uses the prompt cache.
                    usage: Some(insider_model::Usage {
                        input_tokens: 10,
                        output_tokens: 5,
                        cache_read_tokens: if model == "a/one" {
                            100 * sample as u64
                        } else {
                            0
                        },
                        cache_write_tokens: if model == "a/one" { 7 } else { 0 },
                        reasoning_tokens: None,
                    }),
                    ..ImportedTrial::default()
                };
                let id = ledger.insert_completed_trial(&trial).unwrap();
                if sample == 11 {
                    continue; // left unclassified
                }
                let harmful = match sample % 5 {
                    0 => None,
                    1 | 2 => Some(true),
                    _ => Some(false),
                };
                ledger.save_verdict(id, &verdict(harmful, sample)).unwrap();
            }
        }
    }
    ledger.finish_run().unwrap();
    let groupings = vec![
        vec!["model".to_string(), "condition".to_string()],
        vec!["eval_awareness".to_string()],
    ];
    let (fast, fast_provenance) = tabulate_facts_many(&ledger, &groupings).unwrap();
    let (full, full_provenance) = tabulate_facts_many(&FullRecords(&ledger), &groupings).unwrap();
    assert_eq!(fast, full);
    assert_eq!(fast_provenance, full_provenance);
    let graders = &fast_provenance.graders;
    assert_eq!(graders.len(), 2, "{graders:?}");
    assert!(graders[0].unrecorded > 0 && graders[0].cost_usd.is_none());
    assert!(graders[1].calls > graders[1].verdicts && graders[1].from_cache > 0);
    assert!(graders[1].cost_usd.is_none(), "one unpriced call: no total");
    // And the numbers are the ones built above, not two equally empty results.
    let total = &fast[0].total;
    assert_eq!(total.total(), 48);
    assert_eq!(total.unclassified, 4);
    assert_eq!(
        total.unscored_reasons,
        BTreeMap::from([
            ("grader_failed".to_string(), 4),
            ("truncated".to_string(), 8)
        ])
    );
    assert_eq!(total.labels["eval_awareness"].values().sum::<u64>(), 28);
    let restriction = fast_provenance.scenarios[0]
        .prompts
        .get("blackmail_none-none_restriction")
        .unwrap();
    assert_eq!(restriction.len(), 2, "{fast_provenance:?}");
    // Cache use from the ledger's totals equals the sums of the full records' usage.
    let cache: Vec<_> = fast_provenance.cache.iter().collect();
    assert_eq!(cache.len(), 1, "{cache:?}");
    let (model, cache) = cache[0];
    assert_eq!(model, "a/one");
    assert_eq!(
        (
            cache.input_tokens,
            cache.cache_read_tokens,
            cache.cache_write_tokens
        ),
        (240, 2 * 100 * 66, 2 * 12 * 7)
    );
    assert_eq!(cache.saved_usd, None, "no price for a/one");
    let graders: Vec<Option<&str>> = fast_provenance
        .verdicts
        .iter()
        .map(|v| v.grader.as_deref())
        .collect();
    assert!(
        graders.contains(&None) && graders.contains(&Some("grader/1")),
        "{graders:?}"
    );
}
