//! Continuing a run: `--resume DIR` takes the experiment stored in the ledger and lets only the
//! pacing change; re-running a config into a directory that already holds a run continues it
//! only when the plan is the same.
//!
//! The plan is what the trials are: models, conditions, samples, generation settings and seed.
//! Pacing is how they are worked through: connections, the per-invocation limit, and whether
//! replies are classified inline. Changing the plan of a paid run would mix two experiments in
//! one ledger, so it is refused with what to do instead.

use crate::config::ResolvedExperiment;
use anyhow::Context;
use insider_ledger::Ledger;
use std::path::Path;

/// What `--resume` may change: how fast the remaining trials run, never what they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pacing {
    /// Concurrent requests per model (replaces every model's stored value).
    pub max_connections: Option<usize>,
    /// At most this many trials in this invocation.
    pub limit: Option<u64>,
    /// Store replies without classifying them.
    pub no_classify: bool,
    /// Grow the run to this many samples per model × condition (never fewer than it has).
    pub samples: Option<i64>,
}

/// The experiment stored in `ledger` when its run began.
pub fn stored_experiment(ledger: &Ledger) -> anyhow::Result<ResolvedExperiment> {
    serde_json::from_value(ledger.run_info()?.config)
        .with_context(|| format!("run config in ledger {}", ledger.path().display()))
}

/// The experiment to continue the run in `run_dir` with: the stored one, with `pacing` applied.
pub fn resume_experiment(run_dir: &Path, pacing: &Pacing) -> anyhow::Result<ResolvedExperiment> {
    let ledger = Ledger::open_read_only(run_dir)?;
    let mut experiment = stored_experiment(&ledger)?;
    if let Some(n) = pacing.max_connections {
        for model in &mut experiment.models {
            model.config.max_connections = Some(n);
        }
    }
    experiment.limit = pacing.limit;
    if pacing.no_classify {
        experiment.classify = false;
    }
    if let Some(samples) = pacing.samples {
        if samples < i64::from(experiment.samples) {
            anyhow::bail!(
                "--samples {samples}: the run in {} already has {} samples per model × \
                 condition; a run can grow, never shrink",
                run_dir.display(),
                experiment.samples
            );
        }
        experiment.samples = u32::try_from(samples)
            .map_err(|_| anyhow::anyhow!("--samples {samples} is too large"))?;
    }
    Ok(experiment)
}

/// The parts of the plan on which `stored` and `new` differ (empty: the same plan, possibly
/// with more samples, which grows the run).
pub fn plan_differences(
    stored: &ResolvedExperiment,
    new: &ResolvedExperiment,
) -> Vec<&'static str> {
    let mut differences = Vec::new();
    if stored
        .models
        .iter()
        .map(|m| &m.name)
        .ne(new.models.iter().map(|m| &m.name))
    {
        differences.push("models");
    }
    if stored.conditions != new.conditions {
        differences.push("conditions");
    }
    // More samples grow the run (the missing ones are added); fewer would hide paid trials.
    if stored.samples > new.samples {
        differences.push("samples (fewer than the run has)");
    }
    if stored
        .models
        .iter()
        .zip(&new.models)
        .any(|(a, b)| a.config.generation != b.config.generation)
    {
        differences.push("generation settings");
    }
    if stored.seed != new.seed {
        differences.push("seed");
    }
    if stored.shard != new.shard {
        differences.push("shard");
    }
    differences
}

/// Refuse to run `experiment` into `run_dir` when the directory already holds a run with a
/// different plan; a directory without a ledger, or one with the same plan, is fine.
pub fn check_same_plan(run_dir: &Path, experiment: &ResolvedExperiment) -> anyhow::Result<()> {
    if !Ledger::exists(run_dir) {
        return Ok(());
    }
    let stored = stored_experiment(&Ledger::open_read_only(run_dir)?)?;
    let differences = plan_differences(&stored, experiment);
    if differences.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{dir} holds a run with a different plan ({what} differ); choose another --out, or \
         continue it with `insider run --resume {dir}`",
        dir = run_dir.display(),
        what = differences.join(", ")
    )
}
