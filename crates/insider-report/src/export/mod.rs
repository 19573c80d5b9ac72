//! Every export format, and the import of the original research layout.

pub mod flat;
pub mod import;
pub mod import_harm;
pub mod inspect;
pub mod original;
pub mod parquet;
pub mod trial_provenance;

use crate::source::TrialSource;
use std::path::{Path, PathBuf};

/// Formats of `insider export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per trial per line.
    Jsonl,
    /// One CSV record per trial.
    Csv,
    /// Apache Parquet (cargo feature `parquet`).
    Parquet,
    /// Inspect `.eval` logs, one per model.
    Inspect,
    /// Inspect `.json` logs, one per model.
    InspectJson,
    /// The original research code's folder layout.
    Original,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "jsonl" => ExportFormat::Jsonl,
            "csv" => ExportFormat::Csv,
            "parquet" => ExportFormat::Parquet,
            "inspect" | "eval" => ExportFormat::Inspect,
            "inspect-json" => ExportFormat::InspectJson,
            "original" => ExportFormat::Original,
            other => {
                return Err(format!(
                    "unknown export format `{other}`; use jsonl, csv, parquet, inspect, inspect-json or original"
                ))
            }
        })
    }
}

impl ExportFormat {
    /// Default output path inside the run directory.
    pub fn default_path(self, run_dir: &Path) -> PathBuf {
        let exports = run_dir.join("exports");
        match self {
            ExportFormat::Jsonl => exports.join("trials.jsonl"),
            ExportFormat::Csv => exports.join("trials.csv"),
            ExportFormat::Parquet => exports.join("trials.parquet"),
            ExportFormat::Inspect | ExportFormat::InspectJson => exports.join("inspect"),
            ExportFormat::Original => exports.join("original"),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    /// Files (or the directory) written.
    pub paths: Vec<PathBuf>,
    /// Trials (or response files) written.
    pub records: u64,
}

fn create_file(path: &Path) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    use anyhow::Context;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(std::io::BufWriter::new(file))
}

/// The temporary name an export is written under before it is renamed to `path`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Write a single-file export through `write` into `out.partial`, then rename it to `out`; on
/// failure remove the partial file and name `out` in the error.
fn write_atomically(
    out: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    use anyhow::Context;
    let partial = partial_path(out);
    let result = create_file(&partial).and_then(|mut writer| {
        let records = write(&mut writer)?;
        let file = writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("flushing: {}", e.error()))?;
        file.sync_all()?;
        Ok(records)
    });
    match result {
        Ok(records) => {
            std::fs::rename(&partial, out)
                .with_context(|| format!("renaming {} to {}", partial.display(), out.display()))?;
            Ok(records)
        }
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error.context(format!("writing {}", out.display())))
        }
    }
}

/// Write a folder export into `out.partial/` and rename it to `out` when `out` does not exist
/// yet (or is empty); into an existing non-empty folder, files are replaced one by one.
fn write_folder_atomically(
    out: &Path,
    write: impl FnOnce(&Path) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    use anyhow::Context;
    let empty = match std::fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !out.exists(),
    };
    if !empty {
        return write(out).with_context(|| format!("writing {}", out.display()));
    }
    let partial = partial_path(out);
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).with_context(|| format!("creating {}", partial.display()))?;
    match write(&partial) {
        Ok(records) => {
            if out.exists() {
                std::fs::remove_dir(out).with_context(|| format!("replacing {}", out.display()))?;
            }
            std::fs::rename(&partial, out)
                .with_context(|| format!("renaming {} to {}", partial.display(), out.display()))?;
            Ok(records)
        }
        Err(error) => {
            let _ = std::fs::remove_dir_all(&partial);
            Err(error.context(format!("writing {}", out.display())))
        }
    }
}

/// Export `source` in `format` to `out` (a file for jsonl/csv/parquet, a directory otherwise).
/// Files are written under a temporary name and renamed into place when complete.
pub fn export(
    source: &dyn TrialSource,
    format: ExportFormat,
    out: &Path,
) -> anyhow::Result<ExportSummary> {
    let single = |records| ExportSummary {
        paths: vec![out.to_path_buf()],
        records,
    };
    Ok(match format {
        ExportFormat::Jsonl => single(write_atomically(out, |w| flat::write_jsonl(source, w))?),
        ExportFormat::Csv => single(write_atomically(out, |w| flat::write_csv(source, w))?),
        ExportFormat::Parquet => single(parquet::write_parquet(source, out)?),
        ExportFormat::Inspect | ExportFormat::InspectJson => {
            let kind = if format == ExportFormat::Inspect {
                inspect::InspectFormat::Eval
            } else {
                inspect::InspectFormat::Json
            };
            let paths = inspect::write_inspect_logs(source, out, kind)?;
            let mut records = 0;
            source.for_each_summary(&mut |s| {
                if matches!(
                    s.status,
                    insider_ledger::TrialStatus::Completed | insider_ledger::TrialStatus::Failed
                ) {
                    records += 1;
                }
            })?;
            ExportSummary { paths, records }
        }
        ExportFormat::Original => single(write_folder_atomically(out, |dir| {
            original::write_original(source, dir)
        })?),
    })
}
