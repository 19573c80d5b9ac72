//! The `local/` provider: GGUF models run in process through llama.cpp (`llama-cpp-2`).
//!
//! `local/<alias>` or `local/<path.gguf>` resolves through the [model store](crate::model_store).
//! Each model file is loaded once per process and served by one dedicated engine thread that owns
//! the llama.cpp model and context: concurrent trials queue on it (two CPU cores gain nothing from
//! parallel decoding), and inference never runs on the async runtime's workers. The engine keeps
//! the KV cache of the last prompt, so repeated samples of the same condition skip most of the
//! prompt processing (see [`engine`] for why the reuse keeps greedy output byte-identical).
//!
//! Local generation costs nothing per call, so responses carry `cost_usd: Some(0.0)`.

mod engine;
mod facts;
mod outcome;
mod prompt;
mod settings;
mod tools;

use crate::model_store::{check_gguf, ModelStore};
use crate::{
    Attempt, ChatRequest, ChatResponse, FailureKind, GenerationSettings, ModelConfig, Provider,
    ProviderError,
};
use anyhow::{Context, Result};
use engine::{Engine, EngineOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

pub use facts::{EngineTimings, LocalModelFacts};
pub use settings::{CONTEXT_ENV, DEFAULT_CONTEXT, LOG_ENV, THREADS_ENV};

/// Open the local model named by `spec` (an alias in the model store or a path to a `.gguf`,
/// with or without the `local/` prefix), loading it on first use.
///
/// Later calls for the same file share the loaded model. Loading takes 0.3–2 s for the demo
/// models; a missing, truncated or non-GGUF file fails here with a message naming the file.
///
/// `base+adapter.gguf` applies a LoRA adapter in GGUF (scale 1.0) on top of the base model
/// (an alias or a path): the pair is one engine of its own, so the base alone stays byte-identical.
pub fn open(spec: &str, config: &ModelConfig) -> Result<Arc<dyn Provider>> {
    let bare = spec.strip_prefix("local/").unwrap_or(spec);
    let (base, adapter) = split_adapter(bare);
    let resolved = ModelStore::from_env().resolve(base)?;
    let adapter = adapter.map(adapter_file).transpose()?;
    let engine = shared_engine(&resolved.path, resolved.sha256, adapter)?;
    Ok(Arc::new(LocalProvider {
        name: format!("local/{bare}"),
        engine,
        defaults: config.generation.clone(),
    }))
}

/// The process-wide llama.cpp backend that `local/` models run on, for code that calls llama.cpp
/// directly in the same process (llama.cpp allows one initialisation per process).
pub fn llama_backend() -> Result<&'static llama_cpp_2::llama_backend::LlamaBackend> {
    engine::backend(std::env::var(LOG_ENV).is_ok_and(|v| v == "1"))
}

/// Facts about the loaded model behind a `local/` spec (loads it if needed), for tools and benches.
pub fn model_facts(spec: &str) -> Result<LocalModelFacts> {
    let bare = spec.strip_prefix("local/").unwrap_or(spec);
    let (base, adapter) = split_adapter(bare);
    let resolved = ModelStore::from_env().resolve(base)?;
    let adapter = adapter.map(adapter_file).transpose()?;
    Ok(shared_engine(&resolved.path, resolved.sha256, adapter)?
        .facts()
        .clone())
}

/// `base+adapter.gguf` → (`base`, the adapter path); anything else has no adapter.
fn split_adapter(spec: &str) -> (&str, Option<&str>) {
    match spec.rsplit_once('+') {
        Some((base, adapter))
            if !base.is_empty() && adapter.to_ascii_lowercase().ends_with(".gguf") =>
        {
            (base, Some(adapter))
        }
        _ => (spec, None),
    }
}

/// A LoRA adapter file checked like a model file, with its canonical path and sha256.
fn adapter_file(path: &str) -> Result<(PathBuf, String)> {
    let path = Path::new(path);
    check_gguf(path).with_context(|| "the LoRA adapter after `+`".to_string())?;
    let canonical = std::fs::canonicalize(path)
        .with_context(|| format!("{}: cannot resolve", path.display()))?;
    let (sha256, _) = crate::model_store::sha256_file(&canonical)?;
    Ok((canonical, sha256))
}

fn shared_engine(
    path: &Path,
    sha256: Option<String>,
    adapter: Option<(PathBuf, String)>,
) -> Result<Arc<Engine>> {
    type Key = (PathBuf, Option<PathBuf>);
    static ENGINES: OnceLock<Mutex<HashMap<Key, Arc<Engine>>>> = OnceLock::new();
    check_gguf(path)?;
    let base = std::fs::canonicalize(path)
        .with_context(|| format!("{}: cannot resolve", path.display()))?;
    let key = (base, adapter.as_ref().map(|(p, _)| p.clone()));
    // Held across the load so two trials opening the same file do not load it twice.
    let mut engines = ENGINES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(engine) = engines.get(&key) {
        return Ok(engine.clone());
    }
    let engine = Arc::new(Engine::start(&key.0, sha256, adapter, engine_options()?)?);
    engines.insert(key, engine.clone());
    Ok(engine)
}

