//! `insider scenarios import-original`: the original research templates as compat packs
//! (docs/original-prompts.md), which every `--pack` option then accepts.

use clap::Args;
use insider_scenario::original::import;
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Import the templates and print what was written.
pub fn import_original(args: ImportOriginalArgs) -> anyhow::Result<ExitCode> {
    let report = match import(&args.templates_dir, &args.out) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::FAILURE);
        }
    };
    for pack in &report.packs {
        println!(
            "imported `{}` into {}: {} conditions render",
            pack.name,
            pack.dir.display(),
            pack.conditions
        );
        for warning in &pack.warnings {
            println!("  warning: {warning}");
        }
        let mut placeholders: Vec<&str> = pack
            .unfilled
            .iter()
            .map(|(_, name)| name.as_str())
            .collect();
        placeholders.sort();
        placeholders.dedup();
        for name in placeholders {
            let count = pack.unfilled.iter().filter(|(_, n)| n == name).count();
            let example = pack
                .unfilled
                .iter()
                .find(|(_, n)| n == name)
                .map(|(id, _)| id.as_str());
            println!(
                "  note: the original leaves `${{{name}}}` unfilled in {count} conditions (e.g. {}); compat mode keeps it",
                example.unwrap_or("?")
            );
        }
    }
    println!("render with: insider scenarios render <condition> --pack <pack folder>");
    Ok(ExitCode::SUCCESS)
}
