//! `insider review RUN`: a blind, stratified labelling sheet.

use clap::Args;
use insider_report::review::SheetFormat;
use std::path::PathBuf;

/// Arguments of `insider review`.
#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The run directory.
    pub run: PathBuf,
    /// Trials drawn from each stratum (final verdict × whether the grader panel disagreed).
    #[arg(long, default_value_t = 20)]
    pub per_stratum: usize,
    /// Seed of the draw: the same seed draws the same sheet.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the sheet (default: `review.csv` or `review.jsonl` in the run directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Sheet format, csv (every cell quoted) or jsonl (default: from `--out`'s extension, else csv).
    #[arg(long)]
    pub format: Option<SheetFormat>,
}
