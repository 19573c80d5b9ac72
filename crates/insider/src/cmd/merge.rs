//! `insider merge`: join the run directories of a plan's shards (`insider run --shard K/N`)
//! into one new run directory.

use insider_cli::merge::MergeArgs;
use std::process::ExitCode;

/// Run `insider merge`.
pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let argv = std::env::args().collect::<Vec<_>>().join(" ");
    match insider_run::merge_runs::merge_runs(&args.dirs, &args.out, args.partial, &argv) {
        Ok(outcome) => {
            for line in outcome.lines(&args.out) {
                println!("{line}");
            }
            // The merged run's HTML report, as the end of `insider run` writes one.
            let (err, out) = insider_report::commands::end_of_run(&args.out, true);
            eprint!("{err}");
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            Ok(ExitCode::from(2))
        }
    }
}
