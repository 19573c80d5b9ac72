//! `insider scenarios import-original`: the original research templates as compat packs
//! (docs/original-prompts.md), which every `--pack` option then accepts.

use insider_cli::scenarios::ImportOriginalArgs;
use insider_scenario::original::import;
use std::process::ExitCode;

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
