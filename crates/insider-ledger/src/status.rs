//! Where a run stands (`insider runs show`): counts, failures by reason, per-model totals and
//! prompt-cache use.

use crate::{Ledger, ModelTotals, RunInfo};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::path::Path;

/// Failed or abandoned trials sharing one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureGroup {
    /// `permanent`, `retries_exhausted` or `cancelled`.
    pub kind: String,
    /// The recorded reason.
    pub reason: String,
    /// How many trials.
    pub count: u64,
}

/// The status of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    /// Run directory.
    pub run_dir: String,
    /// Provenance.
    pub run: RunInfo,
    /// Trials planned.
    pub total: u64,
    /// Trials with a reply.
    pub completed: u64,
    /// Trials whose last call failed.
    pub failed: u64,
    /// Trials still to do (pending, in flight, abandoned).
    pub pending: u64,
    /// Trials with a verdict.
    pub classified: u64,
    /// Attempts made in all.
    pub attempts: u64,
    /// Attempts that failed (each one retried or given up).
    pub failed_attempts: u64,
    /// Trials that needed more than one attempt.
    pub retried_trials: u64,
    /// Failures grouped by reason.
    pub failures: Vec<FailureGroup>,
    /// Per-model totals.
    pub models: Vec<ModelTotals>,
    /// Total cost in USD of completed trials with a known price.
    pub cost_usd: f64,
    /// Each model's verdicts and unscored ones by reason code.
    #[serde(default)]
    pub unscored: Vec<crate::ModelUnscored>,
    /// What each grader model's calls cost (empty when no verdict names a grader).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graders: Vec<crate::GraderSpend>,
    /// The shards a merged run was made from (`insider merge`; empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<crate::merge::MergedShard>,
}

/// Read the status of the run in `run_dir`.
pub fn run_status(run_dir: &Path) -> anyhow::Result<RunStatus> {
    let ledger = Ledger::open_read_only(run_dir)?;
    let counts = ledger.status_counts()?;
    let models = ledger.model_totals()?;
    let mut classified = 0;
    ledger.for_each_summary(|s| {
        classified += u64::from(s.harmful.is_some());
        Ok(())
    })?;
    Ok(RunStatus {
        run_dir: run_dir.display().to_string(),
        run: ledger.run_info()?,
        total: counts.total(),
        completed: counts.completed,
        failed: counts.failed,
        pending: counts.left(),
        classified,
        attempts: models.iter().map(|m| m.attempts).sum(),
        failed_attempts: models.iter().map(|m| m.failed_attempts).sum(),
        retried_trials: models.iter().map(|m| m.retried_trials).sum(),
        failures: ledger
            .failures_by_reason()?
            .into_iter()
            .map(|(kind, reason, count)| FailureGroup {
                kind,
                reason,
                count,
            })
            .collect(),
        cost_usd: models.iter().map(|m| m.cost_usd).sum(),
        models,
        unscored: ledger.unscored_by_model()?,
        graders: ledger.grader_spend()?,
        merged_from: ledger.merged_from()?,
    })
}

/// One run directory under a folder, as `insider runs list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunListing {
    /// The run directory.
    pub run_dir: std::path::PathBuf,
    /// Its provenance and counts, or why its ledger could not be read.
    pub status: Result<(RunInfo, crate::StatusCounts), String>,
}

/// Every run directory directly under `dir` (those holding a ledger), in name order; a
/// missing `dir` has none.
pub fn list_runs(dir: &Path) -> anyhow::Result<Vec<RunListing>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => anyhow::bail!("reading {}: {error}", dir.display()),
    };
    let mut dirs: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| Ledger::exists(path))
        .collect();
    dirs.sort();
    Ok(dirs
        .into_iter()
        .map(|run_dir| {
            let status = Ledger::open_read_only(&run_dir)
                .and_then(|ledger| Ok((ledger.run_info()?, ledger.status_counts()?)))
                .map_err(|error| format!("{error:#}"));
            RunListing { run_dir, status }
        })
        .collect())
}

/// The listing as a table, one run a line.
pub fn listing_text(runs: &[RunListing]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<50}  {:<20}  {:>7}  {:>9}  {:>6}  {:>7}  started",
        "run directory", "name", "total", "completed", "failed", "pending"
    );
    for run in runs {
        let path = run.run_dir.display();
        let _ = match &run.status {
            Ok((info, counts)) => writeln!(
                out,
                "{path:<50}  {:<20}  {:>7}  {:>9}  {:>6}  {:>7}  {}",
                info.name,
                counts.total(),
                counts.completed,
                counts.failed,
                counts.left(),
                info.started_at
            ),
            Err(error) => writeln!(out, "{path:<50}  unreadable: {error}"),
        };
    }
    out
}

impl RunStatus {
    /// Human-readable form.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "run {} ({})", self.run.name, self.run_dir);
        let _ = writeln!(
            out,
            "  id {}  insider {}{}  host {}",
            self.run.run_id,
            self.run.tool_version,
            self.run
                .git_revision
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            self.run.host.as_deref().unwrap_or("?")
        );
        let _ = writeln!(
            out,
            "  started {}  ended {}",
            self.run.started_at,
            self.run.ended_at.as_deref().unwrap_or("-")
        );
        for (i, m) in self.merged_from.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {} shard {} from {} (run {}, host {}): {} trials, {} completed",
                if i == 0 { "merged:" } else { "       " },
                m.shard,
                m.dir.display(),
                m.run_id,
                m.host.as_deref().unwrap_or("?"),
                m.trials,
                m.completed
            );
        }
        let _ = writeln!(
            out,
            "trials: {} total, {} completed, {} failed, {} pending; {} classified",
            self.total, self.completed, self.failed, self.pending, self.classified
        );
        let _ = writeln!(
            out,
            "attempts: {} made, {} failed and retried or given up; {} trials needed retries",
            self.attempts, self.failed_attempts, self.retried_trials
        );
        let _ = writeln!(
            out,
            "{:<40}  {:>7}  {:>9}  {:>6}  {:>7}  {:>12}  {:>12}  {:>10}  {:>8}  {:>7}",
            "model",
            "total",
            "completed",
            "failed",
            "pending",
            "in tokens",
            "out tokens",
            "cost",
            "attempts",
            "retried"
        );
        for m in &self.models {
            let cost = if m.cost_unknown > 0 && m.cost_usd == 0.0 {
                "unknown".to_string()
            } else {
                format!("${:.4}", m.cost_usd)
            };
            let _ = writeln!(
                out,
                "{:<40}  {:>7}  {:>9}  {:>6}  {:>7}  {:>12}  {:>12}  {:>10}  {:>8}  {:>7}",
                m.model,
                m.total,
                m.completed,
                m.failed,
                m.pending,
                m.input_tokens,
                m.output_tokens,
                cost,
                m.attempts,
                m.retried_trials
            );
        }
        for m in &self.models {
            if let Some(cache) = &m.cache {
                let _ = writeln!(out, "{}", cache.line(&m.model));
            }
        }
        for grader in &self.graders {
            let _ = writeln!(out, "{}", grader.line());
        }
        out.push_str(&crate::unscored_advice::unscored_text(&self.unscored));
        if !self.failures.is_empty() {
            let _ = writeln!(out, "failures by reason:");
            for f in &self.failures {
                let _ = writeln!(out, "  {:>6}  {:<18}  {}", f.count, f.kind, f.reason);
            }
        }
        out
    }
}
