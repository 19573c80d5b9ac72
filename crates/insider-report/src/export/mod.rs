//! Every export format, and the import of the original research layout.

pub mod flat;
pub mod import;
pub mod inspect;
pub mod original;
pub mod parquet;

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

/// Export `source` in `format` to `out` (a file for jsonl/csv/parquet, a directory otherwise).
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
        ExportFormat::Jsonl => single(flat::write_jsonl(source, &mut create_file(out)?)?),
        ExportFormat::Csv => single(flat::write_csv(source, &mut create_file(out)?)?),
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
        ExportFormat::Original => single(original::write_original(source, out)?),
    })
}
