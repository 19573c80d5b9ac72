//! A hook that sees every attempt of a call as it ends, before the call returns.
//!
//! A call's [`Attempt`]s normally come back with its response or error, so a process killed
//! mid-call (after three 503s, before the fourth try) would lose the record of attempts the
//! server saw and may have billed. A runner that must not lose them wraps the call in
//! [`observe`]; each provider then hands every attempt to the [`AttemptSink`] the moment it
//! ends, and an attempt still in flight when the call's future is dropped (a cancelled call)
//! is handed over as cancelled. The sink is task-local rather than a parameter so the
//! [`crate::Provider`] trait stays one method and callers that do not care pay nothing.

use crate::Attempt;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// Receives each attempt as it ends. Called from inside the provider: it must not block.
pub trait AttemptSink: Send + Sync {
    /// One attempt ended (successfully, with an error, or cancelled while in flight).
    fn attempt_ended(&self, attempt: &Attempt);
}

tokio::task_local! {
    static SINK: Arc<dyn AttemptSink>;
}

/// Run `future` (a provider call) with `sink` receiving its attempts as they end.
pub async fn observe<F: Future>(sink: Arc<dyn AttemptSink>, future: F) -> F::Output {
    SINK.scope(sink, future).await
}

/// Hand `attempt` to the sink of the current task, if there is one.
pub fn report(attempt: &Attempt) {
    let _ = SINK.try_with(|sink| sink.attempt_ended(attempt));
}

/// The error of an attempt whose call was dropped while it was in flight.
pub const CANCELLED_IN_FLIGHT: &str = "cancelled while in flight";

/// An attempt that has started: [`InFlight::end`] it with its record; dropped without that
/// (its call was cancelled), it reports itself as [`CANCELLED_IN_FLIGHT`].
pub struct InFlight {
    number: u32,
    started_at: String,
    started: Instant,
    ended: bool,
}

impl InFlight {
    /// Attempt `number` starts now.
    pub fn start(number: u32) -> InFlight {
        InFlight {
            number,
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            started: Instant::now(),
            ended: false,
        }
    }

    /// When it started (RFC 3339, UTC, milliseconds).
    pub fn started_at(&self) -> &str {
        &self.started_at
    }

    /// Milliseconds since it started.
    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// It ended as `attempt`: report that instead of a cancellation.
    pub fn end(mut self, attempt: &Attempt) {
        self.ended = true;
        report(attempt);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.ended {
            report(&Attempt {
                number: self.number,
                started_at: std::mem::take(&mut self.started_at),
                duration_ms: self.elapsed_ms(),
                status: None,
                error: Some(CANCELLED_IN_FLIGHT.to_string()),
                retryable: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Seen(Mutex<Vec<Attempt>>);

    impl AttemptSink for Seen {
        fn attempt_ended(&self, attempt: &Attempt) {
            self.0.lock().unwrap().push(attempt.clone());
        }
    }

    #[tokio::test]
    async fn ended_and_cancelled_attempts_reach_the_sink() {
        let seen = Arc::new(Seen::default());
        let call = async {
            let first = InFlight::start(1);
            let record = Attempt {
                number: 1,
                started_at: first.started_at().to_string(),
                duration_ms: 0,
                status: Some(503),
                error: Some("503".into()),
                retryable: true,
            };
            first.end(&record);
            let _second = InFlight::start(2);
            std::future::pending::<()>().await;
        };
        // The call is dropped while attempt 2 is in flight, as a second Ctrl-C does.
        let observed = observe(seen.clone(), call);
        let _ = tokio::time::timeout(std::time::Duration::from_millis(20), observed).await;
        let seen = seen.0.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[0].status, Some(503));
        assert_eq!(seen[1].number, 2);
        assert_eq!(seen[1].error.as_deref(), Some(CANCELLED_IN_FLIGHT));
        // Outside `observe`, reporting is a no-op.
        drop(seen);
        InFlight::start(3);
    }
}
