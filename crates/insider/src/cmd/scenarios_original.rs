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
    print!("{}", insider_scenario::listing::import_text(&report));
    Ok(ExitCode::SUCCESS)
}
