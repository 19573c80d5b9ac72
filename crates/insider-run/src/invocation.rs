//! One `insider run` invocation: a config file and flags (or a run to resume) resolved into the
//! experiment and its run directory, with what the user should be told before it starts, and
//! how the run ended once it has.
//!
//! The CLI parses flags into [`Overrides`] and picks exit codes; everything between is here so
//! that it can be tested without a process.

use crate::config::{self, ExperimentFile, Overrides, ResolvedExperiment};
use crate::resume::{self, Pacing};
use crate::runner::RunResult;
use insider_ledger::Ledger;
use std::path::{Path, PathBuf};

/// What one invocation asks for, beyond the flags in [`Overrides`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Invocation<'a> {
    /// `--config FILE`.
    pub config: Option<&'a Path>,
    /// `--resume DIR`.
    pub resume: Option<&'a Path>,
    /// `--dry-run`: a missing key is a note, not an error.
    pub dry_run: bool,
    /// `-T key=value` task arguments: any of them makes the run the Inspect task.
    pub task_args: &'a [String],
}

/// The grader named by `--model-role grader=M` flags (the only role there is).
pub fn grader_role(roles: &[String]) -> anyhow::Result<Option<String>> {
    let mut grader = None;
    for role in roles {
        match role.split_once('=') {
            Some(("grader", model)) if !model.is_empty() => grader = Some(model.to_string()),
            _ => anyhow::bail!(
                "--model-role `{role}`: expected grader=PROVIDER/MODEL (the only role is `grader`)"
            ),
        }
    }
    Ok(grader)
}

/// The experiment and run directory of `invocation`. `note` receives, as they arise, the
/// warnings and notes the user should read before the run starts (a located config mistake is
/// a [`config::Problem`] inside the error).
pub fn resolve(
    invocation: Invocation<'_>,
    overrides: &Overrides,
    note: &mut dyn FnMut(String),
) -> anyhow::Result<(ResolvedExperiment, PathBuf)> {
    let mut overrides = overrides.clone();
    config::apply_task_args(invocation.task_args, &mut overrides)?;
    let overrides = &mut overrides;
    if let Some(dir) = invocation.resume {
        let ignored = overrides.plan_flags();
        if !ignored.is_empty() {
            note(format!(
                "warning: --resume continues the plan stored in {}; ignored: {} (only \
                 --max-connections, --limit, --no-classify and a larger --samples apply)",
                dir.display(),
                ignored.join(", ")
            ));
        }
        let pacing = Pacing {
            max_connections: overrides.max_connections,
            limit: overrides.limit,
            no_classify: overrides.no_classify,
            samples: overrides.samples,
        };
        return Ok((resume::resume_experiment(dir, &pacing)?, dir.to_path_buf()));
    }
    if !invocation.task_args.is_empty() {
        for line in config::inspect_task(overrides)? {
            note(line);
        }
    }
    let overrides = &*overrides;
    let file: Option<ExperimentFile> = invocation.config.map(config::load_file).transpose()?;
    let experiment = config::resolve(invocation.config.zip(file.as_ref()), overrides)?;
    let mut run_dir = config::run_dir(file.as_ref(), overrides, &experiment.name);
    // Shards of one config get a directory each, unless `--out` names one.
    if let (Some(shard), None) = (experiment.shard, &overrides.out) {
        let mut name = run_dir.file_name().unwrap_or_default().to_os_string();
        name.push(shard.dir_suffix());
        run_dir.set_file_name(name);
    }
    let unnamed = overrides.models.is_empty() && file.as_ref().is_none_or(|f| f.models.is_empty());
    for line in model_notes(&experiment, unnamed, invocation.dry_run) {
        note(line);
    }
    resume::check_same_plan(&run_dir, &experiment)?;
    Ok((experiment, run_dir))
}

/// What the user may not expect: the demo model standing in for an unnamed one, and (in a dry
/// run) the keys a real run will need.
pub fn model_notes(experiment: &ResolvedExperiment, unnamed: bool, dry_run: bool) -> Vec<String> {
    let mut notes = Vec::new();
    let demo = experiment
        .models
        .iter()
        .any(|m| m.name == insider_model::DEFAULT_LOCAL_MODEL);
    if unnamed && demo {
        notes.extend(demo_banner());
    }
    if dry_run {
        for model in &experiment.models {
            if let Err(error) = insider_model::check(&model.name, &model.config) {
                notes.push(format!(
                    "note: {error} (fine for a dry run; a real run needs it)"
                ));
            }
        }
    }
    notes
}

/// The banner shown when no `--model` and no API key make the run fall back to the demo model.
pub fn demo_banner() -> Vec<String> {
    let rule = "=".repeat(78);
    vec![
        rule.clone(),
        format!(
            "no --model and no API key set (ANTHROPIC_API_KEY, OPENAI_API_KEY, GOOGLE_API_KEY): \
             falling back to the embedded demo model {}",
            insider_model::DEFAULT_LOCAL_MODEL
        ),
        "it has 135M parameters and runs in this process: its rates show the pipeline working, \
         they are not findings; a plan of more than an hour on it needs --yes"
            .to_string(),
        "name a model with --model PROVIDER/MODEL, or set a key (docs/providers.md)".to_string(),
        rule,
    ]
}

/// How a run that was not stopped at once ended, from its ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Every trial completed.
    Complete,
    /// Stopped (Ctrl-C, SIGTERM) with trials left.
    Interrupted {
        /// Trials not done.
        left: u64,
    },
    /// Ended with trials left (e.g. `--limit`).
    Left {
        /// Trials not done.
        left: u64,
    },
    /// Every trial ended, some failed for good.
    Failed {
        /// Failed trials.
        failed: u64,
    },
}

impl Ending {
    /// Read the ending of `result` from its ledger.
    pub fn of(result: &RunResult) -> anyhow::Result<Ending> {
        let counts = Ledger::open(&result.run_dir)?.status_counts()?;
        Ok(if result.interrupted {
            Ending::Interrupted {
                left: counts.left(),
            }
        } else if counts.left() > 0 {
            Ending::Left {
                left: counts.left(),
            }
        } else if counts.failed > 0 {
            Ending::Failed {
                failed: counts.failed,
            }
        } else {
            Ending::Complete
        })
    }

    /// The process exit status: 0 complete, 130 interrupted, 1 trials left or failed.
    pub fn exit_status(&self) -> u8 {
        match self {
            Ending::Complete => 0,
            Ending::Interrupted { .. } => 130,
            Ending::Left { .. } | Ending::Failed { .. } => 1,
        }
    }

    /// The line telling the user what to do next (`None` when there is nothing to do).
    pub fn advice(&self, run_dir: &Path) -> Option<String> {
        let dir = run_dir.display();
        match self {
            Ending::Complete => None,
            Ending::Interrupted { left } | Ending::Left { left } => Some(format!(
                "{left} trials left; continue with: insider run --resume {dir}"
            )),
            Ending::Failed { failed } => Some(format!(
                "{failed} trials failed (see `insider runs show {dir}`)"
            )),
        }
    }
}
