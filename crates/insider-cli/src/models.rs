//! `insider models …`: the local GGUF model store.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Subcommands of `insider models`.
#[derive(Subcommand)]
pub enum ModelsCommand {
    /// List registered local models and where the demo models are.
    List,
    /// Register a GGUF file under an alias (checks the header, records the sha256).
    Add(AddArgs),
    /// Download a GGUF file from the Hugging Face hub ($HF_ENDPOINT) and register it.
    Pull(PullArgs),
}

/// Arguments of `insider models add`.
#[derive(Args)]
pub struct AddArgs {
    /// The .gguf file.
    pub path: PathBuf,
    /// Name for `--model local/<alias>` (default: the file name without .gguf, lower-cased).
    #[arg(long)]
    pub alias: Option<String>,
    /// Point an alias that is already registered at this file instead.
    #[arg(long)]
    pub replace: bool,
}

/// Arguments of `insider models pull`.
#[derive(Args)]
pub struct PullArgs {
    /// Hub repository, `<owner>/<name>`.
    pub repo: String,
    /// File inside the repository, e.g. `model-q4_k_m.gguf`.
    pub file: String,
    /// Name for `--model local/<alias>` (default: the file name without .gguf, lower-cased).
    #[arg(long)]
    pub alias: Option<String>,
    /// Point an alias that is already registered at this file instead.
    #[arg(long)]
    pub replace: bool,
}
