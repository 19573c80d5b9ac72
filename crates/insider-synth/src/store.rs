//! The generation store: one SQLite file (`<out>/synth.sqlite`) holding the specs, the seed,
//! the generator model, every planned item and every step's answer.
//!
//! Its own small schema rather than the run ledger's: the ledger is keyed by model ×
//! condition × sample and carries verdicts, while synth items are keyed by spec and index and
//! must not know about verdicts. It follows the ledger's patterns: migrations versioned with
//! `PRAGMA user_version` (append, never edit), WAL, one transaction per answer, so a process
//! killed at any moment keeps every answer it had written and a resume never pays for a
//! step again.

use anyhow::{bail, Context};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// File name of the store inside an output folder.
pub const STORE_FILE: &str = "synth.sqlite";

const MIGRATIONS: &[&str] = &[r#"
-- Settings fixed when the folder was started: seed, generator model, tool version.
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
-- Each spec once, with its exact text and hash; `count` is the number of items asked for.
CREATE TABLE specs (
    name     TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    source   TEXT NOT NULL,
    text     TEXT NOT NULL,
    count    INTEGER NOT NULL
);
CREATE TABLE items (
    key          TEXT PRIMARY KEY,
    spec         TEXT NOT NULL REFERENCES specs(name),
    idx          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    seed         INTEGER NOT NULL,
    spec_sha256  TEXT NOT NULL,
    choices_json TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    model        TEXT,
    failure      TEXT,
    finished_at  TEXT,
    UNIQUE (spec, idx)
);
CREATE INDEX items_status ON items(status);
-- One row per answered step: never asked for again.
CREATE TABLE steps (
    item_key       TEXT NOT NULL REFERENCES items(key),
    step           TEXT NOT NULL,
    position       INTEGER NOT NULL,
    model          TEXT NOT NULL,
    response_model TEXT,
    request_json   TEXT NOT NULL,
    text           TEXT NOT NULL,
    stop_reason    TEXT,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    cost_usd       REAL,
    latency_ms     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL,
    finished_at    TEXT NOT NULL,
    PRIMARY KEY (item_key, step)
);
-- Each invocation that worked on the folder.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    tool_version TEXT NOT NULL,
    argv         TEXT,
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    outcome      TEXT
);
"#];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A spec as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSpec {
    /// Spec name.
    pub name: String,
    /// Kind name.
    pub kind: String,
    /// sha256 of the text.
    pub sha256: String,
    /// Where it was loaded from when the folder was started.
    pub source: String,
    /// The exact text.
    pub text: String,
    /// Items asked for.
    pub count: u32,
}

/// One answered step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Step name.
    pub step: String,
    /// Position in the spec's steps.
    pub position: u32,
    /// The generator model, as the user named it.
    pub model: String,
    /// The model id the provider reported.
    pub response_model: Option<String>,
    /// The request sent (system, messages, settings), as JSON.
    pub request_json: String,
    /// The answer's text.
    pub text: String,
    /// Canonical stop reason.
    pub stop_reason: Option<String>,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
    /// Cost in dollars, when the price is known.
    pub cost_usd: Option<f64>,
    /// Wall time of the call, retries included.
    pub latency_ms: u64,
    /// Attempts the call took.
    pub attempts: u32,
    /// RFC 3339 time the answer was stored.
    pub finished_at: String,
}

/// One item with its answered steps, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    /// Item key.
    pub key: String,
    /// Spec name.
    pub spec: String,
    /// Index in the spec's plan.
    pub index: u32,
    /// Kind name.
    pub kind: String,
    /// Seed it was planned with.
    pub seed: u64,
    /// Hash of the spec it was planned from.
    pub spec_sha256: String,
    /// Axis values.
    pub choices: Map<String, Value>,
    /// `pending`, `done` or `failed`.
    pub status: String,
    /// Generator model of its steps.
    pub model: Option<String>,
    /// Why it failed, when it did.
    pub failure: Option<String>,
    /// Answered steps, in step order.
    pub steps: Vec<StepRecord>,
}

