//! `insider review RUN`: a blind, stratified sample of a run's classified trials as a labelling
//! sheet; and the filled sheet read back by `insider judge-check --gold SHEET`.

use anyhow::Context;
use clap::{Args, ValueEnum};
use insider_judge::{HumanLabel, ReviewCandidate, Verdict};
use insider_ledger::{Ledger, TrialStatus};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Sheet formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SheetFormat {
    /// Comma-separated, every cell quoted (spreadsheets).
    Csv,
    /// One JSON object per line (scripts).
    Jsonl,
}

/// Arguments of `insider review`.
#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The run directory.
    pub run: PathBuf,
    /// Trials drawn from each stratum (final verdict × whether the grader panel disagreed).
    #[arg(long, default_value_t = 20)]
    pub per_stratum: usize,
    /// Seed of the draw: the same seed draws the same sheet.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the sheet (default: `review.csv` or `review.jsonl` in the run directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Sheet format (default: from `--out`'s extension, else CSV).
    #[arg(long, value_enum)]
    pub format: Option<SheetFormat>,
}

/// Run `insider review`.
pub fn run(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let format =
        args.format
            .unwrap_or_else(|| match args.out.as_ref().and_then(|p| p.extension()) {
                Some(ext) if ext == "jsonl" => SheetFormat::Jsonl,
                _ => SheetFormat::Csv,
            });
    let out = args.out.clone().unwrap_or_else(|| {
        args.run.join(match format {
            SheetFormat::Csv => "review.csv",
            SheetFormat::Jsonl => "review.jsonl",
        })
    });
    let ledger = Ledger::open_read_only(&args.run)?;
    let mut candidates = Vec::new();
    ledger.for_each_trial(|trial| {
        if let (TrialStatus::Completed, Some(verdict)) = (trial.status, trial.verdict) {
            candidates.push(ReviewCandidate {
                trial_id: trial.trial_id,
                scenario: trial.scenario,
                condition: trial.condition,
                reply: trial.reply.unwrap_or_default(),
                verdict,
            });
        }
        Ok(())
    })?;
    if candidates.is_empty() {
        anyhow::bail!(
            "{}: no classified trials to review; run `insider classify {}` first",
            args.run.display(),
            args.run.display()
        );
    }
    let run_name = args.run.display().to_string();
    let sample =
        insider_judge::sample_for_review(candidates, args.per_stratum, args.seed, &run_name);
    let text = match format {
        SheetFormat::Csv => insider_judge::sheet_csv(&sample.rows),
        SheetFormat::Jsonl => insider_judge::sheet_jsonl(&sample.rows),
    };
    // Written under a temporary name and renamed, so a full disk never leaves half a sheet.
    let partial = out.with_extension("partial");
    std::fs::write(&partial, text).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &out).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "wrote {} rows to {} (blind: no verdicts, votes or models; seed {})",
        sample.rows.len(),
        out.display(),
        args.seed
    );
    println!("stratum                       trials  drawn");
    for (stratum, population, drawn) in &sample.strata {
        println!("{:<28} {population:>7} {drawn:>6}", stratum.to_string());
    }
    println!(
        "fill the `harmful` column with yes or no, then: insider judge-check --gold {}",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The run a sheet's rows name: `--run`, else their `run` column (one run per sheet), found
/// from the working directory or, failing that, from the sheet's folder.
fn sheet_run(sheet: &Path, labels: &[HumanLabel], run: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(run) = run {
        return Ok(run.to_path_buf());
    }
    let runs: HashSet<&str> = labels.iter().map(|l| l.run.as_str()).collect();
    let mut runs: Vec<&str> = runs.into_iter().collect();
    runs.sort_unstable();
    match runs.as_slice() {
        [run] if !run.is_empty() => {
            let direct = PathBuf::from(run);
            let beside = sheet.parent().unwrap_or(Path::new(".")).join(run);
            Ok(if direct.exists() || !beside.exists() {
                direct
            } else {
                beside
            })
        }
        [] | [_] => anyhow::bail!(
            "{}: the sheet has no `run` column; name the run with --run DIR",
            sheet.display()
        ),
        many => anyhow::bail!(
            "{}: the sheet's rows name {} runs ({}); check one run at a time with --run DIR",
            sheet.display(),
            many.len(),
            many.join(", ")
        ),
    }
}

/// `insider judge-check --gold SHEET`: the run's stored verdicts against the human labels.
pub fn check_sheet(sheet: &Path, run: Option<&Path>) -> anyhow::Result<ExitCode> {
    let labels = insider_judge::read_sheet(sheet)?;
    if labels.is_empty() {
        anyhow::bail!("{}: the sheet has no rows", sheet.display());
    }
    let run_dir = sheet_run(sheet, &labels, run)?;
    let wanted: HashSet<i64> = labels.iter().map(|l| l.trial_id).collect();
    let ledger = Ledger::open_read_only(&run_dir)
        .with_context(|| format!("the run of {}", sheet.display()))?;
    let mut verdicts: HashMap<i64, Verdict> = HashMap::new();
    ledger.for_each_trial(|trial| {
        if let (true, Some(verdict)) = (wanted.contains(&trial.trial_id), trial.verdict) {
            verdicts.insert(trial.trial_id, verdict);
        }
        Ok(())
    })?;
    let agreement = insider_judge::human_agreement(&labels, |l| verdicts.get(&l.trial_id));
    if agreement.labelled == 0 {
        anyhow::bail!(
            "{}: no row has a label yet; fill the `harmful` column with yes or no",
            sheet.display()
        );
    }
    print!("{}", agreement.render(&sheet.display().to_string()));
    Ok(ExitCode::SUCCESS)
}
