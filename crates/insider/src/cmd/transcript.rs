//! `insider transcript`: one trial as a short excerpt (what the model did and how the verdict
//! read it).

use insider_cli::transcript::TranscriptArgs;
use insider_report::excerpt::{ExcerptOptions, TrialChoice};
use std::process::ExitCode;

/// Run `insider transcript`.
pub fn run(args: TranscriptArgs) -> anyhow::Result<ExitCode> {
    let choice = match args.trial {
        Some(id) => TrialChoice::Id(id),
        None => TrialChoice::FirstWithAction,
    };
    let options = if args.full {
        ExcerptOptions {
            body_lines: 0,
            reply_lines: 0,
        }
    } else {
        ExcerptOptions::default()
    };
    match insider_report::commands::transcript(&args.run_dir, choice, &options)? {
        Ok(excerpt) => print!("{excerpt}"),
        Err(reason) => {
            eprintln!("error: {reason}");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}
