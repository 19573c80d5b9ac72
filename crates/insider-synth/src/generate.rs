//! Generation: settle what an output folder makes (specs, seed, model, counts), then ask the
//! provider for every step that has no stored answer, a few items at a time.
//!
//! Each answer is committed to the store as it arrives, so a stop — Ctrl-C, a crash,
//! `kill -9` — loses at most the calls in flight, and the next run asks only for what is
//! missing. A failed item is recorded with its reason and tried again by the next run, never
//! skipped for good.

use crate::request::step_request;
use crate::spec::{plan_item, Spec};
use crate::store::{now, StepRecord, Store, StoredItem, StoredSpec};
use anyhow::{bail, Context};
use insider_model::{FailureKind, Provider};
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Items per spec when neither the command nor the folder says.
pub const DEFAULT_COUNT: u32 = 10;

/// Seed when neither the command nor the folder says.
pub const DEFAULT_SEED: u64 = 1;

/// What the command asked for; `None` means "what the folder already says, else the default".
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// Specs to generate (empty: the folder's, else every built-in spec).
    pub specs: Vec<Spec>,
    /// Generator model.
    pub model: Option<String>,
    /// Planning seed.
    pub seed: Option<u64>,
    /// Items per spec.
    pub count: Option<u32>,
}

/// What a folder makes, once the command and the folder agree.
#[derive(Debug, Clone)]
pub struct Settled {
    /// Generator model.
    pub model: String,
    /// Planning seed.
    pub seed: u64,
    /// Each spec with its item count.
    pub specs: Vec<(Spec, u32)>,
    /// Whether the folder already held work.
    pub resumed: bool,
}

