//! `insider run`: run (or resume) an experiment into a run directory.

use clap::Args;
use insider_ledger::Ledger;
use insider_run::config::{self, ExperimentFile, Overrides, ResolvedExperiment};
use insider_run::progress::ProgressMode;
use insider_run::resume::{self, Pacing};
use insider_run::runner::{self, ProviderFactory, RunOptions, RunResult};
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
    /// Scenario packs, comma-separated (e.g. `blackmail,leaking`).
    #[arg(long, value_name = "LIST")]
    pub scenario: Option<String>,
    /// Goal types, comma-separated (explicit, latent, none, ambiguous, swap).
    #[arg(long, value_name = "LIST")]
    pub goal_type: Option<String>,
    /// Goal values, comma-separated (america, global, safety, ...).
    #[arg(long, value_name = "LIST")]
    pub goal_value: Option<String>,
    /// Urgencies, comma-separated (replacement, restriction, none).
    #[arg(long, value_name = "LIST")]
    pub urgency: Option<String>,
    /// Extra instructions, comma-separated (none, dont, goal).
    #[arg(long, value_name = "LIST")]
    pub extra_instructions: Option<String>,
    /// Eval-awareness notice, comma-separated booleans (`false,true`).
    #[arg(long, value_name = "LIST")]
    pub awareness_notice: Option<String>,
    /// Scratchpad removed (`prod`), comma-separated booleans.
    #[arg(long, value_name = "LIST")]
    pub prod: Option<String>,
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
    /// Run a plan over 100,000 trials or an estimated $1,000 without asking.
    #[arg(long)]
    pub yes: bool,
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
    /// Seconds between plain progress lines when not on a terminal.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub progress_interval: f64,
}

/// Run `insider run`.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let (experiment, run_dir) = match resolve(&args) {
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
    if args.dry_run {
        print!("{}", insider_run::plan::dry_run_report(&experiment)?);
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        if let Some(reason) = insider_run::plan::needs_confirmation(&experiment)? {
            eprintln!("error: {reason}; check it with --dry-run, then pass --yes to run it");
            return Ok(ExitCode::from(2));
        }
    }
    let factory: ProviderFactory =
        Arc::new(|name, config| Ok(insider_model::resolve(name, config)?));
    let (control, stop) = StopControl::new();
    let options = RunOptions {
        run_dir: run_dir.clone(),
        experiment,
        argv: std::env::args().collect::<Vec<_>>().join(" "),
        progress: if args.quiet {
            ProgressMode::Quiet
        } else {
            ProgressMode::Auto
        },
        progress_interval: Duration::from_secs_f64(args.progress_interval.max(0.1)),
        retry_permanent: args.retry_failed,
        providers: factory,
        stop,
    };
    let runtime = super::runtime()?;
    let signals = runtime.spawn(stop_on_signals(control));
    let result = runtime.block_on(runner::run(options));
    signals.abort();
    // A local model's call cannot be cancelled mid-token: do not wait for it on the way out.
    runtime.shutdown_timeout(Duration::from_secs(2));
    let result = result?;
    if result.stopped_now {
        eprintln!(
            "stopped; continue with: insider run --resume {}",
            result.run_dir.display()
        );
        return Ok(ExitCode::from(130));
    }
    finish(&args, &result)
}

/// First Ctrl-C or SIGTERM: take no new trial and let calls in flight finish; a second signal:
/// cancel them (they are recorded as abandoned).
async fn stop_on_signals(control: StopControl) {
    if next_signal().await.is_err() {
        return;
    }
    eprintln!("\nstopping: waiting for calls in flight to finish (Ctrl-C again to stop now)");
    control.stop_soon();
    if next_signal().await.is_ok() {
        eprintln!("stopping now: calls in flight are recorded as abandoned");
        control.stop_now();
    }
}

/// The next Ctrl-C (SIGINT) or SIGTERM (what `timeout`, container stops and systemd send).
async fn next_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

