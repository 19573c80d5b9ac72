//! The `insider synth` commands from their parsed arguments: a generation session (checks,
//! progress lines, the session row, the closing summary), the export with its contamination
//! report, a folder's status, and the built-in spec list. The CLI parses flags into these
//! requests, owns the signals and picks exit codes from what comes back.

use crate::contamination::ContaminationOptions;
use crate::dedupe::DedupeOptions;
use crate::generate::{settle, Settled};
use crate::{
    ContaminationIndex, ExportOptions, GenerateOptions, PrepareOptions, Progress, Spec, StopFlag,
    Store,
};
use anyhow::Context;
use insider_model::ModelConfig;
use insider_scenario::ScenarioPack;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A request refused before any work, printed as it is (the CLI exits with status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(message: impl Into<String>) -> anyhow::Result<T> {
    Err(Refused(message.into()).into())
}

/// Where the session's lines go (stderr in the CLI); shared with the progress ticker.
pub type Say = Arc<dyn Fn(&str) + Send + Sync>;

/// `insider synth generate`.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// Output folder.
    pub out: PathBuf,
    /// Spec names or files.
    pub specs: Vec<String>,
    /// Generator model.
    pub model: Option<String>,
    /// Items per spec.
    pub count: Option<u32>,
    /// Planning seed.
    pub seed: Option<u64>,
    /// Items at the same time.
    pub max_connections: usize,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Attempts per call.
    pub max_attempts: Option<u32>,
    /// Seconds between progress lines (`None`: quiet).
    pub progress_every: Option<Duration>,
    /// The command line, for the session row.
    pub argv: String,
}

/// How a generation session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every item done.
    Completed,
    /// Some items failed (run again to retry them).
    Failures,
    /// Stopped before the end.
    Stopped,
}

/// Check `request`, generate into its folder until done or `stop`, and say how it went.
pub async fn generate(request: GenerateRequest, stop: StopFlag, say: Say) -> anyhow::Result<Ended> {
    if let Some(t) = request.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
        return refuse(format!("error: --temperature {t} is outside 0..=2"));
    }
    if request.count == Some(0) || request.max_connections == 0 {
        return refuse("error: --count and --max-connections must be at least 1");
    }
    let mut specs = Vec::new();
    for name in &request.specs {
        specs.push(Spec::resolve(name).map_err(|error| Refused(format!("{error:#}")))?);
    }
    let mut store = Store::create_or_open(&request.out)?;
    let options = GenerateOptions {
        specs,
        model: request.model.clone(),
        seed: request.seed,
        count: request.count,
    };
    let settled =
        settle(&mut store, options).map_err(|error| Refused(format!("error: {error:#}")))?;
    let config = ModelConfig {
        max_connections: Some(request.max_connections),
        max_attempts: request.max_attempts,
        ..ModelConfig::default()
    };
    let provider = insider_model::resolve(&settled.model, &config)
        .map_err(|error| Refused(format!("error: {error}")))?;
    if request.progress_every.is_some() {
        say(&describe(&settled, &request.out));
    }
    let session = store.begin_session(&request.argv)?;
    let progress = Arc::new(Progress::default());
    let started = Instant::now();
    let ticker = request.progress_every.map(|every| {
        let (progress, say) = (progress.clone(), say.clone());
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.tick().await;
            loop {
                interval.tick().await;
                say(&progress.line(started.elapsed()));
            }
        })
    });
    let result = crate::generate(
        store,
        &settled,
        provider,
        request.max_connections,
        request.temperature,
        stop,
        progress.clone(),
    )
    .await;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    let store = Store::open(&request.out)?;
    let summary = match result {
        Ok(summary) => summary,
        Err(error) => {
            store.end_session(session, &format!("failed: {error:#}"))?;
            return Err(error);
        }
    };
    say(&progress.line(started.elapsed()));
    for (key, reason) in summary.failures.iter().take(10) {
        say(&format!("failed: {key}: {reason}"));
    }
    let counts = store.counts()?;
    let ended = if summary.stopped {
        Ended::Stopped
    } else if counts.failed > 0 {
        Ended::Failures
    } else {
        Ended::Completed
    };
    store.end_session(
        session,
        match ended {
            Ended::Stopped => "stopped",
            Ended::Failures => "completed with failures",
            Ended::Completed => "completed",
        },
    )?;
    let dir = request.out.display();
    say(&format!(
        "{dir}: {}/{} items done, {} failed, {} pending · {} calls kept · ${:.4}",
        counts.done, counts.items, counts.failed, counts.pending, counts.steps, counts.cost_usd
    ));
    say(&match ended {
        Ended::Stopped => format!("stopped; continue with: insider synth generate --out {dir}"),
        Ended::Failures => "some items failed; run the same command again to retry them".into(),
        Ended::Completed => format!("next: insider synth export {dir}"),
    });
    Ok(ended)
}

