//! `insider models ...`: the local GGUF model store.

use clap::{Args, Subcommand};
use insider_model::model_store::{check_gguf, short_hash, ModelEntry, ModelStore, DEMO_MODELS};
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Run an `insider models` subcommand.
pub fn run(command: ModelsCommand) -> anyhow::Result<ExitCode> {
    let store = ModelStore::from_env();
    match command {
        ModelsCommand::List => list(&store),
        ModelsCommand::Add(args) => {
            let entry = store.add(&args.path, args.alias.as_deref(), args.replace)?;
            print_registered(&store, &entry);
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Pull(args) => {
            let runtime = super::runtime()?;
            let entry = runtime.block_on(store.pull(
                &args.repo,
                &args.file,
                args.alias.as_deref(),
                args.replace,
            ))?;
            print_registered(&store, &entry);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_registered(store: &ModelStore, entry: &ModelEntry) {
    println!(
        "registered local/{} -> {} ({} bytes, sha256 {}) in {}",
        entry.alias,
        entry.path.display(),
        entry.size,
        entry.sha256,
        store.registry_path().display()
    );
}

fn list(store: &ModelStore) -> anyhow::Result<ExitCode> {
    let entries = store.list()?;
    println!("models directory: {}", store.dir().display());
    if entries.is_empty() {
        println!("no registered models (register one with `insider models add <file.gguf> --alias NAME`)");
    } else {
        println!(
            "{:<32} {:>12}  {:<12}  {:<20}  path",
            "alias", "bytes", "sha256", "added"
        );
        for e in &entries {
            let status = match std::fs::metadata(&e.path) {
                Ok(m) if m.len() == e.size => String::new(),
                Ok(_) => "  (size changed since registration)".to_string(),
                Err(_) => "  (file missing)".to_string(),
            };
            println!(
                "{:<32} {:>12}  {:<12}  {:<20}  {}{}",
                format!("local/{}", e.alias),
                e.size,
                short_hash(&e.sha256),
                e.added_at,
                e.path.display(),
                status
            );
        }
    }
    for demo in DEMO_MODELS
        .iter()
        .filter(|d| !entries.iter().any(|e| e.alias == d.alias))
    {
        match store.find_demo_file(demo) {
            Some(path) => {
                let header = check_gguf(&path).map(|_| "").unwrap_or(" (invalid GGUF)");
                println!(
                    "demo model local/{} found unregistered at {}{header}",
                    demo.alias,
                    path.display()
                );
            }
            None => println!(
                "demo model local/{} not present: fetch it with `scripts/fetch-models {}` ({})",
                demo.alias, demo.fetch_arg, demo.source
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
