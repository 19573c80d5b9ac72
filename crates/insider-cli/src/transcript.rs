//! `insider transcript`: one trial as a short excerpt.

use clap::Args;
use std::path::PathBuf;

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
