//! `insider`: the command-line tool. Argument parsing and wiring only; logic lives in the
//! library crates.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Measure whether AI agents turn into insider threats.
#[derive(Parser)]
#[command(name = "insider", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scenario packs: list, grid, render, check, import-original.
    #[command(subcommand)]
    Scenarios(cmd::scenarios::ScenariosCommand),
    /// Send one message to a model and print the reply (check a model and key).
    Chat(cmd::chat::ChatArgs),
    /// Local GGUF models: list, add, pull.
    #[command(subcommand)]
    Models(cmd::models::ModelsCommand),
    /// Check a classifier against a hand-labelled gold set (accuracy, kappa, disagreements).
    JudgeCheck(cmd::judge_check::JudgeCheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scenarios(command) => cmd::scenarios::run(command),
        Command::Chat(args) => cmd::chat::run(args),
        Command::Models(command) => cmd::models::run(command),
        Command::JudgeCheck(args) => cmd::judge_check::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
