//! Model providers: one [`Provider`] trait and the wire adapters behind it.
//!
//! A provider takes a [`ChatRequest`] (system prompt, messages, optional tool schemas and
//! generation settings) and returns a [`ChatResponse`] carrying the text, reasoning, native tool
//! calls, usage, cost, timings, the raw request and response bodies (secrets redacted) and every
//! attempt made. This crate knows nothing about scenarios or verdicts.

pub mod attempt_hook;
pub mod batch;
pub mod chat_text;
pub mod endpoint;
pub mod http;
pub mod limits;
#[cfg(feature = "local")]
pub mod local;
pub mod model_store;
pub mod pricing;
pub mod redact;
pub mod retry;
pub mod spec;
pub mod stop_reason;
pub mod terminal;
pub mod types;
pub mod wire;

pub use spec::ConfigError;
pub use types::*;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// Open the provider for `model` (Inspect-style name: `openai/gpt-4.1`,
/// `anthropic/claude-opus-4-20250514`, `google/gemini-2.5-pro`, `openai-api/<service>/<model>`,
/// `vllm/…`, `ollama/…`, `openrouter/…`, `together/…`, `local/<name-or-path>`).
///
/// Reads keys and base URLs from the environment (see `docs/providers.md`). Makes no network
/// call. The provider enforces the config's rpm/tpm budgets and connection limit for every
/// caller; resolving the same model with the same config and environment again returns the
/// same instance while one is alive, so a run and its grader share one budget.
pub fn resolve(model: &str, config: &ModelConfig) -> Result<Arc<dyn Provider>, ConfigError> {
    if let Some(rest) = model.strip_prefix("local/") {
        return open_local(model, rest, config);
    }
    let spec = spec::parse(model, config)?;
    let key = registry_key(&spec, config);
    let mut guard = REGISTRY.lock().unwrap();
    let registry = guard.get_or_insert_with(HashMap::new);
    registry.retain(|_, weak| weak.strong_count() > 0);
    if let Some(existing) = registry.get(&key).and_then(Weak::upgrade) {
        return Ok(existing);
    }
    let provider: Arc<dyn Provider> =
        Arc::new(http::HttpProvider::new(spec, config).map_err(|message| {
            ConfigError::InvalidName {
                model: model.to_string(),
                problem: message,
            }
        })?);
    registry.insert(key, Arc::downgrade(&provider));
    Ok(provider)
}

/// Check a model name and its key/base URL without any network call (and without loading a
/// local model): what `insider run` does before its first call.
pub fn check(model: &str, config: &ModelConfig) -> Result<(), ConfigError> {
    if let Some(rest) = model.strip_prefix("local/") {
        if rest.trim().is_empty() {
            return Err(ConfigError::InvalidName {
                model: model.to_string(),
                problem: "expected `local/<name-or-path.gguf>`".into(),
            });
        }
        if cfg!(feature = "local") {
            return Ok(());
        }
        return Err(ConfigError::LocalNotBuilt {
            model: model.to_string(),
        });
    }
    spec::parse(model, config).map(|_| ())
}

static REGISTRY: Mutex<Option<HashMap<String, Weak<dyn Provider>>>> = Mutex::new(None);

fn registry_key(spec: &spec::ModelSpec, config: &ModelConfig) -> String {
    use sha2::Digest;
    let key_hash = spec
        .api_key
        .as_ref()
        .map(|k| hex::encode(&sha2::Sha256::digest(k.expose().as_bytes())[..8]))
        .unwrap_or_default();
    format!(
        "{}|{}|{}|{}",
        spec.name,
        spec.base_url,
        key_hash,
        serde_json::to_string(config).unwrap_or_default()
    )
}

#[cfg(feature = "local")]
fn open_local(
    model: &str,
    _rest: &str,
    config: &ModelConfig,
) -> Result<Arc<dyn Provider>, ConfigError> {
    local::open(model, config).map_err(|e| ConfigError::Local {
        model: model.to_string(),
        message: format!("{e:#}"),
    })
}

#[cfg(not(feature = "local"))]
fn open_local(
    model: &str,
    _rest: &str,
    _config: &ModelConfig,
) -> Result<Arc<dyn Provider>, ConfigError> {
    Err(ConfigError::LocalNotBuilt {
        model: model.to_string(),
    })
}

/// The model `insider run` uses when no `--model` is given and no API key is set: the
/// embedded SmolLM2-135M-Instruct GGUF served in process (feature `local`).
pub const DEFAULT_LOCAL_MODEL: &str = "local/smollm2-135m-instruct";
