//! `insider run`: run (or resume) an experiment into a run directory.

use clap::Args;
use insider_run::config::{self, Overrides};
use insider_run::invocation::{self, Ending, Invocation};
use insider_run::plan;
use insider_run::progress::ProgressMode;
use insider_run::runner::{self, RunOptions};
use insider_run::scheduler::StopControl;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
    pub factors: super::factor_args::FactorArgs,
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
    pub target: super::plan_target::TargetArgs,
    /// Run a plan over 100,000 trials or an estimated $1,000 without asking.
    #[arg(long)]
    pub yes: bool,
    /// Send the trials of Anthropic, OpenAI and Google models as provider batches (about half
    /// price, results within 24 h; crash-safe: a resumed run polls the same batches). Other
    /// models run live. Per model: `batch: true` in the config.
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
    /// Seconds between plain progress lines when not on a terminal.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub progress_interval: f64,
}

/// Run `insider run`.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let target = match args.target.target() {
        Ok(Some(_)) if !args.dry_run => {
            eprintln!(
                "error: --detect and --bound-zero plan a run: add --dry-run, or use `insider plan`"
            );
            return Ok(ExitCode::from(2));
        }
        Ok(target) => target,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let invocation = Invocation {
        config: args.config.as_deref(),
        resume: args.resume.as_deref(),
        dry_run: args.dry_run,
        task_args: &args.task_args,
    };
    let resolved = overrides(&args).and_then(|overrides| {
        invocation::resolve(invocation, &overrides, &mut |note| eprintln!("{note}"))
    });
    let (mut experiment, run_dir) = match resolved {
        Ok(resolved) => resolved,
        Err(error) => {
            // A located problem renders itself, rustc-style; anything else gets the prefix.
            match error.downcast_ref::<config::Problem>() {
                Some(problem) => eprint!("{problem}"),
                None => eprintln!("error: {error:#}"),
            }
            return Ok(ExitCode::from(2));
        }
    };
    insider_run::batch::apply_flag(&mut experiment, args.batch);
    if !args.dry_run {
        for warning in insider_run::batch::unsupported_warnings(&experiment) {
            eprintln!("{warning}");
        }
    }
    if args.dry_run {
        print!("{}", insider_run::dry_run::dry_run_report(&experiment)?);
        if let Some(target) = target {
            print!("{}", super::plan_target::plan_text(&experiment, target)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let (false, Some(reason)) = (args.yes, plan::needs_confirmation(&experiment)?) {
        eprintln!("error: {reason}; check it with --dry-run, then pass --yes to run it");
        return Ok(ExitCode::from(2));
    }
    let (control, stop) = StopControl::new();
    let options = RunOptions {
        run_dir,
        experiment,
        argv: std::env::args().collect::<Vec<_>>().join(" "),
        progress: if args.quiet {
            ProgressMode::Quiet
        } else {
            ProgressMode::Auto
        },
        progress_interval: Duration::from_secs_f64(args.progress_interval.max(0.1)),
        retry_permanent: args.retry_failed,
        providers: Arc::new(|name, config| Ok(insider_model::resolve(name, config)?)),
        stop,
    };
    let soon = control.clone();
    let result = super::run_stoppable(
        runner::run(options),
        move || soon.stop_soon(),
        move || {
            eprintln!("stopping now: calls in flight are recorded as abandoned");
            control.stop_now();
        },
    )?;
    let result = result?;
    let dir = result.run_dir.display();
    if result.stopped_now {
        eprintln!("stopped; continue with: insider run --resume {dir}");
        return Ok(ExitCode::from(130));
    }
    let (err, out) =
        insider_report::commands::after_run(&result.run_dir, args.quiet, &result.harm_warnings);
    eprint!("{err}");
    print!("{out}");
    println!("ledger: {}", result.ledger_path.display());
    let ending = Ending::of(&result)?;
    if let Some(advice) = ending.advice(&result.run_dir) {
        eprintln!("{advice}");
    }
    Ok(ExitCode::from(ending.exit_status()))
}

fn overrides(args: &RunArgs) -> anyhow::Result<Overrides> {
    Ok(Overrides {
        name: args.name.clone(),
        models: args.models.clone(),
        scenario: args.factors.scenario.clone(),
        goal_type: args.factors.goal_type.clone(),
        goal_value: args.factors.goal_value.clone(),
        urgency: args.factors.urgency.clone(),
        extra_instructions: args.factors.extra_instructions.clone(),
        awareness_notice: args.factors.awareness_notice.clone(),
        prod: args.factors.prod.clone(),
        mode: args.mode.clone(),
        persona: args.factors.persona.clone(),
        executive: args.factors.executive.clone(),
        variant: args.factors.variant.clone(),
        mitigation: args.factors.mitigation.clone(),
        ids: args.conditions.clone(),
        packs: args.packs.clone(),
        samples: args.samples,
        max_connections: args.max_connections,
        limit: args.limit,
        no_classify: args.no_classify,
        grader: invocation::grader_role(&args.model_roles)?,
        out: args.out.clone(),
        temperature: args.temperature,
        max_tokens: args.max_tokens,
        seed: args.seed,
        keys_optional: args.dry_run,
        shard: args.shard,
    })
}
