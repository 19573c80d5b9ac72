//! The work list: which trials of a run still need a call.

use crate::Ledger;
use std::collections::HashMap;
use std::sync::Arc;

/// A trial the scheduler should (re)try.
///
/// The names are shared (`Arc<str>`, one allocation per distinct value), so a work list of
/// 100,000 trials takes about 6 MB instead of 25 MB.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    /// Ledger row id.
    pub trial_id: i64,
    /// Model name.
    pub model: Arc<str>,
    /// Condition id.
    pub condition: Arc<str>,
    /// Sample index.
    pub sample_index: u32,
    /// Prompt hash.
    pub prompt_hash: Arc<str>,
}

/// The trials a run still has to do (`?1`: also those that failed permanently).
const WORK_FILTER: &str = "t.status IN ('pending', 'abandoned', 'running')
    OR (t.status = 'failed' AND (?1 OR coalesce(t.failure_kind, '') != 'permanent'))";

impl Ledger {
    /// Trials that still need a call: pending, abandoned, in flight at a crash, and failed ones
    /// whose failure was retryable (also permanent failures when `retry_permanent`).
    pub fn work_list(&self, retry_permanent: bool) -> anyhow::Result<Vec<WorkItem>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT t.id, m.name, c.name, t.sample_index, t.prompt_hash
             FROM trials t JOIN models m ON m.id = t.model_id JOIN conditions c ON c.id = t.condition_id
             WHERE {WORK_FILTER}
             ORDER BY t.model_id, t.condition_id, t.sample_index"
        ))?;
        let mut names: HashMap<String, Arc<str>> = HashMap::new();
        let mut shared = |text: String| -> Arc<str> {
            names
                .entry(text)
                .or_insert_with_key(|text| Arc::from(text.as_str()))
                .clone()
        };
        let mut rows = statement.query([retry_permanent])?;
        let mut work = Vec::new();
        while let Some(row) = rows.next()? {
            work.push(WorkItem {
                trial_id: row.get(0)?,
                model: shared(row.get(1)?),
                condition: shared(row.get(2)?),
                sample_index: row.get(3)?,
                prompt_hash: shared(row.get(4)?),
            });
        }
        Ok(work)
    }

    /// How many trials [`Ledger::work_list`] would return, without reading them.
    pub fn work_count(&self, retry_permanent: bool) -> anyhow::Result<u64> {
        let count: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM trials t WHERE {WORK_FILTER}"),
            [retry_permanent],
            |row| row.get(0),
        )?;
        Ok(count as u64)
    }

    /// Completed single-mode trials without a verdict (a run killed between a reply and its
    /// verdict), with what classifying them needs, in work-list order.
    pub fn unclassified(&self) -> anyhow::Result<Vec<Unclassified>> {
        let mut statement = self.conn.prepare(
            "SELECT t.id, m.name, c.name, t.sample_index, t.prompt_hash, t.reply,
                    t.tool_calls_json, t.stop_reason
             FROM trials t JOIN models m ON m.id = t.model_id JOIN conditions c ON c.id = t.condition_id
             WHERE t.status = 'completed'
               AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.trial_id = t.id)
               AND NOT EXISTS (SELECT 1 FROM turns u WHERE u.trial_id = t.id)
             ORDER BY t.model_id, t.condition_id, t.sample_index",
        )?;
        let mut rows = statement.query([])?;
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            let tool_calls: Option<String> = row.get(6)?;
            found.push(Unclassified {
                item: WorkItem {
                    trial_id: row.get(0)?,
                    model: Arc::from(row.get::<_, String>(1)?.as_str()),
                    condition: Arc::from(row.get::<_, String>(2)?.as_str()),
                    sample_index: row.get(3)?,
                    prompt_hash: Arc::from(row.get::<_, String>(4)?.as_str()),
                },
                reply: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                tool_calls: match tool_calls {
                    Some(json) => serde_json::from_str(&json)?,
                    None => Vec::new(),
                },
                stop_reason: row.get(7)?,
            });
        }
        Ok(found)
    }
}

/// A completed trial without a verdict ([`Ledger::unclassified`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Unclassified {
    /// The trial.
    pub item: WorkItem,
    /// Its reply.
    pub reply: String,
    /// Its native tool calls.
    pub tool_calls: Vec<insider_model::ToolCall>,
    /// Its stop reason.
    pub stop_reason: Option<String>,
}
