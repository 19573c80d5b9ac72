//! `insider merge`: the run directories of a plan's shards ([`crate::shard`]) joined into one
//! new run directory, which `report`, `export` and `insider run --resume` then treat as one run.
//!
//! The shards must be of one plan (same models, conditions, samples, generation settings, seed
//! and grader; only the shard differs) and of one split (the same N, each K once). Missing
//! shards are refused unless `partial` is set; trials a shard has not completed are merged as
//! they are and counted, and `insider run --resume OUT` continues them (and, after a partial
//! merge, plans and runs the missing shards' trials, since the merged run has no shard).

use crate::config::ResolvedExperiment;
use crate::resume::{plan_differences, stored_experiment};
use crate::shard::Shard;
use anyhow::bail;
use insider_ledger::merge::{merge_ledgers, MergeSource, MergeSummary};
use insider_ledger::{Ledger, NewRun};
use std::path::{Path, PathBuf};

/// What a merge did.
#[derive(Debug, Clone)]
pub struct MergeOutcome {
    /// The ledger's account: each shard's trials, the total, those not completed.
    pub summary: MergeSummary,
    /// The split the shards came from (`N`).
    pub count: u32,
    /// Shards of the split not given (only with `partial`).
    pub missing: Vec<Shard>,
}

impl MergeOutcome {
    /// Lines telling the user what was merged and what is left.
    pub fn lines(&self, out: &Path) -> Vec<String> {
        let s = &self.summary;
        let mut lines: Vec<String> = s
            .shards
            .iter()
            .map(|m| {
                format!(
                    "  shard {}: {} trials ({} completed) from {}",
                    m.shard,
                    m.trials,
                    m.completed,
                    m.dir.display()
                )
            })
            .collect();
        lines.insert(
            0,
            format!(
                "merged {} of {} shards, {} trials, into {}",
                s.shards.len(),
                self.count,
                s.trials,
                out.display()
            ),
        );
        if !self.missing.is_empty() {
            let missing: Vec<String> = self.missing.iter().map(Shard::to_string).collect();
            lines.push(format!(
                "missing shards {}: `insider run --resume {}` plans and runs their trials",
                missing.join(", "),
                out.display()
            ));
        }
        if s.not_completed > 0 {
            lines.push(format!(
                "{} trials not completed (pending, interrupted or failed); continue them with \
                 `insider run --resume {}`",
                s.not_completed,
                out.display()
            ));
        }
        lines
    }
}

/// The parts of the plan on which two shards differ (empty: shards of one plan).
pub fn shard_plan_differences(a: &ResolvedExperiment, b: &ResolvedExperiment) -> Vec<&'static str> {
    let mut differences: Vec<&'static str> = plan_differences(a, b)
        .into_iter()
        .filter(|d| !d.starts_with("samples") && *d != "shard")
        .collect();
    if a.samples != b.samples {
        differences.push("samples");
    }
    if a.grader != b.grader {
        differences.push("grader");
    }
    differences
}

/// Merge the shards in `dirs` into a new run directory `out`; `argv` is recorded as the merge's
/// session.
pub fn merge_runs(
    dirs: &[PathBuf],
    out: &Path,
    partial: bool,
    argv: &str,
) -> anyhow::Result<MergeOutcome> {
    if dirs.is_empty() {
        bail!("nothing to merge: give the shards' run directories");
    }
    let mut shards: Vec<(PathBuf, ResolvedExperiment, Shard)> = Vec::new();
    // Held until the merge is written, so no shard starts running again meanwhile.
    let mut locks = Vec::new();
    for dir in dirs {
        let experiment = stored_experiment(&Ledger::open_read_only(dir)?)?;
        let Some(shard) = experiment.shard else {
            bail!(
                "{} is not a shard: its run was not started with --shard K/N (merge joins the \
                 shards of one plan)",
                dir.display()
            );
        };
        locks.extend(lock_idle(dir)?);
        if let Some((first, first_experiment, first_shard)) = shards.first() {
            let differences = shard_plan_differences(first_experiment, &experiment);
            if !differences.is_empty() {
                bail!(
                    "{} and {} are not shards of one plan ({} differ); merge only the shards \
                     of one config",
                    first.display(),
                    dir.display(),
                    differences.join(", ")
                );
            }
            if first_shard.count != shard.count {
                bail!(
                    "{} is shard {first_shard} but {} is shard {shard}: merge the shards of one \
                     split (the same N)",
                    first.display(),
                    dir.display()
                );
            }
        }
        if let Some((other, _, _)) = shards.iter().find(|(_, _, s)| *s == shard) {
            bail!(
                "shard {shard} is given twice, as {} and {}: they hold the same trials; merge \
                 each shard once",
                other.display(),
                dir.display()
            );
        }
        shards.push((dir.clone(), experiment, shard));
    }
    let count = shards[0].2.count;
    let missing: Vec<Shard> = (1..=count)
        .map(|index| Shard { index, count })
        .filter(|s| !shards.iter().any(|(_, _, given)| given == s))
        .collect();
    if !missing.is_empty() && !partial {
        let names: Vec<String> = missing.iter().map(Shard::to_string).collect();
        bail!(
            "shards {} of {count} are missing: give every shard's directory, or pass --partial \
             to merge these {} (then `insider run --resume {}` runs the missing trials)",
            names.join(", "),
            shards.len(),
            out.display()
        );
    }
    let mut merged = shards[0].1.clone();
    merged.shard = None;
    merged.limit = None;
    let run = NewRun::new(&merged.name, serde_json::to_value(&merged)?);
    let sources: Vec<MergeSource> = shards
        .iter()
        .map(|(dir, _, shard)| MergeSource {
            dir: dir.clone(),
            shard: shard.to_string(),
        })
        .collect();
    let summary = merge_ledgers(&sources, out, &run, argv)?;
    drop(locks);
    Ok(MergeOutcome {
        summary,
        count,
        missing,
    })
}

/// Refuse a shard that a live `insider run` is still working on (its ledger is not final);
/// else its lock, where the directory can be written.
fn lock_idle(dir: &Path) -> anyhow::Result<Option<insider_ledger::RunDirLock>> {
    match insider_ledger::RunDirLock::acquire(dir) {
        Ok(lock) => Ok(Some(lock)),
        Err(error)
            if error
                .downcast_ref::<insider_ledger::DirectoryBusy>()
                .is_some() =>
        {
            bail!(
                "{error:#}: that shard is still running; merge it once its `insider run` has ended"
            )
        }
        // A directory that cannot be written (an archive) cannot be running either.
        Err(_) => Ok(None),
    }
}
