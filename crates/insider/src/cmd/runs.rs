//! `insider runs list|show`: what runs exist and where each one stands.

use insider_cli::runs::RunsCommand;
use insider_ledger::status;
use std::path::PathBuf;
use std::process::ExitCode;

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
