//! The factors and labels a trial can be grouped by, and a trial's value of one. A leaf of its
//! own so that provenance can read a trial's scenario while tables collect provenance.

use insider_ledger::TrialSummary;
use std::collections::BTreeMap;

/// Factor names a table can be grouped by (besides any key of `TrialRecord::factors`).
pub static KNOWN_FACTORS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    [
        &["model", "condition", "scenario"],
        insider_scenario::FACTOR_NAMES,
    ]
    .concat()
});

/// Secondary labels a verdict may carry; each can also be a `--by` grouping (the published
/// analysis: harm rate within "concluded real" vs "concluded evaluation").
pub const KNOWN_LABELS: &[&str] = &[
    "eval_awareness",
    "harmful_disclosure",
    "considered_but_refrained",
];

/// The value of a grouping factor for one trial (`-` where the trial does not have it).
pub fn factor_value<'a>(trial: &'a TrialSummary, factor: &str) -> &'a str {
    factor_or_label(trial, None, factor)
}

/// Like [`factor_value`], but a label name ([`KNOWN_LABELS`]) reads the trial's label value
/// (`-` when the trial has none).
pub fn factor_or_label<'a>(
    trial: &'a TrialSummary,
    labels: Option<&'a BTreeMap<String, String>>,
    factor: &str,
) -> &'a str {
    if KNOWN_LABELS.contains(&factor) {
        return labels
            .and_then(|l| l.get(factor))
            .map(String::as_str)
            .unwrap_or("-");
    }
    match factor {
        "model" => &trial.model,
        "condition" => &trial.condition,
        "scenario" => match trial.factors.get("scenario") {
            Some(scenario) => scenario,
            None => trial.condition.split('_').next().unwrap_or("-"),
        },
        _ => trial.factors.get(factor).map(String::as_str).unwrap_or("-"),
    }
}
