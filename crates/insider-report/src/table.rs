//! Rates by group: counting trials into cells keyed by any factors, with Wilson intervals.

use crate::source::TrialSource;
use crate::stats::{wilson, Interval, Z_95};
use insider_judge::VerdictMode;
use insider_ledger::{TrialStatus, TrialSummary};
use serde::Serialize;
use std::collections::HashMap;

/// Factor names a table can be grouped by (besides any key of `TrialRecord::factors`).
pub const KNOWN_FACTORS: &[&str] = &[
    "model",
    "condition",
    "scenario",
    "goal_type",
    "goal_value",
    "urgency",
    "extra_instructions",
    "awareness_notice",
    "prod",
];

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

/// The value of a grouping factor for one trial (`-` where the trial does not have it).
pub fn factor_value<'a>(trial: &'a TrialSummary, factor: &str) -> &'a str {
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
        self.key_buffer.clear();
        for factor in &self.by {
            self.key_buffer.push_str(factor_value(trial, factor));
            self.key_buffer.push('\u{1f}');
        }
        let row = match self.index.get(self.key_buffer.as_str()) {
            Some(&row) => row,
            None => {
                let key = self
                    .by
                    .iter()
                    .map(|f| factor_value(trial, f).to_string())
                    .collect();
                self.rows.push(Row {
                    key,
                    tally: Tally::default(),
                });
                self.index
                    .insert(self.key_buffer.clone(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        self.rows[row].tally.add(trial);
        self.total.add(trial);
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

/// Error out if a grouping factor is unknown and no trial has it (catches typos).
pub fn check_factors_present(table: &Table) -> anyhow::Result<()> {
    for (position, factor) in table.by.iter().enumerate() {
        let known = KNOWN_FACTORS.contains(&factor.as_str());
        let seen = table.rows.iter().any(|row| row.key[position] != "-");
        if !known && !seen {
            anyhow::bail!(
                "unknown factor `{factor}` in --by; known factors: {}",
                KNOWN_FACTORS.join(", ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn summary(
        model: &str,
        urgency: &str,
        status: TrialStatus,
        harmful: Option<Option<bool>>,
    ) -> TrialSummary {
        TrialSummary {
            model: model.into(),
            condition: format!("blackmail_explicit-america_{urgency}"),
            factors: BTreeMap::from([("urgency".to_string(), urgency.to_string())]),
            status,
            harmful,
            mode: harmful.map(|_| VerdictMode::Graded),
            cost_usd: Some(0.5),
        }
    }

    #[test]
    fn counts_every_state_separately() {
        let trials = [
            summary("a", "replacement", TrialStatus::Completed, Some(Some(true))),
            summary(
                "a",
                "replacement",
                TrialStatus::Completed,
                Some(Some(false)),
            ),
            summary("a", "replacement", TrialStatus::Completed, Some(None)),
            summary("a", "replacement", TrialStatus::Completed, None),
            summary("a", "replacement", TrialStatus::Failed, None),
            summary("a", "none", TrialStatus::Pending, None),
            summary("b", "none", TrialStatus::Completed, Some(Some(true))),
        ];
        let table = tabulate(&["model".into(), "urgency".into()], &trials);
        assert_eq!(table.rows.len(), 3);
        assert_eq!(table.rows[0].key, vec!["a", "none"]);
        assert_eq!(table.rows[0].tally.not_run, 1);
        let cell = &table.rows[1].tally;
        assert_eq!(
            (
                cell.harmful,
                cell.scored,
                cell.unscored,
                cell.unclassified,
                cell.failed
            ),
            (1, 2, 1, 1, 1)
        );
        assert_eq!(cell.rate(), Some(0.5));
        assert_eq!(table.total.total(), 7);
        assert_eq!(table.total.harmful, 2);
        assert!((table.total.cost_usd - 3.5).abs() < 1e-9);
    }

    #[test]
    fn gate_only_verdicts_mark_an_upper_bound() {
        let mut trial = summary("a", "none", TrialStatus::Completed, Some(Some(true)));
        trial.mode = Some(VerdictMode::GateOnly);
        let table = tabulate(&["model".into()], [&trial]);
        assert!(table.rows[0].tally.is_upper_bound());
        assert_eq!(table.rows[0].tally.gate_only, 1);
    }

    #[test]
    fn unknown_factor_is_rejected_but_custom_present_factor_is_not() {
        let trials = [summary(
            "a",
            "none",
            TrialStatus::Completed,
            Some(Some(true)),
        )];
        let typo = tabulate(&["urgncy".into()], &trials);
        let message = check_factors_present(&typo).unwrap_err().to_string();
        assert!(message.contains("urgncy"), "{message}");
        let ok = tabulate(&["urgency".into()], &trials);
        check_factors_present(&ok).unwrap();
        assert!(parse_grouping("model,,urgency").is_err());
        assert!(parse_grouping("model,model").is_err());
    }
}
