//! The ledger handle: opening, creating and preparing the SQLite file of a run directory.

use crate::record::NewRun;
use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// File name of the ledger inside a run directory.
pub const LEDGER_FILE: &str = "ledger.sqlite";

/// An open ledger. Not `Sync`: one writer owns it; readers open their own.
pub struct Ledger {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    /// Escaped prompt texts by prompt hash, for packing and unpacking raw request bodies.
    pub(crate) escaped_prompts: std::cell::RefCell<
        std::collections::HashMap<String, std::sync::Arc<crate::rawpack::EscapedPrompt>>,
    >,
}

impl Ledger {
    /// The escaped texts of the prompt stored under `hash` (cached), or `None` if it is not
    /// stored.
    pub(crate) fn escaped_prompt(
        &self,
        hash: &str,
    ) -> anyhow::Result<Option<std::sync::Arc<crate::rawpack::EscapedPrompt>>> {
        if let Some(found) = self.escaped_prompts.borrow().get(hash) {
            return Ok(Some(found.clone()));
        }
        let texts: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT system, user FROM prompts WHERE hash = ?1")?
            .query_row([hash], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(texts.map(|(system, user)| {
            let escaped = std::sync::Arc::new(crate::rawpack::EscapedPrompt::new(&system, &user));
            self.escaped_prompts
                .borrow_mut()
                .insert(hash.to_string(), escaped.clone());
            escaped
        }))
    }

    /// Open the existing ledger of `run_dir` to write it, migrating its schema if it is older.
    /// Commands that only read use [`Ledger::open_read_only`].
    pub fn open(run_dir: &Path) -> anyhow::Result<Ledger> {
        let path = run_dir.join(LEDGER_FILE);
        check_is_ledger(run_dir, &path)?;
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .with_context(|| format!("opening ledger {}", path.display()))?;
        Self::prepare(conn, path)
    }

    /// Create a new run directory ledger and record the run's provenance; fails if one exists.
    pub fn create(run_dir: &Path, run: &NewRun) -> anyhow::Result<Ledger> {
        Self::create_with(run_dir, run, |_| Ok(()))
    }

    /// [`Ledger::create`], with `plan` written in the same transaction as the run row: the
    /// ledger appears under its name with both or not at all.
    pub fn create_with(
        run_dir: &Path,
        run: &NewRun,
        plan: impl FnOnce(&Ledger) -> anyhow::Result<()>,
    ) -> anyhow::Result<Ledger> {
        std::fs::create_dir_all(run_dir)
            .with_context(|| format!("creating run directory {}", run_dir.display()))?;
        let path = run_dir.join(LEDGER_FILE);
        if path.exists() {
            bail!(
                "a ledger already exists at {}; resume it with `insider run --resume {}` or \
                 choose another --out directory",
                path.display(),
                run_dir.display()
            );
        }
        // Build the ledger under a temporary name and rename it into place, so a process
        // killed while creating it never leaves a ledger without its run row and plan.
        let staging = run_dir.join(format!("{LEDGER_FILE}.creating"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
        }
        {
            let conn = Connection::open(&staging)
                .with_context(|| format!("creating ledger {}", staging.display()))?;
            let mut ledger = Self::prepare(conn, staging.clone())?;
            ledger.batch(|ledger| {
                ledger.insert_run(run)?;
                plan(ledger)
            })?;
            ledger
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
        }
        std::fs::rename(&staging, &path)
            .with_context(|| format!("moving the new ledger into place at {}", path.display()))?;
        Self::open(run_dir)
    }

    /// Whether `run_dir` holds a ledger.
    pub fn exists(run_dir: &Path) -> bool {
        run_dir.join(LEDGER_FILE).is_file()
    }

    /// Path of the SQLite file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn prepare(mut conn: Connection, path: PathBuf) -> anyhow::Result<Ledger> {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode survives a killed process (only power loss can drop the last commit).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        crate::schema::migrate(&mut conn).with_context(|| format!("ledger {}", path.display()))?;
        Ok(Ledger {
            conn,
            path,
            escaped_prompts: Default::default(),
        })
    }
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Fail unless `path` is a regular file that starts like an SQLite database: an empty or
/// foreign file is "not a ledger", never a fresh database to write into.
pub(crate) fn check_is_ledger(run_dir: &Path, path: &Path) -> anyhow::Result<()> {
    if !path.is_file() {
        bail!(
            "no ledger at {}: is {} a run directory made by `insider run`?",
            path.display(),
            run_dir.display()
        );
    }
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read(&mut file, &mut header))
        .with_context(|| format!("reading ledger {}", path.display()))?;
    if read < header.len() || &header != SQLITE_HEADER {
        bail!(
            "{} is not a ledger ({}); was its run interrupted while being created?",
            path.display(),
            if read == 0 {
                "the file is empty".to_string()
            } else {
                "it is not an SQLite database".to_string()
            }
        );
    }
    Ok(())
}
