//! `insider report` and `insider compare`: rates with Wilson intervals, comparisons with
//! Newcombe intervals and Fisher/Holm p-values, and the HTML report.

use insider_cli::report::{CompareArgs, ReportArgs};
use insider_report::commands::{self, CompareRequest, ReportRequest};
use insider_report::compare::CompareOptions;
use insider_report::pooled::PooledOptions;
use insider_report::HtmlOptions;
use std::process::ExitCode;

/// Run `insider report`.
pub fn run_report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let request = ReportRequest {
        run_dir: args.run_dir,
        by: args.by,
        format: args.format,
        html: args.html,
        html_options: HtmlOptions {
            max_transcripts: args.max_transcripts,
            include_raw: !args.no_raw,
            ..HtmlOptions::default()
        },
    };
    let (table, note) = commands::report(&request)?;
    print!("{table}");
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `insider compare`.
pub fn run_compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let request = CompareRequest {
        run_dirs: args.run_dirs,
        by: args.by,
        baseline: args.baseline,
        within: args.within,
        format: args.format,
        options: CompareOptions {
            cluster: args.cluster,
            pooled: PooledOptions {
                replicates: args.bootstrap,
                seed: args.bootstrap_seed,
            },
        },
    };
    print!("{}", commands::compare(&request)?);
    Ok(ExitCode::SUCCESS)
}
