//! The grader in batch mode: a [`Provider`] around the grader whose `generate` queues the
//! request and waits for its answer from a provider batch, at the batch price. A background
//! task ([`super::grader_loop`]) sends what is queued as one batch when enough is queued or
//! the queue has been idle for a moment, polls it, and answers each waiting call; items the
//! batch could not answer are called live on the grader itself. The judge calls it like any
//! grader.
//!
//! Each request is named by the sha256 of its exact body, and every grader batch is recorded
//! in the ledger (`purpose` `grader`) before it is sent, so a later run (a `--resume`,
//! `insider classify`) that asks the same request polls the recorded batch, or reads its
//! stored answer, instead of paying for it again.

use super::grader_loop::{self, Ask};
pub use super::grader_loop::{grader_custom_id, DEFAULT_GRADER_IDLE_MS};
use insider_model::batch::BatchClient;
use insider_model::{ChatRequest, ChatResponse, Provider, ProviderError};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// A grader whose calls go through its provider's batch API.
pub struct BatchedGrader {
    name: String,
    inner: Arc<dyn Provider>,
    client: Arc<dyn BatchClient>,
    run_dir: PathBuf,
    queue: OnceLock<mpsc::UnboundedSender<Ask>>,
}

/// `inner` (the grader `name`, built with `config`) in batch mode, recording its batches in
/// the ledger of `run_dir`; `inner` itself, with a warning, when the provider has no batch
/// client.
pub fn batched(
    name: &str,
    config: &insider_model::ModelConfig,
    inner: Arc<dyn Provider>,
    run_dir: &std::path::Path,
) -> Arc<dyn Provider> {
    match insider_model::batch::resolve(name, config) {
        Ok(client) => Arc::new(BatchedGrader {
            name: name.to_string(),
            inner,
            client,
            run_dir: run_dir.to_path_buf(),
            queue: OnceLock::new(),
        }),
        Err(error) => {
            tracing::warn!("grader {name}: no batch client ({error}); calling it live");
            inner
        }
    }
}

/// The name of a grader request: the sha256 of the grader's name and the exact body the
/// request carries in a batch.
pub fn request_hash(model: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(model.as_bytes());
    hasher.update([0]);
    hasher.update(body.as_bytes());
    hex::encode(hasher.finalize())
}

impl BatchedGrader {
    /// The queue, with its task started on the first call (inside the caller's runtime).
    fn queue(&self) -> &mpsc::UnboundedSender<Ask> {
        self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            let task = grader_loop::GraderLoop::new(
                &self.name,
                self.client.clone(),
                self.inner.clone(),
                &self.run_dir,
            );
            tokio::spawn(task.run(receiver));
            sender
        })
    }
}

#[async_trait::async_trait]
impl Provider for BatchedGrader {
    fn name(&self) -> &str {
        &self.name
    }

    fn base_url(&self) -> Option<String> {
        self.inner.base_url()
    }

    async fn generate(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let hash = request_hash(&self.name, &self.client.request_body(request));
        let (answer, answered) = oneshot::channel();
        let ask = Ask {
            hash,
            request: request.clone(),
            answer,
        };
        if self.queue().send(ask).is_err() {
            return self.inner.generate(request).await; // the batch task is gone
        }
        match answered.await {
            Ok(result) => result,
            Err(_) => self.inner.generate(request).await,
        }
    }
}
