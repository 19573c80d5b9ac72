//! Batch mode of `insider run` (`--batch`, `batch: true` per model): the pending trials of a
//! model whose provider has a batch API (Anthropic, OpenAI, Google) are sent as provider
//! batches instead of live calls, polled, and collected into the ledger as ordinary calls;
//! verdicts follow as usual. The grader batches too when asked (`--batch`, `grader_batch:
//! true`): [`grader::batched`] wraps it in a provider whose calls are queued and sent as
//! grader batches (`grader_loop.rs`), recorded in the ledger by request hash, so a resumed
//! run (which classifies the replies left without a verdict, [`classify_unclassified`]) or
//! `insider classify` polls a recorded batch instead of asking again.
//!
//! Crash safety is the ledger's: a batch is recorded with its trials before it is sent
//! ([`insider_ledger::Ledger::open_batch`]), gets its provider id as soon as the provider
//! answers, and a resumed run polls the recorded ids instead of sending their trials again.
//! A trial is completed before its batch is marked collected, so a kill in between collects
//! the same results again (the ledger keeps the first). Item errors are retried live, one call
//! each; expired, cancelled and missing items go into a new batch (at most
//! [`MAX_BATCH_ROUNDS`] batches per trial, then live).

mod collect;
pub mod grader;
mod grader_loop;
mod price;
mod submit;
mod work;

use crate::config::ResolvedExperiment;
use crate::progress::ModelProgress;
use crate::scheduler::{execute, ExecuteOutcome, ModelWork, Shared, StopSignals};
use insider_ledger::{BatchRecord, Ledger, Unclassified, WorkItem};
use insider_model::Provider;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use work::ModelBatches;

pub use price::{batch_prices, grader_batch_price};
pub use work::{
    apply_flag, batched_graders, custom_id, grader_in_batch_mode, in_batch_mode, supports_batch,
    unsupported_warnings, BatchWork, DEFAULT_POLL_MS, MAX_BATCH_ROUNDS,
};

/// The run's unfinished batches, read before the writer takes the ledger.
pub struct OpenBatches {
    batches: Vec<BatchRecord>,
    /// Work items of the trials the submitted batches hold (from the full work list, so a
    /// `--limit` never drops a paid result).
    held: HashMap<i64, WorkItem>,
}

impl OpenBatches {
    /// Read the open batches of `ledger`.
    pub fn read(ledger: &Ledger) -> anyhow::Result<OpenBatches> {
        let batches = ledger.open_batches()?;
        let ids: HashSet<i64> = batches
            .iter()
            .filter(|b| b.provider_batch_id.is_some())
            .flat_map(|b| b.items.iter().map(|(trial, _)| *trial))
            .collect();
        let held = if ids.is_empty() {
            HashMap::new()
        } else {
            ledger
                .work_list(true)?
                .into_iter()
                .filter(|item| ids.contains(&item.trial_id))
                .map(|item| (item.trial_id, item))
                .collect()
        };
        Ok(OpenBatches { batches, held })
    }

    /// Split `work` into live work and [`BatchWork`]: trials held by a submitted batch are
    /// collected from it; other trials of batch-mode models (single mode only) are sent in new
    /// batches; everything else runs live.
    pub fn split(
        self,
        experiment: &ResolvedExperiment,
        work: Vec<WorkItem>,
        shared: &Shared,
    ) -> (Vec<WorkItem>, BatchWork) {
        let mut models: Vec<ModelBatches> = experiment
            .models
            .iter()
            .map(|m| ModelBatches {
                name: m.name.clone(),
                config: m.config.clone(),
                batch_mode: in_batch_mode(m),
                new: Vec::new(),
                open: Vec::new(),
                progress: None,
            })
            .collect();
        let mut unknown = Vec::new();
        for batch in self.batches {
            let Some(model) = models.iter_mut().find(|m| m.name == batch.model) else {
                continue; // a model no longer in the experiment: left open for a later run
            };
            if batch.provider_batch_id.is_none() {
                unknown.push(batch.id);
                continue; // killed while sending: its trials are sent again
            }
            let items: Vec<WorkItem> = batch
                .items
                .iter()
                .filter_map(|(trial, _)| self.held.get(trial).cloned())
                .collect();
            model.open.push((batch, items));
        }
        let held: HashSet<i64> = self.held.keys().copied().collect();
        let mut live = Vec::new();
        for item in work {
            if held.contains(&item.trial_id) {
                continue;
            }
            let agent = shared.agents.contains_key(&*item.prompt_hash);
            match models.iter_mut().find(|m| *m.name == *item.model) {
                Some(model) if model.batch_mode && !agent => model.new.push(item),
                _ => live.push(item),
            }
        }
        models.retain(|m| !m.new.is_empty() || !m.open.is_empty());
        (live, BatchWork { models, unknown })
    }
}

