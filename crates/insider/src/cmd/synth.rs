//! `insider synth`: training data for the fix study — generate (resumable), then check and
//! export in trainers' formats. The logic lives in `insider-synth`; this is the wiring.

use insider_cli::synth::{ExportArgs, GenerateArgs, SynthCommand};
use insider_synth::contamination::ContaminationOptions;
use insider_synth::session::{self, Ended, ExportRequest, GenerateRequest, Refused};
use insider_synth::StopFlag;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Run `insider synth …`.
pub fn run(command: SynthCommand) -> anyhow::Result<ExitCode> {
    let result = match command {
        SynthCommand::Generate(args) => return generate(args),
        SynthCommand::Export(args) => export(args),
        SynthCommand::Status { dir } => session::status_text(&dir).map(|text| print!("{text}")),
        SynthCommand::Specs { name } => session::specs_text(name.as_deref()).map(|t| print!("{t}")),
    };
    refused_or(result.map(|()| ExitCode::SUCCESS))
}

/// A refused request is printed as it is and exits with status 2.
fn refused_or(result: anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    match result {
        Err(error) => match error.downcast_ref::<Refused>() {
            Some(refused) => {
                eprintln!("{refused}");
                Ok(ExitCode::from(2))
            }
            None => Err(error),
        },
        ok => ok,
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let request = GenerateRequest {
        out: args.out,
        specs: args.specs,
        model: args.model,
        count: args.count,
        seed: args.seed,
        max_connections: args.max_connections,
        temperature: args.temperature,
        max_attempts: args.max_attempts,
        progress_every: (!args.quiet)
            .then(|| Duration::from_secs_f64(args.progress_interval.max(0.1))),
        argv: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let stop = StopFlag::default();
    let soon = stop.clone();
    let say: session::Say = Arc::new(|line| eprintln!("{line}"));
    let result = super::run_stoppable(
        session::generate(request, stop, say),
        move || soon.stop(),
        || {
            eprintln!("stopping now: calls in flight are asked for again on resume");
            std::process::exit(130);
        },
    )?;
    refused_or(result.map(|ended| match ended {
        Ended::Completed => ExitCode::SUCCESS,
        Ended::Failures => ExitCode::FAILURE,
        Ended::Stopped => ExitCode::from(130),
    }))
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    let request = ExportRequest {
        dir: args.dir,
        out: args.out,
        packs: args.packs,
        contamination: ContaminationOptions {
            ngram: args.ngram,
            max_shared_ngrams: args.max_shared_ngrams,
            max_weak_names: args.max_weak_names,
            variants: args.variants,
        },
        dedupe_threshold: args.dedupe_threshold,
    };
    let (report, files) = session::export(&request)?;
    eprint!("{report}");
    print!("{files}");
    Ok(())
}
