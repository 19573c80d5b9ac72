//! The scheduler: runs trials concurrently, bounded per model and fair across models, and
//! records every outcome through the single ledger writer.
//!
//! Each model gets its own queue and `max_connections` workers, so a slow or rate-limited model
//! never starves another. A worker claims a trial (written before the call), calls the provider
//! (which retries and rate-limits), then sends the outcome; a reply is committed before it is
//! classified, so a crash never loses a paid-for reply. Stopping: a soft stop lets calls in
//! flight finish; a hard stop cancels them and records them as abandoned.

use crate::progress::ModelProgress;
use crate::writer::WriteOp;
use insider_judge::ClassifyInput;
use insider_ledger::WorkItem;
use insider_model::{ChatRequest, Provider, ProviderError};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
mod state;

pub(crate) use state::wait_true;
pub use state::{ExecuteOutcome, ModelWork, Shared, StopControl, StopSignals};

/// Verdicts one worker (or the batch collector) leaves waiting for a batched grader at once:
/// enough to fill a grader batch, so the grader's batches are not cut small.
pub(crate) const DETACHED_VERDICTS: usize = 10_000;

/// Run every model's work to completion (or until stopped).
pub async fn execute(
    work: Vec<ModelWork>,
    shared: Arc<Shared>,
    stop: StopSignals,
) -> ExecuteOutcome {
    let mut handles = Vec::new();
    let mut queues = Vec::new();
    for model in work {
        let queue = Arc::new(Mutex::new(VecDeque::from(model.items)));
        queues.push(queue.clone());
        let workers = model
            .max_connections
            .max(1)
            .min(queue.lock().map(|q| q.len()).unwrap_or(1).max(1));
        for _ in 0..workers {
            let worker = Worker {
                queue: queue.clone(),
                provider: model.provider.clone(),
                progress: model.progress.clone(),
                shared: shared.clone(),
                stop: stop.clone(),
            };
            handles.push(tokio::spawn(worker.run()));
        }
    }
    let mut outcome = ExecuteOutcome::default();
    for handle in handles {
        if let Ok(counts) = handle.await {
            outcome.completed += counts.completed;
            outcome.failed += counts.failed;
            outcome.abandoned += counts.abandoned;
        }
    }
    for queue in queues {
        outcome.not_started += queue.lock().map(|q| q.len() as u64).unwrap_or(0);
    }
    outcome
}

struct Worker {
    queue: Arc<Mutex<VecDeque<WorkItem>>>,
    provider: Arc<dyn Provider>,
    progress: Arc<ModelProgress>,
    shared: Arc<Shared>,
    stop: StopSignals,
}

