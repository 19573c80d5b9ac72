//! `insider synth`: training data for the fix study — generate (resumable), then check and
//! export in trainers' formats. The logic lives in `insider-synth`; this is the wiring.

use anyhow::Context;
use clap::{Args, Subcommand};
use insider_model::ModelConfig;
use insider_scenario::ScenarioPack;
use insider_synth::contamination::ContaminationOptions;
use insider_synth::dedupe::DedupeOptions;
use insider_synth::generate::{settle, Settled};
use insider_synth::{
    ContaminationIndex, ExportOptions, GenerateOptions, PrepareOptions, Progress, Spec, StopFlag,
    Store,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    match command {
        SynthCommand::Generate(args) => generate(args),
        SynthCommand::Export(args) => export(args),
        SynthCommand::Status { dir } => status(&dir),
        SynthCommand::Specs { name } => specs(name.as_deref()),
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    if let Some(t) = args.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
        eprintln!("error: --temperature {t} is outside 0..=2");
        return Ok(ExitCode::from(2));
    }
    if args.count == Some(0) || args.max_connections == 0 {
        eprintln!("error: --count and --max-connections must be at least 1");
        return Ok(ExitCode::from(2));
    }
    let mut specs = Vec::new();
    for name in &args.specs {
        match Spec::resolve(name) {
            Ok(spec) => specs.push(spec),
            Err(error) => {
                eprintln!("{error:#}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let mut store = Store::create_or_open(&args.out)?;
    let options = GenerateOptions {
        specs,
        model: args.model.clone(),
        seed: args.seed,
        count: args.count,
    };
    let settled = match settle(&mut store, options) {
        Ok(settled) => settled,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let config = ModelConfig {
        max_connections: Some(args.max_connections),
        max_attempts: args.max_attempts,
        ..ModelConfig::default()
    };
    let provider = match insider_model::resolve(&settled.model, &config) {
        Ok(provider) => provider,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    describe(&settled, &args);
    let session = store.begin_session(&std::env::args().collect::<Vec<_>>().join(" "))?;
    let stop = StopFlag::default();
    let progress = Arc::new(Progress::default());
    let runtime = super::runtime()?;
    let signals = runtime.spawn(stop_on_signals(stop.clone()));
    let ticker = (!args.quiet).then(|| {
        let progress = progress.clone();
        let every = Duration::from_secs_f64(args.progress_interval.max(0.1));
        runtime.spawn(async move {
            let started = Instant::now();
            let mut interval = tokio::time::interval(every);
            interval.tick().await;
            loop {
                interval.tick().await;
                eprintln!("{}", progress.line(started.elapsed()));
            }
        })
    });
    let started = Instant::now();
    let result = runtime.block_on(insider_synth::generate(
        store,
        &settled,
        provider,
        args.max_connections,
        args.temperature,
        stop,
        progress.clone(),
    ));
    signals.abort();
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    runtime.shutdown_timeout(Duration::from_secs(2));
    let store = Store::open(&args.out)?;
    let summary = match result {
        Ok(summary) => summary,
        Err(error) => {
            store.end_session(session, &format!("failed: {error:#}"))?;
            return Err(error);
        }
    };
    eprintln!("{}", progress.line(started.elapsed()));
    for (key, reason) in summary.failures.iter().take(10) {
        eprintln!("failed: {key}: {reason}");
    }
    let counts = store.counts()?;
    let dir = args.out.display();
    let outcome = if summary.stopped {
        "stopped"
    } else if counts.failed > 0 {
        "completed with failures"
    } else {
        "completed"
    };
    store.end_session(session, outcome)?;
    eprintln!(
        "{dir}: {}/{} items done, {} failed, {} pending · {} calls kept · ${:.4}",
        counts.done, counts.items, counts.failed, counts.pending, counts.steps, counts.cost_usd
    );
    if summary.stopped {
        eprintln!("stopped; continue with: insider synth generate --out {dir}");
        return Ok(ExitCode::from(130));
    }
    if counts.failed > 0 {
        eprintln!("some items failed; run the same command again to retry them");
        return Ok(ExitCode::FAILURE);
    }
    eprintln!("next: insider synth export {dir}");
    Ok(ExitCode::SUCCESS)
}

fn describe(settled: &Settled, args: &GenerateArgs) {
    if args.quiet {
        return;
    }
    let specs: Vec<String> = settled
        .specs
        .iter()
        .map(|(spec, count)| format!("{} ×{count}", spec.name))
        .collect();
    eprintln!(
        "{} {}: {} · model {} · seed {}",
        if settled.resumed {
            "resuming"
        } else {
            "generating"
        },
        args.out.display(),
        specs.join(", "),
        settled.model,
        settled.seed
    );
}

/// First Ctrl-C or SIGTERM: start no new call and let the calls in flight finish; a second:
/// exit at once (answers not yet stored are asked for again on resume).
async fn stop_on_signals(stop: StopFlag) {
    if next_signal().await.is_err() {
        return;
    }
    eprintln!("\nstopping: waiting for calls in flight to finish (Ctrl-C again to stop now)");
    stop.stop();
    if next_signal().await.is_ok() {
        eprintln!("stopping now: calls in flight are asked for again on resume");
        std::process::exit(130);
    }
}

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

fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.dir)?;
    if !(0.0..=1.0).contains(&args.dedupe_threshold) || args.ngram == 0 {
        eprintln!("error: --dedupe-threshold must be within 0..=1 and --ngram at least 1");
        return Ok(ExitCode::from(2));
    }
    let options = ContaminationOptions {
        ngram: args.ngram,
        max_shared_ngrams: args.max_shared_ngrams,
        max_weak_names: args.max_weak_names,
        variants: args.variants,
    };
    let mut index = ContaminationIndex::builtin(options)?;
    for dir in &args.packs {
        let pack = match ScenarioPack::load_dir(dir) {
            Ok(pack) => pack,
            Err(error) => {
                eprintln!("{error}");
                return Ok(ExitCode::from(2));
            }
        };
        index
            .add_pack(&pack)
            .with_context(|| format!("indexing pack {}", dir.display()))?;
    }
    let prepared = insider_synth::prepare(
        &store,
        &index,
        PrepareOptions {
            dedupe: DedupeOptions {
                threshold: args.dedupe_threshold,
                ..DedupeOptions::default()
            },
        },
    )?;
    let out = args.out.clone().unwrap_or_else(|| args.dir.join("export"));
    let summary = insider_synth::export(&prepared, &ExportOptions { out: out.clone() })?;
    let packs: Vec<String> = index
        .packs()
        .iter()
        .map(|p| format!("{} ({} conditions)", p.name, p.conditions))
        .collect();
    eprintln!("checked against {}", packs.join(", "));
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for dropped in &prepared.dropped {
        *reasons.entry(dropped.reason.as_str()).or_default() += 1;
    }
    for dropped in prepared
        .dropped
        .iter()
        .filter(|d| d.reason == "contamination")
        .take(10)
    {
        eprintln!("dropped {}: {}", dropped.key, dropped.detail);
    }
    let reasons: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
    eprintln!(
        "{} records kept, {} dropped ({}), {} unfinished",
        summary.kept,
        summary.dropped,
        if reasons.is_empty() {
            "none".into()
        } else {
            reasons.join(", ")
        },
        summary.unfinished
    );
    for file in &summary.files {
        println!("{}", out.join(&file.name).display());
    }
    Ok(ExitCode::SUCCESS)
}

fn status(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let store = Store::open(dir)?;
    let counts = store.counts()?;
    let model = store.meta("model")?.unwrap_or_default();
    let seed = store.meta("seed")?.unwrap_or_default();
    println!("{}: model {model}, seed {seed}", dir.display());
    for spec in store.specs()? {
        println!(
            "  spec {} ({}) ×{} sha256 {}",
            spec.name,
            spec.kind,
            spec.count,
            &spec.sha256[..12]
        );
    }
    println!(
        "  items {}: {} done, {} failed, {} pending · {} calls · {} in / {} out tokens · ${:.4}{}",
        counts.items,
        counts.done,
        counts.failed,
        counts.pending,
        counts.steps,
        counts.input_tokens,
        counts.output_tokens,
        counts.cost_usd,
        if counts.unknown_cost_steps > 0 {
            format!(" + {} call(s) of unknown cost", counts.unknown_cost_steps)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn specs(name: Option<&str>) -> anyhow::Result<ExitCode> {
    match name {
        Some(name) => match Spec::builtin(name) {
            Some(spec) => {
                print!("{}", spec?.text);
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!(
                    "error: unknown spec `{name}`; built-in specs: {}",
                    Spec::builtin_names().join(", ")
                );
                Ok(ExitCode::from(2))
            }
        },
        None => {
            for name in Spec::builtin_names() {
                let spec = Spec::builtin(name).expect("listed")?;
                println!(
                    "{:<12} {:<9} {}",
                    spec.name,
                    spec.kind.as_str(),
                    spec.description
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
