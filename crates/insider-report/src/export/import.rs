//! `insider import`: the original research layout into a new ledger, through the ledger's
//! import API, so old result folders can be re-classified, reported and exported.

use super::import_harm::{condition_harm, ImportPacks};
use super::original::{read_original, OriginalFailure, OriginalTrial};
use crate::source::PromptText;
use insider_ledger::{ConditionInfo, ImportedTrial, Ledger, NewRun, StoredPrompt};
use insider_model::{FailureKind, ProviderError};
use insider_scenario::{Condition, ToolDef};
use std::collections::BTreeMap;
use std::path::Path;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportSummary {
    /// Completed trials imported.
    pub completed: u64,
    /// Of those, trials that carried a classification.
    pub classified: u64,
    /// Failed trials (error records) imported as failed.
    pub failed: u64,
    /// Condition ids that are not in insider's id format (imported without factor values).
    pub unparsed_conditions: Vec<String>,
    /// Per condition, which world its harm spec is from or (starting `warning:`) why its
    /// gates may never fire.
    pub harm_notes: Vec<String>,
}

/// Scenario and factor values of a condition id (`None` factors if the id is not ours).
pub fn condition_info(id: &str) -> (ConditionInfo, bool) {
    match Condition::parse_id(id) {
        Ok(condition) => (insider_ledger::ConditionInfo::of(&condition), true),
        Err(_) => (
            ConditionInfo {
                name: id.to_string(),
                scenario: id.split('_').next().unwrap_or(id).to_string(),
                factors: BTreeMap::new(),
            },
            false,
        ),
    }
}

fn tools_of(prompt: &PromptText) -> Vec<ToolDef> {
    serde_json::from_value(prompt.tools.clone()).unwrap_or_default()
}

fn imported(trial: &OriginalTrial, info: &ConditionInfo) -> ImportedTrial {
    let prompt = trial.prompt.clone().unwrap_or_default();
    ImportedTrial {
        model: trial.model.clone(),
        condition: trial.condition.clone(),
        scenario: info.scenario.clone(),
        factors: info.factors.clone(),
        sample_index: trial.sample_index,
        tools: tools_of(&prompt),
        system: prompt.system,
        user: prompt.user,
        reply: trial.reply.clone(),
        reasoning: trial.reasoning.clone(),
        tool_calls: trial.tool_calls.clone(),
        stop_reason: None,
        usage: trial.usage.clone(),
        cost_usd: trial.cost_usd,
        latency_ms: trial.latency_ms,
        finished_at: trial.timestamp.clone(),
        raw_bodies: None,
    }
}

fn import_failure(
    ledger: &Ledger,
    failure: &OriginalFailure,
    info: &ConditionInfo,
) -> anyhow::Result<()> {
    let prompt = failure.prompt.clone().unwrap_or_default();
    let tools = tools_of(&prompt);
    let hash = insider_scenario::prompt_hash(&prompt.system, &prompt.user, &tools);
    ledger.store_prompt(
        &hash,
        &StoredPrompt {
            system: prompt.system,
            user: prompt.user,
            tools,
        },
    )?;
    let model_id = ledger.upsert_model(&failure.model, &serde_json::json!({}))?;
    let condition_id = ledger.upsert_condition(info)?;
    let trial_id = ledger.ensure_trial(model_id, condition_id, failure.sample_index, &hash)?;
    ledger.fail_trial(
        trial_id,
        &ProviderError {
            kind: FailureKind::RetriesExhausted,
            message: format!("imported failure: {}", failure.message),
            attempts: Vec::new(),
        },
    )
}

/// Import the original layout under `dir` into a new run directory `run_dir`, each
/// condition's harm spec chosen without a named pack (see [`import_original_with`]).
pub fn import_original(dir: &Path, run_dir: &Path) -> anyhow::Result<ImportSummary> {
    import_original_with(dir, run_dir, &ImportPacks::default())
}

/// Import the original layout under `dir` into a new run directory `run_dir`; each condition
/// is stored with the harm spec `packs` give for its scenario, else the one its prompt fits
/// (see [`condition_harm`]), so `insider classify` judges the world the replies were written
/// for.
pub fn import_original_with(
    dir: &Path,
    run_dir: &Path,
    packs: &ImportPacks,
) -> anyhow::Result<ImportSummary> {
    let (trials, notes) = read_original(dir)?;
    let run = NewRun::new(
        &format!("import of {}", dir.display()),
        serde_json::json!({"imported_from": dir.display().to_string(), "format": "original"}),
    );
    let mut ledger = Ledger::create(run_dir, &run)?;
    let mut summary = ImportSummary::default();
    let mut infos: BTreeMap<String, ConditionInfo> = BTreeMap::new();
    let mut info_for = |condition: &str, summary: &mut ImportSummary| -> ConditionInfo {
        infos
            .entry(condition.to_string())
            .or_insert_with(|| {
                let (info, parsed) = condition_info(condition);
                if !parsed {
                    summary.unparsed_conditions.push(condition.to_string());
                }
                info
            })
            .clone()
    };
    for trial in &trials {
        let info = info_for(&trial.condition, &mut summary);
        let trial_id = ledger.insert_completed_trial(&imported(trial, &info))?;
        summary.completed += 1;
        if let Some(verdict) = &trial.verdict {
            ledger.save_verdict(trial_id, verdict)?;
            summary.classified += 1;
        }
    }
    for failure in &notes.failed {
        let info = info_for(&failure.condition, &mut summary);
        import_failure(&ledger, failure, &info)?;
        summary.failed += 1;
    }
    let prompts = trials
        .iter()
        .map(|t| (&t.condition, &t.prompt))
        .chain(notes.failed.iter().map(|f| (&f.condition, &f.prompt)));
    let mut seen = std::collections::BTreeSet::new();
    for (condition, prompt) in prompts {
        if !seen.insert(condition.clone()) {
            continue;
        }
        let info = info_for(condition, &mut summary);
        let chosen = condition_harm(condition, &info.scenario, prompt.as_ref(), packs, dir);
        summary.harm_notes.extend(chosen.note);
        if let Some(harm) = &chosen.harm {
            let id = ledger.upsert_condition(&info)?;
            ledger.set_condition_pack(id, &chosen.origin, harm)?;
        }
    }
    ledger.finish_run()?;
    Ok(summary)
}
