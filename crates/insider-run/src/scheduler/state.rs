//! What the scheduler's workers share: each model's work, the run-wide state, the stop
//! signals and the outcome counts (a leaf, so the agent worker and the batch room can use them
//! without importing the scheduler).

use crate::progress::ModelProgress;
use crate::writer::WriteSender;
use insider_judge::{Classifier, VerdictCache};
use insider_ledger::WorkItem;
use insider_model::{ChatRequest, Provider};
use insider_scenario::HarmSpec;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// One model's share of the work.
pub struct ModelWork {
    /// The provider to call.
    pub provider: Arc<dyn Provider>,
    /// Concurrent calls allowed.
    pub max_connections: usize,
    /// Trials to run, in order.
    pub items: Vec<WorkItem>,
    /// Live counters.
    pub progress: Arc<ModelProgress>,
}

/// Everything shared by the workers.
pub struct Shared {
    /// Base request per prompt hash (generation settings are per model: see `settings`).
    pub requests: HashMap<String, Arc<ChatRequest>>,
    /// Generation settings by model name.
    pub settings: HashMap<String, insider_model::GenerationSettings>,
    /// Base seed: trial `i` sends `seed + i`.
    pub seed: Option<u64>,
    /// Harm spec by condition id (for inline classification).
    pub harms: HashMap<String, Arc<HarmSpec>>,
    /// Inline classifier, if classifying.
    pub classifier: Option<Arc<Classifier>>,
    /// Verdict cache for the classifier.
    pub cache: Option<Arc<dyn VerdictCache>>,
    /// Ledger writer.
    pub writer: WriteSender,
    /// Agent-mode prompts: the session plan and tool mode by prompt hash (a trial whose prompt
    /// is here runs as a session, see [`crate::agent`]).
    pub agents: HashMap<String, crate::agent::AgentWork>,
    /// Committed turns of sessions this invocation continues, by trial id (taken when the
    /// session starts again).
    pub resumed: Mutex<HashMap<i64, crate::agent::Resumed>>,
    /// Set when the grader batches: the run's stop signals, on which verdicts still waiting
    /// for a grader batch are dropped unwritten (a later run asks the recorded batch again).
    pub grader_batch_stop: Option<StopSignals>,
}

/// Stop signals: `soft` stops taking new trials, `hard` cancels calls in flight.
#[derive(Clone)]
pub struct StopSignals {
    /// No new trials once true.
    pub soft: watch::Receiver<bool>,
    /// Cancel in-flight calls once true.
    pub hard: watch::Receiver<bool>,
}

impl StopSignals {
    /// Signals that never fire: the run goes on until its work is done.
    pub fn never() -> StopSignals {
        StopControl::new().1
    }

    /// Whether a stop of either kind was asked for.
    pub fn stopping(&self) -> bool {
        *self.soft.borrow() || *self.hard.borrow()
    }

    /// Whether calls in flight were cancelled.
    pub fn stopped_now(&self) -> bool {
        *self.hard.borrow()
    }
}

/// The sending side of [`StopSignals`], held by whoever decides that a run stops (the CLI on
/// Ctrl-C or SIGTERM, a test). The library never listens for signals itself.
#[derive(Clone)]
pub struct StopControl {
    soft: Arc<watch::Sender<bool>>,
    hard: Arc<watch::Sender<bool>>,
}

impl StopControl {
    /// A control and the signals it drives.
    pub fn new() -> (StopControl, StopSignals) {
        let (soft, soft_rx) = watch::channel(false);
        let (hard, hard_rx) = watch::channel(false);
        let control = StopControl {
            soft: Arc::new(soft),
            hard: Arc::new(hard),
        };
        let signals = StopSignals {
            soft: soft_rx,
            hard: hard_rx,
        };
        (control, signals)
    }

    /// Take no new trial; calls in flight finish and are recorded.
    pub fn stop_soon(&self) {
        self.soft.send_replace(true);
    }

    /// Cancel calls in flight too; they are recorded as abandoned.
    pub fn stop_now(&self) {
        self.soft.send_replace(true);
        self.hard.send_replace(true);
    }
}

/// Outcome counts of one invocation.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ExecuteOutcome {
    /// Trials completed now.
    pub completed: u64,
    /// Trials failed now.
    pub failed: u64,
    /// Trials abandoned (stopped) now.
    pub abandoned: u64,
    /// Trials never started because of a stop.
    pub not_started: u64,
}

/// Wait until `receiver` reads true (forever if its sender is gone).
pub(crate) async fn wait_true(receiver: &mut watch::Receiver<bool>) {
    while !*receiver.borrow() {
        if receiver.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
