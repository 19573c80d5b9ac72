//! The single ledger writer: one thread owns the SQLite connection; everyone else sends it
//! messages, which it applies in batched transactions (each message atomically).
//!
//! The queue in front of the writer is bounded: when the writer is [`QUEUE_CAPACITY`]
//! operations behind, [`WriteSender::send`] waits until a batch is committed. A worker claims
//! its next trial through that queue, so workers that outrun the writer stop taking trials
//! instead of piling replies (with their raw request bodies) up in memory.

use insider_judge::Verdict;
use insider_ledger::Ledger;
use insider_model::{ChatResponse, ProviderError};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use tokio::sync::Semaphore;

/// A change to the ledger, sent to the writer.
#[derive(Debug)]
pub enum WriteOp {
    /// A call for this trial is starting.
    Claim(i64),
    /// One attempt of the trial's open call ended (recorded before the call returns).
    Attempt(i64, Box<insider_model::Attempt>),
    /// The call succeeded.
    Complete(i64, Box<ChatResponse>),
    /// The call failed for good (or was cancelled).
    Fail(i64, Box<ProviderError>),
    /// The trial was stopped before its call finished.
    Abandon(i64, String),
    /// A verdict for a trial.
    Verdict(i64, Box<Verdict>),
    /// A committed turn of an agent session (the last one completes the trial).
    Turn(i64, Box<insider_ledger::NewTurn>),
    /// A verdict-cache entry.
    CachePut(String, String),
    /// Reply once everything sent before has been committed.
    Flush(mpsc::Sender<()>),
}

/// Handle to the writer thread.
pub struct Writer {
    sender: Option<WriteSender>,
    thread: Option<JoinHandle<anyhow::Result<Ledger>>>,
}

/// The writer thread is gone (it failed; [`Writer::finish`] says why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterGone;

impl std::fmt::Display for WriterGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the ledger writer has stopped")
    }
}

impl std::error::Error for WriterGone {}

/// An operation in the queue, and whether it holds one of the queue's places.
struct Queued {
    op: WriteOp,
    holds_place: bool,
}

/// A cloneable sender of [`WriteOp`]s to the writer thread.
#[derive(Clone)]
pub struct WriteSender {
    queue: mpsc::Sender<Queued>,
    /// Free places in the queue; the writer gives them back after each commit.
    room: Arc<Semaphore>,
}

impl WriteSender {
    /// Queue `op`, first waiting while the writer is [`QUEUE_CAPACITY`] operations behind.
    pub async fn send(&self, op: WriteOp) -> Result<(), WriterGone> {
        let place = self.room.acquire().await.map_err(|_| WriterGone)?;
        place.forget(); // the writer adds it back once the operation is committed
        self.queue
            .send(Queued {
                op,
                holds_place: true,
            })
            .map_err(|_| WriterGone)
    }

    /// Queue `op` at once, without waiting for room: for small operations from code that
    /// cannot wait (verdict-cache entries, flushes, a last abandon on the way out).
    pub fn send_now(&self, op: WriteOp) -> Result<(), WriterGone> {
        self.queue
            .send(Queued {
                op,
                holds_place: false,
            })
            .map_err(|_| WriterGone)
    }

    /// Operations queued with [`WriteSender::send`] and not yet committed.
    pub fn backlog(&self) -> usize {
        QUEUE_CAPACITY.saturating_sub(self.room.available_permits())
    }
}

/// Most operations sent with [`WriteSender::send`] that may wait uncommitted; beyond it,
/// senders wait. About 8 MB of queued replies with 15 kB raw request bodies.
pub const QUEUE_CAPACITY: usize = 1024;

/// Largest number of operations committed in one transaction.
const MAX_BATCH: usize = QUEUE_CAPACITY;

/// Closes the queue's room when the writer thread ends, however it ends, so that senders
/// waiting for room get [`WriterGone`] instead of waiting forever.
struct CloseOnExit(Arc<Semaphore>);

