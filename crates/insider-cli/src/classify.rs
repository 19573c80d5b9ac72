//! `insider classify`: classify (again) a run's replies from its ledger.

use clap::Args;
use std::path::PathBuf;

/// Arguments of `insider classify`.
#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Grader model (default: the run's grader; none gives gate-only verdicts).
    #[arg(long, value_name = "MODEL")]
    pub grader: Option<String>,
    /// Gate-only verdicts even if the run had a grader.
    #[arg(long, conflicts_with = "grader")]
    pub no_grader: bool,
    /// Rule set: `original` reproduces the original research code's rules.
    #[arg(long, value_name = "RULES")]
    pub compat: Option<String>,
    /// Secondary labels to grade, comma-separated.
    #[arg(long, value_name = "LIST")]
    pub labels: Option<String>,
    /// Concurrent grader calls.
    #[arg(long, default_value_t = 20)]
    pub max_connections: usize,
    /// A pack folder (insider format or an `import-original` compat pack) whose harm spec
    /// replaces the stored one for the trials of its scenario (repeatable).
    #[arg(long = "pack", value_name = "DIR", alias = "pack-original")]
    pub packs: Vec<PathBuf>,
    /// Send the grader's calls as provider batches (Anthropic, OpenAI, Google graders; about
    /// half price). Default: as the run did (`--batch`, `grader_batch: true`).
    #[arg(long)]
    pub batch: bool,
    /// Call the grader live even if the run batched it.
    #[arg(long, conflicts_with = "batch")]
    pub no_batch: bool,
}
