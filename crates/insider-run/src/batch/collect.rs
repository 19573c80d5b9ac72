//! The batch loop: send what is queued, poll what was sent, collect what ended. Results are
//! completed through the writer (and classified) before their batch is marked collected.

use super::submit::{self, lock};
use super::work::{connections, custom_id, poll_interval, BatchWork, Left, MAX_BATCH_ROUNDS};
use crate::progress::ModelProgress;
use crate::scheduler::{classify, request_for, wait_true, ExecuteOutcome, Shared, StopSignals};
use crate::writer::WriteOp;
use insider_ledger::{Ledger, WorkItem};
use insider_model::batch::{BatchClient, BatchState, ItemOutcome};
use insider_model::FailureKind;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

/// A sent batch not yet collected.
struct Pending {
    row: i64,
    provider_id: String,
    items: HashMap<String, WorkItem>,
}

/// One model's batch state in this invocation.
struct ModelState {
    name: String,
    client: Arc<dyn BatchClient>,
    queue: VecDeque<WorkItem>,
    pending: Vec<Pending>,
    rounds: HashMap<i64, u32>,
    progress: Arc<ModelProgress>,
}

impl ModelState {
    /// `item` goes into a new batch, or live once it has been in [`MAX_BATCH_ROUNDS`].
    fn again(&mut self, item: WorkItem, live: &mut Vec<WorkItem>) {
        let rounds = self.rounds.entry(item.trial_id).or_insert(1);
        *rounds += 1;
        if *rounds > MAX_BATCH_ROUNDS {
            live.push(item);
        } else {
            self.queue.push_back(item);
        }
    }
}

/// Run the batch side until every batch is collected or a stop is asked for (open batches
/// stay recorded: the next `insider run` polls them).
pub(super) async fn run(
    work: BatchWork,
    ledger: Ledger,
    shared: Arc<Shared>,
    stop: StopSignals,
) -> anyhow::Result<Left> {
    let ledger = Mutex::new(ledger);
    let mut left = Left {
        outcome: ExecuteOutcome::default(),
        live: Vec::new(),
        connections: HashMap::new(),
        progress: HashMap::new(),
    };
    for row in &work.unknown {
        lock(&ledger).batch_ended(
            *row,
            "unknown",
            None,
            Some("the run stopped while sending this batch; its trials were sent again"),
            &[],
        )?;
    }
    if !work.unknown.is_empty() {
        tracing::warn!(
            "{} batches were being sent when the last run stopped; their trials are sent again \
             (a provider that received them may bill them twice)",
            work.unknown.len()
        );
    }
    let mut models = Vec::new();
    for model in work.models {
        let progress = model
            .progress
            .clone()
            .unwrap_or_else(|| Arc::new(ModelProgress::new(&model.name, 0)));
        left.connections
            .insert(model.name.clone(), connections(&model.config));
        left.progress.insert(model.name.clone(), progress.clone());
        let client = match insider_model::batch::resolve(&model.name, &model.config) {
            Ok(client) => client,
            Err(error) => {
                tracing::warn!("{}: no batch client ({error}); running live", model.name);
                left.live.extend(model.new);
                left.live
                    .extend(model.open.into_iter().flat_map(|(_, items)| items));
                continue;
            }
        };
        let pending = model
            .open
            .into_iter()
            .filter_map(|(record, items)| {
                Some(Pending {
                    row: record.id,
                    provider_id: record.provider_batch_id?,
                    items: items
                        .into_iter()
                        .map(|i| (custom_id(i.trial_id), i))
                        .collect(),
                })
            })
            .collect();
        models.push(ModelState {
            name: model.name,
            client,
            queue: model.new.into(),
            pending,
            rounds: HashMap::new(),
            progress,
        });
    }
    let mut verdicts = JoinSet::new();
    let interval = poll_interval();
    let mut soft = stop.soft.clone();
    loop {
        for model in &mut models {
            while !model.queue.is_empty() && !stop.stopping() {
                send_next(&ledger, &shared, model, &mut left.live).await?;
            }
        }
        if stop.stopping() || models.iter().all(|m| m.pending.is_empty()) {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = wait_true(&mut soft) => break,
        }
        for model in &mut models {
            poll(&ledger, &shared, model, &mut left, &mut verdicts).await?;
        }
    }
    for model in models {
        left.outcome.not_started += model.queue.len() as u64;
    }
    while verdicts.join_next().await.is_some() {}
    Ok(left)
}

/// Send the next batch of `model`'s queue; a refused batch's trials run live.
async fn send_next(
    ledger: &Mutex<Ledger>,
    shared: &Shared,
    model: &mut ModelState,
    live: &mut Vec<WorkItem>,
) -> anyhow::Result<()> {
    let (works, items) =
        submit::next_chunk(model.client.as_ref(), shared, &model.name, &mut model.queue);
    match submit::send(ledger, model.client.as_ref(), &model.name, items).await? {
        Ok((row, provider_id)) => {
            tracing::info!(
                "{}: batch {provider_id} sent ({} trials)",
                model.name,
                works.len()
            );
            for work in &works {
                model.rounds.entry(work.trial_id).or_insert(1);
            }
            model.pending.push(Pending {
                row,
                provider_id,
                items: works
                    .into_iter()
                    .map(|i| (custom_id(i.trial_id), i))
                    .collect(),
            });
        }
        Err((_, error)) => {
            tracing::warn!(
                "{}: the provider refused a batch ({}); its {} trials run live",
                model.name,
                error.message,
                works.len()
            );
            live.extend(works);
        }
    }
    Ok(())
}

