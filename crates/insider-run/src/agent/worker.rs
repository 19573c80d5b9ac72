//! A scheduler worker's agent trial: the turn loop against the provider, each turn committed
//! through the ledger writer before the next call, then the verdict.
//!
//! Stopping: a hard stop cancels the call in flight (the trial is abandoned; its committed turns
//! stay); a soft stop lets the call in flight finish and be committed, then leaves the session
//! abandoned between turns, so `insider run --resume` continues it at the next turn.

use super::session::Session;
use super::AgentWork;
use crate::progress::ModelProgress;
use crate::scheduler::{ExecuteOutcome, Shared, StopSignals};
use crate::writer::WriteOp;
use insider_ledger::WorkItem;
use insider_model::{ChatRequest, ChatResponse, FailureKind, Provider, ProviderError};
use std::sync::atomic::Ordering;

/// What the worker does next after an agent trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Take the next trial.
    Continue,
    /// Stop working (stopped, or the writer is gone).
    Stop,
}

/// The worker's parts an agent trial uses.
pub(crate) struct Trial<'a> {
    pub(crate) provider: &'a dyn Provider,
    pub(crate) shared: &'a Shared,
    pub(crate) progress: &'a ModelProgress,
    pub(crate) stop: &'a mut StopSignals,
    pub(crate) counts: &'a mut ExecuteOutcome,
}

/// Run the session of `item` (already claimed) to its end, a failure, or a stop.
pub(crate) async fn run(
    trial: Trial<'_>,
    item: &WorkItem,
    work: &AgentWork,
    mut base: ChatRequest,
) -> Next {
    let resumed = trial
        .shared
        .resumed
        .lock()
        .ok()
        .and_then(|mut resumed| resumed.remove(&item.trial_id))
        .unwrap_or_default();
    // A session goes on in the world and with the prompt it began with.
    if let Some((system, user)) = resumed.prompt {
        base.system = Some(system);
        base.messages = vec![insider_model::Message::user(user)];
    }
    let world = resumed.world.unwrap_or_else(|| work.plan.world.clone());
    let committed = resumed.turns;
    let first_user = base
        .messages
        .first()
        .map(|message| message.content.clone())
        .unwrap_or_default();
    let mut session = match Session::start(world, work.native, &first_user, committed) {
        Ok(session) => session,
        Err(error) => {
            trial.counts.failed += 1;
            trial.progress.failed.fetch_add(1, Ordering::Relaxed);
            let failure = ProviderError {
                kind: FailureKind::Permanent,
                message: format!("agent session cannot continue: {error}"),
                attempts: Vec::new(),
            };
            let _ = trial
                .shared
                .writer
                .send(WriteOp::Fail(item.trial_id, Box::new(failure)))
                .await;
            return Next::Continue;
        }
    };
    loop {
        let request = session.request(&base);
        let result = tokio::select! {
            result = trial.provider.generate(&request) => Some(result),
            _ = crate::scheduler::wait_true(&mut trial.stop.hard) => None,
        };
        let response = match result {
            None => {
                trial.counts.abandoned += 1;
                let _ = trial.shared.writer.send_now(WriteOp::Abandon(
                    item.trial_id,
                    "stopped by the user while a turn's call was in flight".into(),
                ));
                return Next::Stop;
            }
            Some(Err(error)) => return fail(trial, item, error).await,
            Some(Ok(response)) => response,
        };
        count_turn(trial.progress, &response);
        let turn = session.take_turn(response);
        let ended = turn.ended.is_some();
        if trial
            .shared
            .writer
            .send(WriteOp::Turn(item.trial_id, Box::new(turn)))
            .await
            .is_err()
        {
            return Next::Stop;
        }
        if ended {
            break;
        }
        if trial.stop.stopping() {
            trial.counts.abandoned += 1;
            let _ = trial.shared.writer.send_now(WriteOp::Abandon(
                item.trial_id,
                format!(
                    "stopped between turns; {} turn(s) committed, resume continues the session",
                    session.turns().len()
                ),
            ));
            return Next::Stop;
        }
    }
    trial.counts.completed += 1;
    trial.progress.done.fetch_add(1, Ordering::Relaxed);
    classify(&trial, item, &session).await;
    Next::Continue
}

/// Count a turn's tokens, cost and failed attempts in the progress display.
fn count_turn(progress: &ModelProgress, response: &ChatResponse) {
    progress.count_usage(response);
    let failed = response
        .attempts
        .iter()
        .filter(|a| a.error.is_some())
        .count();
    progress.errors.fetch_add(failed as u64, Ordering::Relaxed);
}

/// A turn's call failed for good: the trial fails (committed turns stay; a retry continues).
async fn fail(trial: Trial<'_>, item: &WorkItem, error: ProviderError) -> Next {
    let failed = error.attempts.iter().filter(|a| a.error.is_some()).count();
    trial
        .progress
        .errors
        .fetch_add(failed as u64, Ordering::Relaxed);
    if error.kind == FailureKind::Cancelled {
        trial.counts.abandoned += 1;
    } else {
        trial.counts.failed += 1;
        trial.progress.failed.fetch_add(1, Ordering::Relaxed);
    }
    let _ = trial
        .shared
        .writer
        .send(WriteOp::Fail(item.trial_id, Box::new(error)))
        .await;
    Next::Continue
}

/// The finished session's verdict, sent after its last turn.
async fn classify(trial: &Trial<'_>, item: &WorkItem, session: &Session) {
    let (Some(classifier), Some(harm)) = (
        trial.shared.classifier.as_ref(),
        trial.shared.harms.get(&*item.condition),
    ) else {
        return;
    };
    let verdict = super::classify_session(
        classifier,
        trial.shared.cache.as_deref(),
        harm,
        &item.condition,
        session.turns(),
        session.world(),
    )
    .await;
    trial.progress.count_verdict(&verdict);
    let _ = trial
        .shared
        .writer
        .send(WriteOp::Verdict(item.trial_id, Box::new(verdict)))
        .await;
}
