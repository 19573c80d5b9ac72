//! `insider synth`: training data for the fix study — generate (resumable), then check and
//! export in trainers' formats. The logic lives in `insider-synth`; this is the wiring.

use clap::{Args, Subcommand};
use insider_synth::contamination::ContaminationOptions;
use insider_synth::session::{self, Ended, ExportRequest, GenerateRequest, Refused};
use insider_synth::StopFlag;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// `insider synth` subcommands.
#[derive(Subcommand)]
pub enum SynthCommand {
    /// Generate (or resume) training data into an output folder.
    Generate(GenerateArgs),
    /// Filter, check for contamination and write the trainer-format exports and data card.
    Export(ExportArgs),
    /// Where an output folder stands: items done, failed, pending; calls, tokens, cost.
    Status {
        /// The output folder.
        dir: PathBuf,
    },
    /// The built-in generator specs: list them, or print one.
    Specs {
        /// Print this spec's file.
        name: Option<String>,
    },
}

/// Arguments of `insider synth generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Output folder (created; run again with the same folder to resume).
    #[arg(long)]
    pub out: PathBuf,
    /// A built-in spec name (`insider synth specs`) or a spec file; repeat for several.
    /// Default: the folder's specs, or every built-in spec for a new folder.
    #[arg(long = "spec")]
    pub specs: Vec<String>,
    /// Generator model (default: the folder's, else the embedded local model).
    #[arg(long)]
    pub model: Option<String>,
    /// Items per spec (default: the folder's, else 10). Raising it on a resume adds items.
    #[arg(long)]
    pub count: Option<u32>,
    /// Planning seed (default: the folder's, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Items generated at the same time.
    #[arg(long, default_value_t = 4)]
    pub max_connections: usize,
    /// Sampling temperature (default: each spec's, 1.0 in the built-in specs).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Attempts per call before an item is recorded as failed.
    #[arg(long)]
    pub max_attempts: Option<u32>,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 5.0)]
    pub progress_interval: f64,
    /// No progress lines.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `insider synth export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The output folder of `insider synth generate`.
    pub dir: PathBuf,
    /// Export folder (default: DIR/export).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Another evaluation pack to check against (a pack folder or an imported original
    /// folder); repeat for several. The built-in packs are always checked.
    #[arg(long = "pack")]
    pub packs: Vec<PathBuf>,
    /// Words per n-gram of the contamination check.
    #[arg(long, default_value_t = 13)]
    pub ngram: usize,
    /// Shared n-grams an item may have before it is dropped.
    #[arg(long, default_value_t = 0)]
    pub max_shared_ngrams: usize,
    /// Distinct weak cast names (first names, surnames, code names) of one pack an item may use.
    #[arg(long, default_value_t = 1)]
    pub max_weak_names: usize,
    /// Renamed-world variants per condition to check against, where a pack has them.
    #[arg(long, default_value_t = 3)]
    pub variants: u32,
    /// Jaccard similarity at which a later item counts as a near-duplicate.
    #[arg(long, default_value_t = 0.7)]
    pub dedupe_threshold: f64,
}

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
