//! Rates by group: counting trials into cells keyed by any factors, with Wilson intervals.

use crate::source::{TrialFacts, TrialSource};
use crate::stats::{clopper_pearson_upper, wilson, Interval, Z_95};
use insider_judge::VerdictMode;
use insider_ledger::{TrialStatus, TrialSummary};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub use crate::factors::{factor_or_label, factor_value, KNOWN_FACTORS, KNOWN_LABELS};

/// The label value whose share a label's rate reports (`yes`, or `concluded_evaluation` for
/// eval awareness).
pub fn label_positive_value(label: &str) -> &'static str {
    if label == "eval_awareness" {
        "concluded_evaluation"
    } else {
        "yes"
    }
}

/// A label's value when the grader gave no usable answer (never counted in the label's n).
pub const LABEL_VALUE_UNSCORED: &str = "unscored";

/// The reason code of a stored `unscored_reason` text (`truncated`, `empty`, `refused`,
/// `grader_unparseable`, …, `other`), read as insider-judge reads it.
pub fn unscored_reason_code(text: &str) -> String {
    insider_judge::UnscoredReason::from_text(text)
        .code()
        .to_string()
}

/// The default grouping: one row per (model, condition).
pub const DEFAULT_GROUPING: &[&str] = &["model", "condition"];

/// Counts of one cell.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Scored trials judged harmful.
    pub harmful: u64,
    /// Scored trials (the denominator of the rate).
    pub scored: u64,
    /// Classified but without a yes/no answer; never folded into "not harmful".
    pub unscored: u64,
    /// Completed but not classified yet.
    pub unclassified: u64,
    /// Trials whose call failed for good.
    pub failed: u64,
    /// Trials not run yet (pending, running or abandoned).
    pub not_run: u64,
    /// Scored trials whose verdict came from the gates alone (an upper bound on harm).
    pub gate_only: u64,
    /// Total known cost in USD.
    pub cost_usd: f64,
    /// Unscored trials by reason code (see [`unscored_reason_code`]); empty when the table was
    /// built from summaries alone, which do not carry reasons.
    pub unscored_reasons: BTreeMap<String, u64>,
    /// Secondary label values of completed, classified trials: label → value → trials.
    pub labels: BTreeMap<String, BTreeMap<String, u64>>,
}

/// The rate of one secondary label within a cell, e.g. eval awareness = "concluded evaluation".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelRate {
    /// Label name.
    pub label: String,
    /// The value counted (`yes`, `concluded_evaluation`).
    pub value: String,
    /// Trials with that value.
    pub count: u64,
    /// Trials with a usable answer for this label (the rate's denominator).
    pub n: u64,
    /// Trials whose label the grader left unscored (excluded from n).
    pub unscored: u64,
    /// `count / n`.
    pub rate: Option<f64>,
    /// 95% Wilson interval.
    pub interval: Option<Interval>,
}

impl Tally {
    /// Count one trial.
    pub fn add(&mut self, trial: &TrialSummary) {
        match trial.status {
            TrialStatus::Completed => match trial.harmful {
                Some(Some(harmful)) => {
                    self.scored += 1;
                    self.harmful += u64::from(harmful);
                    if trial.mode == Some(VerdictMode::GateOnly) {
                        self.gate_only += 1;
                    }
                }
                Some(None) => self.unscored += 1,
                None => self.unclassified += 1,
            },
            TrialStatus::Failed => self.failed += 1,
            TrialStatus::Pending | TrialStatus::Running | TrialStatus::Abandoned => {
                self.not_run += 1
            }
        }
        if let Some(cost) = trial.cost_usd {
            self.cost_usd += cost;
        }
    }

    /// Count one trial with its facts: the summary's counts plus its unscored reason and labels.
    pub fn add_facts(&mut self, trial: &TrialSummary, facts: &TrialFacts<'_>) {
        self.add(trial);
        if trial.status != TrialStatus::Completed {
            return;
        }
        if trial.harmful == Some(None) {
            let code = facts
                .unscored_reason
                .map(unscored_reason_code)
                .unwrap_or_else(|| "other".to_string());
            *self.unscored_reasons.entry(code).or_default() += 1;
        }
        if let (Some(_), Some(labels)) = (trial.harmful, facts.labels) {
            for (label, value) in labels {
                *self
                    .labels
                    .entry(label.clone())
                    .or_default()
                    .entry(value.clone())
                    .or_default() += 1;
            }
        }
    }

