//! `insider export` and `insider import`.

use clap::Args;
use insider_report::ExportFormat;
use std::path::PathBuf;

/// Arguments of `insider export`.
#[derive(Args)]
pub struct ExportArgs {
    /// Run directory (holds ledger.sqlite).
    pub run_dir: PathBuf,
    /// jsonl, csv, parquet, inspect (.eval), inspect-json (.json) or original (folder layout).
    #[arg(long)]
    pub format: ExportFormat,
    /// Output file (jsonl, csv, parquet) or directory (inspect, inspect-json, original);
    /// default: <run-dir>/exports/...
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `insider import`.
#[derive(Args)]
pub struct ImportArgs {
    /// Results folder of the original research code (holding models/ and prompts/), or its
    /// models/ folder.
    pub dir: PathBuf,
    /// New run directory to create (default: insider-runs/import-<folder name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The pack the replies were written for, whose harm spec judges them: a pack folder, an
    /// `import-original` compat pack, or the folder holding them (`packs/original`);
    /// repeatable. Without it the world is detected from the results' prompts/.
    #[arg(long = "pack", value_name = "DIR", alias = "pack-original")]
    pub packs: Vec<PathBuf>,
}
