//! `insider runs list|show`: what runs exist and where each one stands.

use clap::Subcommand;
use insider_ledger::status;
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Run an `insider runs` subcommand.
pub fn run(command: RunsCommand) -> anyhow::Result<ExitCode> {
    match command {
        RunsCommand::List { dir } => list(dir),
        RunsCommand::Show { run_dir, json } => show(run_dir, json),
    }
}

fn list(dir: PathBuf) -> anyhow::Result<ExitCode> {
    let runs = status::list_runs(&dir)?;
    if runs.is_empty() {
        println!(
            "no runs in {} (start one with `insider run`)",
            dir.display()
        );
    } else {
        print!("{}", status::listing_text(&runs));
    }
    Ok(ExitCode::SUCCESS)
}

fn show(run_dir: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    let status = status::run_status(&run_dir)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", status.to_text());
    }
    Ok(ExitCode::SUCCESS)
}
