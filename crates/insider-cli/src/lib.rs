//! The command line of `insider`: every command's arguments as clap types, and nothing else
//! (uv's `uv-cli`). The `insider` binary parses them and wires each command to the library
//! crates; `insider … --help` is pinned by `crates/insider/tests/help_snapshots.rs`.

pub mod chat;
pub mod classify;
pub mod export;
pub mod factors;
pub mod judge_check;
pub mod merge;
pub mod models;
pub mod plan;
pub mod report;
pub mod review;
pub mod run;
pub mod runs;
pub mod scenarios;
pub mod synth;
pub mod target;
pub mod transcript;

use clap::{Parser, Subcommand};

/// Measure whether AI agents turn into insider threats.
#[derive(Parser)]
#[command(
    name = "insider",
    version,
    about = "Measure whether AI agents turn into insider threats: the command-line tool.",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    /// The command to run.
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scenario packs: list, grid, render, check, audit, import-original.
    #[command(subcommand)]
    Scenarios(crate::scenarios::ScenariosCommand),
    /// Send one message to a model and print the reply (check a model and key).
    Chat(crate::chat::ChatArgs),
    /// Local GGUF models: list, add, pull.
    #[command(subcommand)]
    Models(crate::models::ModelsCommand),
    /// Check a classifier against a hand-labelled gold set (accuracy, kappa, disagreements).
    JudgeCheck(crate::judge_check::JudgeCheckArgs),
    /// Run (or resume) an experiment: models × conditions × samples, into a run directory.
    Run(Box<crate::run::RunArgs>),
    /// Samples per condition to detect a difference (--detect) or bound a zero (--bound-zero),
    /// and their cost: the experiment's dry run, then the plan.
    Plan(Box<crate::plan::PlanArgs>),
    /// Runs: list them, or show where one stands.
    #[command(subcommand)]
    Runs(crate::runs::RunsCommand),
    /// Classify (again) a run's replies from its ledger, without calling the target model.
    Classify(crate::classify::ClassifyArgs),
    /// Rates per model and condition with 95% Wilson intervals; optionally the HTML report.
    Report(crate::report::ReportArgs),
    /// A blind, stratified sample of a run's trials as a labelling sheet (CSV or JSONL).
    Review(crate::review::ReviewArgs),
    /// One trial as a short excerpt: the e-mails it sent and how the verdict read them.
    Transcript(crate::transcript::TranscriptArgs),
    /// Compare factor levels within a run, or two runs: Newcombe intervals, Fisher p, Holm.
    Compare(crate::report::CompareArgs),
    /// Export a run: jsonl, csv, parquet, inspect (.eval), inspect-json, original layout.
    Export(crate::export::ExportArgs),
    /// Import the original research code's results folder into a new run directory.
    Import(crate::export::ImportArgs),
    /// Join the run directories of a plan's shards (`run --shard K/N`) into one run directory.
    Merge(crate::merge::MergeArgs),
    /// Training data for the fix study: generate, check for contamination, export for trainers.
    #[command(subcommand)]
    Synth(crate::synth::SynthCommand),
}