fn engine_options() -> Result<EngineOptions> {
    let threads = match std::env::var(THREADS_ENV) {
        Ok(v) if !v.is_empty() => {
            v.parse::<i32>().ok().filter(|n| *n > 0).with_context(|| {
                format!("{THREADS_ENV}={v}: expected a positive number of threads")
            })?
        }
        _ => std::thread::available_parallelism()
            .map(|n| n.get() as i32)
            .unwrap_or(2),
    };
    let context = match std::env::var(CONTEXT_ENV) {
        Ok(v) if !v.is_empty() => Some(v.parse::<u32>().ok().filter(|n| *n >= 256).with_context(
            || format!("{CONTEXT_ENV}={v}: expected a context size of at least 256 tokens"),
        )?),
        _ => None,
    };
    Ok(EngineOptions {
        threads,
        context,
        batch: 512,
        llama_logs: std::env::var(LOG_ENV).is_ok_and(|v| v == "1"),
    })
}

/// The engine records which stop fired (`stop_sequence` vs end-of-generation) in the raw
/// response; the response carries the canonical reason.
fn canonical_stop(engine_reason: &str, tool_calls: bool) -> String {
    match engine_reason {
        "stop" | "stop_sequence" if tool_calls => crate::stop_reason::TOOL_USE.to_string(),
        "stop" | "stop_sequence" => crate::stop_reason::STOP.to_string(),
        "max_tokens" => crate::stop_reason::MAX_TOKENS.to_string(),
        other => other.to_string(),
    }
}

/// A [`Provider`] backed by a shared in-process llama.cpp engine.
struct LocalProvider {
    name: String,
    engine: Arc<Engine>,
    defaults: GenerationSettings,
}

#[async_trait::async_trait]
impl Provider for LocalProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn generate(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let started = Instant::now();
        let mut request = request.clone();
        request.settings = crate::wire::merge_settings(&self.defaults, &request.settings);
        // An empty reply is a fault, never an answer. Drawing again only helps when the engine
        // draws a fresh random seed; greedy or seeded decoding would repeat the same silence.
        let random =
            request.settings.seed.is_none() && request.settings.temperature.is_none_or(|t| t > 0.0);
        let tries = if random { EMPTY_REPLY_TRIES } else { 1 };
        let mut attempts = Vec::new();
        for number in 1..=tries {
            // Reported to an observing runner as it ends, or as cancelled if dropped first.
            let in_flight = crate::attempt_hook::InFlight::start(number);
            let outcome = self.engine.generate(request.clone()).await;
            let attempt = |error: Option<String>, retryable: bool| Attempt {
                number,
                started_at: in_flight.started_at().to_string(),
                duration_ms: in_flight.elapsed_ms(),
                status: None,
                error,
                retryable,
            };
            match outcome {
                Ok(out) if is_empty(&out) => {
                    attempts.push(attempt(Some(crate::http::EMPTY_REPLY.into()), random));
                    in_flight.end(attempts.last().expect("just pushed"));
                }
                Ok(out) => {
                    attempts.push(attempt(None, false));
                    in_flight.end(attempts.last().expect("just pushed"));
                    return Ok(ChatResponse {
                        model: self.name.clone(),
                        text: out.text,
                        reasoning: None,
                        stop_reason: Some(canonical_stop(
                            &out.stop_reason,
                            !out.tool_calls.is_empty(),
                        )),
                        tool_calls: out.tool_calls,
                        usage: crate::Usage {
                            input_tokens: out.input_tokens,
                            output_tokens: out.output_tokens,
                            ..Default::default()
                        },
                        cost_usd: Some(0.0),
                        latency_ms: started.elapsed().as_millis() as u64,
                        raw_request: out.raw_request,
                        raw_response: out.raw_response,
                        attempts,
                        native: None,
                    });
                }
                Err(failure) => {
                    let message = format!("{}: {}", self.name, failure.message);
                    attempts.push(attempt(Some(message.clone()), false));
                    in_flight.end(attempts.last().expect("just pushed"));
                    return Err(ProviderError {
                        kind: if failure.cancelled {
                            FailureKind::Cancelled
                        } else {
                            FailureKind::Permanent
                        },
                        attempts,
                        message,
                    });
                }
            }
        }
        Err(ProviderError {
            kind: if random {
                FailureKind::RetriesExhausted
            } else {
                FailureKind::Permanent
            },
            message: format!(
                "{}: {} ({} attempt{}; the model ended its turn without writing anything)",
                self.name,
                crate::http::EMPTY_REPLY,
                attempts.len(),
                if attempts.len() == 1 { "" } else { "s" }
            ),
            attempts,
        })
    }
}

/// Draws of a random-seeded local call that may come back empty before the call fails.
pub const EMPTY_REPLY_TRIES: u32 = 3;

/// No text, no tool call, and not cut by the length limit (a truncated empty reply is an answer
/// the judge marks truncated).
fn is_empty(out: &outcome::GenOutput) -> bool {
    out.text.trim().is_empty() && out.tool_calls.is_empty() && out.stop_reason != "max_tokens"
}