/// Check the command against the folder and record the settings; a changed spec, seed or
/// model is refused with what differs, since the stored answers belong to the old ones.
pub fn settle(store: &mut Store, options: GenerateOptions) -> anyhow::Result<Settled> {
    let stored = store.specs()?;
    let resumed = !stored.is_empty();
    let seed = match (store.meta("seed")?, options.seed) {
        (Some(old), Some(new)) if old != new.to_string() => bail!(
            "{} was started with --seed {old}; resuming with --seed {new} would plan other items (use a new --out)",
            folder(store)
        ),
        (Some(old), _) => old.parse().context("the stored seed")?,
        (None, seed) => seed.unwrap_or(DEFAULT_SEED),
    };
    let model = match (store.meta("model")?, options.model) {
        (Some(old), Some(new)) if old != new => bail!(
            "{} was started with --model {old}; its items must come from one generator (use a new --out for {new})",
            folder(store)
        ),
        (Some(old), _) => old,
        (None, model) => model.unwrap_or_else(|| insider_model::DEFAULT_LOCAL_MODEL.to_string()),
    };
    let specs = if options.specs.is_empty() && resumed {
        stored
            .iter()
            .map(|s| Spec::parse(&s.source, &s.text).map_err(anyhow::Error::from))
            .collect::<anyhow::Result<Vec<_>>>()?
    } else if options.specs.is_empty() {
        Spec::builtin_names()
            .into_iter()
            .map(|name| {
                Spec::builtin(name)
                    .expect("listed")
                    .map_err(anyhow::Error::from)
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    } else {
        options.specs
    };
    let mut settled = Vec::new();
    for spec in specs {
        let old = stored.iter().find(|s| s.name == spec.name);
        if let Some(old) = old.filter(|old| old.sha256 != spec.sha256) {
            bail!(
                "generator spec `{}` changed since {} was started (sha256 {} from {} → {} from {}); \
                 its stored answers belong to the old spec: restore it or use a new --out",
                spec.name,
                folder(store),
                &old.sha256[..12],
                old.source,
                &spec.sha256[..12],
                spec.source
            );
        }
        let count = options
            .count
            .or(old.map(|o| o.count))
            .unwrap_or(DEFAULT_COUNT);
        settled.push((spec, count));
    }
    store.set_meta("seed", &seed.to_string())?;
    store.set_meta("model", &model)?;
    store.set_meta("tool_version", env!("CARGO_PKG_VERSION"))?;
    for (spec, count) in &settled {
        store.put_spec(&StoredSpec {
            name: spec.name.clone(),
            kind: spec.kind.as_str().to_string(),
            sha256: spec.sha256.clone(),
            source: spec.source.clone(),
            text: spec.text.clone(),
            count: *count,
        })?;
        let items: Vec<_> = (0..*count).map(|i| plan_item(spec, seed, i)).collect();
        store.add_items(spec.kind.as_str(), seed, &spec.sha256, &items)?;
    }
    Ok(Settled {
        model,
        seed,
        specs: settled,
        resumed,
    })
}

fn folder(store: &Store) -> String {
    store
        .path()
        .parent()
        .map_or_else(|| ".".into(), |p| p.display().to_string())
}

/// Asks running generation to stop after the calls in flight.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// Ask to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Live counters of one generation, read by the progress display.
#[derive(Debug, Default)]
pub struct Progress {
    /// Items this invocation works on.
    pub total: AtomicU64,
    /// Of those, finished.
    pub done: AtomicU64,
    /// Of those, failed.
    pub failed: AtomicU64,
    /// Calls answered.
    pub calls: AtomicU64,
    /// Tokens (prompt + generated) of the answered calls.
    pub tokens: AtomicU64,
    /// Cost of the answered calls in nano-dollars.
    pub cost_nanos: AtomicU64,
    /// Answered calls of unknown cost.
    pub unknown_cost: AtomicU64,
}

impl Progress {
    /// One plain progress line: items, failures, rate, ETA, tokens, cost.
    pub fn line(&self, elapsed: Duration) -> String {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        let secs = elapsed.as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let left = total.saturating_sub(done + failed);
        let eta = if rate > 0.0 {
            format!("{:.0}s", left as f64 / rate)
        } else {
            "?".into()
        };
        let unknown = self.unknown_cost.load(Ordering::Relaxed);
        let cost = self.cost_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let cost = if unknown > 0 {
            format!("${cost:.4} + {unknown} call(s) of unknown cost")
        } else {
            format!("${cost:.4}")
        };
        format!(
            "synth: {done}/{total} items ({failed} failed) · {} calls · {rate:.2} items/s · ETA {eta} · {} tokens · {cost}",
            self.calls.load(Ordering::Relaxed),
            self.tokens.load(Ordering::Relaxed),
        )
    }
}

/// How one invocation went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerateSummary {
    /// Items already done before it started.
    pub already_done: u64,
    /// Items it finished.
    pub finished: u64,
    /// Items that failed (key and reason).
    pub failures: Vec<(String, String)>,
    /// Calls it made and kept.
    pub calls: u64,
    /// Whether it stopped before the end (a stop was asked for).
    pub stopped: bool,
}

struct Shared {
    store: Mutex<Store>,
    provider: Arc<dyn Provider>,
    model: String,
    seed: u64,
    temperature: Option<f64>,
    stop: StopFlag,
    progress: Arc<Progress>,
}

enum Outcome {
    Done,
    Failed(String, String),
    Stopped,
}

/// Generate every unfinished item of `settled`, at most `max_connections` at a time.
pub async fn generate(
    store: Store,
    settled: &Settled,
    provider: Arc<dyn Provider>,
    max_connections: usize,
    temperature: Option<f64>,
    stop: StopFlag,
    progress: Arc<Progress>,
) -> anyhow::Result<GenerateSummary> {
    let mut work: Vec<(Arc<Spec>, StoredItem)> = Vec::new();
    let mut summary = GenerateSummary::default();
    for (spec, count) in &settled.specs {
        let spec = Arc::new(spec.clone());
        let unfinished = store.unfinished(&spec.name, *count)?;
        summary.already_done += u64::from(*count) - unfinished.len() as u64;
        for item in unfinished {
            let planned = plan_item(&spec, settled.seed, item.index);
            if planned.choices != item.choices {
                bail!("item {} was stored with other axis values than this build plans; use a new --out", item.key);
            }
            work.push((spec.clone(), item));
        }
    }
    progress.total.store(work.len() as u64, Ordering::Relaxed);
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        provider,
        model: settled.model.clone(),
        seed: settled.seed,
        temperature,
        stop,
        progress,
    });
    let mut queue = work.into_iter();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < max_connections.max(1) && !shared.stop.is_stopped() {
            let Some((spec, item)) = queue.next() else {
                break;
            };
            running.spawn(work_item(spec, item, shared.clone()));
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        match joined.context("a generation task panicked")?? {
            Outcome::Done => summary.finished += 1,
            Outcome::Failed(key, reason) => summary.failures.push((key, reason)),
            Outcome::Stopped => summary.stopped = true,
        }
    }
    summary.stopped |= shared.stop.is_stopped() && queue.next().is_some();
    summary.calls = shared.progress.calls.load(Ordering::Relaxed);
    Ok(summary)
}