/// Where the folder stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreCounts {
    /// Items planned.
    pub items: u64,
    /// Items with every step answered.
    pub done: u64,
    /// Items whose last attempt failed (retried by the next resume).
    pub failed: u64,
    /// Items not yet finished.
    pub pending: u64,
    /// Answered steps (= calls paid for and kept).
    pub steps: u64,
    /// Prompt tokens of all answered steps.
    pub input_tokens: u64,
    /// Generated tokens of all answered steps.
    pub output_tokens: u64,
    /// Dollars of the answered steps whose price is known.
    pub cost_usd: f64,
    /// Answered steps whose cost is unknown.
    pub unknown_cost_steps: u64,
}

impl Store {
    /// Open the store of `dir`, creating the folder and the file when missing.
    pub fn create_or_open(dir: &Path) -> anyhow::Result<Store> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        Store::open_file(&dir.join(STORE_FILE))
    }

    /// Open the existing store of `dir`.
    pub fn open(dir: &Path) -> anyhow::Result<Store> {
        let path = dir.join(STORE_FILE);
        if !path.is_file() {
            bail!(
                "{} is not a synth output folder (no {STORE_FILE}); make one with `insider synth generate --out {}`",
                dir.display(),
                dir.display()
            );
        }
        Store::open_file(&path)
    }

    fn open_file(path: &Path) -> anyhow::Result<Store> {
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&conn).with_context(|| format!("migrating {}", path.display()))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Path of the SQLite file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A setting fixed when the folder was started.
    pub fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Record a setting.
    pub fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Every stored spec, by name.
    pub fn specs(&self) -> anyhow::Result<Vec<StoredSpec>> {
        let mut statement = self
            .conn
            .prepare("SELECT name, kind, sha256, source, text, count FROM specs ORDER BY name")?;
        let rows = statement.query_map([], |r| {
            Ok(StoredSpec {
                name: r.get(0)?,
                kind: r.get(1)?,
                sha256: r.get(2)?,
                source: r.get(3)?,
                text: r.get(4)?,
                count: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Record a spec, or update its count.
    pub fn put_spec(&self, spec: &StoredSpec) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO specs (name, kind, sha256, source, text, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(name) DO UPDATE SET count = excluded.count",
            params![spec.name, spec.kind, spec.sha256, spec.source, spec.text, spec.count],
        )?;
        Ok(())
    }

    /// Add planned items that are not stored yet (existing ones are left as they are).
    pub fn add_items(
        &mut self,
        kind: &str,
        seed: u64,
        spec_sha256: &str,
        items: &[crate::plan::PlannedItem],
    ) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO items (key, spec, idx, kind, seed, spec_sha256, choices_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for item in items {
                insert.execute(params![
                    item.key,
                    item.spec,
                    item.index,
                    kind,
                    seed as i64,
                    spec_sha256,
                    serde_json::to_string(&item.choices)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Store one step's answer (its own transaction).
    pub fn record_step(&self, key: &str, step: &StepRecord) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO steps (item_key, step, position, model, response_model, request_json, text,
                 stop_reason, input_tokens, output_tokens, cost_usd, latency_ms, attempts, finished_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                key,
                step.step,
                step.position,
                step.model,
                step.response_model,
                step.request_json,
                step.text,
                step.stop_reason,
                step.input_tokens as i64,
                step.output_tokens as i64,
                step.cost_usd,
                step.latency_ms as i64,
                step.attempts,
                step.finished_at
            ],
        )?;
        Ok(())
    }

    /// Mark an item finished (every step answered) by `model`.
    pub fn finish_item(&self, key: &str, model: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE items SET status = 'done', model = ?2, failure = NULL, finished_at = ?3 WHERE key = ?1",
            params![key, model, now()],
        )?;
        Ok(())
    }

    /// Mark an item failed, with the reason; the next resume tries it again.
    pub fn fail_item(&self, key: &str, model: &str, reason: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE items SET status = 'failed', model = ?2, failure = ?3 WHERE key = ?1",
            params![key, model, reason],
        )?;
        Ok(())
    }

    /// Items of `spec` with index below `count` that are not done, in index order.
    pub fn unfinished(&self, spec: &str, count: u32) -> anyhow::Result<Vec<StoredItem>> {
        self.items_where(
            "i.spec = ?1 AND i.idx < ?2 AND i.status != 'done'",
            params![spec, count],
        )
    }

    /// Every item, with its steps, ordered by spec and index.
    pub fn items(&self) -> anyhow::Result<Vec<StoredItem>> {
        self.items_where("1 = 1", params![])
    }

    fn items_where(
        &self,
        filter: &str,
        values: impl rusqlite::Params,
    ) -> anyhow::Result<Vec<StoredItem>> {
        let sql = format!(
            "SELECT key, spec, idx, kind, seed, spec_sha256, choices_json, status, model, failure
             FROM items i WHERE {filter} ORDER BY spec, idx"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(values, |r| {
            Ok(StoredItem {
                key: r.get(0)?,
                spec: r.get(1)?,
                index: r.get(2)?,
                kind: r.get(3)?,
                seed: r.get::<_, i64>(4)? as u64,
                spec_sha256: r.get(5)?,
                choices: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
                status: r.get(7)?,
                model: r.get(8)?,
                failure: r.get(9)?,
                steps: Vec::new(),
            })
        })?;
        let mut items: Vec<StoredItem> = rows.collect::<Result<_, _>>()?;
        let mut steps = self.conn.prepare(
            "SELECT step, position, model, response_model, request_json, text, stop_reason,
                    input_tokens, output_tokens, cost_usd, latency_ms, attempts, finished_at
             FROM steps WHERE item_key = ?1 ORDER BY position",
        )?;
        for item in &mut items {
            let rows = steps.query_map([&item.key], |r| {
                Ok(StepRecord {
                    step: r.get(0)?,
                    position: r.get(1)?,
                    model: r.get(2)?,
                    response_model: r.get(3)?,
                    request_json: r.get(4)?,
                    text: r.get(5)?,
                    stop_reason: r.get(6)?,
                    input_tokens: r.get::<_, i64>(7)? as u64,
                    output_tokens: r.get::<_, i64>(8)? as u64,
                    cost_usd: r.get(9)?,
                    latency_ms: r.get::<_, i64>(10)? as u64,
                    attempts: r.get(11)?,
                    finished_at: r.get(12)?,
                })
            })?;
            item.steps = rows.collect::<Result<_, _>>()?;
        }
        Ok(items)
    }

    /// Where the folder stands.
    pub fn counts(&self) -> anyhow::Result<StoreCounts> {
        let mut counts = StoreCounts::default();
        let mut statement = self
            .conn
            .prepare("SELECT status, COUNT(*) FROM items GROUP BY status")?;
        let rows = statement.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        for row in rows {
            let (status, n) = row?;
            counts.items += n;
            match status.as_str() {
                "done" => counts.done += n,
                "failed" => counts.failed += n,
                _ => counts.pending += n,
            }
        }
        self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
                    COALESCE(SUM(cost_usd), 0.0), COALESCE(SUM(cost_usd IS NULL), 0)
             FROM steps",
            [],
            |r| {
                counts.steps = r.get::<_, i64>(0)? as u64;
                counts.input_tokens = r.get::<_, i64>(1)? as u64;
                counts.output_tokens = r.get::<_, i64>(2)? as u64;
                counts.cost_usd = r.get(3)?;
                counts.unknown_cost_steps = r.get::<_, i64>(4)? as u64;
                Ok(())
            },
        )?;
        Ok(counts)
    }

    /// Record the start of an invocation; returns its id for [`Store::end_session`].
    pub fn begin_session(&self, argv: &str) -> anyhow::Result<i64> {
        self.conn.execute(
            "INSERT INTO sessions (tool_version, argv, started_at) VALUES (?1, ?2, ?3)",
            params![env!("CARGO_PKG_VERSION"), argv, now()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Record how an invocation ended (`completed`, `stopped`, `failed: …`).
    pub fn end_session(&self, id: i64, outcome: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE sessions SET ended_at = ?2, outcome = ?3 WHERE id = ?1",
            params![id, now(), outcome],
        )?;
        Ok(())
    }
}

/// The current time, RFC 3339 UTC with milliseconds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn migrate(conn: &Connection) -> anyhow::Result<()> {
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        bail!(
            "the store has schema version {version}, newer than this build's {SCHEMA_VERSION}; use a newer insider"
        );
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(())
}
