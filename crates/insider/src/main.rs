//! `insider`: the command-line tool. Argument parsing and wiring only; logic lives in the
//! library crates.

mod cmd;

use clap::Parser;
use insider_cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    show_library_warnings();
    let result = match cli.command {
        Command::Scenarios(command) => cmd::scenarios::run(command),
        Command::Chat(args) => cmd::chat::run(args),
        Command::Models(command) => cmd::models::run(command),
        Command::JudgeCheck(args) => cmd::judge_check::run(args),
        Command::Run(args) => cmd::run::run(*args),
        Command::Plan(args) => cmd::plan::run(*args),
        Command::Runs(command) => cmd::runs::run(command),
        Command::Classify(args) => cmd::classify::run(args),
        Command::Report(args) => cmd::report::run_report(args),
        Command::Review(args) => cmd::review::run(args),
        Command::Transcript(args) => cmd::transcript::run(args),
        Command::Compare(args) => cmd::report::run_compare(args),
        Command::Export(args) => cmd::export::run_export(args),
        Command::Import(args) => cmd::export::run_import(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Synth(command) => cmd::synth::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Library warnings the user must see (the batch room's: an unknown batch resent, a batch
/// refused and run live) go to stderr as `warning: …`; `INSIDER_LOG` (a tracing filter, e.g.
/// `insider_run=debug`) widens or silences them.
fn show_library_warnings() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INSIDER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("insider_run::batch=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .with_level(true)
        .try_init();
}