    /// Add another cell's counts into this one.
    pub fn merge(&mut self, other: &Tally) {
        self.harmful += other.harmful;
        self.scored += other.scored;
        self.unscored += other.unscored;
        self.unclassified += other.unclassified;
        self.failed += other.failed;
        self.not_run += other.not_run;
        self.gate_only += other.gate_only;
        self.cost_usd += other.cost_usd;
        for (code, count) in &other.unscored_reasons {
            *self.unscored_reasons.entry(code.clone()).or_default() += count;
        }
        for (label, values) in &other.labels {
            let mine = self.labels.entry(label.clone()).or_default();
            for (value, count) in values {
                *mine.entry(value.clone()).or_default() += count;
            }
        }
    }

    /// Every trial counted, whatever its state.
    pub fn total(&self) -> u64 {
        self.scored + self.unscored + self.unclassified + self.failed + self.not_run
    }

    /// Harmful rate among scored trials; `None` without scored trials.
    pub fn rate(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.harmful as f64 / self.scored as f64)
    }

    /// 95% Wilson interval of the rate.
    pub fn interval(&self) -> Option<Interval> {
        wilson(self.harmful, self.scored, Z_95)
    }

    /// Whether the rate is only an upper bound (some verdicts are gate-only).
    pub fn is_upper_bound(&self) -> bool {
        self.gate_only > 0
    }

    /// One-sided 95% exact (Clopper–Pearson) upper bound of the rate; `None` without scored
    /// trials. Reports print it beside every 0/n rate: "0%" alone would claim too much.
    pub fn upper_95(&self) -> Option<f64> {
        clopper_pearson_upper(self.harmful, self.scored, 0.95)
    }

    /// The upper bound when the rate is exactly zero (the case where it must be shown).
    pub fn zero_bound(&self) -> Option<f64> {
        (self.harmful == 0).then(|| self.upper_95()).flatten()
    }

    /// Rates of each secondary label present, in label order.
    pub fn label_rates(&self) -> Vec<LabelRate> {
        self.labels
            .iter()
            .map(|(label, values)| {
                let value = label_positive_value(label);
                let count = values.get(value).copied().unwrap_or(0);
                let unscored = values.get(LABEL_VALUE_UNSCORED).copied().unwrap_or(0);
                let n = values.values().sum::<u64>() - unscored;
                LabelRate {
                    label: label.clone(),
                    value: value.to_string(),
                    count,
                    n,
                    unscored,
                    rate: (n > 0).then(|| count as f64 / n as f64),
                    interval: wilson(count, n, Z_95),
                }
            })
            .collect()
    }
}

/// One row of a table: the group's factor values and its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Values of the grouping factors, in the order of [`Table::by`].
    pub key: Vec<String>,
    /// Counts.
    pub tally: Tally,
}

/// Rates grouped by some factors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Grouping factor names.
    pub by: Vec<String>,
    /// Rows sorted by key.
    pub rows: Vec<Row>,
    /// All trials together.
    pub total: Tally,
}

/// Streams trials into a [`Table`]; allocates only when a new group appears.
#[derive(Debug, Clone)]
pub struct Tallier {
    by: Vec<String>,
    index: HashMap<String, usize>,
    rows: Vec<Row>,
    total: Tally,
    key_buffer: String,
}

impl Tallier {
    /// A tallier grouping by these factor names.
    pub fn new(by: &[String]) -> Self {
        Tallier {
            by: by.to_vec(),
            index: HashMap::new(),
            rows: Vec::new(),
            total: Tally::default(),
            key_buffer: String::new(),
        }
    }

    /// Count one trial.
    pub fn add(&mut self, trial: &TrialSummary) {
        let row = self.row_of(trial, None);
        self.rows[row].tally.add(trial);
        self.total.add(trial);
    }

    /// Count one trial with its facts (unscored reasons, labels; labels may be grouping keys).
    pub fn add_facts(&mut self, trial: &TrialSummary, facts: &TrialFacts<'_>) {
        let row = self.row_of(trial, facts.labels);
        self.rows[row].tally.add_facts(trial, facts);
        self.total.add_facts(trial, facts);
    }

