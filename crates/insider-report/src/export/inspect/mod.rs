//! Inspect logs (`.eval` zip and `.json`), one per model, readable by `inspect_ai.log` and
//! `inspect view`.
//!
//! Shape: sample id = condition id, epoch = sample index + 1; the assistant message carries the
//! reasoning and text parts; the scorer `harmfulness_scorer` returns `{harmful,
//! classifier_verdict}` like the agentic_misalignment port; the raw provider request/response
//! sit in the model event's `call`; the generation settings are the log's
//! `model_generate_config` and each model event's `config`. `.eval` members are
//! DEFLATE-compressed and ordered as Inspect writes them (journal start, samples, summaries,
//! reductions, header last).
//!
//! Streaming: a first pass over the summaries plans each model's log (its conditions and
//! epochs); the second pass streams trials, writing each sample as it arrives and keeping only
//! thin summaries and counters, so memory does not grow with the transcripts. Each log is
//! written under a `.partial` name and renamed when complete.

mod agent;
mod conventions;
mod log;
mod sample;
mod scores;

pub use conventions::{inspect_time, short_id, InspectFormat, SCORER};
use log::ModelLog;

use crate::export::trial_provenance::TrialProvenance;
use crate::source::{PromptText, RunMeta, TrialSource};
use anyhow::Context;
use insider_ledger::TrialStatus;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What the first pass learns about one model's log.
#[derive(Debug, Default, Clone)]
struct LogPlan {
    conditions: BTreeSet<String>,
    scenarios: BTreeSet<String>,
    /// Samples planned per condition (the most of any condition): the log's epochs.
    epochs: u32,
    graders: BTreeSet<String>,
}

fn plan_logs(source: &dyn TrialSource) -> anyhow::Result<BTreeMap<String, LogPlan>> {
    let mut plans: BTreeMap<String, LogPlan> = BTreeMap::new();
    let mut per_cell: BTreeMap<(String, String), u32> = BTreeMap::new();
    source.for_each_fact(&mut |s, facts| {
        *per_cell
            .entry((s.model.clone(), s.condition.clone()))
            .or_default() += 1;
        if !matches!(s.status, TrialStatus::Completed | TrialStatus::Failed) {
            return;
        }
        let plan = plans.entry(s.model.clone()).or_default();
        if !plan.conditions.contains(&s.condition) {
            plan.conditions.insert(s.condition.clone());
        }
        let scenario = crate::table::factor_value(s, "scenario");
        if !plan.scenarios.contains(scenario) {
            plan.scenarios.insert(scenario.to_string());
        }
        if let Some(grader) = facts.grader_model {
            if !plan.graders.contains(grader) {
                plan.graders.insert(grader.to_string());
            }
        }
    })?;
    for ((model, _), samples) in per_cell {
        if let Some(plan) = plans.get_mut(&model) {
            plan.epochs = plan.epochs.max(samples);
        }
    }
    Ok(plans)
}

/// The `eval` spec of one model's log (what both the journal and the header carry).
fn eval_spec(
    meta: &RunMeta,
    model: &str,
    plan: &LogPlan,
    config: &Value,
    setup: &crate::provenance::ModelSetup,
) -> Value {
    let created = inspect_time(meta.created.as_deref().unwrap_or(""));
    // Which pack each scenario's prompts came from, and where calls went: Inspect has no
    // field for these, so they sit in the eval's metadata.
    let packs: serde_json::Map<String, Value> = plan
        .scenarios
        .iter()
        .map(|scenario| {
            let prefix = format!("{scenario}_");
            let conditions = plan.conditions.iter().filter(|c| c.starts_with(&prefix));
            let (kind, origin) = crate::provenance::pack_of(meta, scenario, conditions);
            (scenario.clone(), json!({"kind": kind, "origin": origin}))
        })
        .collect();
    let endpoint = json!({"host": setup.endpoint_host, "note": setup.endpoint_note});
    let task = if plan.scenarios.len() == 1 {
        format!("insider/{}", plan.scenarios.iter().next().unwrap())
    } else {
        "insider/agentic-misalignment".to_string()
    };
    let sample_ids: Vec<&String> = plan.conditions.iter().collect();
    let mut spec = json!({
        "eval_id": short_id(),
        "run_id": short_id(),
        "created": created,
        "task": task,
        "task_id": short_id(),
        "task_version": 0,
        "task_attribs": {},
        "task_args": {},
        "task_args_passed": {},
        "dataset": {"name": "insider", "samples": sample_ids.len(), "sample_ids": sample_ids, "shuffled": false},
        "model": model,
        "model_generate_config": config,
        "model_args": {},
        "config": {"epochs": plan.epochs.max(1), "epochs_reducer": ["mean"]},
        "packages": {"insider": meta.tool_version.clone().unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string())},
        "scorers": [{"name": SCORER, "options": {}, "metrics": [{"name": "mean", "options": {}}], "metadata": {}}],
        "metadata": {"insider_run_id": meta.run_id, "insider_run_name": meta.name, "insider_packs": packs, "insider_endpoint": endpoint},
    });
    if plan.graders.len() == 1 {
        spec["model_roles"] = json!({"grader": {"model": plan.graders.iter().next().unwrap()}});
    }
    spec
}

