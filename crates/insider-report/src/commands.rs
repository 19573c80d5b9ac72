//! What the reading commands print, from their parsed arguments: `insider report`,
//! `insider compare`, `insider transcript`, and the end of `insider run`. The CLI parses flags
//! into these requests and prints what comes back; nothing here parses a command line.

use crate::compare::{compare_factor, compare_runs, render_comparisons, CompareOptions};
use crate::excerpt::{trial_excerpt, ExcerptOptions, TrialChoice, TrialPicker};
use crate::table::{check_factors_present, parse_grouping, tabulate_facts_many, DEFAULT_GROUPING};
use crate::{render_report, HtmlOptions, TextFormat, TrialSource};
use anyhow::Context;
use insider_ledger::Ledger;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// `insider report`.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// Run directory.
    pub run_dir: PathBuf,
    /// Grouping, comma-separated factor names.
    pub by: String,
    /// Text format of the table.
    pub format: TextFormat,
    /// Also write the HTML report here.
    pub html: Option<PathBuf>,
    /// HTML options (transcripts, raw bodies).
    pub html_options: HtmlOptions,
}

/// The table of `request` (for stdout) and, with `--html`, the line saying what was written
/// (for stderr).
pub fn report(request: &ReportRequest) -> anyhow::Result<(String, Option<String>)> {
    let ledger = Ledger::open_read_only(&request.run_dir)?;
    let by = parse_grouping(&request.by)?;
    let (mut tables, provenance) = tabulate_facts_many(&ledger, &[by])?;
    let table = tables.remove(0);
    check_factors_present(&table)?;
    let text = render_report(&table, &provenance, request.format);
    let Some(path) = &request.html else {
        return Ok((text, None));
    };
    let summary = crate::write_html_report(&ledger, path, &request.html_options)
        .with_context(|| format!("writing HTML report {}", path.display()))?;
    let note = format!(
        "wrote {} ({} transcripts, {:.1} MiB)",
        summary.path.display(),
        summary.transcripts,
        summary.bytes as f64 / 1_048_576.0
    );
    Ok((text, Some(note)))
}

/// `insider compare`.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    /// One run (with `by`) or two (A, then the baseline B).
    pub run_dirs: Vec<PathBuf>,
    /// The factor whose levels are compared within one run.
    pub by: Option<String>,
    /// Its baseline level.
    pub baseline: Option<String>,
    /// Groups to compare within, comma-separated.
    pub within: Option<String>,
    /// Output format.
    pub format: TextFormat,
    /// Clusters and bootstrap.
    pub options: CompareOptions,
}

/// The comparisons of `request`, rendered.
pub fn compare(request: &CompareRequest) -> anyhow::Result<String> {
    let options = &request.options;
    let set = match (request.run_dirs.as_slice(), &request.by) {
        ([run_dir], Some(factor)) => {
            let ledger = Ledger::open_read_only(run_dir)?;
            let within = parse_grouping(request.within.as_deref().unwrap_or("model"))?;
            compare_factor(&ledger, factor, request.baseline.as_deref(), &within, options)?
        }
        ([_], None) => anyhow::bail!(
            "one run needs `--by <factor>` (e.g. `insider compare RUN --by extra_instructions`); or give two runs"
        ),
        ([a, b], None) => {
            let within = match &request.within {
                Some(text) => parse_grouping(text)?,
                None => DEFAULT_GROUPING.iter().map(|s| s.to_string()).collect(),
            };
            let (label_a, label_b) = (a.display().to_string(), b.display().to_string());
            compare_runs(
                (&Ledger::open_read_only(a)?, &label_a),
                (&Ledger::open_read_only(b)?, &label_b),
                &within,
                options,
            )?
        }
        ([_, _], Some(_)) => {
            anyhow::bail!("--by compares levels within one run; with two runs use --within")
        }
        _ => anyhow::bail!("give one run directory (with --by) or two"),
    };
    Ok(render_comparisons(&set, request.format))
}

/// `insider transcript`: the excerpt of the trial `choice` picks from the run in `run_dir`, or
/// the reason there is none.
pub fn transcript(
    run_dir: &Path,
    choice: TrialChoice,
    options: &ExcerptOptions,
) -> anyhow::Result<Result<String, String>> {
    let ledger = Ledger::open_read_only(run_dir)?;
    let mut picker = TrialPicker::new(choice);
    let mut done = false;
    TrialSource::for_each_trial(&ledger, &mut |record| {
        if !done {
            done = picker.offer(record);
        }
        Ok(())
    })?;
    Ok(match picker.finish() {
        Some((record, why)) => Ok(trial_excerpt(&record, why, options)),
        None => Err(format!(
            "{}: {}",
            run_dir.display(),
            match choice {
                TrialChoice::Id(id) => format!("no trial with id {id}"),
                TrialChoice::FirstWithAction => "no completed trial yet".to_string(),
            }
        )),
    })
}

/// What the end of `insider run` prints: the summary table (unless `quiet`) and the HTML report
/// written into the run directory. Returns (stderr, stdout); a part that could not be made is
/// a warning on stderr, never an error: the run itself is recorded either way.
pub fn end_of_run(run_dir: &Path, quiet: bool) -> (String, String) {
    let (mut err, mut out) = (String::new(), String::new());
    if !quiet {
        match crate::summary_table(run_dir) {
            Ok(table) => err.push_str(&table),
            Err(error) => {
                let _ = writeln!(err, "warning: no summary table: {error:#}");
            }
        }
    }
    let report = run_dir.join(crate::RUN_REPORT_FILE);
    match crate::write_html(run_dir, &report) {
        Ok(_) => {
            let _ = writeln!(out, "report: {}", report.display());
        }
        Err(error) => {
            let _ = writeln!(err, "warning: no HTML report: {error:#}");
        }
    }
    (err, out)
}

/// [`end_of_run`] after `insider run`: the summary table, then `warnings` (e.g. harm specs that
/// do not fit the replies), then the truncated, empty and refused replies with the setting to
/// change, then the HTML report's path. Returns (stderr, stdout).
pub fn after_run(run_dir: &Path, quiet: bool, warnings: &[String]) -> (String, String) {
    let (mut err, out) = end_of_run(run_dir, quiet);
    for warning in warnings {
        let _ = writeln!(err, "{warning}");
    }
    // The run is recorded whether or not this can be read.
    match insider_ledger::unscored_advice::run_reply_advice(run_dir) {
        Ok(lines) => lines.iter().for_each(|line| {
            let _ = writeln!(err, "{line}");
        }),
        Err(error) => {
            let _ = writeln!(err, "warning: no unscored summary: {error:#}");
        }
    }
    (err, out)
}
