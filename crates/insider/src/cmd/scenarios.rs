//! `insider scenarios ...`

use clap::Subcommand;
use std::process::ExitCode;

/// Subcommands of `insider scenarios`.
#[derive(Subcommand)]
pub enum ScenariosCommand {
    /// List packs, factors and condition counts.
    List,
}

/// Run an `insider scenarios` subcommand.
pub fn run(command: ScenariosCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScenariosCommand::List => anyhow::bail!("scenarios list: not built yet"),
    }
}