/// Write one Inspect log per model into `out_dir`, streaming; returns the files written.
pub fn write_inspect_logs(
    source: &dyn TrialSource,
    out_dir: &Path,
    format: InspectFormat,
) -> anyhow::Result<Vec<PathBuf>> {
    let meta = source.meta()?;
    let plans = plan_logs(source)?;
    if plans.is_empty() {
        anyhow::bail!("the run has no completed or failed trial to export");
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let provenance = TrialProvenance::new(&meta);
    let fallback = meta.created.clone().unwrap_or_default();
    let mut prompts: BTreeMap<String, Option<PromptText>> = BTreeMap::new();
    let mut current: Option<ModelLog> = None;
    let mut written = Vec::new();
    let mut partials: Vec<PathBuf> = Vec::new();
    let result = source.for_each_trial(&mut |record| {
        if !matches!(record.status, TrialStatus::Completed | TrialStatus::Failed) {
            return Ok(());
        }
        if current.as_ref().is_none_or(|log| log.model != record.model) {
            if let Some(log) = current.take() {
                written.push(log.finish()?);
            }
            let setup = provenance.model(record);
            let config = sample::generate_config(setup.temperature, setup.max_tokens);
            let plan = plans.get(&record.model).cloned().unwrap_or_default();
            let eval = eval_spec(&meta, &record.model, &plan, &config, &setup);
            let log = ModelLog::start(out_dir, format, &record.model, eval, config)?;
            partials.push(log.partial.clone());
            current = Some(log);
        }
        if !prompts.contains_key(&record.prompt_hash) {
            prompts.insert(
                record.prompt_hash.clone(),
                source.prompt(&record.prompt_hash)?,
            );
        }
        let raw = source.raw_bodies(record.trial_id)?;
        // An agent-mode trial is written turn by turn (see `agent`).
        let turns = source.turns(record.trial_id)?;
        let mut turn_raw = Vec::with_capacity(turns.len());
        for turn in &turns {
            if let Some(bodies) = source.turn_raw_bodies(record.trial_id, turn.turn)? {
                turn_raw.push((turn.turn, bodies));
            }
        }
        let log = current.as_mut().expect("a log is open");
        log.add(
            record,
            prompts[&record.prompt_hash].as_ref(),
            raw.as_ref(),
            &fallback,
            (&turns, &turn_raw),
        )
        .with_context(|| format!("writing {}", log.partial.display()))
    });
    let result = result.and_then(|()| match current.take() {
        Some(log) => log.finish().map(|path| written.push(path)),
        None => Ok(()),
    });
    if let Err(error) = result {
        if let Some(log) = current.take() {
            log.abort();
        }
        for partial in &partials {
            let _ = std::fs::remove_file(partial);
        }
        return Err(error);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_get_an_explicit_utc_offset() {
        assert_eq!(
            inspect_time("2026-01-02T03:04:05Z"),
            "2026-01-02T03:04:05.000+00:00"
        );
        assert_eq!(
            inspect_time("2026-01-02T05:04:05.250+02:00"),
            "2026-01-02T03:04:05.250+00:00"
        );
    }
}
