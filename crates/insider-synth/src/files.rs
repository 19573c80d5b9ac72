//! Files written whole: under a temporary name in the same folder, synced, then renamed, so a
//! reader never sees half a file.

use anyhow::Context;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// One file written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedFile {
    /// File name inside the export folder.
    pub name: String,
    /// JSONL records it holds (0 for the YAML).
    pub records: usize,
    /// Its size.
    pub bytes: u64,
    /// sha256 of its bytes, hex.
    pub sha256: String,
}

/// Write `bytes` to `dir/name` through a temporary file in the same folder, synced, then
/// renamed over the target.
pub fn write_file(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    records: usize,
) -> anyhow::Result<ExportedFile> {
    let target = dir.join(name);
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, &target)
    };
    if let Err(error) = write() {
        let _ = std::fs::remove_file(&partial);
        return Err(error).with_context(|| format!("writing {}", target.display()));
    }
    Ok(ExportedFile {
        name: name.to_string(),
        records,
        bytes: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}
