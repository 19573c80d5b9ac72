//! Building a new run directory whole: under a hidden sibling name first, moved into place only
//! once complete, so a failed import (or anything else that fills a fresh run directory)
//! leaves no half-made run behind.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Fill a new run directory at `out` with `build`, which is handed a staging folder next to it;
/// the staging folder becomes `out` when `build` succeeds and is removed when it fails. `out`
/// must not exist yet, or be an empty folder.
pub fn build_run_dir<T>(
    out: &Path,
    build: impl FnOnce(&Path) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if out.exists() && std::fs::read_dir(out).map_or(true, |mut d| d.next().is_some()) {
        anyhow::bail!(
            "{} already exists; choose another --out directory",
            out.display()
        );
    }
    let staging = staging_path(out);
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing a stale {}", staging.display()))?;
    }
    if let Some(parent) = staging.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    match build(&staging) {
        Ok(value) => {
            std::fs::rename(&staging, out).with_context(|| {
                format!(
                    "moving {} into place at {}",
                    staging.display(),
                    out.display()
                )
            })?;
            Ok(value)
        }
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(error)
        }
    }
}

/// `<parent>/.<name>.creating-<pid>`: hidden, and one per process.
fn staging_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let parent = out.parent().unwrap_or(Path::new(""));
    parent.join(format!(".{name}.creating-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_build_leaves_nothing_and_a_good_one_appears_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let error = build_run_dir(&out, |staging| -> anyhow::Result<()> {
            std::fs::create_dir_all(staging)?;
            std::fs::write(staging.join("ledger.sqlite"), b"half")?;
            anyhow::bail!("the import failed half way")
        })
        .unwrap_err();
        assert!(error.to_string().contains("half way"));
        assert!(!out.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no staging left"
        );

        build_run_dir(&out, |staging| {
            std::fs::create_dir_all(staging)?;
            Ok(std::fs::write(staging.join("ledger.sqlite"), b"whole")?)
        })
        .unwrap();
        assert_eq!(std::fs::read(out.join("ledger.sqlite")).unwrap(), b"whole");
        let again = build_run_dir(&out, |_| Ok(())).unwrap_err();
        assert!(again.to_string().contains("already exists"), "{again}");
    }
}
