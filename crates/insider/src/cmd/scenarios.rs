//! `insider scenarios ...`: list packs, expand the grid, render a condition, check a pack.

use insider_cli::scenarios::{
    AuditArgs, CheckArgs, GridArgs, ImportOriginalArgs, RenderArgs, RenderFormat, ScenariosCommand,
};
use insider_scenario::listing;
use insider_scenario::{Condition, Pack, ScenarioPack};
use std::process::ExitCode;

/// Run an `insider scenarios` subcommand.
pub fn run(command: ScenariosCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScenariosCommand::List => list(),
        ScenariosCommand::Grid(args) => grid(*args),
        ScenariosCommand::Render(args) => render(args),
        ScenariosCommand::Check(args) => check(args),
        ScenariosCommand::Audit(args) => audit(args),
        ScenariosCommand::ImportOriginal(args) => import_original(args),
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

/// `import-original`: the original research templates as compat packs
/// (docs/original-prompts.md), which every `--pack` option then accepts.
fn import_original(args: ImportOriginalArgs) -> anyhow::Result<ExitCode> {
    match insider_scenario::original::import(&args.templates_dir, &args.out) {
        Ok(report) => {
            print!("{}", listing::import_text(&report));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
