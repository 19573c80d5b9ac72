//! `insider plan`: the dry run of an experiment, then the samples per condition a goal needs
//! and their cost (the goal flags and the plan are in [`super::plan_target`]).

use insider_cli::plan::PlanArgs;
use std::process::ExitCode;

/// Run `insider plan`: the dry run of the experiment, then the plan for the goal.
pub fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    // A rate that does not parse is reported by `run`, with the same exit code.
    if matches!(args.run.target.target(), Ok(None)) {
        eprintln!(
            "error: name a goal: --detect 10pp (a difference of rates) or --bound-zero 1% (a \
             zero rate bounded below 1%)"
        );
        return Ok(ExitCode::from(2));
    }
    let mut run = args.run;
    run.dry_run = true;
    super::run::run(run)
}
