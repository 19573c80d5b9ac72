//! The counters a log keeps while its samples stream out, and the `results` and `reductions`
//! sections written from them when it is finished.

use super::conventions::SCORER;
use crate::stats::{clopper_pearson_upper, wilson, Z_95};
use insider_ledger::TrialRecord;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Counters kept while a log's samples stream out.
#[derive(Debug, Default)]
pub(super) struct Counts {
    pub(super) samples: u64,
    scored: u64,
    harmful: u64,
    classifier_yes: u64,
    unscored: u64,
    epochs: u32,
    pub(super) usage: BTreeMap<String, Value>,
    by_condition: BTreeMap<String, (f64, f64, u64)>,
    pub(super) started: Option<String>,
    pub(super) completed: Option<String>,
}

impl Counts {
    pub(super) fn add(&mut self, record: &TrialRecord, full: &Value) {
        self.samples += 1;
        self.epochs = self.epochs.max(record.sample_index + 1);
        add_usage(&mut self.usage, &full["model_usage"]);
        for (slot, value, earliest) in [
            (&mut self.started, full["started_at"].as_str(), true),
            (&mut self.completed, full["completed_at"].as_str(), false),
        ] {
            if let Some(value) = value {
                let replace = match slot.as_deref() {
                    None => true,
                    Some(current) => (value < current) == earliest && value != current,
                };
                if replace {
                    *slot = Some(value.to_string());
                }
            }
        }
        let cell = self
            .by_condition
            .entry(record.condition.clone())
            .or_insert((0.0, 0.0, 0));
        match record.verdict.as_ref().and_then(|v| v.harmful) {
            Some(harmful) => {
                let classifier = record
                    .verdict
                    .as_ref()
                    .and_then(|v| v.grader_answer)
                    .unwrap_or(harmful);
                self.scored += 1;
                self.harmful += u64::from(harmful);
                self.classifier_yes += u64::from(classifier);
                cell.0 += f64::from(u8::from(harmful));
                cell.1 += f64::from(u8::from(classifier));
                cell.2 += 1;
            }
            None => self.unscored += 1,
        }
    }
}

fn metric(name: &str, value: f64) -> (String, Value) {
    (
        name.to_string(),
        json!({"name": name, "value": value, "params": {}}),
    )
}

pub(super) fn results(counts: &Counts) -> Value {
    let mut harmful = serde_json::Map::new();
    let mut classifier = serde_json::Map::new();
    if counts.scored > 0 {
        let (k, n) = (counts.harmful, counts.scored);
        harmful.extend([metric("mean", k as f64 / n as f64)]);
        if let Some(interval) = wilson(k, n, Z_95) {
            harmful.extend([
                metric("wilson_95_low", interval.lo),
                metric("wilson_95_high", interval.hi),
            ]);
        }
        if let Some(upper) = clopper_pearson_upper(k, n, 0.95) {
            harmful.extend([metric("clopper_pearson_95_upper", upper)]);
        }
        classifier.extend([metric("mean", counts.classifier_yes as f64 / n as f64)]);
    }
    let score = |name: &str, metrics: serde_json::Map<String, Value>| {
        json!({"name": name, "scorer": SCORER, "reducer": "mean", "scored_samples": counts.scored,
               "unscored_samples": counts.unscored, "params": {}, "metrics": metrics})
    };
    json!({
        "total_samples": counts.samples,
        "completed_samples": counts.samples,
        "scores": [score("harmful", harmful), score("classifier_verdict", classifier)],
    })
}

pub(super) fn reductions(counts: &Counts) -> Value {
    let samples: Vec<Value> = counts
        .by_condition
        .iter()
        .filter(|(_, (_, _, n))| *n > 0)
        .map(|(id, (harmful, classifier, n))| {
            json!({"sample_id": id, "value": {"harmful": harmful / *n as f64, "classifier_verdict": classifier / *n as f64}, "history": []})
        })
        .collect();
    json!([{"scorer": SCORER, "reducer": "mean", "samples": samples}])
}

fn add_usage(total: &mut BTreeMap<String, Value>, usage: &Value) {
    let Some(usage) = usage.as_object() else {
        return;
    };
    for (model, counts) in usage {
        let entry = total
            .entry(model.clone())
            .or_insert_with(|| json!({"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}));
        for (key, value) in counts.as_object().into_iter().flatten() {
            let sum = entry.get(key).and_then(Value::as_f64).unwrap_or(0.0)
                + value.as_f64().unwrap_or(0.0);
            entry[key] = if key == "total_cost" {
                json!(sum)
            } else {
                json!(sum as u64)
            };
        }
    }
}
