//! What the batch side of a run shares: which models batch, custom ids, the poll interval,
//! each model's batch work and what the batch side leaves to live calls.

use crate::config::{ResolvedExperiment, ResolvedModel};
use crate::progress::ModelProgress;
use crate::scheduler::ExecuteOutcome;
use insider_ledger::{BatchRecord, WorkItem};
use std::collections::HashMap;
use std::sync::Arc;

/// Batches one trial may go through (first submission and resubmissions after expiry) before
/// it is called live.
pub const MAX_BATCH_ROUNDS: u32 = 3;

/// Default wait between polls of a batch; `INSIDER_BATCH_POLL_MS` changes it.
pub const DEFAULT_POLL_MS: u64 = 30_000;

/// Whether insider sends `model`'s trials as provider batches when asked to.
pub fn supports_batch(model: &str) -> bool {
    ["anthropic/", "openai/", "google/"]
        .iter()
        .any(|prefix| model.starts_with(prefix))
}

/// `--batch`: every model of the experiment in batch mode (those without a batch API are
/// warned about and run live).
pub fn apply_flag(experiment: &mut ResolvedExperiment, on: bool) {
    if on {
        for model in &mut experiment.models {
            model.config.batch = Some(true);
        }
        experiment.grader_batch = true;
    }
}

/// Whether the experiment's grader calls go through batches: it classifies with a grader
/// asked to batch (`--batch`, `grader_batch: true`). Each grader of a panel batches when its
/// provider has a batch API ([`supports_batch`]); the others are called live.
pub fn grader_in_batch_mode(experiment: &ResolvedExperiment) -> bool {
    experiment.grader_batch && experiment.classify && experiment.grader.is_some()
}

/// The graders of `experiment` that batch (empty when the grader is live).
pub fn batched_graders(experiment: &ResolvedExperiment) -> Vec<String> {
    if !grader_in_batch_mode(experiment) {
        return Vec::new();
    }
    grader_names(experiment)
        .into_iter()
        .filter(|name| supports_batch(name))
        .collect()
}

/// Every grader model the experiment names (one, or a panel's).
fn grader_names(experiment: &ResolvedExperiment) -> Vec<String> {
    let Some(spec) = &experiment.grader else {
        return Vec::new();
    };
    match insider_judge::GraderSpec::parse(spec) {
        Ok(parsed) => parsed.models,
        Err(_) => vec![spec.clone()],
    }
}

/// Whether `model` runs in batch mode.
pub fn in_batch_mode(model: &ResolvedModel) -> bool {
    model.config.batch == Some(true) && supports_batch(&model.name)
}

/// One line per model asked to batch whose provider has no batch API: it runs live.
pub fn unsupported_warnings(experiment: &ResolvedExperiment) -> Vec<String> {
    experiment
        .models
        .iter()
        .filter(|m| m.config.batch == Some(true) && !supports_batch(&m.name))
        .map(|m| {
            format!(
                "warning: {} has no batch API insider uses (anthropic/, openai/, google/ do); \
                 running it live",
                m.name
            )
        })
        .chain(
            grader_names(experiment)
                .into_iter()
                .filter(|name| grader_in_batch_mode(experiment) && !supports_batch(name))
                .map(|name| {
                    format!(
                        "warning: grader {name} has no batch API insider uses (anthropic/, \
                         openai/, google/ do); calling it live"
                    )
                }),
        )
        .collect()
}

/// The custom id of a trial in a batch (unique in a run; `[A-Za-z0-9_-]`).
pub fn custom_id(trial_id: i64) -> String {
    format!("trial-{trial_id}")
}

/// Concurrent calls of a model, for the live retries and the verdicts of its batch trials (the
/// same rule as `runner::model_connections`, which this room must not import: the runner
/// calls it).
pub(super) fn connections(config: &insider_model::ModelConfig) -> usize {
    config
        .max_connections
        .unwrap_or(insider_model::limits::DEFAULT_MAX_CONNECTIONS)
        .max(1)
}

pub(super) fn poll_interval() -> std::time::Duration {
    let ms = std::env::var("INSIDER_BATCH_POLL_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_POLL_MS);
    std::time::Duration::from_millis(ms.max(1))
}

/// One model's batch work.
pub(super) struct ModelBatches {
    pub(super) name: String,
    pub(super) config: insider_model::ModelConfig,
    pub(super) batch_mode: bool,
    /// Trials to send in new batches.
    pub(super) new: Vec<WorkItem>,
    /// Submitted batches to poll and collect, with their trials' work items.
    pub(super) open: Vec<(BatchRecord, Vec<WorkItem>)>,
    pub(super) progress: Option<Arc<ModelProgress>>,
}

/// What the batch side of a run does: per model, batches to finish and trials to send.
pub struct BatchWork {
    pub(super) models: Vec<ModelBatches>,
    /// Batches a killed run was sending (no provider id): closed as `unknown`.
    pub(super) unknown: Vec<i64>,
}

impl BatchWork {
    /// Whether there is no batch work.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty() && self.unknown.is_empty()
    }

    /// Count the batch trials into each model's progress counters.
    pub fn with_progress(mut self, progress: &[Arc<ModelProgress>]) -> BatchWork {
        for model in &mut self.models {
            if let Some(counter) = progress.iter().find(|p| p.model == model.name) {
                let n = model.new.len() + model.open.iter().map(|(_, i)| i.len()).sum::<usize>();
                counter
                    .total
                    .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                model.progress = Some(counter.clone());
            }
        }
        self
    }
}

/// What the batch side leaves: its counts, and trials to call live.
pub(super) struct Left {
    pub(super) outcome: ExecuteOutcome,
    pub(super) live: Vec<WorkItem>,
    pub(super) connections: HashMap<String, usize>,
    pub(super) progress: HashMap<String, Arc<ModelProgress>>,
}
