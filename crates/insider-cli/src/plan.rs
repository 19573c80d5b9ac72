//! `insider plan`: an experiment, as for `insider run`, and a goal.

use clap::Args;

/// Arguments of `insider plan`: an experiment, as for `insider run`, and a goal.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The experiment (the flags of `insider run`; --detect or --bound-zero is required).
    #[command(flatten)]
    pub run: crate::run::RunArgs,
}
