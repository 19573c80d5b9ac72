//! `insider report` and `insider compare`.

use clap::Args;
use insider_report::TextFormat;
use std::path::PathBuf;

/// Arguments of `insider report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Run directory (holds ledger.sqlite).
    pub run_dir: PathBuf,
    /// Group by these factors, comma-separated (model, condition, scenario, goal_type,
    /// goal_value, urgency, extra_instructions, awareness_notice, prod).
    #[arg(long, default_value = "model,condition")]
    pub by: String,
    /// Output format: table, markdown, csv or json.
    #[arg(long, default_value = "table")]
    pub format: TextFormat,
    /// Also write the self-contained HTML report to this file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Embed at most this many transcripts in the HTML report (statistics use every trial).
    #[arg(long)]
    pub max_transcripts: Option<usize>,
    /// Leave raw provider responses out of the HTML report (smaller file).
    #[arg(long)]
    pub no_raw: bool,
}

/// Arguments of `insider compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// One run directory (with --by), or two (A then B; B is the baseline).
    #[arg(required = true, num_args = 1..=2)]
    pub run_dirs: Vec<PathBuf>,
    /// Compare the levels of this factor (e.g. extra_instructions) against a baseline level.
    #[arg(long)]
    pub by: Option<String>,
    /// Baseline level of --by (default: `none` if present, else the first level).
    #[arg(long)]
    pub baseline: Option<String>,
    /// Compare within each group of these factors (default: model; for two runs: model,condition).
    #[arg(long)]
    pub within: Option<String>,
    /// Output format: table, markdown, csv or json.
    #[arg(long, default_value = "table")]
    pub format: TextFormat,
    /// What one cluster (unit of the paired analysis) is: `condition` (default for two runs) or
    /// a factor; for --by, the default is the condition apart from the compared factor.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Cluster bootstrap resamples (0: none).
    #[arg(long, default_value_t = insider_report::design::DEFAULT_REPLICATES)]
    pub bootstrap: usize,
    /// Seed of the cluster bootstrap.
    #[arg(long, default_value_t = insider_report::design::DEFAULT_SEED)]
    pub bootstrap_seed: u64,
}
