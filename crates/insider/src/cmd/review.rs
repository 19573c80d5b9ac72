//! `insider review RUN`: a blind, stratified sample of a run's trials as a labelling sheet.

use insider_cli::review::ReviewArgs;
use insider_report::review::{self, ReviewRequest};
use std::process::ExitCode;

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
