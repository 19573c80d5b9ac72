//! Provider batches of a run (`insider run --batch`): which trials each batch holds, its
//! provider id and where it stands. A batch is recorded before it is sent and gets its
//! provider id as soon as the provider answers, so a killed run resumes by polling it and
//! never sends its trials a second time.

use crate::{now_rfc3339, Ledger};
use rusqlite::params;

/// A batch recorded in the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRecord {
    /// Ledger row id.
    pub id: i64,
    /// Model name.
    pub model: String,
    /// The provider's batch id (`None` while it is being sent).
    pub provider_batch_id: Option<String>,
    /// `submitting`, `submitted`, `collected`, `failed` or `unknown`.
    pub state: String,
    /// When the provider accepted it.
    pub submitted_at: Option<String>,
    /// The trials it holds, with their custom ids.
    pub items: Vec<(i64, String)>,
}

/// Batch states a run still has to finish: being sent, or sent and not yet collected.
pub(crate) const OPEN_STATES: &str = "('submitting', 'submitted')";

impl Ledger {
    /// Record a batch of `items` (trial id, custom id) for `model` as `submitting`, before it
    /// is sent; returns its row id. Call inside [`Ledger::batch`] for large batches.
    pub fn open_batch(&self, model: &str, items: &[(i64, String)]) -> anyhow::Result<i64> {
        let id = self.conn.query_row(
            "INSERT INTO batches (model, state, items, created_at) VALUES (?1, 'submitting', ?2, ?3)
             RETURNING id",
            params![model, items.len() as i64, now_rfc3339()],
            |row| row.get(0),
        )?;
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO batch_items (batch_id, trial_id, custom_id) VALUES (?1, ?2, ?3)",
        )?;
        for (trial, custom_id) in items {
            insert.execute(params![id, trial, custom_id])?;
        }
        Ok(id)
    }

    /// The provider accepted batch `id` under `provider_batch_id`.
    pub fn batch_submitted(&self, id: i64, provider_batch_id: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE batches SET state = 'submitted', provider_batch_id = ?2, submitted_at = ?3
             WHERE id = ?1",
            params![id, provider_batch_id, now_rfc3339()],
        )?;
        Ok(())
    }

    /// The provider says batch `id` ended: its results are being read now.
    pub fn batch_results_started(&self, id: i64) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE batches SET results_at = ?2 WHERE id = ?1",
            params![id, now_rfc3339()],
        )?;
        Ok(())
    }

    /// Batch `id` is over: `state` is `collected`, `failed` or `unknown`; `outcomes` are the
    /// items' results (trial id, outcome word), `note` says why when it failed.
    pub fn batch_ended(
        &self,
        id: i64,
        state: &str,
        provider_status: Option<&str>,
        note: Option<&str>,
        outcomes: &[(i64, &str)],
    ) -> anyhow::Result<()> {
        end_batch_row(&self.conn, id, state, provider_status, note)?;
        let mut update = self.conn.prepare_cached(
            "UPDATE batch_items SET outcome = ?3 WHERE batch_id = ?1 AND trial_id = ?2",
        )?;
        for (trial, outcome) in outcomes {
            update.execute(params![id, trial, outcome])?;
        }
        Ok(())
    }

    /// Batches not finished yet (`submitting` or `submitted`), oldest first, with their items.
    pub fn open_batches(&self) -> anyhow::Result<Vec<BatchRecord>> {
        self.batches_where(&format!("state IN {OPEN_STATES} AND purpose = 'trials'"))
    }

    /// Every trial batch of the run, oldest first, with its items (grader batches:
    /// [`Ledger::grader_batches`]).
    pub fn all_batches(&self) -> anyhow::Result<Vec<BatchRecord>> {
        self.batches_where("purpose = 'trials'")
    }

    fn batches_where(&self, filter: &str) -> anyhow::Result<Vec<BatchRecord>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT id, model, provider_batch_id, state, submitted_at FROM batches
             WHERE {filter} ORDER BY id"
        ))?;
        let mut batches = statement
            .query_map([], |row| {
                Ok(BatchRecord {
                    id: row.get(0)?,
                    model: row.get(1)?,
                    provider_batch_id: row.get(2)?,
                    state: row.get(3)?,
                    submitted_at: row.get(4)?,
                    items: Vec::new(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut items = self.conn.prepare_cached(
            "SELECT trial_id, custom_id FROM batch_items WHERE batch_id = ?1 ORDER BY rowid",
        )?;
        for batch in &mut batches {
            batch.items = items
                .query_map([batch.id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
        }
        Ok(batches)
    }
}

/// Mark batch row `id` (trial or grader batch) as over: its final `state`, the provider's last
/// status word if any, why (`note`), and when.
pub(crate) fn end_batch_row(
    conn: &rusqlite::Connection,
    id: i64,
    state: &str,
    provider_status: Option<&str>,
    note: Option<&str>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE batches SET state = ?2, provider_status = coalesce(?3, provider_status),
             note = ?4, ended_at = ?5 WHERE id = ?1",
        params![id, state, provider_status, note, now_rfc3339()],
    )
}

#[cfg(test)]
mod tests {
    use crate::{Ledger, NewRun};

    #[test]
    fn a_batch_is_open_from_before_it_is_sent_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(dir.path(), &NewRun::new("b", serde_json::json!({}))).unwrap();
        // No trials rows in this test: the items name trial ids only.
        ledger
            .conn
            .pragma_update(None, "foreign_keys", false)
            .unwrap();
        let items = vec![(1, "trial-1".to_string()), (2, "trial-2".to_string())];
        let id = ledger.open_batch("openai/gpt-4.1", &items).unwrap();
        let open = ledger.open_batches().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].state, "submitting");
        assert_eq!(open[0].provider_batch_id, None);
        assert_eq!(open[0].items, items);
        ledger.batch_submitted(id, "batch_abc").unwrap();
        ledger.batch_results_started(id).unwrap();
        let open = ledger.open_batches().unwrap();
        assert_eq!(open[0].provider_batch_id.as_deref(), Some("batch_abc"));
        assert!(open[0].submitted_at.is_some());
        ledger
            .batch_ended(
                id,
                "collected",
                Some("completed"),
                None,
                &[(1, "succeeded"), (2, "errored")],
            )
            .unwrap();
        assert!(ledger.open_batches().unwrap().is_empty());
        assert_eq!(ledger.all_batches().unwrap()[0].state, "collected");
    }
}
