//! `insider runs list|show`.

use clap::Subcommand;
use std::path::PathBuf;

/// Subcommands of `insider runs`.
#[derive(Subcommand, Debug)]
pub enum RunsCommand {
    /// List the runs under a directory.
    List {
        /// Directory holding run directories.
        #[arg(long, default_value = "insider-runs")]
        dir: PathBuf,
    },
    /// Status of one run: counts, failures by reason, tokens, cost and retries per model.
    Show {
        /// The run directory.
        run_dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}