/// The line that opens a session: what the folder makes, with which model and seed.
fn describe(settled: &Settled, out: &Path) -> String {
    let specs: Vec<String> = settled
        .specs
        .iter()
        .map(|(spec, count)| format!("{} ×{count}", spec.name))
        .collect();
    format!(
        "{} {}: {} · model {} · seed {}",
        if settled.resumed {
            "resuming"
        } else {
            "generating"
        },
        out.display(),
        specs.join(", "),
        settled.model,
        settled.seed
    )
}

/// `insider synth export`.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The generation folder.
    pub dir: PathBuf,
    /// Export folder (default `dir/export`).
    pub out: Option<PathBuf>,
    /// More evaluation packs to check against.
    pub packs: Vec<PathBuf>,
    /// Contamination check settings.
    pub contamination: ContaminationOptions,
    /// Near-duplicate threshold.
    pub dedupe_threshold: f64,
}

/// Filter, check and export; returns (the report for stderr, the written files for stdout).
pub fn export(request: &ExportRequest) -> anyhow::Result<(String, String)> {
    let store = Store::open(&request.dir)?;
    if !(0.0..=1.0).contains(&request.dedupe_threshold) || request.contamination.ngram == 0 {
        return refuse("error: --dedupe-threshold must be within 0..=1 and --ngram at least 1");
    }
    let mut index = ContaminationIndex::builtin(request.contamination)?;
    for dir in &request.packs {
        let pack = ScenarioPack::load_dir(dir).map_err(|error| Refused(error.to_string()))?;
        index
            .add_pack(&pack)
            .with_context(|| format!("indexing pack {}", dir.display()))?;
    }
    let dedupe = DedupeOptions {
        threshold: request.dedupe_threshold,
        ..DedupeOptions::default()
    };
    let prepared = crate::prepare(&store, &index, PrepareOptions { dedupe })?;
    let out = (request.out.clone()).unwrap_or_else(|| request.dir.join("export"));
    let summary = crate::export(&prepared, &ExportOptions { out: out.clone() })?;
    let packs: Vec<String> = index
        .packs()
        .iter()
        .map(|p| format!("{} ({} conditions)", p.name, p.conditions))
        .collect();
    let mut err = format!("checked against {}\n", packs.join(", "));
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for dropped in &prepared.dropped {
        *reasons.entry(dropped.reason.as_str()).or_default() += 1;
    }
    let contaminated = prepared
        .dropped
        .iter()
        .filter(|d| d.reason == "contamination");
    for dropped in contaminated.take(10) {
        writeln!(err, "dropped {}: {}", dropped.key, dropped.detail)?;
    }
    let reasons: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
    writeln!(
        err,
        "{} records kept, {} dropped ({}), {} unfinished",
        summary.kept,
        summary.dropped,
        if reasons.is_empty() {
            "none".into()
        } else {
            reasons.join(", ")
        },
        summary.unfinished
    )?;
    let mut files = String::new();
    for file in &summary.files {
        writeln!(files, "{}", out.join(&file.name).display())?;
    }
    Ok((err, files))
}

/// `insider synth status DIR` as text.
pub fn status_text(dir: &Path) -> anyhow::Result<String> {
    let store = Store::open(dir)?;
    let counts = store.counts()?;
    let model = store.meta("model")?.unwrap_or_default();
    let seed = store.meta("seed")?.unwrap_or_default();
    let mut out = format!("{}: model {model}, seed {seed}\n", dir.display());
    for spec in store.specs()? {
        writeln!(
            out,
            "  spec {} ({}) ×{} sha256 {}",
            spec.name,
            spec.kind,
            spec.count,
            &spec.sha256[..12]
        )?;
    }
    writeln!(
        out,
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
    )?;
    Ok(out)
}

/// `insider synth specs [NAME]`: one built-in spec's file, or the list of them.
pub fn specs_text(name: Option<&str>) -> anyhow::Result<String> {
    let Some(name) = name else {
        let mut out = String::new();
        for name in Spec::builtin_names() {
            let spec = Spec::builtin(name).expect("listed")?;
            let kind = spec.kind.as_str();
            writeln!(out, "{:<12} {kind:<9} {}", spec.name, spec.description)?;
        }
        return Ok(out);
    };
    match Spec::builtin(name) {
        Some(spec) => Ok(spec?.text),
        None => refuse(format!(
            "error: unknown spec `{name}`; built-in specs: {}",
            Spec::builtin_names().join(", ")
        )),
    }
}