async fn work_item(
    spec: Arc<Spec>,
    item: StoredItem,
    shared: Arc<Shared>,
) -> anyhow::Result<Outcome> {
    let planned = plan_item(&spec, shared.seed, item.index);
    let mut outputs: Map<String, Value> = item
        .steps
        .iter()
        .map(|s| (s.step.clone(), Value::String(s.text.clone())))
        .collect();
    let temperature = shared.temperature.unwrap_or(spec.temperature);
    for (position, step) in spec.steps.iter().enumerate() {
        if outputs.contains_key(&step.name) {
            continue;
        }
        if shared.stop.is_stopped() {
            return Ok(Outcome::Stopped);
        }
        let request = step_request(&spec, &planned, step, &outputs, shared.seed, temperature)?;
        match shared.provider.generate(&request).await {
            Ok(response) => {
                let text = response.text.trim().to_string();
                let record = StepRecord {
                    step: step.name.clone(),
                    position: position as u32,
                    model: shared.model.clone(),
                    response_model: Some(response.model.clone()),
                    request_json: serde_json::to_string(&request)?,
                    text: text.clone(),
                    stop_reason: response.stop_reason.clone(),
                    input_tokens: response.usage.input_tokens + response.usage.cache_read_tokens,
                    output_tokens: response.usage.output_tokens,
                    cost_usd: response.cost_usd,
                    latency_ms: response.latency_ms,
                    attempts: response.attempts.len() as u32,
                    finished_at: now(),
                };
                shared
                    .store
                    .lock()
                    .unwrap()
                    .record_step(&item.key, &record)?;
                count_call(&shared.progress, &record);
                outputs.insert(step.name.clone(), Value::String(text));
            }
            Err(error) if error.kind == FailureKind::Cancelled => return Ok(Outcome::Stopped),
            Err(error) => {
                let reason = format!("step `{}`: {}", step.name, error.message);
                shared
                    .store
                    .lock()
                    .unwrap()
                    .fail_item(&item.key, &shared.model, &reason)?;
                shared.progress.failed.fetch_add(1, Ordering::Relaxed);
                return Ok(Outcome::Failed(item.key, reason));
            }
        }
    }
    shared
        .store
        .lock()
        .unwrap()
        .finish_item(&item.key, &shared.model)?;
    shared.progress.done.fetch_add(1, Ordering::Relaxed);
    Ok(Outcome::Done)
}

fn count_call(progress: &Progress, record: &StepRecord) {
    progress.calls.fetch_add(1, Ordering::Relaxed);
    progress.tokens.fetch_add(
        record.input_tokens + record.output_tokens,
        Ordering::Relaxed,
    );
    match record.cost_usd {
        Some(cost) => {
            progress
                .cost_nanos
                .fetch_add((cost * 1e9).round() as u64, Ordering::Relaxed);
        }
        None => {
            progress.unknown_cost.fetch_add(1, Ordering::Relaxed);
        }
    }
}
