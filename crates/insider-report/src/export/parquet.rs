//! Parquet export (cargo feature `parquet`).
//!
//! The feature is wired through `insider --features parquet`, but the Arrow writer is not built
//! yet: enabling it still reports a clear error. CSV and JSONL carry the same columns today.

use crate::source::TrialSource;
use std::path::Path;

/// Write the trial table as Parquet; currently always an error explaining the alternatives.
pub fn write_parquet(_source: &dyn TrialSource, out: &Path) -> anyhow::Result<u64> {
    if cfg!(feature = "parquet") {
        anyhow::bail!(
            "cannot write {}: the Parquet writer is not implemented yet in this build; \
             export `--format csv` or `--format jsonl` (same columns) and convert, e.g. with \
             `duckdb -c \"COPY (SELECT * FROM 'trials.csv') TO 'trials.parquet'\"`",
            out.display()
        )
    } else {
        anyhow::bail!(
            "cannot write {}: Parquet export needs insider built with the `parquet` feature \
             (`cargo install --path crates/insider --features parquet`); meanwhile use \
             `--format csv` or `--format jsonl`",
            out.display()
        )
    }
}
