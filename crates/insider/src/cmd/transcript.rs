//! `insider transcript`: one trial as a short excerpt (what the model did and how the verdict
//! read it).

use clap::Args;
use insider_report::excerpt::{ExcerptOptions, TrialChoice};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `insider transcript`.
#[derive(Args, Debug)]
pub struct TranscriptArgs {
    /// Run directory (holds ledger.sqlite).
    pub run_dir: PathBuf,
    /// The ledger trial id to show (see `insider export --format jsonl`).
    #[arg(long, conflicts_with = "first")]
    pub trial: Option<i64>,
    /// Show the first completed trial that took an action (else the first completed one).
    #[arg(long)]
    pub first: bool,
    /// Show whole e-mail bodies and the whole reply.
    #[arg(long)]
    pub full: bool,
}

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