/// Poll every pending batch of `model` once; collect those that ended.
async fn poll(
    ledger: &Mutex<Ledger>,
    shared: &Arc<Shared>,
    model: &mut ModelState,
    left: &mut Left,
    verdicts: &mut JoinSet<()>,
) -> anyhow::Result<()> {
    let mut still = Vec::new();
    for pending in std::mem::take(&mut model.pending) {
        let status = match model.client.status(&pending.provider_id).await {
            Ok(status) => status,
            Err(error) if error.kind == FailureKind::Permanent => {
                // The provider does not know this batch (any more): send its trials again.
                lock(ledger).batch_ended(pending.row, "failed", None, Some(&error.message), &[])?;
                for item in pending.items.into_values() {
                    model.again(item, &mut left.live);
                }
                continue;
            }
            Err(error) => {
                tracing::warn!(
                    "{}: polling failed ({}); trying again",
                    model.name,
                    error.message
                );
                still.push(pending);
                continue;
            }
        };
        match &status.state {
            BatchState::InProgress => still.push(pending),
            BatchState::Failed(why) => {
                tracing::warn!(
                    "{}: batch {} failed: {why}",
                    model.name,
                    pending.provider_id
                );
                lock(ledger).batch_ended(
                    pending.row,
                    "failed",
                    Some(&status.provider_status),
                    Some(why),
                    &[],
                )?;
                for item in pending.items.into_values() {
                    model.again(item, &mut left.live);
                }
            }
            _ => {
                if let Some(pending) = collect(
                    ledger,
                    shared,
                    model,
                    pending,
                    &status.provider_status,
                    left,
                    verdicts,
                )
                .await?
                {
                    still.push(pending);
                }
            }
        }
    }
    model.pending = still;
    Ok(())
}

/// Store the results of an ended batch; `Some(pending)` back when they cannot be read yet.
async fn collect(
    ledger: &Mutex<Ledger>,
    shared: &Arc<Shared>,
    model: &mut ModelState,
    mut pending: Pending,
    provider_status: &str,
    left: &mut Left,
    verdicts: &mut JoinSet<()>,
) -> anyhow::Result<Option<Pending>> {
    lock(ledger).batch_results_started(pending.row)?;
    let results = match model.client.results(&pending.provider_id).await {
        Ok(results) => results,
        Err(error) => {
            tracing::warn!(
                "{}: reading results failed ({}); trying again",
                model.name,
                error.message
            );
            return Ok(Some(pending));
        }
    };
    let connections = match shared.grader_batch_stop {
        // Verdicts wait for the grader's own batches: as many as a grader batch holds.
        Some(_) => crate::scheduler::DETACHED_VERDICTS,
        None => left.connections.get(&model.name).copied().unwrap_or(1),
    };
    let mut outcomes: Vec<(i64, String)> = Vec::with_capacity(pending.items.len());
    for result in results {
        let Some(item) = pending.items.remove(&result.custom_id) else {
            continue; // not ours, or a duplicate line
        };
        match result.outcome {
            ItemOutcome::Succeeded(mut response) => {
                response.raw_request = model.client.request_body(&request_for(shared, &item));
                count(&model.progress, &response);
                left.outcome.completed += 1;
                let (reply, calls, stop) = (
                    response.text.clone(),
                    response.tool_calls.clone(),
                    response.stop_reason.clone(),
                );
                shared
                    .writer
                    .send(WriteOp::Complete(item.trial_id, response))
                    .await?;
                outcomes.push((item.trial_id, "succeeded".into()));
                if shared.classifier.is_some() {
                    while verdicts.len() >= connections {
                        verdicts.join_next().await;
                    }
                    let (shared, progress) = (shared.clone(), model.progress.clone());
                    verdicts.spawn(async move {
                        let verdict =
                            classify(&shared, &item, &reply, &calls, stop.as_deref()).await;
                        if let Some(verdict) = verdict {
                            progress.count_verdict(&verdict);
                        }
                    });
                }
            }
            ItemOutcome::Errored { message, .. } => {
                outcomes.push((item.trial_id, format!("errored: {message}")));
                left.live.push(item); // retried live, one call each
            }
            ItemOutcome::Expired => {
                outcomes.push((item.trial_id, "expired".into()));
                model.again(item, &mut left.live);
            }
            ItemOutcome::Cancelled => {
                outcomes.push((item.trial_id, "cancelled".into()));
                model.again(item, &mut left.live);
            }
        }
    }
    for (_, item) in pending.items.drain() {
        outcomes.push((item.trial_id, "missing".into()));
        model.again(item, &mut left.live);
    }
    // The replies are committed before the batch is marked collected.
    let (sender, receiver) = std::sync::mpsc::channel();
    shared.writer.send_now(WriteOp::Flush(sender))?;
    let _ = tokio::task::spawn_blocking(move || receiver.recv()).await;
    let outcomes: Vec<(i64, &str)> = outcomes.iter().map(|(t, o)| (*t, o.as_str())).collect();
    lock(ledger).batch(|l| {
        l.batch_ended(
            pending.row,
            "collected",
            Some(provider_status),
            None,
            &outcomes,
        )
    })?;
    tracing::info!(
        "{}: batch {} collected ({} items)",
        model.name,
        pending.provider_id,
        outcomes.len()
    );
    Ok(None)
}

fn count(progress: &ModelProgress, response: &insider_model::ChatResponse) {
    progress.done.fetch_add(1, Ordering::Relaxed);
    progress.count_usage(response);
}
