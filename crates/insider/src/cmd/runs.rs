//! `insider runs list|show`: what runs exist and where each one stands.

use clap::Subcommand;
use insider_ledger::Ledger;
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
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            println!(
                "no runs in {} (start one with `insider run`)",
                dir.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => return Err(anyhow::anyhow!("reading {}: {error}", dir.display())),
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| Ledger::exists(p))
        .collect();
    dirs.sort();
    println!(
        "{:<50}  {:<20}  {:>7}  {:>9}  {:>6}  {:>7}  started",
        "run directory", "name", "total", "completed", "failed", "pending"
    );
    for path in dirs {
        match Ledger::open(&path).and_then(|l| Ok((l.run_info()?, l.status_counts()?))) {
            Ok((info, counts)) => {
                println!(
                    "{:<50}  {:<20}  {:>7}  {:>9}  {:>6}  {:>7}  {}",
                    path.display(),
                    info.name,
                    counts.total(),
                    counts.completed,
                    counts.failed,
                    counts.left(),
                    info.started_at
                );
            }
            Err(error) => println!("{:<50}  unreadable: {error:#}", path.display()),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(run_dir: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    let status = insider_ledger::status::run_status(&run_dir)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", status.to_text());
    }
    Ok(ExitCode::SUCCESS)
}