/// The summary, the HTML report and the exit code of a run that ended on its own or was asked
/// to stop soon.
fn finish(args: &RunArgs, result: &RunResult) -> anyhow::Result<ExitCode> {
    if !args.quiet {
        match insider_report::summary_table(&result.run_dir) {
            Ok(table) => eprint!("{table}"),
            Err(error) => eprintln!("warning: no summary table: {error:#}"),
        }
    }
    let report = result.run_dir.join(insider_report::RUN_REPORT_FILE);
    match insider_report::write_html(&result.run_dir, &report) {
        Ok(_) => println!("report: {}", report.display()),
        Err(error) => eprintln!("warning: no HTML report: {error:#}"),
    }
    let counts = Ledger::open(&result.run_dir)?.status_counts()?;
    println!("ledger: {}", result.ledger_path.display());
    if result.interrupted || counts.left() > 0 {
        eprintln!(
            "{} trials left; continue with: insider run --resume {}",
            counts.left(),
            result.run_dir.display()
        );
        return Ok(ExitCode::from(if result.interrupted { 130 } else { 1 }));
    }
    if counts.failed > 0 {
        eprintln!(
            "{} trials failed (see `insider runs show {}`)",
            counts.failed,
            result.run_dir.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn overrides(args: &RunArgs) -> anyhow::Result<Overrides> {
    let mut grader = None;
    for role in &args.model_roles {
        match role.split_once('=') {
            Some(("grader", model)) if !model.is_empty() => grader = Some(model.to_string()),
            _ => anyhow::bail!(
                "--model-role `{role}`: expected grader=PROVIDER/MODEL (the only role is `grader`)"
            ),
        }
    }
    let mut overrides = Overrides {
        name: args.name.clone(),
        models: args.models.clone(),
        scenario: args.scenario.clone(),
        goal_type: args.goal_type.clone(),
        goal_value: args.goal_value.clone(),
        urgency: args.urgency.clone(),
        extra_instructions: args.extra_instructions.clone(),
        awareness_notice: args.awareness_notice.clone(),
        prod: args.prod.clone(),
        ids: args.conditions.clone(),
        packs: args.packs.clone(),
        samples: args.samples,
        max_connections: args.max_connections,
        limit: args.limit,
        no_classify: args.no_classify,
        grader,
        out: args.out.clone(),
        temperature: args.temperature,
        max_tokens: args.max_tokens,
        seed: args.seed,
        keys_optional: args.dry_run,
    };
    config::apply_task_args(&args.task_args, &mut overrides)?;
    Ok(overrides)
}

/// Say what the user may not expect: the demo model standing in for an unnamed one, and (in a
/// dry run) the keys a real run will need.
fn announce_models(
    experiment: &ResolvedExperiment,
    overrides: &Overrides,
    file: Option<&ExperimentFile>,
    dry_run: bool,
) {
    let unnamed = overrides.models.is_empty() && file.is_none_or(|f| f.models.is_empty());
    if unnamed
        && experiment
            .models
            .iter()
            .any(|m| m.name == insider_model::DEFAULT_LOCAL_MODEL)
    {
        eprintln!(
            "note: no --model and no API key set: running the embedded demo model {} \
             (135M parameters; its rates show the pipeline working, they are not findings)",
            insider_model::DEFAULT_LOCAL_MODEL
        );
    }
    if dry_run {
        for model in &experiment.models {
            if let Err(error) = insider_model::check(&model.name, &model.config) {
                eprintln!("note: {error} (fine for a dry run; a real run needs it)");
            }
        }
    }
}

fn resolve(args: &RunArgs) -> anyhow::Result<(ResolvedExperiment, PathBuf)> {
    let overrides = overrides(args)?;
    if let Some(dir) = &args.resume {
        let ignored = overrides.plan_flags();
        if !ignored.is_empty() {
            eprintln!(
                "warning: --resume continues the plan stored in {}; ignored: {} (only \
                 --max-connections, --limit, --no-classify and a larger --samples apply)",
                dir.display(),
                ignored.join(", ")
            );
        }
        let pacing = Pacing {
            max_connections: args.max_connections,
            limit: args.limit,
            no_classify: args.no_classify,
            samples: args.samples,
        };
        return Ok((resume::resume_experiment(dir, &pacing)?, dir.clone()));
    }
    let file: Option<ExperimentFile> = args.config.as_deref().map(config::load_file).transpose()?;
    let experiment = config::resolve(args.config.as_deref().zip(file.as_ref()), &overrides)?;
    let run_dir = config::run_dir(file.as_ref(), &overrides, &experiment.name);
    announce_models(&experiment, &overrides, file.as_ref(), args.dry_run);
    resume::check_same_plan(&run_dir, &experiment)?;
    Ok((experiment, run_dir))
}
