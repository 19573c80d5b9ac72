//! `insider transcript`: one trial as a short excerpt (what the model did and how the verdict
//! read it).

use clap::Args;
use insider_report::excerpt::{trial_excerpt, ExcerptOptions, TrialChoice, TrialPicker};
use insider_report::TrialSource;
use insider_ledger::Ledger;
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
    let ledger = Ledger::open_read_only(&args.run_dir)?;
    let choice = match args.trial {
        Some(id) => TrialChoice::Id(id),
        None => TrialChoice::FirstWithAction,
    };
    let mut picker = TrialPicker::new(choice);
    let mut done = false;
    TrialSource::for_each_trial(&ledger, &mut |record| {
        if !done {
            done = picker.offer(record);
        }
        Ok(())
    })?;
    let Some((record, why)) = picker.finish() else {
        eprintln!(
            "error: {}: {}",
            args.run_dir.display(),
            match choice {
                TrialChoice::Id(id) => format!("no trial with id {id}"),
                TrialChoice::FirstWithAction => "no completed trial yet".to_string(),
            }
        );
        return Ok(ExitCode::FAILURE);
    };
    let options = if args.full {
        ExcerptOptions {
            body_lines: 0,
            reply_lines: 0,
        }
    } else {
        ExcerptOptions::default()
    };
    print!("{}", trial_excerpt(&record, why, &options));
    Ok(ExitCode::SUCCESS)
}
