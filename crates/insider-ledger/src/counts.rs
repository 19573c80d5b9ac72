//! Counting a run's trials: by status, failures by reason, and totals per model.

use crate::{parse_status, Ledger, TrialStatus};
use serde::{Deserialize, Serialize};

/// How many trials of a run are in each lifecycle state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Not yet attempted.
    pub pending: u64,
    /// In flight (or in flight when a process died).
    pub running: u64,
    /// With a stored reply.
    pub completed: u64,
    /// Whose last call failed.
    pub failed: u64,
    /// Stopped before finishing.
    pub abandoned: u64,
}

impl StatusCounts {
    /// Count `n` more trials in `status`.
    pub fn add(&mut self, status: TrialStatus, n: u64) {
        let slot = match status {
            TrialStatus::Pending => &mut self.pending,
            TrialStatus::Running => &mut self.running,
            TrialStatus::Completed => &mut self.completed,
            TrialStatus::Failed => &mut self.failed,
            TrialStatus::Abandoned => &mut self.abandoned,
        };
        *slot += n;
    }

    /// Every trial of the plan.
    pub fn total(&self) -> u64 {
        self.pending + self.running + self.completed + self.failed + self.abandoned
    }

    /// Trials still to do: pending, in flight, or abandoned (failed ones are counted apart).
    pub fn left(&self) -> u64 {
        self.pending + self.running + self.abandoned
    }
}

/// Per-model totals, as `insider runs show` prints them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelTotals {
    /// Model name.
    pub model: String,
    /// Trials planned.
    pub total: u64,
    /// Trials with a stored reply.
    pub completed: u64,
    /// Trials whose last call failed.
    pub failed: u64,
    /// Trials not yet done (pending, running, abandoned).
    pub pending: u64,
    /// Input tokens of completed trials.
    pub input_tokens: u64,
    /// Output tokens of completed trials.
    pub output_tokens: u64,
    /// Cost of completed trials in USD (sum of known costs).
    pub cost_usd: f64,
    /// Completed trials whose cost is unknown.
    pub cost_unknown: u64,
    /// Attempts made (every HTTP try, successful or not).
    pub attempts: u64,
    /// Attempts that failed (and were retried or gave up).
    pub failed_attempts: u64,
    /// Trials that needed more than one attempt or call.
    pub retried_trials: u64,
    /// Prompt-cache use (tokens read and written, hit rate, money saved); `None` when the
    /// model's trials read nothing from the cache and wrote nothing to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<crate::CacheUse>,
}

impl Ledger {
    /// Trial counts by status.
    pub fn status_counts(&self) -> anyhow::Result<StatusCounts> {
        let mut statement = self
            .conn
            .prepare("SELECT status, count(*) FROM trials GROUP BY status")?;
        let mut rows = statement.query([])?;
        let mut counts = StatusCounts::default();
        while let Some(row) = rows.next()? {
            let status = parse_status(row.get_ref(0)?.as_str()?)?;
            counts.add(status, row.get::<_, i64>(1)? as u64);
        }
        Ok(counts)
    }

    /// Failed trials grouped by reason: (failure kind, reason, count), most frequent first.
    pub fn failures_by_reason(&self) -> anyhow::Result<Vec<(String, String, u64)>> {
        let mut statement = self.conn.prepare(
            "SELECT coalesce(failure_kind, ''), coalesce(failure_reason, ''), count(*)
             FROM trials WHERE status IN ('failed', 'abandoned')
             GROUP BY 1, 2 ORDER BY 3 DESC, 2",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Totals per model: status counts, tokens, cost, attempts, retries and prompt-cache use.
    pub fn model_totals(&self) -> anyhow::Result<Vec<ModelTotals>> {
        let mut statement = self.conn.prepare(
            "SELECT m.name, count(t.id),
                    sum(t.status = 'completed'), sum(t.status = 'failed'),
                    sum(t.status IN ('pending', 'running', 'abandoned')),
                    coalesce(sum(t.input_tokens), 0), coalesce(sum(t.output_tokens), 0),
                    coalesce(sum(t.cost_usd), 0.0),
                    sum(t.status = 'completed' AND t.cost_usd IS NULL),
                    coalesce(sum(a.n), 0), coalesce(sum(a.failed), 0),
                    sum(coalesce(a.n, 0) > 1 OR t.calls > 1),
                    coalesce(sum(t.cache_read_tokens), 0), coalesce(sum(t.cache_write_tokens), 0)
             FROM models m
             JOIN trials t ON t.model_id = m.id
             LEFT JOIN (SELECT trial_id, count(*) AS n, sum(error IS NOT NULL) AS failed
                        FROM attempts GROUP BY trial_id) a ON a.trial_id = t.id
             GROUP BY m.id ORDER BY m.name",
        )?;
        let rows = statement.query_map([], |row| {
            let n = |i: usize| row.get::<_, Option<i64>>(i).map(|v| v.unwrap_or(0) as u64);
            let model: String = row.get(0)?;
            let cache = crate::CacheUse::of(&model, n(5)?, n(12)?, n(13)?);
            Ok(ModelTotals {
                model,
                total: n(1)?,
                completed: n(2)?,
                failed: n(3)?,
                pending: n(4)?,
                input_tokens: n(5)?,
                output_tokens: n(6)?,
                cost_usd: row.get(7)?,
                cost_unknown: n(8)?,
                attempts: n(9)?,
                failed_attempts: n(10)?,
                retried_trials: n(11)?,
                cache,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