impl Drop for CloseOnExit {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Writer {
    /// Start the writer thread, handing it the ledger.
    pub fn start(mut ledger: Ledger) -> Writer {
        let (queue, receiver) = mpsc::channel::<Queued>();
        let room = Arc::new(Semaphore::new(QUEUE_CAPACITY));
        let closer = CloseOnExit(room.clone());
        let thread_room = room.clone();
        let thread = std::thread::Builder::new()
            .name("insider-ledger-writer".into())
            .spawn(move || -> anyhow::Result<Ledger> {
                let _closer = closer;
                let mut batch = Vec::with_capacity(MAX_BATCH);
                while let Ok(first) = receiver.recv() {
                    batch.push(first);
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(queued) => batch.push(queued),
                            Err(_) => break,
                        }
                    }
                    let places = batch.iter().filter(|q| q.holds_place).count();
                    let mut flushes = Vec::new();
                    ledger.batch(|ledger| {
                        for queued in batch.drain(..) {
                            apply(ledger, queued.op, &mut flushes)?;
                        }
                        Ok(())
                    })?;
                    thread_room.add_permits(places);
                    for flush in flushes {
                        let _ = flush.send(());
                    }
                }
                Ok(ledger)
            })
            .expect("spawning the ledger writer thread");
        Writer {
            sender: Some(WriteSender { queue, room }),
            thread: Some(thread),
        }
    }

    /// A sender for workers.
    pub fn sender(&self) -> WriteSender {
        self.sender.clone().expect("writer is running")
    }

    /// Stop accepting messages, commit everything sent, and return the ledger.
    pub fn finish(mut self) -> anyhow::Result<Ledger> {
        drop(self.sender.take());
        match self.thread.take().expect("writer thread").join() {
            Ok(result) => result,
            Err(_) => anyhow::bail!("the ledger writer thread panicked"),
        }
    }
}

fn apply(ledger: &Ledger, op: WriteOp, flushes: &mut Vec<mpsc::Sender<()>>) -> anyhow::Result<()> {
    match op {
        WriteOp::Claim(trial) => ledger.claim_trial(trial),
        WriteOp::Complete(trial, response) => ledger.complete_trial(trial, &response).map(|_| ()),
        WriteOp::Attempt(trial, attempt) => ledger.record_attempt(trial, &attempt),
        WriteOp::Fail(trial, error) => ledger.fail_trial(trial, &error),
        WriteOp::Abandon(trial, reason) => ledger.abandon_trial(trial, &reason),
        WriteOp::Verdict(trial, verdict) => ledger.save_verdict(trial, &verdict),
        WriteOp::Turn(trial, turn) => {
            if !ledger.commit_turn(trial, &turn)? {
                tracing::warn!(
                    "turn {} of trial {trial} was already stored; kept the stored one",
                    turn.turn
                );
            }
            Ok(())
        }
        WriteOp::CachePut(key, value) => ledger.cache_put(&key, &value),
        WriteOp::Flush(reply) => {
            flushes.push(reply);
            Ok(())
        }
    }
}

/// The ledger as an [`insider_judge::VerdictCache`]: reads on its own connection, writes
/// through the writer thread.
pub struct LedgerVerdictCache {
    reader: std::sync::Mutex<Ledger>,
    writer: std::sync::Mutex<WriteSender>,
}

impl LedgerVerdictCache {
    /// A cache over the ledger in `run_dir`, writing through `writer`.
    pub fn new(run_dir: &std::path::Path, writer: WriteSender) -> anyhow::Result<Self> {
        Ok(LedgerVerdictCache {
            reader: std::sync::Mutex::new(Ledger::open(run_dir)?),
            writer: std::sync::Mutex::new(writer),
        })
    }
}

impl insider_judge::VerdictCache for LedgerVerdictCache {
    fn get(&self, key: &str) -> Option<Verdict> {
        let reader = self.reader.lock().ok()?;
        match reader.cache_get(key) {
            Ok(Some(json)) => serde_json::from_str(&json).ok(),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!("verdict cache read failed: {error:#}");
                None
            }
        }
    }

    fn put(&self, key: &str, verdict: &Verdict) {
        match serde_json::to_string(verdict) {
            Ok(json) => {
                if let Ok(writer) = self.writer.lock() {
                    let _ = writer.send_now(WriteOp::CachePut(key.to_string(), json));
                }
            }
            Err(error) => tracing::warn!("verdict cache write failed: {error}"),
        }
    }
}