impl Worker {
    async fn run(mut self) -> ExecuteOutcome {
        let mut counts = ExecuteOutcome::default();
        let mut committed: Option<std::sync::mpsc::Receiver<()>> = None;
        let mut verdicts = tokio::task::JoinSet::new();
        loop {
            if *self.stop.soft.borrow() || *self.stop.hard.borrow() {
                break;
            }
            // The last call's records (its attempts above all) are committed before this
            // connection makes another call: a kill then loses at most one attempt per
            // connection. Classification ran meanwhile, so this rarely waits.
            if let Some(receiver) = committed.take() {
                let _ = tokio::task::spawn_blocking(move || receiver.recv()).await;
            }
            let Some(item) = self.queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                break;
            };
            if self
                .shared
                .writer
                .send(WriteOp::Claim(item.trial_id))
                .await
                .is_err()
            {
                break; // the writer died; the run stops and reports why
            }
            let request = self.request_for(&item);
            if let Some(work) = self.shared.agents.get(&*item.prompt_hash) {
                let trial = crate::agent::worker::Trial {
                    provider: self.provider.as_ref(),
                    shared: &self.shared,
                    progress: &self.progress,
                    stop: &mut self.stop,
                    counts: &mut counts,
                };
                match crate::agent::worker::run(trial, &item, work, request).await {
                    crate::agent::worker::Next::Continue => continue,
                    crate::agent::worker::Next::Stop => break,
                }
            }
            // Each attempt reaches the ledger as it ends, not only with the call's outcome.
            let sink = Arc::new(crate::attempt_sink::LedgerAttempts {
                trial_id: item.trial_id,
                writer: self.shared.writer.clone(),
            });
            let call = insider_model::attempt_hook::observe(sink, self.provider.generate(&request));
            let result = tokio::select! {
                result = call => Some(result),
                _ = wait_true(&mut self.stop.hard) => None,
            };
            match result {
                None => {
                    counts.abandoned += 1;
                    // On the way out (a second Ctrl-C exits soon): never wait for room.
                    let _ = self.shared.writer.send_now(WriteOp::Abandon(
                        item.trial_id,
                        "stopped by the user while the call was in flight".into(),
                    ));
                    break;
                }
                Some(Ok(response)) => {
                    counts.completed += 1;
                    let progress = &self.progress;
                    progress.done.fetch_add(1, Ordering::Relaxed);
                    progress.count_usage(&response);
                    let failed_attempts = response
                        .attempts
                        .iter()
                        .filter(|a| a.error.is_some())
                        .count();
                    progress
                        .errors
                        .fetch_add(failed_attempts as u64, Ordering::Relaxed);
                    let reply = response.text.clone();
                    let tool_calls = response.tool_calls.clone();
                    let stop_reason = response.stop_reason.clone();
                    if self
                        .shared
                        .writer
                        .send(WriteOp::Complete(item.trial_id, Box::new(response)))
                        .await
                        .is_err()
                    {
                        break;
                    }
                    committed = self.commit_request();
                    if self.shared.grader_batch_stop.is_some() {
                        // A batched grader answers in minutes: the next trial does not wait.
                        self.detach_verdict(&mut verdicts, item, reply, tool_calls, stop_reason)
                            .await;
                    } else {
                        self.classify(&item, &reply, &tool_calls, stop_reason.as_deref())
                            .await;
                    }
                }
                Some(Err(error)) => {
                    self.record_failure(&item, error, &mut counts).await;
                    committed = self.commit_request();
                }
            }
        }
        while verdicts.join_next().await.is_some() {}
        counts
    }

    /// Classify in the background (the grader batches), at most [`DETACHED_VERDICTS`] at a
    /// time per worker.
    async fn detach_verdict(
        &self,
        verdicts: &mut tokio::task::JoinSet<()>,
        item: WorkItem,
        reply: String,
        tool_calls: Vec<insider_model::ToolCall>,
        stop_reason: Option<String>,
    ) {
        while verdicts.len() >= DETACHED_VERDICTS {
            verdicts.join_next().await;
        }
        let (shared, progress) = (self.shared.clone(), self.progress.clone());
        verdicts.spawn(async move {
            let verdict = classify(&shared, &item, &reply, &tool_calls, stop_reason.as_deref());
            if let Some(verdict) = verdict.await {
                progress.count_verdict(&verdict);
            }
        });
    }

    /// A receiver that hears once everything this worker sent so far is committed.
    fn commit_request(&self) -> Option<std::sync::mpsc::Receiver<()>> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let sent = self.shared.writer.send_now(WriteOp::Flush(sender));
        sent.ok().map(|()| receiver)
    }

    fn request_for(&self, item: &WorkItem) -> ChatRequest {
        request_for(&self.shared, item)
    }

    async fn record_failure(
        &self,
        item: &WorkItem,
        error: ProviderError,
        counts: &mut ExecuteOutcome,
    ) {
        let failed_attempts = error.attempts.iter().filter(|a| a.error.is_some()).count();
        self.progress
            .errors
            .fetch_add(failed_attempts as u64, Ordering::Relaxed);
        if error.kind == insider_model::FailureKind::Cancelled {
            counts.abandoned += 1;
        } else {
            counts.failed += 1;
            self.progress.failed.fetch_add(1, Ordering::Relaxed);
        }
        let _ = self
            .shared
            .writer
            .send(WriteOp::Fail(item.trial_id, Box::new(error)))
            .await;
    }

    async fn classify(
        &self,
        item: &WorkItem,
        reply: &str,
        tool_calls: &[insider_model::ToolCall],
        stop_reason: Option<&str>,
    ) {
        let verdict = classify(&self.shared, item, reply, tool_calls, stop_reason).await;
        if let Some(verdict) = verdict {
            self.progress.count_verdict(&verdict);
        }
    }
}

/// Classify a trial's reply inline (when the run classifies) and send the verdict to the
/// writer, after the reply it follows; returns the verdict (for the progress display).
pub(crate) async fn classify(
    shared: &Shared,
    item: &WorkItem,
    reply: &str,
    tool_calls: &[insider_model::ToolCall],
    stop_reason: Option<&str>,
) -> Option<insider_judge::Verdict> {
    let (Some(classifier), Some(harm)) = (
        shared.classifier.as_ref(),
        shared.harms.get(&*item.condition),
    ) else {
        return None;
    };
    let input = ClassifyInput {
        reply,
        tool_calls,
        stop_reason,
        harm,
        condition_id: &item.condition,
    };
    let verdict = match &shared.grader_batch_stop {
        None => classifier.classify(&input, shared.cache.as_deref()).await,
        Some(stop) => {
            let mut soft = stop.soft.clone();
            tokio::select! {
                verdict = classifier.classify(&input, shared.cache.as_deref()) => verdict,
                _ = wait_true(&mut soft) => return None,
            }
        }
    };
    let _ = shared
        .writer
        .send(WriteOp::Verdict(item.trial_id, Box::new(verdict.clone())))
        .await;
    Some(verdict)
}

/// The request a trial sends: its prompt's base request with the model's settings and the
/// trial's seed (the same live and in a batch).
pub(crate) fn request_for(shared: &Shared, item: &WorkItem) -> ChatRequest {
    let base = &shared.requests[&*item.prompt_hash];
    let mut request = ChatRequest::clone(base);
    if let Some(settings) = shared.settings.get(&*item.model) {
        request.settings = settings.clone();
    }
    if let Some(seed) = shared.seed {
        request.settings.seed = Some(seed.wrapping_add(item.sample_index as u64));
    }
    request
}
