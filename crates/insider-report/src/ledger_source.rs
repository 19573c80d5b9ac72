//! The ledger as a [`TrialSource`], and the entry points `insider run` calls at the end of a run.

use crate::source::{PromptText, RawBodies, RunMeta, TrialFacts, TrialSource};
use insider_ledger::Ledger;
use insider_ledger::{TrialRecord, TrialSummary};
use std::collections::BTreeMap;
use std::path::Path;

impl TrialSource for Ledger {
    fn meta(&self) -> anyhow::Result<RunMeta> {
        let info = self.run_info()?;
        Ok(RunMeta {
            run_id: info.run_id,
            name: Some(info.name),
            created: Some(info.started_at),
            tool_version: Some(info.tool_version),
            config: info.config,
            model_params: self.model_params()?,
            condition_packs: self.condition_packs()?,
        })
    }

    fn for_each_summary(&self, visit: &mut dyn FnMut(&TrialSummary)) -> anyhow::Result<()> {
        Ledger::for_each_summary(self, |summary| {
            visit(summary);
            Ok(())
        })
    }

    fn for_each_trial(
        &self,
        visit: &mut dyn FnMut(&TrialRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        Ledger::for_each_trial(self, |record| visit(&record))
    }

    fn for_each_fact(
        &self,
        visit: &mut dyn FnMut(&TrialSummary, &TrialFacts<'_>),
    ) -> anyhow::Result<()> {
        Ledger::for_each_fact(self, |summary, row| {
            visit(
                summary,
                &TrialFacts {
                    prompt_hash: &row.prompt_hash,
                    grader_model: row.grader_model.as_deref(),
                    classifier_version: row.classifier_version.as_deref(),
                    unscored_reason: row.unscored_reason.as_deref(),
                    // A classified trial always has a classifier version.
                    labels: row.classifier_version.as_ref().map(|_| &row.labels),
                },
            );
            Ok(())
        })
    }

    fn cache_use(&self) -> anyhow::Result<BTreeMap<String, insider_ledger::CacheUse>> {
        Ok(self
            .model_totals()?
            .into_iter()
            .filter_map(|m| Some((m.model, m.cache?)))
            .collect())
    }

    fn grader_spend(&self) -> anyhow::Result<Vec<insider_ledger::GraderSpend>> {
        Ledger::grader_spend(self)
    }

    fn prompt(&self, hash: &str) -> anyhow::Result<Option<PromptText>> {
        Ok(Ledger::prompt(self, hash)?.map(|p| PromptText {
            system: p.system,
            user: p.user,
            tools: serde_json::to_value(&p.tools).unwrap_or(serde_json::Value::Null),
        }))
    }

    fn raw_response(&self, trial_id: i64) -> anyhow::Result<Option<String>> {
        Ok(Ledger::raw_response(self, trial_id)?.filter(|s| !s.is_empty()))
    }

    fn turns(&self, trial_id: i64) -> anyhow::Result<Vec<insider_ledger::TurnRecord>> {
        Ledger::turns(self, trial_id)
    }

    fn turn_raw_bodies(&self, trial_id: i64, turn: u32) -> anyhow::Result<Option<RawBodies>> {
        Ok(
            Ledger::turn_raw_bodies(self, trial_id, turn)?.map(|(request, response)| RawBodies {
                request: Some(request),
                response: Some(response),
            }),
        )
    }

    fn raw_bodies(&self, trial_id: i64) -> anyhow::Result<Option<RawBodies>> {
        Ok(
            Ledger::raw_bodies(self, trial_id)?.map(|(request, response)| RawBodies {
                request: Some(request).filter(|s| !s.is_empty()),
                response: Some(response).filter(|s| !s.is_empty()),
            }),
        )
    }
}

/// File name of the HTML report that `insider run` writes into the run directory.
pub const RUN_REPORT_FILE: &str = "report.html";

/// Write the HTML report of the run in `run_dir` to `path` (for `insider run` and `insider report --html`).
pub fn write_html(run_dir: &Path, path: &Path) -> anyhow::Result<crate::html::HtmlSummary> {
    let ledger = Ledger::open(run_dir)?;
    crate::html::write_html_report(&ledger, path, &crate::html::HtmlOptions::default())
}

/// The default (model × condition) table of the run in `run_dir`, aligned for a terminal, with
/// unscored reasons, label rates and zero-rate bounds.
pub fn summary_table(run_dir: &Path) -> anyhow::Result<String> {
    let ledger = Ledger::open(run_dir)?;
    let by: Vec<String> = crate::table::DEFAULT_GROUPING
        .iter()
        .map(|s| s.to_string())
        .collect();
    // With facts, so unscored trials show their reasons (truncated, empty, …) right away.
    let table = crate::table::tabulate_facts(&ledger, &by)?;
    Ok(crate::render::render_table(
        &table,
        crate::render::TextFormat::Table,
    ))
}
