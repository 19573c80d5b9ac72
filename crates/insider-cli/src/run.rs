//! `insider run`: run (or resume) an experiment into a run directory.

use clap::Args;
use std::path::PathBuf;

/// Arguments of `insider run`.
#[derive(Args, Debug, Default)]
pub struct RunArgs {
    /// Experiment config (YAML); flags override its fields. See docs/running.md.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Model under test, e.g. `openai/gpt-4.1` (repeatable).
    #[arg(long = "model", short = 'm', value_name = "MODEL")]
    pub models: Vec<String>,
    /// The factor values to cross (default: the config's, else the grid's defaults).
    #[command(flatten)]
    pub factors: crate::factors::FactorArgs,
    /// Trial modes, comma-separated: `single` (one call, the study) and/or `agent` (a
    /// multi-turn session with tools in the pack's mail world; id suffix `_agent`).
    #[arg(long, value_name = "LIST")]
    pub mode: Option<String>,
    /// An explicit condition id (repeatable).
    #[arg(long = "condition", value_name = "ID")]
    pub conditions: Vec<String>,
    /// A scenario pack folder, insider format or an `import-original` compat pack (repeatable);
    /// it answers for its own scenario name, and without --scenario only its scenarios run.
    #[arg(long = "pack", value_name = "DIR")]
    pub packs: Vec<PathBuf>,
    /// An Inspect task argument of agentic_misalignment (repeatable), e.g. `-T scenario=murder
    /// -T urgency_type=none`; see docs/running.md for the list.
    #[arg(short = 'T', value_name = "KEY=VALUE")]
    pub task_args: Vec<String>,
    /// Samples per model × condition.
    #[arg(
        long,
        visible_alias = "epochs",
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub samples: Option<i64>,
    /// Concurrent requests per model.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Run at most N trials in this invocation.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Store replies without classifying them.
    #[arg(long)]
    pub no_classify: bool,
    /// Model roles, e.g. `grader=anthropic/claude-sonnet-4-5`.
    #[arg(long = "model-role", value_name = "ROLE=MODEL")]
    pub model_roles: Vec<String>,
    /// Run directory (default `./insider-runs/<UTC timestamp>-<name>/`).
    #[arg(long, visible_alias = "log-dir", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in DIR (pending, interrupted and retryable-failed trials).
    #[arg(long, value_name = "DIR", conflicts_with = "config")]
    pub resume: Option<PathBuf>,
    /// Also retry trials that failed permanently (e.g. after fixing a key).
    #[arg(long)]
    pub retry_failed: bool,
    /// Show the plan, token and cost estimate, then exit without any call.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: the samples per condition a goal needs, and their cost.
    #[command(flatten)]
    pub target: crate::target::TargetArgs,
    /// Run over 100,000 trials, an estimated $1,000 or an hour on a local model without asking
    /// (counted over what this invocation runs: the trials left, at most --limit).
    #[arg(long)]
    pub yes: bool,
    /// Send the trials of Anthropic, OpenAI and Google models, and the grader's calls, as
    /// provider batches (about half price, results within 24 h; crash-safe: a resumed run polls
    /// the same batches). Other models run live. In the config: `batch: true` per model,
    /// `grader_batch: true` for the grader.
    #[arg(long)]
    pub batch: bool,
    /// No progress display.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Run name (used in the default run directory).
    #[arg(long)]
    pub name: Option<String>,
    /// Sampling temperature for every model.
    #[arg(long, allow_negative_numbers = true)]
    pub temperature: Option<f64>,
    /// Maximum output tokens for every model.
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Base seed (trial i sends seed + i).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only shard K of N of the plan (by model × condition × sample), into its own run
    /// directory; join the shards with `insider merge` (docs/scaling.md).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<insider_run::shard::Shard>,
    /// Seconds between plain progress lines when not on a terminal (while no trial finishes:
    /// every 6 intervals, at least a minute).
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub progress_interval: f64,
}
