//! `insider review RUN`: a blind, stratified sample of a run's classified trials written as a
//! labelling sheet; and a filled sheet read back against the run's stored verdicts
//! (`insider judge-check --gold SHEET`). The sampling and agreement maths are insider-judge's.

use anyhow::Context;
use insider_judge::{HumanLabel, ReviewCandidate, Verdict};
use insider_ledger::{Ledger, TrialStatus};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Sheet formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// Comma-separated, every cell quoted (spreadsheets).
    Csv,
    /// One JSON object per line (scripts).
    Jsonl,
}

impl std::str::FromStr for SheetFormat {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "csv" => Ok(SheetFormat::Csv),
            "jsonl" => Ok(SheetFormat::Jsonl),
            other => Err(format!("`{other}` is not a sheet format (csv, jsonl)")),
        }
    }
}

/// What `insider review` is asked for.
#[derive(Debug, Clone)]
pub struct ReviewRequest {
    /// The run directory.
    pub run: PathBuf,
    /// Trials drawn from each stratum.
    pub per_stratum: usize,
    /// Seed of the draw.
    pub seed: u64,
    /// Where to write the sheet (default: `review.csv`/`review.jsonl` in the run directory).
    pub out: Option<PathBuf>,
    /// Sheet format (default: from `out`'s extension, else CSV).
    pub format: Option<SheetFormat>,
}

impl ReviewRequest {
    fn format(&self) -> SheetFormat {
        self.format
            .unwrap_or_else(|| match self.out.as_ref().and_then(|p| p.extension()) {
                Some(ext) if ext == "jsonl" => SheetFormat::Jsonl,
                _ => SheetFormat::Csv,
            })
    }

    fn out(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            self.run.join(match self.format() {
                SheetFormat::Csv => "review.csv",
                SheetFormat::Jsonl => "review.jsonl",
            })
        })
    }
}

/// Draw the sheet, write it (whole or not at all) and return what to print.
pub fn write_sheet(request: &ReviewRequest) -> anyhow::Result<String> {
    let (format, out) = (request.format(), request.out());
    let candidates = review_candidates(&request.run)?;
    let run_name = request.run.display().to_string();
    let sample =
        insider_judge::sample_for_review(candidates, request.per_stratum, request.seed, &run_name);
    let text = match format {
        SheetFormat::Csv => insider_judge::sheet_csv(&sample.rows),
        SheetFormat::Jsonl => insider_judge::sheet_jsonl(&sample.rows),
    };
    // Written under a temporary name and renamed, so a full disk never leaves half a sheet.
    let partial = out.with_extension("partial");
    std::fs::write(&partial, text).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &out).with_context(|| format!("writing {}", out.display()))?;
    let mut said = String::new();
    let _ = writeln!(
        said,
        "wrote {} rows to {} (blind: no verdicts, votes or models; seed {})",
        sample.rows.len(),
        out.display(),
        request.seed
    );
    let _ = writeln!(said, "stratum                       trials  drawn");
    for (stratum, population, drawn) in &sample.strata {
        let _ = writeln!(
            said,
            "{:<28} {population:>7} {drawn:>6}",
            stratum.to_string()
        );
    }
    let _ = writeln!(
        said,
        "fill the `harmful` column with yes or no, then: insider judge-check --gold {}",
        out.display()
    );
    Ok(said)
}

/// The run's completed, classified trials.
fn review_candidates(run: &Path) -> anyhow::Result<Vec<ReviewCandidate>> {
    let ledger = Ledger::open_read_only(run)?;
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
            run.display(),
            run.display()
        );
    }
    Ok(candidates)
}

/// The run a sheet's rows name: `run`, else their `run` column (one run per sheet), found
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

/// A filled sheet's human labels against the stored verdicts of its run, as text.
pub fn check_sheet(sheet: &Path, run: Option<&Path>) -> anyhow::Result<String> {
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
    Ok(agreement.render(&sheet.display().to_string()))
}
