//! The task behind a [`super::grader::BatchedGrader`]: it takes queued grader requests, sends
//! them as provider batches (recorded in the ledger first), polls the batches, and answers
//! each waiting call. A request already in an open recorded batch waits for that batch; one
//! whose answer a collected batch stored is answered from the ledger. Items the batch could
//! not answer (errors, expiry, a refused or failed batch) are called live on the grader.

use super::submit::limits;
use super::work::poll_interval;
use insider_ledger::Ledger;
use insider_model::batch::{BatchClient, BatchItem, BatchState, ItemOutcome};
use insider_model::{ChatRequest, ChatResponse, FailureKind, Provider, ProviderError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Default idle window before queued grader requests are sent as a batch;
/// `INSIDER_GRADER_BATCH_IDLE_MS` changes it.
pub const DEFAULT_GRADER_IDLE_MS: u64 = 2_000;

/// The custom id of a grader request in a batch (`[A-Za-z0-9_-]`, under 64 characters).
pub fn grader_custom_id(hash: &str) -> String {
    format!("grader-{}", &hash[..40.min(hash.len())])
}

/// How long the queue waits for more requests before it sends a batch.
fn idle_window() -> std::time::Duration {
    let ms = std::env::var("INSIDER_GRADER_BATCH_IDLE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_GRADER_IDLE_MS);
    std::time::Duration::from_millis(ms.max(1))
}

/// One grader call waiting for its answer.
pub(super) struct Ask {
    /// `super::grader::request_hash` of the request.
    pub(super) hash: String,
    /// The request.
    pub(super) request: ChatRequest,
    /// Where the answer goes.
    pub(super) answer: oneshot::Sender<Answer>,
}

type Answer = Result<ChatResponse, ProviderError>;

/// A sent grader batch not yet collected: its row, provider id, and hash by custom id.
struct Open {
    row: i64,
    provider_id: String,
    hashes: HashMap<String, String>,
}

/// The state of one batched grader.
pub(super) struct GraderLoop {
    name: String,
    client: Arc<dyn BatchClient>,
    inner: Arc<dyn Provider>,
    ledger: Option<Mutex<Ledger>>,
    /// Requests to send in the next batch, with their body sizes.
    queued: Vec<(String, ChatRequest, usize)>,
    /// The calls waiting for each request (queued, in an open batch, or called live).
    waiting: HashMap<String, Vec<oneshot::Sender<Answer>>>,
    /// Requests of waiting calls, for a live call when their batch cannot answer them.
    requests: HashMap<String, ChatRequest>,
    open: Vec<Open>,
}

impl GraderLoop {
    /// The loop of grader `name`, with the ledger of `run_dir` (without one, every call is
    /// live: nothing could make a batch crash-safe).
    pub(super) fn new(
        name: &str,
        client: Arc<dyn BatchClient>,
        inner: Arc<dyn Provider>,
        run_dir: &Path,
    ) -> GraderLoop {
        let ledger = match Ledger::open(run_dir) {
            Ok(ledger) => Some(Mutex::new(ledger)),
            Err(error) => {
                tracing::warn!("grader {name}: no ledger for its batches ({error:#}); live");
                None
            }
        };
        GraderLoop {
            name: name.to_string(),
            client,
            inner,
            ledger,
            queued: Vec::new(),
            waiting: HashMap::new(),
            requests: HashMap::new(),
            open: Vec::new(),
        }
    }

    /// Answer asks until every sender is gone (the grader was dropped: nobody waits any
    /// more; open batches stay recorded for a later run).
    pub(super) async fn run(mut self, mut asks: mpsc::UnboundedReceiver<Ask>) {
        if let Err(error) = self.recover() {
            tracing::warn!("grader {}: reading its batches: {error:#}", self.name);
        }
        let (max_items, max_bytes) = limits(&self.name);
        let mut deadline: Option<Instant> = None;
        let mut next_poll = Instant::now() + poll_interval();
        loop {
            let flush_at = deadline.unwrap_or_else(Instant::now);
            tokio::select! {
                ask = asks.recv() => {
                    let Some(ask) = ask else { break };
                    if self.take(ask) {
                        let bytes: usize = self.queued.iter().map(|q| q.2).sum();
                        if self.queued.len() > 1
                            && (self.queued.len() > max_items || bytes > max_bytes)
                        {
                            let last = self.queued.pop().expect("queued");
                            self.flush().await;
                            self.queued.push(last);
                        }
                        deadline = Some(Instant::now() + idle_window());
                    }
                }
                _ = tokio::time::sleep_until(flush_at), if deadline.is_some() => {
                    deadline = None;
                    self.flush().await;
                }
                _ = tokio::time::sleep_until(next_poll), if !self.open.is_empty() => {
                    self.poll().await;
                    next_poll = Instant::now() + poll_interval();
                }
            }
            if self.open.is_empty() {
                next_poll = Instant::now() + poll_interval();
            }
        }
    }

    /// Open grader batches of this grader from earlier runs: sent ones are polled, ones a
    /// killed run was sending are closed as `unknown` (their requests are sent again).
    fn recover(&mut self) -> anyhow::Result<()> {
        let Some(ledger) = self.ledger() else {
            return Ok(());
        };
        let mut unknown = 0;
        let mut open = Vec::new();
        for batch in ledger.open_grader_batches()? {
            if batch.model != self.name {
                continue;
            }
            match batch.provider_batch_id {
                Some(provider_id) => open.push(Open {
                    row: batch.id,
                    provider_id,
                    hashes: batch.items.into_iter().map(|(h, c)| (c, h)).collect(),
                }),
                None => {
                    unknown += 1;
                    let note =
                        "the run stopped while sending this batch; its requests are sent again";
                    ledger.grader_batch_ended(batch.id, "unknown", None, Some(note), &[])?;
                }
            }
        }
        drop(ledger);
        self.open = open;
        if unknown > 0 {
            tracing::warn!(
                "grader {}: {unknown} grader batches were being sent when the last run stopped; \
                 their requests are sent again (a provider that received them may bill them twice)",
                self.name
            );
        }
        Ok(())
    }

    /// Take one ask: answered now from a stored answer, or waiting (for a queued request, an
    /// open batch, or a new place in the queue); true when it joined the queue.
    fn take(&mut self, ask: Ask) -> bool {
        if let Some(waiters) = self.waiting.get_mut(&ask.hash) {
            waiters.push(ask.answer);
            return false;
        }
        let Some(ledger) = self.ledger() else {
            self.live(ask.request, vec![ask.answer]);
            return false;
        };
        let stored = ledger.grader_answer(&ask.hash).ok().flatten();
        drop(ledger);
        if let Some(response) = stored.and_then(|json| serde_json::from_str(&json).ok()) {
            let _ = ask.answer.send(Ok(response));
            return false;
        }
        self.waiting.insert(ask.hash.clone(), vec![ask.answer]);
        self.requests.insert(ask.hash.clone(), ask.request.clone());
        if self
            .open
            .iter()
            .any(|o| o.hashes.contains_key(&grader_custom_id(&ask.hash)))
        {
            return false; // recorded in an open batch: its poll answers it
        }
        let size = self.client.request_body(&ask.request).len() + 64;
        self.queued.push((ask.hash, ask.request, size));
        true
    }

    /// The loop's own ledger connection (a poisoned lock still holds a usable connection).
    fn ledger(&self) -> Option<MutexGuard<'_, Ledger>> {
        let ledger = self.ledger.as_ref()?;
        Some(
            ledger
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Whether anyone still waits for `hash` (a stopped run dropped its calls).
    fn wanted(&self, hash: &str) -> bool {
        self.waiting
            .get(hash)
            .is_some_and(|w| w.iter().any(|s| !s.is_closed()))
    }

    /// Send the queue as one batch: recorded, sent, given its provider id; refused, its
    /// requests are called live. Requests nobody waits for any more are dropped unsent.
    async fn flush(&mut self) {
        let queued = std::mem::take(&mut self.queued);
        let mut items = Vec::new();
        let mut hashes: HashMap<String, String> = HashMap::new();
        for (hash, request, _) in queued {
            if self.wanted(&hash) {
                let custom_id = grader_custom_id(&hash);
                hashes.insert(custom_id.clone(), hash);
                items.push(BatchItem { custom_id, request });
            } else {
                self.waiting.remove(&hash);
                self.requests.remove(&hash);
            }
        }
        if items.is_empty() {
            return;
        }
        let ids: Vec<(String, String)> =
            hashes.iter().map(|(c, h)| (h.clone(), c.clone())).collect();
        let recorded = match self.ledger() {
            Some(ledger) => ledger.open_grader_batch(&self.name, &ids),
            None => Err(anyhow::anyhow!("no ledger")),
        };
        let row = match recorded {
            Ok(row) => row,
            Err(error) => {
                tracing::warn!(
                    "grader {}: cannot record a batch ({error:#}); live",
                    self.name
                );
                return self.all_live(hashes.into_values());
            }
        };
        match self.client.submit(&items).await {
            Ok(provider_id) => {
                let submitted = self.ledger().map(|l| l.batch_submitted(row, &provider_id));
                if let Some(Err(error)) = submitted {
                    tracing::warn!(
                        "grader {}: recording batch {provider_id}: {error:#}",
                        self.name
                    );
                }
                tracing::info!(
                    "grader {}: batch {provider_id} sent ({} requests)",
                    self.name,
                    items.len()
                );
                self.open.push(Open {
                    row,
                    provider_id,
                    hashes,
                });
            }
            Err(error) => {
                tracing::warn!(
                    "grader {}: the provider refused a batch ({}); its {} requests go live",
                    self.name,
                    error.message,
                    items.len()
                );
                if let Some(ledger) = self.ledger() {
                    let _ =
                        ledger.grader_batch_ended(row, "failed", None, Some(&error.message), &[]);
                }
                self.all_live(hashes.into_values());
            }
        }
    }

    /// Poll every open batch once; collect those that ended.
    async fn poll(&mut self) {
        for open in std::mem::take(&mut self.open) {
            let status = match self.client.status(&open.provider_id).await {
                Ok(status) => status,
                Err(error) if error.kind == FailureKind::Permanent => {
                    self.end_failed(open, None, &error.message);
                    continue;
                }
                Err(error) => {
                    tracing::warn!(
                        "grader {}: polling failed ({}); again",
                        self.name,
                        error.message
                    );
                    self.open.push(open);
                    continue;
                }
            };
            match &status.state {
                BatchState::InProgress => self.open.push(open),
                BatchState::Failed(why) => {
                    self.end_failed(open, Some(&status.provider_status), why);
                }
                _ => self.collect(open, &status.provider_status).await,
            }
        }
    }

    /// A batch that failed as a whole: closed, its waiting requests called live.
    fn end_failed(&mut self, open: Open, provider_status: Option<&str>, why: &str) {
        tracing::warn!(
            "grader {}: batch {} failed: {why}",
            self.name,
            open.provider_id
        );
        if let Some(ledger) = self.ledger() {
            let _ = ledger.grader_batch_ended(open.row, "failed", provider_status, Some(why), &[]);
        }
        self.all_live(open.hashes.into_values());
    }

    /// Read an ended batch's results, store them with the batch marked collected, then answer
    /// the waiting calls (items without an answer go live).
    async fn collect(&mut self, mut open: Open, provider_status: &str) {
        let results = match self.client.results(&open.provider_id).await {
            Ok(results) => results,
            Err(error) => {
                tracing::warn!(
                    "grader {}: reading results failed ({}); again",
                    self.name,
                    error.message
                );
                return self.open.push(open);
            }
        };
        let mut outcomes = Vec::new();
        let mut answers = Vec::new();
        let mut again = Vec::new();
        for result in results {
            let Some(hash) = open.hashes.remove(&result.custom_id) else {
                continue;
            };
            let word = match result.outcome {
                ItemOutcome::Succeeded(response) => {
                    let json = serde_json::to_string(&response).ok();
                    outcomes.push((hash.clone(), "succeeded".to_string(), json));
                    answers.push((hash, *response));
                    continue;
                }
                ItemOutcome::Errored { message, .. } => format!("errored: {message}"),
                ItemOutcome::Expired => "expired".to_string(),
                ItemOutcome::Cancelled => "cancelled".to_string(),
            };
            outcomes.push((hash.clone(), word, None));
            again.push(hash);
        }
        for hash in open.hashes.into_values() {
            outcomes.push((hash.clone(), "missing".to_string(), None));
            again.push(hash);
        }
        // The answers are stored before anyone is answered: a kill now pays for nothing twice.
        if let Some(ledger) = self.ledger() {
            let stored = ledger.grader_batch_ended(
                open.row,
                "collected",
                Some(provider_status),
                None,
                &outcomes,
            );
            if let Err(error) = stored {
                tracing::warn!("grader {}: storing batch results: {error:#}", self.name);
            }
        }
        tracing::info!(
            "grader {}: batch {} collected ({} requests)",
            self.name,
            open.provider_id,
            outcomes.len()
        );
        for (hash, response) in answers {
            self.requests.remove(&hash);
            for waiter in self.waiting.remove(&hash).unwrap_or_default() {
                let _ = waiter.send(Ok(response.clone()));
            }
        }
        self.all_live(again.into_iter());
    }

    /// Call live every request of `hashes` that someone waits for.
    fn all_live(&mut self, hashes: impl Iterator<Item = String>) {
        for hash in hashes {
            let waiters = self.waiting.remove(&hash).unwrap_or_default();
            match self.requests.remove(&hash) {
                Some(request) if !waiters.is_empty() => self.live(request, waiters),
                _ => {}
            }
        }
    }

    /// One live call of the grader for `request`, its answer to every waiter.
    fn live(&self, request: ChatRequest, waiters: Vec<oneshot::Sender<Answer>>) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let answer = inner.generate(&request).await;
            for waiter in waiters {
                let _ = waiter.send(answer.clone());
            }
        });
    }
}
