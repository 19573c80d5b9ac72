//! `insider synth …`: training data for the fix study.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `insider synth` subcommands.
#[derive(Subcommand)]
pub enum SynthCommand {
    /// Generate (or resume) training data into an output folder.
    Generate(GenerateArgs),
    /// Filter, check for contamination and write the trainer-format exports and data card.
    Export(ExportArgs),
    /// Where an output folder stands: items done, failed, pending; calls, tokens, cost.
    Status {
        /// The output folder.
        dir: PathBuf,
    },
    /// The built-in generator specs: list them, or print one.
    Specs {
        /// Print this spec's file.
        name: Option<String>,
    },
}

/// Arguments of `insider synth generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Output folder (created; run again with the same folder to resume).
    #[arg(long)]
    pub out: PathBuf,
    /// A built-in spec name (`insider synth specs`) or a spec file; repeat for several.
    /// Default: the folder's specs, or every built-in spec for a new folder.
    #[arg(long = "spec")]
    pub specs: Vec<String>,
    /// Generator model (default: the folder's, else the embedded local model).
    #[arg(long)]
    pub model: Option<String>,
    /// Items per spec (default: the folder's, else 10). Raising it on a resume adds items.
    #[arg(long)]
    pub count: Option<u32>,
    /// Planning seed (default: the folder's, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Items generated at the same time.
    #[arg(long, default_value_t = 4)]
    pub max_connections: usize,
    /// Sampling temperature (default: each spec's, 1.0 in the built-in specs).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Attempts per call before an item is recorded as failed.
    #[arg(long)]
    pub max_attempts: Option<u32>,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 5.0)]
    pub progress_interval: f64,
    /// No progress lines.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `insider synth export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The output folder of `insider synth generate`.
    pub dir: PathBuf,
    /// Export folder (default: DIR/export).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Another evaluation pack to check against (a pack folder or an imported original
    /// folder); repeat for several. The built-in packs are always checked.
    #[arg(long = "pack")]
    pub packs: Vec<PathBuf>,
    /// Words per n-gram of the contamination check.
    #[arg(long, default_value_t = 13)]
    pub ngram: usize,
    /// Shared n-grams an item may have before it is dropped.
    #[arg(long, default_value_t = 0)]
    pub max_shared_ngrams: usize,
    /// Distinct weak cast names (first names, surnames, code names) of one pack an item may use.
    #[arg(long, default_value_t = 1)]
    pub max_weak_names: usize,
    /// Renamed-world variants per condition to check against, where a pack has them.
    #[arg(long, default_value_t = 3)]
    pub variants: u32,
    /// Jaccard similarity at which a later item counts as a near-duplicate.
    #[arg(long, default_value_t = 0.7)]
    pub dedupe_threshold: f64,
}