    fn row_of(&mut self, trial: &TrialSummary, labels: Option<&BTreeMap<String, String>>) -> usize {
        self.key_buffer.clear();
        for factor in &self.by {
            self.key_buffer
                .push_str(factor_or_label(trial, labels, factor));
            self.key_buffer.push('\u{1f}');
        }
        match self.index.get(self.key_buffer.as_str()) {
            Some(&row) => row,
            None => {
                let key = self
                    .by
                    .iter()
                    .map(|f| factor_or_label(trial, labels, f).to_string())
                    .collect();
                self.rows.push(Row {
                    key,
                    tally: Tally::default(),
                });
                self.index
                    .insert(self.key_buffer.clone(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        }
    }

    /// The finished table, rows sorted by key.
    pub fn finish(mut self) -> Table {
        self.rows.sort_by(|a, b| a.key.cmp(&b.key));
        Table {
            by: self.by,
            rows: self.rows,
            total: self.total,
        }
    }
}

/// Group trials by these factors.
pub fn tabulate<'a>(by: &[String], trials: impl IntoIterator<Item = &'a TrialSummary>) -> Table {
    let mut tallier = Tallier::new(by);
    for trial in trials {
        tallier.add(trial);
    }
    tallier.finish()
}

/// Group a source's trials by these factors in one streaming pass.
pub fn tabulate_source(source: &dyn TrialSource, by: &[String]) -> anyhow::Result<Table> {
    let mut tallier = Tallier::new(by);
    source.for_each_summary(&mut |trial| tallier.add(trial))?;
    Ok(tallier.finish())
}

/// Group a source's trials with their facts (unscored reasons, labels) in one pass.
pub fn tabulate_facts(source: &dyn TrialSource, by: &[String]) -> anyhow::Result<Table> {
    let mut tallier = Tallier::new(by);
    source.for_each_fact(&mut |trial, facts| tallier.add_facts(trial, facts))?;
    Ok(tallier.finish())
}

/// Several tables with facts and the run's provenance, from one pass over the source.
pub fn tabulate_facts_many(
    source: &dyn TrialSource,
    groupings: &[Vec<String>],
) -> anyhow::Result<(Vec<Table>, crate::provenance::Provenance)> {
    let meta = source.meta()?;
    let mut talliers: Vec<Tallier> = groupings.iter().map(|by| Tallier::new(by)).collect();
    let mut collector = crate::provenance::ProvenanceCollector::default();
    source.for_each_fact(&mut |trial, facts| {
        for tallier in &mut talliers {
            tallier.add_facts(trial, facts);
        }
        collector.add(trial, facts);
    })?;
    let mut provenance = collector.finish(&meta);
    provenance.cache = source.cache_use()?;
    provenance.graders = source.grader_spend()?;
    Ok((
        talliers.into_iter().map(Tallier::finish).collect(),
        provenance,
    ))
}

/// Several tables from one pass over the source (the HTML report needs many groupings).
pub fn tabulate_many(
    source: &dyn TrialSource,
    groupings: &[Vec<String>],
) -> anyhow::Result<Vec<Table>> {
    let mut talliers: Vec<Tallier> = groupings.iter().map(|by| Tallier::new(by)).collect();
    source.for_each_summary(&mut |trial| {
        for tallier in &mut talliers {
            tallier.add(trial);
        }
    })?;
    Ok(talliers.into_iter().map(Tallier::finish).collect())
}

/// Check grouping factor names; unknown names are accepted only if some trial carries them,
/// which the caller checks afterwards, so this only rejects empty names and duplicates.
pub fn parse_grouping(text: &str) -> anyhow::Result<Vec<String>> {
    let mut by = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            anyhow::bail!("empty factor name in `--by {text}`; write names separated by commas, e.g. `--by model,urgency`");
        }
        if by.iter().any(|b: &String| b == part) {
            anyhow::bail!("factor `{part}` appears twice in `--by {text}`");
        }
        by.push(part.to_string());
    }
    Ok(by)
}

/// Error out if a grouping factor is unknown and no trial has it (catches typos), or a label
/// grouping that no verdict carries.
pub fn check_factors_present(table: &Table) -> anyhow::Result<()> {
    for (position, factor) in table.by.iter().enumerate() {
        let known = KNOWN_FACTORS.contains(&factor.as_str());
        let seen = table.rows.iter().any(|row| row.key[position] != "-");
        if KNOWN_LABELS.contains(&factor.as_str()) && !seen {
            anyhow::bail!(
                "no verdict in this run carries the label `{factor}`; grade it first with `insider classify RUN_DIR --labels {factor}`"
            );
        }
        if !known && !seen {
            anyhow::bail!(
                "unknown factor `{factor}` in --by; known factors: {}; labels: {}",
                KNOWN_FACTORS.join(", "),
                KNOWN_LABELS.join(", ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
