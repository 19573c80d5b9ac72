//! The single ledger writer: one thread owns the SQLite connection; everyone else sends it
//! messages, which it applies in batched transactions (each message atomically).

use crate::ledger::Ledger;
use insider_judge::Verdict;
use insider_model::{ChatResponse, ProviderError};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// A change to the ledger, sent to the writer.
#[derive(Debug)]
pub enum WriteOp {
    /// A call for this trial is starting.
    Claim(i64),
    /// The call succeeded.
    Complete(i64, Box<ChatResponse>),
    /// The call failed for good (or was cancelled).
    Fail(i64, Box<ProviderError>),
    /// The trial was stopped before its call finished.
    Abandon(i64, String),
    /// A verdict for a trial.
    Verdict(i64, Box<Verdict>),
    /// A verdict-cache entry.
    CachePut(String, String),
    /// Reply once everything sent before has been committed.
    Flush(mpsc::Sender<()>),
}

/// Handle to the writer thread.
pub struct Writer {
    sender: Option<mpsc::Sender<WriteOp>>,
    thread: Option<JoinHandle<anyhow::Result<Ledger>>>,
}

/// A cloneable sender of [`WriteOp`]s.
pub type WriteSender = mpsc::Sender<WriteOp>;

/// Largest number of operations committed in one transaction.
const MAX_BATCH: usize = 2048;

impl Writer {
    /// Start the writer thread, handing it the ledger.
    pub fn start(mut ledger: Ledger) -> Writer {
        let (sender, receiver) = mpsc::channel::<WriteOp>();
        let thread = std::thread::Builder::new()
            .name("insider-ledger-writer".into())
            .spawn(move || -> anyhow::Result<Ledger> {
                let mut batch = Vec::with_capacity(MAX_BATCH);
                while let Ok(first) = receiver.recv() {
                    batch.push(first);
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(op) => batch.push(op),
                            Err(_) => break,
                        }
                    }
                    let mut flushes = Vec::new();
                    ledger.batch(|ledger| {
                        for op in batch.drain(..) {
                            apply(ledger, op, &mut flushes)?;
                        }
                        Ok(())
                    })?;
                    for flush in flushes {
                        let _ = flush.send(());
                    }
                }
                Ok(ledger)
            })
            .expect("spawning the ledger writer thread");
        Writer {
            sender: Some(sender),
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
        WriteOp::Fail(trial, error) => ledger.fail_trial(trial, &error),
        WriteOp::Abandon(trial, reason) => ledger.abandon_trial(trial, &reason),
        WriteOp::Verdict(trial, verdict) => ledger.save_verdict(trial, &verdict),
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
                    let _ = writer.send(WriteOp::CachePut(key.to_string(), json));
                }
            }
            Err(error) => tracing::warn!("verdict cache write failed: {error}"),
        }
    }
}
