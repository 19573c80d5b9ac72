//! `insider report` and `insider compare`: rates with Wilson intervals, comparisons with
//! Newcombe intervals and Fisher/Holm p-values, and the HTML report.

use anyhow::Context;
use clap::Args;
use insider_ledger::Ledger;
use insider_report::compare::{compare_factor, compare_runs, render_comparisons, CompareOptions};
use insider_report::pooled::PooledOptions;
use insider_report::table::{
    check_factors_present, parse_grouping, tabulate_facts_many, DEFAULT_GROUPING,
};
use insider_report::{render_report, HtmlOptions, TextFormat};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `insider report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Run directory (holds ledger.sqlite).
    pub run_dir: PathBuf,
    /// Group by these factors, comma-separated (model, condition, scenario, goal_type,
    /// goal_value, urgency, extra_instructions, awareness_notice, prod).
    #[arg(long, default_value = "model,condition")]
    pub by: String,
    /// Output format: table, markdown, csv or json.
    #[arg(long, default_value = "table")]
    pub format: TextFormat,
    /// Also write the self-contained HTML report to this file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Embed at most this many transcripts in the HTML report (statistics use every trial).
    #[arg(long)]
    pub max_transcripts: Option<usize>,
    /// Leave raw provider responses out of the HTML report (smaller file).
    #[arg(long)]
    pub no_raw: bool,
}

/// Run `insider report`.
pub fn run_report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let ledger = Ledger::open_read_only(&args.run_dir)?;
    let by = parse_grouping(&args.by)?;
    let (mut tables, provenance) = tabulate_facts_many(&ledger, &[by])?;
    let table = tables.remove(0);
    check_factors_present(&table)?;
    print!("{}", render_report(&table, &provenance, args.format));
    if let Some(path) = &args.html {
        let options = HtmlOptions {
            max_transcripts: args.max_transcripts,
            include_raw: !args.no_raw,
            ..HtmlOptions::default()
        };
        let summary = insider_report::write_html_report(&ledger, path, &options)
            .with_context(|| format!("writing HTML report {}", path.display()))?;
        eprintln!(
            "wrote {} ({} transcripts, {:.1} MiB)",
            summary.path.display(),
            summary.transcripts,
            summary.bytes as f64 / 1_048_576.0
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `insider compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// One run directory (with --by), or two (A then B; B is the baseline).
    #[arg(required = true, num_args = 1..=2)]
    pub run_dirs: Vec<PathBuf>,
    /// Compare the levels of this factor (e.g. extra_instructions) against a baseline level.
    #[arg(long)]
    pub by: Option<String>,
    /// Baseline level of --by (default: `none` if present, else the first level).
    #[arg(long)]
    pub baseline: Option<String>,
    /// Compare within each group of these factors (default: model; for two runs: model,condition).
    #[arg(long)]
    pub within: Option<String>,
    /// Output format: table, markdown, csv or json.
    #[arg(long, default_value = "table")]
    pub format: TextFormat,
    /// What one cluster (unit of the paired analysis) is: `condition` (default for two runs) or
    /// a factor; for --by, the default is the condition apart from the compared factor.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Cluster bootstrap resamples (0: none).
    #[arg(long, default_value_t = insider_report::design::DEFAULT_REPLICATES)]
    pub bootstrap: usize,
    /// Seed of the cluster bootstrap.
    #[arg(long, default_value_t = insider_report::design::DEFAULT_SEED)]
    pub bootstrap_seed: u64,
}

/// Run `insider compare`.
pub fn run_compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let options = CompareOptions {
        cluster: args.cluster.clone(),
        pooled: PooledOptions {
            replicates: args.bootstrap,
            seed: args.bootstrap_seed,
        },
    };
    let set = match (args.run_dirs.as_slice(), &args.by) {
        ([run_dir], Some(factor)) => {
            let ledger = Ledger::open_read_only(run_dir)?;
            let within = parse_grouping(args.within.as_deref().unwrap_or("model"))?;
            compare_factor(&ledger, factor, args.baseline.as_deref(), &within, &options)?
        }
        ([_], None) => anyhow::bail!(
            "one run needs `--by <factor>` (e.g. `insider compare RUN --by extra_instructions`); or give two runs"
        ),
        ([a, b], by) => {
            if by.is_some() {
                anyhow::bail!("--by compares levels within one run; with two runs use --within");
            }
            let within = match &args.within {
                Some(text) => parse_grouping(text)?,
                None => DEFAULT_GROUPING.iter().map(|s| s.to_string()).collect(),
            };
            let (label_a, label_b) = (a.display().to_string(), b.display().to_string());
            compare_runs(
                (&Ledger::open_read_only(a)?, &label_a),
                (&Ledger::open_read_only(b)?, &label_b),
                &within,
                &options,
            )?
        }
        _ => unreachable!("clap allows one or two run directories"),
    };
    print!("{}", render_comparisons(&set, args.format));
    Ok(ExitCode::SUCCESS)
}