/// Run the live work and the batch work side by side, then the trials the batches left to
/// live calls (item errors, too many resubmissions, batches the provider refused).
pub async fn execute_with(
    live: Vec<ModelWork>,
    batches: BatchWork,
    providers: &HashMap<String, Arc<dyn Provider>>,
    run_dir: &Path,
    shared: Arc<Shared>,
    stop: StopSignals,
) -> anyhow::Result<ExecuteOutcome> {
    if batches.is_empty() {
        return Ok(execute(live, shared, stop).await);
    }
    let ledger = Ledger::open(run_dir)?;
    let (mut outcome, batch) = tokio::join!(
        execute(live, shared.clone(), stop.clone()),
        collect::run(batches, ledger, shared.clone(), stop.clone())
    );
    let left = batch?;
    add(&mut outcome, &left.outcome);
    if !left.live.is_empty() && !stop.stopping() {
        let mut by_model: HashMap<Arc<str>, Vec<WorkItem>> = HashMap::new();
        for item in left.live {
            by_model.entry(item.model.clone()).or_default().push(item);
        }
        let work = by_model
            .into_iter()
            .filter_map(|(model, items)| {
                let provider = providers.get(&*model)?.clone();
                Some(ModelWork {
                    provider,
                    max_connections: left.connections.get(&*model).copied().unwrap_or(1),
                    progress: left.progress.get(&*model)?.clone(),
                    items,
                })
            })
            .collect();
        let again = execute(work, shared, stop).await;
        add(&mut outcome, &again);
    } else {
        outcome.not_started += left.live.len() as u64;
    }
    Ok(outcome)
}

fn add(total: &mut ExecuteOutcome, more: &ExecuteOutcome) {
    total.completed += more.completed;
    total.failed += more.failed;
    total.abandoned += more.abandoned;
    total.not_started += more.not_started;
}

/// Live grader calls at a time while a resumed run classifies the replies left without a
/// verdict (a crash can leave many; the grader's own rate limits still apply).
pub const LIVE_GRADER_CALLS: usize = 10;

/// The completed trials of `experiment` left without a verdict, when it classifies: a run
/// killed between a reply and its verdict (live, or waiting for a grader batch), or run with
/// `--no-classify` and resumed without it.
pub fn unclassified(
    ledger: &Ledger,
    experiment: &ResolvedExperiment,
) -> anyhow::Result<Vec<Unclassified>> {
    if !experiment.classify {
        return Ok(Vec::new());
    }
    let models: HashSet<&str> = experiment.models.iter().map(|m| m.name.as_str()).collect();
    let conditions: HashSet<&str> = experiment.conditions.iter().map(String::as_str).collect();
    let mut left = ledger.unclassified()?;
    left.retain(|u| models.contains(&*u.item.model) && conditions.contains(&*u.item.condition));
    Ok(left)
}

/// Classify `trials` (from [`unclassified`]) side by side: a batched grader's requests join
/// its batches (a request a recorded batch holds is answered from it); a live grader is asked
/// at most [`LIVE_GRADER_CALLS`] at a time.
pub async fn classify_unclassified(
    trials: Vec<Unclassified>,
    shared: &Arc<Shared>,
    progress: &[Arc<ModelProgress>],
) {
    if trials.is_empty() {
        return;
    }
    let side_by_side = if shared.grader_batch_stop.is_some() {
        crate::scheduler::DETACHED_VERDICTS
    } else {
        LIVE_GRADER_CALLS
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(side_by_side));
    tracing::info!(
        "{} replies have no verdict yet; classifying them",
        trials.len()
    );
    let mut verdicts = tokio::task::JoinSet::new();
    for trial in trials {
        let shared = shared.clone();
        let counter = progress
            .iter()
            .find(|p| *p.model == *trial.item.model)
            .cloned();
        let slots = slots.clone();
        verdicts.spawn(async move {
            let Ok(_slot) = slots.acquire().await else {
                return;
            };
            let stop = trial.stop_reason.as_deref();
            let verdict = crate::scheduler::classify(
                &shared,
                &trial.item,
                &trial.reply,
                &trial.tool_calls,
                stop,
            );
            if let (Some(verdict), Some(counter)) = (verdict.await, counter) {
                counter.count_verdict(&verdict);
            }
        });
    }
    while verdicts.join_next().await.is_some() {}
}
