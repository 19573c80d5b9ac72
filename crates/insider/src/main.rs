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
    /// Scenario packs: list, grid, render, check, audit, import-original.
    #[command(subcommand)]
    Scenarios(cmd::scenarios::ScenariosCommand),
    /// Send one message to a model and print the reply (check a model and key).
    Chat(cmd::chat::ChatArgs),
    /// Local GGUF models: list, add, pull.
    #[command(subcommand)]
    Models(cmd::models::ModelsCommand),
    /// Check a classifier against a hand-labelled gold set (accuracy, kappa, disagreements).
    JudgeCheck(cmd::judge_check::JudgeCheckArgs),
    /// Run (or resume) an experiment: models × conditions × samples, into a run directory.
    Run(Box<cmd::run::RunArgs>),
    /// Samples per condition to detect a difference (--detect) or bound a zero (--bound-zero),
    /// and their cost: the experiment's dry run, then the plan.
    Plan(Box<cmd::plan::PlanArgs>),
    /// Runs: list them, or show where one stands.
    #[command(subcommand)]
    Runs(cmd::runs::RunsCommand),
    /// Classify (again) a run's replies from its ledger, without calling the target model.
    Classify(cmd::classify::ClassifyArgs),
    /// Rates per model and condition with 95% Wilson intervals; optionally the HTML report.
    Report(cmd::report::ReportArgs),
    /// A blind, stratified sample of a run's trials as a labelling sheet (CSV or JSONL).
    Review(cmd::review::ReviewArgs),
    /// One trial as a short excerpt: the e-mails it sent and how the verdict read them.
    Transcript(cmd::transcript::TranscriptArgs),
    /// Compare factor levels within a run, or two runs: Newcombe intervals, Fisher p, Holm.
    Compare(cmd::report::CompareArgs),
    /// Export a run: jsonl, csv, parquet, inspect (.eval), inspect-json, original layout.
    Export(cmd::export::ExportArgs),
    /// Import the original research code's results folder into a new run directory.
    Import(cmd::export::ImportArgs),
    /// Join the run directories of a plan's shards (`run --shard K/N`) into one run directory.
    Merge(cmd::merge::MergeArgs),
    /// Training data for the fix study: generate, check for contamination, export for trainers.
    #[command(subcommand)]
    Synth(cmd::synth::SynthCommand),
}

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
