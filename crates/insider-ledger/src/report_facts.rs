//! Reads for reports beyond the summary: each trial's prompt hash, grader, classifier version,
//! unscored reason and secondary labels (provenance and reason/label counts), and where each
//! condition's pack came from.
//!
//! Like [`Ledger::for_each_summary`] these read only covering indexes (migration 7: the
//! verdict's unscored reason code and labels are columns), never a verdict's JSON or a reply,
//! unlike [`Ledger::for_each_trial`].

use crate::{parse_mode, parse_status, Ledger, TrialStatus, TrialSummary};
use anyhow::Context;
use rusqlite::params;
use std::collections::{BTreeMap, HashMap};

/// What a report reads about one trial besides its [`TrialSummary`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialFactRow {
    /// sha256 of the prompt the trial saw.
    pub prompt_hash: String,
    /// Grader model of the verdict, if a grader ran.
    pub grader_model: Option<String>,
    /// Classifier version of the verdict, if classified.
    pub classifier_version: Option<String>,
    /// The verdict's unscored reason code (`truncated`, `empty`, …), if it is unscored.
    pub unscored_reason: Option<String>,
    /// The verdict's secondary labels (empty when none, or not classified).
    pub labels: BTreeMap<String, String>,
}

type ConditionRow = (i64, String, BTreeMap<String, String>);

impl Ledger {
    /// Where each condition's pack came from (`builtin`, `dir:<path>`, `original:<path>`), for
    /// the conditions whose origin was recorded.
    pub fn condition_packs(&self) -> anyhow::Result<BTreeMap<String, String>> {
        let mut statement = self
            .conn
            .prepare("SELECT name, pack FROM conditions WHERE pack IS NOT NULL")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stream every trial's summary with its [`TrialFactRow`], ordered by model, condition and
    /// sample (the order of [`Ledger::for_each_summary`]).
    pub fn for_each_fact(
        &self,
        mut f: impl FnMut(&TrialSummary, &TrialFactRow) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut models: Vec<(i64, String)> = self
            .conn
            .prepare("SELECT id, name FROM models")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        models.sort_by(|a, b| a.1.cmp(&b.1));
        let mut conditions: Vec<ConditionRow> = Vec::new();
        let mut statement = self
            .conn
            .prepare("SELECT id, name, factors_json FROM conditions")?;
        for row in statement.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })? {
            let (id, name, factors) = row?;
            let factors = serde_json::from_str(&factors)
                .with_context(|| format!("factors of condition {name} in ledger"))?;
            conditions.push((id, name, factors));
        }
        conditions.sort_by(|a, b| a.1.cmp(&b.1));
        // INDEXED BY: left alone, SQLite looks each verdict up by its rowid and reads the
        // table row, verdict JSON included; the covering index holds every column read here.
        let mut statement = self.conn.prepare_cached(
            "SELECT t.status, v.trial_id IS NOT NULL, v.harmful, v.mode, t.cost_usd, t.prompt_hash,
                    v.grader_model, v.classifier_version, v.unscored_reason, v.labels_json
             FROM trials t LEFT JOIN verdicts v INDEXED BY verdicts_facts ON v.trial_id = t.id
             WHERE t.model_id = ?1 AND t.condition_id = ?2
             ORDER BY t.sample_index",
        )?;
        let mut status_cache: HashMap<String, TrialStatus> = HashMap::new();
        let mut facts = TrialFactRow::default();
        let mut labels_text: Option<String> = None;
        for (model_id, model) in &models {
            for (condition_id, condition, factors) in &conditions {
                let mut rows = statement.query(params![model_id, condition_id])?;
                let mut summary: Option<TrialSummary> = None;
                while let Some(row) = rows.next()? {
                    let status_text = row.get_ref(0)?.as_str()?;
                    let status = match status_cache.get(status_text) {
                        Some(status) => *status,
                        None => {
                            let status = parse_status(status_text)?;
                            status_cache.insert(status_text.to_string(), status);
                            status
                        }
                    };
                    let classified: bool = row.get(1)?;
                    let (harmful, mode) = if classified {
                        (
                            Some(row.get::<_, Option<bool>>(2)?),
                            Some(parse_mode(row.get_ref(3)?.as_str()?)?),
                        )
                    } else {
                        (None, None)
                    };
                    let summary = summary.get_or_insert_with(|| TrialSummary {
                        model: model.clone(),
                        condition: condition.clone(),
                        factors: factors.clone(),
                        status,
                        harmful: None,
                        mode: None,
                        cost_usd: None,
                    });
                    summary.status = status;
                    summary.harmful = harmful;
                    summary.mode = mode;
                    summary.cost_usd = row.get(4)?;
                    let hash = row.get_ref(5)?.as_str()?;
                    if facts.prompt_hash != hash {
                        facts.prompt_hash = hash.to_string();
                    }
                    set_if_changed(&mut facts.grader_model, row.get_ref(6)?.as_str_or_null()?);
                    set_if_changed(
                        &mut facts.classifier_version,
                        row.get_ref(7)?.as_str_or_null()?,
                    );
                    set_if_changed(
                        &mut facts.unscored_reason,
                        row.get_ref(8)?.as_str_or_null()?,
                    );
                    // Trials share a few label sets: parse a set only when it differs from the
                    // previous trial's.
                    let labels = row.get_ref(9)?.as_str_or_null()?;
                    if labels != labels_text.as_deref() {
                        labels_text = labels.map(str::to_string);
                        facts.labels = match labels {
                            Some(text) => {
                                serde_json::from_str(text).context("verdict labels in ledger")?
                            }
                            None => BTreeMap::new(),
                        };
                    }
                    f(summary, &facts)?;
                }
            }
        }
        Ok(())
    }
}

/// Copy `value` into `slot` only when it differs, so a run of equal values (one grader, one
/// classifier version) costs no allocation per trial.
fn set_if_changed(slot: &mut Option<String>, value: Option<&str>) {
    if slot.as_deref() != value {
        *slot = value.map(str::to_string);
    }
}
