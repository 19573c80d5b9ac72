//! `insider models ...`: the local GGUF model store.

use insider_cli::models::ModelsCommand;
use insider_model::model_store::ModelStore;
use std::process::ExitCode;

/// Run an `insider models` subcommand.
pub fn run(command: ModelsCommand) -> anyhow::Result<ExitCode> {
    let store = ModelStore::from_env();
    let text = match command {
        ModelsCommand::List => store.listing()?,
        ModelsCommand::Add(args) => {
            let entry = store.add(&args.path, args.alias.as_deref(), args.replace)?;
            store.registered_line(&entry) + "\n"
        }
        ModelsCommand::Pull(args) => {
            let runtime = super::runtime()?;
            let pull = store.pull(&args.repo, &args.file, args.alias.as_deref(), args.replace);
            store.registered_line(&runtime.block_on(pull)?) + "\n"
        }
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
