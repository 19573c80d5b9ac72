//! `insider classify`: classify (again) a run's replies from its ledger.

use insider_cli::classify::ClassifyArgs;
use insider_run::reclassify::{self, ClassifyRequest};
use std::process::ExitCode;

/// Run `insider classify`.
pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let request = ClassifyRequest {
        grader: args.grader,
        no_grader: args.no_grader,
        compat: args.compat,
        labels: args.labels,
        packs: args.packs,
        // Neither flag: as the run did (its `grader_batch`, `--batch`).
        batch: match (args.batch, args.no_batch) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    };
    let (options, harms) = reclassify::prepare(&args.run_dir, &request)?;
    // A batched grader answers whole batches: enough verdicts side by side to fill one.
    let concurrency = if reclassify::grader_batches(&args.run_dir, &request)? {
        reclassify::BATCH_CONCURRENCY
    } else {
        args.max_connections
    };
    let runtime = super::runtime()?;
    let outcome = runtime.block_on(reclassify::reclassify_with_harms(
        &args.run_dir,
        options,
        concurrency,
        &harms,
    ))?;
    for warning in &outcome.warnings {
        eprintln!("{warning}");
    }
    println!("{outcome}");
    // The run directory's report.html shows the verdicts just written, as after `insider run`.
    let (err, out) = insider_report::commands::end_of_run(&args.run_dir, true);
    eprint!("{err}");
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
