//! `insider scenarios ...`: list packs, expand the grid, render a condition, check a pack.

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use insider_scenario::{
    expand, expand_for, parse_factor_list, split_list, Condition, ExtraInstructions, GoalType,
    GoalValue, GridSelection, Pack, ScenarioPack, Urgency,
};
use std::io::Write;
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
    Grid(GridArgs),
    /// Render one condition: system message, user message and tools.
    Render(RenderArgs),
    /// Validate a pack folder and report every problem with file:line.
    Check(CheckArgs),
    /// Import the original research templates as compat packs (docs/original-prompts.md).
    ImportOriginal(original::ImportOriginalArgs),
}

/// Arguments of `insider scenarios grid`.
#[derive(Args)]
pub struct GridArgs {
    /// Scenarios (packs), e.g. `blackmail,murder`; default all built-in packs.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Goal types: explicit, latent, none, ambiguous, swap; default all.
    #[arg(long)]
    pub goal_type: Option<String>,
    /// Goal values: america, global, safety, acceleration, ethical, pragmatic, individualism,
    /// collectivism; default all (none/ambiguous always take `none`).
    #[arg(long)]
    pub goal_value: Option<String>,
    /// Urgencies: replacement, restriction, none; default all.
    #[arg(long)]
    pub urgency: Option<String>,
    /// Extra instructions: none, dont, goal; default none.
    #[arg(long)]
    pub extra_instructions: Option<String>,
    /// Add the eval-awareness notice.
    #[arg(long)]
    pub awareness_notice: bool,
    /// Remove the private scratchpad paragraph (`_prod`).
    #[arg(long)]
    pub prod: bool,
    /// Use this pack folder instead of the built-in packs.
    #[arg(long)]
    pub pack: Option<PathBuf>,
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
        ScenariosCommand::Grid(args) => grid(args),
        ScenariosCommand::Render(args) => render(args),
        ScenariosCommand::Check(args) => check(args),
        ScenariosCommand::ImportOriginal(args) => original::import_original(args),
    }
}

fn names<T: insider_scenario::Factor>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn list() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "Packs:")?;
    let mut failed = false;
    for name in Pack::builtin_names() {
        match Pack::builtin(name) {
            Ok(pack) => writeln!(
                out,
                "  {name:<10} {:>4} conditions  {} ({:?})  {}",
                pack.conditions().len(),
                pack.company_name(),
                pack.harm().kind,
                pack.description()
            )?,
            Err(error) => {
                failed = true;
                writeln!(out, "  {name:<10} BROKEN: {} problem(s); run `insider scenarios check scenarios/{name}`", error.problems.len())?
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "Factors:")?;
    writeln!(out, "  goal_type           {}", names(GoalType::ALL))?;
    writeln!(
        out,
        "  goal_value          {}  (none/ambiguous goal types take `none`)",
        names(&GoalValue::ALL[..8])
    )?;
    writeln!(out, "  urgency             {}", names(Urgency::ALL))?;
    writeln!(
        out,
        "  extra_instructions  {}  (id suffix `_extra-<value>`)",
        names(ExtraInstructions::ALL)
    )?;
    writeln!(
        out,
        "  awareness_notice    off, on  (id suffix `_eval-awareness`)"
    )?;
    writeln!(
        out,
        "  prod                off, on  (id suffix `_prod`: no scratchpad)"
    )?;
    writeln!(out)?;
    let per_pack = expand_for(&GridSelection::default(), &["x"])?.len();
    writeln!(
        out,
        "Base grid: {} conditions over {} built-in packs ({per_pack} per pack); with extra instructions (x3), notice (x2) and prod (x2): {} per pack",
        per_pack * Pack::builtin_names().len(),
        Pack::builtin_names().len(),
        per_pack * 12
    )?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn grid(args: GridArgs) -> anyhow::Result<ExitCode> {
    let list = |text: &Option<String>| text.as_deref().map(split_list).unwrap_or_default();
    let selection = GridSelection {
        scenarios: list(&args.scenario),
        goal_types: parse_factor_list("goal_type", args.goal_type.as_deref().unwrap_or(""))?,
        goal_values: parse_factor_list("goal_value", args.goal_value.as_deref().unwrap_or(""))?,
        urgencies: parse_factor_list("urgency", args.urgency.as_deref().unwrap_or(""))?,
        extra_instructions: parse_factor_list(
            "extra_instructions",
            args.extra_instructions.as_deref().unwrap_or(""),
        )?,
        awareness_notice: if args.awareness_notice {
            vec![true]
        } else {
            vec![]
        },
        prod: if args.prod { vec![true] } else { vec![] },
        ..GridSelection::default()
    };
    let conditions = match &args.pack {
        Some(dir) => {
            let pack = ScenarioPack::load_dir(dir)?;
            expand_for(&selection, &[pack.name()])?
                .into_iter()
                .filter(|c| pack.supports(c))
                .collect()
        }
        None => expand(&selection)?,
    };
    let mut out = std::io::stdout().lock();
    for condition in conditions {
        writeln!(out, "{}", condition.id())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn render(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let condition = Condition::parse_id(&args.condition)?;
    let pack = ScenarioPack::resolve(args.pack.as_deref(), &condition.scenario)?;
    let prompt = pack.render(&condition)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        RenderFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &prompt).context("writing JSON")?;
            writeln!(out)?;
        }
        RenderFormat::Text => {
            writeln!(
                out,
                "=== condition: {}  sha256: {}",
                prompt.condition, prompt.sha256
            )?;
            writeln!(out, "=== system")?;
            writeln!(out, "{}", prompt.system)?;
            writeln!(out, "=== user")?;
            writeln!(out, "{}", prompt.user)?;
            writeln!(out, "=== tools (native mode)")?;
            for tool in &prompt.tools {
                writeln!(out, "{}: {}", tool.name, tool.description)?;
                writeln!(out, "{}", serde_json::to_string(&tool.parameters)?)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    match Pack::load_dir(&args.pack_dir) {
        Ok(pack) => {
            println!(
                "ok: pack `{}` at {}: {} conditions render, {} e-mails, tools: {}",
                pack.name(),
                pack.root(),
                pack.conditions().len(),
                pack.email_ids().len(),
                pack.tools()
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
