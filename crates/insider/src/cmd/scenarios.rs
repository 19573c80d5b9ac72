//! `insider scenarios ...`: list packs, expand the grid, render a condition, check a pack.

use clap::{Args, Subcommand, ValueEnum};
use insider_scenario::listing;
use insider_scenario::{Condition, Pack, ScenarioPack};
use std::path::PathBuf;
use std::process::ExitCode;

#[path = "scenarios_original.rs"]
mod original;

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
    ImportOriginal(original::ImportOriginalArgs),
}

/// Arguments of `insider scenarios grid`.
#[derive(Args)]
pub struct GridArgs {
    /// The factor values to cross (default: all of each, except the notice and `_prod`).
    #[command(flatten)]
    pub factors: super::factor_args::FactorArgs,
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

/// Run an `insider scenarios` subcommand.
pub fn run(command: ScenariosCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScenariosCommand::List => list(),
        ScenariosCommand::Grid(args) => grid(*args),
        ScenariosCommand::Render(args) => render(args),
        ScenariosCommand::Check(args) => check(args),
        ScenariosCommand::Audit(args) => audit(args),
        ScenariosCommand::ImportOriginal(args) => original::import_original(args),
    }
}

fn list() -> anyhow::Result<ExitCode> {
    let (text, failed) = listing::list_text()?;
    print!("{text}");
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn grid(args: GridArgs) -> anyhow::Result<ExitCode> {
    let lists = args.factors.grid_lists();
    print!("{}", listing::grid_text(&lists, args.pack.as_deref())?);
    Ok(ExitCode::SUCCESS)
}

fn render(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let condition = Condition::parse_id(&args.condition)?;
    let pack = ScenarioPack::resolve(args.pack.as_deref(), &condition.scenario)?;
    let prompt = pack.render(&condition)?;
    match args.format {
        RenderFormat::Json => println!("{}", serde_json::to_string_pretty(&prompt)?),
        RenderFormat::Text => print!("{}", listing::prompt_text(&prompt)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    match Pack::load_dir(&args.pack_dir) {
        Ok(pack) => {
            println!("{}", listing::check_line(&pack));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let (text, failed) = if args.words {
        listing::audit_words_text(args.pack.as_deref())
    } else {
        listing::audit_text(args.pack.as_deref())
    };
    print!("{text}");
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
