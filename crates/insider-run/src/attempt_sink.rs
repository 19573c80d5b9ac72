//! The ledger's side of `insider_model::attempt_hook`: each attempt of a trial's call goes to
//! the writer's queue as it ends, so a killed run keeps every attempt but those in flight.

use crate::writer::{WriteOp, WriteSender};
use insider_model::attempt_hook::AttemptSink;
use insider_model::Attempt;

/// Sends the attempts of one trial's call to the ledger writer.
pub struct LedgerAttempts {
    /// The trial the call is for.
    pub trial_id: i64,
    /// The writer's queue.
    pub writer: WriteSender,
}

impl AttemptSink for LedgerAttempts {
    fn attempt_ended(&self, attempt: &Attempt) {
        // Never waits: an attempt record is small, and this runs inside the provider's call.
        // A writer that is gone fails the trial's own outcome too, which stops the run.
        let _ = self
            .writer
            .send_now(WriteOp::Attempt(self.trial_id, Box::new(attempt.clone())));
    }
}
