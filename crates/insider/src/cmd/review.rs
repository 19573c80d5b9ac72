//! `insider review RUN`: a blind, stratified sample of a run's trials as a labelling sheet.

use clap::Args;
use insider_report::review::{self, ReviewRequest, SheetFormat};
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Run `insider review`.
pub fn run(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let request = ReviewRequest {
        run: args.run,
        per_stratum: args.per_stratum,
        seed: args.seed,
        out: args.out,
        format: args.format,
    };
    print!("{}", review::write_sheet(&request)?);
    Ok(ExitCode::SUCCESS)
}
