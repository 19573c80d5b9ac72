//! `insider run`: run (or resume) an experiment into a run directory.

use insider_cli::run::RunArgs;
use insider_run::config::{self, Overrides};
use insider_run::invocation::{self, Ending, Invocation};
use insider_run::plan;
use insider_run::progress::ProgressMode;
use insider_run::runner::{self, RunOptions};
use insider_run::scheduler::StopControl;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
    let left = plan::trials_left(&run_dir, args.retry_failed)?;
    if let (false, Some(reason)) = (args.yes, plan::needs_confirmation(&experiment, left)?) {
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
        factors: args.factors.clone().grid_lists(),
        mode: args.mode.clone(),
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
