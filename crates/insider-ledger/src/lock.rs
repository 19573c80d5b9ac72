//! One process at a time in a run directory: an exclusive advisory lock on `<run_dir>/run.lock`,
//! held for as long as the process works on the run.
//!
//! Two `insider run` processes on one directory would each call every remaining trial (paying
//! twice) and race to create the ledger. The lock is an OS file lock (`flock` on Unix,
//! `LockFileEx` on Windows), so it goes away with its process however that process ends: a lock
//! left by a killed process is simply free, and the next process takes it over. The file keeps
//! the holder's PID, host and start time, so a refused process can say who holds it. Readers
//! (`report`, `runs show`, `export`) never take it: the ledger's WAL lets them read while a run
//! writes.

use anyhow::Context;
use fs4::{FileExt, TryLockError};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// File name of the lock inside a run directory.
pub const LOCK_FILE: &str = "run.lock";

/// An exclusive lock on a run directory; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct RunDirLock {
    file: File,
    path: PathBuf,
}

/// Another live process holds the run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryBusy {
    /// The run directory.
    pub run_dir: PathBuf,
    /// What the holder wrote into the lock file: `pid … host … since …` (empty if it had not
    /// written it yet).
    pub holder: String,
}

impl std::fmt::Display for DirectoryBusy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let holder = if self.holder.is_empty() {
            "another insider process".to_string()
        } else {
            format!("another insider process ({})", self.holder)
        };
        write!(
            f,
            "run directory {} is in use by {holder}; wait for it to finish, or stop it \
             (Ctrl-C) and resume with `insider run --resume {}`",
            self.run_dir.display(),
            self.run_dir.display()
        )
    }
}

impl std::error::Error for DirectoryBusy {}

impl RunDirLock {
    /// Take the lock of `run_dir` (creating the directory if needed), or fail at once with a
    /// [`DirectoryBusy`] naming the holder. A lock file left by a process that died is free
    /// and is taken over.
    pub fn acquire(run_dir: &Path) -> anyhow::Result<RunDirLock> {
        std::fs::create_dir_all(run_dir)
            .with_context(|| format!("creating run directory {}", run_dir.display()))?;
        let path = run_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening lock file {}", path.display()))?;
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(DirectoryBusy {
                    run_dir: run_dir.to_path_buf(),
                    holder: read_holder(&path),
                }
                .into())
            }
            Err(TryLockError::Error(error)) => {
                // A file system without locks (some network mounts) cannot protect the run;
                // say so and go on rather than make runs impossible there.
                tracing::warn!(
                    "cannot lock {}: {error}; make sure no other insider process uses this run \
                     directory",
                    path.display()
                );
            }
        }
        let previous = read_text(&mut file);
        if !previous.trim().is_empty() {
            tracing::info!(
                "took over the lock of {} left by a process that ended ({})",
                run_dir.display(),
                previous.trim()
            );
        }
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        writeln!(
            file,
            "pid {} on host {} since {}",
            std::process::id(),
            crate::provenance::host_name().unwrap_or_else(|| "?".into()),
            crate::now_rfc3339()
        )
        .and_then(|()| file.flush())
        .with_context(|| format!("writing lock file {}", path.display()))?;
        Ok(RunDirLock { file, path })
    }

    /// Path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunDirLock {
    fn drop(&mut self) {
        // Leave the file empty so the next holder does not report a "stale" lock that was
        // released cleanly; the OS releases the lock itself when the file closes.
        let _ = self.file.set_len(0);
        let _ = FileExt::unlock(&self.file);
    }
}

fn read_text(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(4096).read_to_string(&mut text);
    text
}

/// The holder's line, waiting briefly for a holder that has locked but not yet written it.
fn read_holder(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_millis(500);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if !text.trim().is_empty() || Instant::now() >= deadline {
            return text.trim().chars().take(200).collect();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
