//! Provider batch APIs behind one small trait: submit requests named by custom ids, get a batch
//! id back, poll it, collect per-item results. Anthropic Message Batches, the OpenAI Batch API
//! (JSONL file upload, poll, download) and Gemini batch mode (inline requests) are billed at
//! about half the normal price.
//!
//! The client keeps no state between calls: everything a runner needs to resume after a crash
//! is the batch id [`BatchClient::submit`] returned and the custom ids it sent. Persist both before
//! waiting; on restart call [`BatchClient::status`] and [`BatchClient::results`] with the stored
//! id — nothing is submitted twice. Items that errored, expired, or are absent from the results
//! of a finished batch are the ones to submit again (in a new batch).
//!
//! ```no_run
//! # async fn demo(items: Vec<insider_model::batch::BatchItem>) -> anyhow::Result<()> {
//! use insider_model::batch::{self, BatchState, ItemOutcome};
//! let client = batch::resolve("anthropic/claude-opus-4-20250514", &Default::default())?;
//! let id = client.submit(&items).await?;            // persist `id` + the custom ids now
//! loop {
//!     let status = client.status(&id).await?;
//!     if status.state.is_finished() { break; }
//!     tokio::time::sleep(std::time::Duration::from_secs(60)).await;
//! }
//! for result in client.results(&id).await? {
//!     match result.outcome {
//!         ItemOutcome::Succeeded(response) => { /* store like a normal call's response */ }
//!         ItemOutcome::Errored { .. } | ItemOutcome::Expired | ItemOutcome::Cancelled => {
//!             /* submit this custom id again */
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```

mod anthropic;
mod gemini;
mod openai;
mod transport;
mod types;

use crate::spec::{self, ConfigError};
use crate::types::{ChatRequest, ModelConfig, ProviderError};
use crate::wire::WireKind;
use std::sync::Arc;

pub use transport::Transport;
pub use types::{BatchCounts, BatchItem, BatchResult, BatchState, BatchStatus, ItemOutcome};

/// A provider's batch API.
#[async_trait::async_trait]
pub trait BatchClient: Send + Sync {
    /// The full model name, e.g. `openai/gpt-4.1`.
    fn name(&self) -> &str;
    /// The exact body an item carries in the batch (the same bytes a normal call sends): store
    /// it as the trial's raw request, since results do not repeat it.
    fn request_body(&self, request: &ChatRequest) -> String;
    /// Submit `items` as one batch; returns the batch id to persist and poll.
    async fn submit(&self, items: &[BatchItem]) -> Result<String, ProviderError>;
    /// Poll a batch by id (also after a restart: the client holds no state).
    async fn status(&self, batch_id: &str) -> Result<BatchStatus, ProviderError>;
    /// The per-item results of a finished batch, in the provider's order (match by custom id).
    async fn results(&self, batch_id: &str) -> Result<Vec<BatchResult>, ProviderError>;
}

/// The batch client for `model` (`openai/…` and OpenAI-compatible services with a batch API,
/// `anthropic/…`, `google/…`), reading keys and base URLs like [`crate::resolve`]. No network
/// call is made. `local/` models have no batch API.
pub fn resolve(model: &str, config: &ModelConfig) -> Result<Arc<dyn BatchClient>, ConfigError> {
    if model.starts_with("local/") {
        return Err(ConfigError::InvalidName {
            model: model.to_string(),
            problem: "local models run in process and have no batch API; run them without batch"
                .into(),
        });
    }
    let spec = spec::parse(model, config)?;
    let kind = spec.wire;
    let transport = Transport::new(spec, config).map_err(|problem| ConfigError::InvalidName {
        model: model.to_string(),
        problem,
    })?;
    Ok(match kind {
        WireKind::Anthropic => Arc::new(anthropic::AnthropicBatch { t: transport }),
        WireKind::OpenAi => Arc::new(openai::OpenAiBatch { t: transport }),
        WireKind::Gemini => Arc::new(gemini::GeminiBatch { t: transport }),
    })
}

/// Custom ids must be unique within a batch: the results are matched by them.
fn check_ids(name: &str, items: &[BatchItem]) -> Result<(), ProviderError> {
    let mut seen = std::collections::HashSet::new();
    for item in items {
        if item.custom_id.is_empty() || !seen.insert(item.custom_id.as_str()) {
            return Err(ProviderError {
                kind: crate::FailureKind::Permanent,
                message: format!(
                    "{name}: batch custom id `{}` is empty or used twice; every item needs its own",
                    item.custom_id
                ),
                attempts: Vec::new(),
            });
        }
    }
    if items.is_empty() {
        return Err(ProviderError {
            kind: crate::FailureKind::Permanent,
            message: format!("{name}: a batch needs at least one item"),
            attempts: Vec::new(),
        });
    }
    Ok(())
}
