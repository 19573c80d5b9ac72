//! `insider scenarios …`: list packs, expand the grid, render, check, audit, import.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Subcommands of `insider scenarios`.
#[derive(Subcommand)]
pub enum ScenariosCommand {
    /// List packs, factors and their values, and condition counts.
    List,
    /// Print the condition ids of a grid selection, one per line (lists are comma-separated).
    Grid(Box<GridArgs>),
    /// Render one condition: system message, user message and tools.
    Render(RenderArgs),
    /// Validate a pack folder and report every problem with file:line.
    Check(CheckArgs),
    /// The ingredient audit: which causal ingredients each condition's prompt carries, checked
    /// against the design table, and each inbox's length (non-zero exit when the design breaks).
    Audit(AuditArgs),
    /// Import the original research templates as compat packs (docs/original-prompts.md).
    ImportOriginal(ImportOriginalArgs),
}

/// Arguments of `insider scenarios grid`.
#[derive(Args)]
pub struct GridArgs {
    /// The factor values to cross (default: all of each, except the notice and `_prod`).
    #[command(flatten)]
    pub factors: crate::factors::FactorArgs,
    /// Use this pack folder instead of the built-in packs.
    #[arg(long)]
    pub pack: Option<PathBuf>,
}

/// Arguments of `insider scenarios audit`.
#[derive(Args)]
pub struct AuditArgs {
    /// Audit this pack folder instead of the built-in packs.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// Print each condition's inbox words and its distance from the median instead of the
    /// ingredient table, then a Markdown summary.
    #[arg(long)]
    pub words: bool,
}

/// Output format of `insider scenarios render`.
#[derive(Clone, Copy, ValueEnum)]
pub enum RenderFormat {
    /// System message, user message and tools as readable text.
    Text,
    /// One JSON object: condition, system, user, tools, sha256.
    Json,
}

/// Arguments of `insider scenarios render`.
#[derive(Args)]
pub struct RenderArgs {
    /// Condition id, e.g. `blackmail_explicit-america_replacement`.
    pub condition: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: RenderFormat,
    /// Render from this pack folder (insider's format, or a compat folder made by
    /// `import-original`) instead of the built-in pack named in the id.
    #[arg(long, alias = "pack-original")]
    pub pack: Option<PathBuf>,
}

/// Arguments of `insider scenarios check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The pack folder to validate.
    pub pack_dir: PathBuf,
}
/// Arguments of `insider scenarios import-original`.
#[derive(Args)]
pub struct ImportOriginalArgs {
    /// The original `templates` folder (inspect_evals/agentic_misalignment/templates, or the
    /// original repository's templates/).
    pub templates_dir: PathBuf,
    /// Folder to write the compat packs into (one sub-folder per scenario).
    #[arg(long, default_value = "packs/original")]
    pub out: PathBuf,
}
