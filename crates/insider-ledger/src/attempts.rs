//! Attempts recorded as they end, before their call returns (see
//! `insider_model::attempt_hook`): a killed process keeps the record of every attempt the
//! server saw except those in flight.
//!
//! An attempt belongs to call `calls + 1` of its trial while that call is open: `trials.calls`
//! counts only calls that ended (completed, failed, cancelled), and completing or failing a
//! trial writes its attempts again under the same keys. A call that never ended (the process
//! died, or the trial was abandoned) is closed by counting it, so the next call's attempts get
//! the next number instead of overwriting the old ones.

use crate::Ledger;
use insider_model::Attempt;
use rusqlite::params;

/// Counts the open call of the trials `filter` selects (an SQL condition on `trials`) when
/// attempts of it were recorded.
macro_rules! close_open_calls {
    ($filter:literal) => {
        concat!(
            "UPDATE trials SET calls = calls + 1 WHERE ",
            $filter,
            " AND EXISTS (SELECT 1 FROM attempts a
                          WHERE a.trial_id = trials.id AND a.call = trials.calls + 1)"
        )
    };
}

impl Ledger {
    /// Record `attempt` of the open call of `trial_id` (nothing for a completed trial).
    pub fn record_attempt(&self, trial_id: i64, attempt: &Attempt) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO attempts
                     (trial_id, call, number, started_at, duration_ms, http_status, error, retryable)
                 SELECT id, calls + 1, ?2, ?3, ?4, ?5, ?6, ?7 FROM trials
                 WHERE id = ?1 AND status != 'completed'",
            )?
            .execute(params![
                trial_id,
                attempt.number,
                attempt.started_at,
                attempt.duration_ms as i64,
                attempt.status,
                attempt.error,
                attempt.retryable
            ])?;
        Ok(())
    }

    /// Close the open call of `trial_id` if it has recorded attempts (it was abandoned).
    pub(crate) fn close_open_call(&self, trial_id: i64) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(close_open_calls!("id = ?1"))?
            .execute([trial_id])?;
        Ok(())
    }

    /// Close the open calls of the trials left running by a process that died.
    pub(crate) fn close_running_calls(&self) -> anyhow::Result<()> {
        self.conn
            .execute(close_open_calls!("status = 'running'"), [])?;
        Ok(())
    }
}
