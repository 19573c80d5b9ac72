//! Opening a ledger only to read it: `report`, `runs show`, `export` and friends never write
//! a ledger, and work on a run directory that is not writable (a read-only mount, an archive,
//! another user's files).

use crate::ledger::check_is_ledger;
use crate::{schema, Ledger, LEDGER_FILE};
use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// `path` as an SQLite URI opening the file immutable: no lock, no `-shm`, no `-wal` written,
/// which is what a directory nobody may write into needs.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'?' | b'#' | b'%' | b' ' => uri.push_str(&format!("%{byte:02X}")),
            _ => uri.push(byte as char),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

fn schema_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

impl Ledger {
    /// Open the ledger of `run_dir` for reading only. A ledger this build would migrate is
    /// upgraded first when its directory can be written (the one write a read command makes),
    /// and refused otherwise; a ledger without its run row is refused.
    pub fn open_read_only(run_dir: &Path) -> anyhow::Result<Ledger> {
        let path = run_dir.join(LEDGER_FILE);
        check_is_ledger(run_dir, &path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // A read-only connection to a WAL database still needs its `-shm` file; where that
        // cannot be made (the directory is not writable), read the file as immutable.
        let (conn, version) = match Connection::open_with_flags(&path, flags)
            .and_then(|conn| schema_version(&conn).map(|version| (conn, version)))
        {
            Ok(opened) => opened,
            Err(_) => {
                let conn = Connection::open_with_flags(
                    immutable_uri(&path),
                    flags | OpenFlags::SQLITE_OPEN_URI,
                )
                .with_context(|| format!("opening ledger {} read-only", path.display()))?;
                let version = schema_version(&conn)
                    .with_context(|| format!("reading ledger {}", path.display()))?;
                (conn, version)
            }
        };
        if version > schema::SCHEMA_VERSION {
            bail!(
                "ledger {} has schema version {version}, newer than this insider understands \
                 ({}); upgrade insider to read it",
                path.display(),
                schema::SCHEMA_VERSION
            );
        }
        let ledger = if version < schema::SCHEMA_VERSION {
            drop(conn);
            Ledger::open(run_dir).with_context(|| {
                format!(
                    "ledger {} was written by an older insider (schema {version}) and must be \
                     upgraded once from a writable copy of its directory",
                    path.display()
                )
            })?
        } else {
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            Ledger {
                conn,
                path,
                escaped_prompts: Default::default(),
            }
        };
        ledger.run_info()?;
        Ok(ledger)
    }
}
