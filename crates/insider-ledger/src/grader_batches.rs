//! Grader batches (the grader in batch mode): `batches` rows with `purpose = 'grader'`, their
//! requests in `grader_batch_items` by the sha256 of the exact request body. A batch is
//! recorded before it is sent and gets its provider id as soon as the provider answers; a
//! later run asking the same request polls that batch instead of sending it again, and a
//! collected batch keeps each answer, so a verdict lost to a kill is never paid for twice.

use crate::batches::OPEN_STATES;
use crate::{now_rfc3339, Ledger};
use rusqlite::{params, OptionalExtension};

/// A grader batch recorded in the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct GraderBatchRecord {
    /// Ledger row id (shared with trial batches: one `batches` table).
    pub id: i64,
    /// The grader model.
    pub model: String,
    /// The provider's batch id (`None` while it is being sent).
    pub provider_batch_id: Option<String>,
    /// `submitting`, `submitted`, `collected`, `failed` or `unknown`.
    pub state: String,
    /// Its requests: (request hash, custom id).
    pub items: Vec<(String, String)>,
}

impl Ledger {
    /// Record a grader batch of `items` (request hash, custom id) for `model` as `submitting`,
    /// before it is sent; returns its row id.
    pub fn open_grader_batch(
        &self,
        model: &str,
        items: &[(String, String)],
    ) -> anyhow::Result<i64> {
        let tx = self.conn.unchecked_transaction()?;
        let id = tx.query_row(
            "INSERT INTO batches (model, state, items, created_at, purpose)
             VALUES (?1, 'submitting', ?2, ?3, 'grader') RETURNING id",
            params![model, items.len() as i64, now_rfc3339()],
            |row| row.get(0),
        )?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO grader_batch_items (batch_id, request_hash, custom_id)
                 VALUES (?1, ?2, ?3)",
            )?;
            for (hash, custom_id) in items {
                insert.execute(params![id, hash, custom_id])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Grader batch `id` is over (`collected`, `failed` or `unknown`): each item's outcome
    /// (request hash, outcome word, the answer's JSON when it succeeded), in one transaction.
    pub fn grader_batch_ended(
        &self,
        id: i64,
        state: &str,
        provider_status: Option<&str>,
        note: Option<&str>,
        outcomes: &[(String, String, Option<String>)],
    ) -> anyhow::Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        crate::batches::end_batch_row(&tx, id, state, provider_status, note)?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE grader_batch_items SET outcome = ?3, answer_json = ?4
                 WHERE batch_id = ?1 AND request_hash = ?2",
            )?;
            for (hash, outcome, answer) in outcomes {
                update.execute(params![id, hash, outcome, answer])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored answer (JSON) of request `hash` from a collected grader batch, newest first.
    pub fn grader_answer(&self, hash: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT answer_json FROM grader_batch_items
                 WHERE request_hash = ?1 AND answer_json IS NOT NULL
                 ORDER BY batch_id DESC LIMIT 1",
                [hash],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Grader batches not finished yet (`submitting` or `submitted`), oldest first.
    pub fn open_grader_batches(&self) -> anyhow::Result<Vec<GraderBatchRecord>> {
        self.grader_batches_where(&format!("state IN {OPEN_STATES}"))
    }

    /// Every grader batch of the run, oldest first.
    pub fn grader_batches(&self) -> anyhow::Result<Vec<GraderBatchRecord>> {
        self.grader_batches_where("1")
    }

    fn grader_batches_where(&self, filter: &str) -> anyhow::Result<Vec<GraderBatchRecord>> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT id, model, provider_batch_id, state FROM batches
             WHERE purpose = 'grader' AND {filter} ORDER BY id"
        ))?;
        let mut batches = statement
            .query_map([], |row| {
                Ok(GraderBatchRecord {
                    id: row.get(0)?,
                    model: row.get(1)?,
                    provider_batch_id: row.get(2)?,
                    state: row.get(3)?,
                    items: Vec::new(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut items = self.conn.prepare_cached(
            "SELECT request_hash, custom_id FROM grader_batch_items WHERE batch_id = ?1
             ORDER BY rowid",
        )?;
        for batch in &mut batches {
            batch.items = items
                .query_map([batch.id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
        }
        Ok(batches)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Ledger, NewRun};

    #[test]
    fn a_grader_batch_is_open_until_it_ends_and_keeps_its_answers() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(dir.path(), &NewRun::new("g", serde_json::json!({}))).unwrap();
        let items = vec![
            ("h1".to_string(), "grader-h1".to_string()),
            ("h2".to_string(), "grader-h2".to_string()),
        ];
        let id = ledger.open_grader_batch("openai/gpt-4.1", &items).unwrap();
        let open = ledger.open_grader_batches().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].items, items);
        assert_eq!(open[0].provider_batch_id, None);
        // A grader batch is no trial batch.
        assert!(ledger.open_batches().unwrap().is_empty());
        assert!(ledger.all_batches().unwrap().is_empty());
        ledger.batch_submitted(id, "batch_g").unwrap();
        assert_eq!(
            ledger.open_grader_batches().unwrap()[0]
                .provider_batch_id
                .as_deref(),
            Some("batch_g")
        );
        assert_eq!(ledger.grader_answer("h1").unwrap(), None);
        let outcomes = vec![
            (
                "h1".into(),
                "succeeded".into(),
                Some("{\"text\":\"x\"}".into()),
            ),
            ("h2".into(), "errored: boom".into(), None),
        ];
        ledger
            .grader_batch_ended(id, "collected", Some("ended"), None, &outcomes)
            .unwrap();
        assert!(ledger.open_grader_batches().unwrap().is_empty());
        assert_eq!(ledger.grader_batches().unwrap()[0].state, "collected");
        assert_eq!(
            ledger.grader_answer("h1").unwrap().as_deref(),
            Some("{\"text\":\"x\"}")
        );
        assert_eq!(ledger.grader_answer("h2").unwrap(), None);
    }

    #[test]
    fn a_migration_8_ledger_upgrades_and_keeps_its_trial_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::LEDGER_FILE);
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &crate::schema::MIGRATIONS[..8] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 8).unwrap();
            conn.execute_batch(
                "INSERT INTO runs (id, name, tool_version, config_json, started_at)
                     VALUES ('r', 'old', '0', '{}', '2026-01-01T00:00:00Z');
                 INSERT INTO batches (model, provider_batch_id, state, items, created_at)
                     VALUES ('openai/gpt-4.1', 'batch_old', 'submitted', 0, '2026-01-01T00:00:00Z');",
            )
            .unwrap();
        }
        let ledger = Ledger::open(dir.path()).unwrap();
        let version: u32 = ledger
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, crate::SCHEMA_VERSION);
        assert!(version >= 9);
        let open = ledger.open_batches().unwrap();
        assert_eq!(open.len(), 1, "the old batch is a trial batch");
        assert_eq!(open[0].provider_batch_id.as_deref(), Some("batch_old"));
        assert!(ledger.open_grader_batches().unwrap().is_empty());
        let id = ledger.open_grader_batch("openai/gpt-4.1", &[]).unwrap();
        assert!(id > open[0].id);
    }
}
