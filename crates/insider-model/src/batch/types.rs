//! The plain types of a batch: its items, its state and counts, and each item's outcome.

use crate::types::{ChatRequest, ChatResponse};
use serde::{Deserialize, Serialize};

/// One request of a batch, named by the caller (unique within the batch; `[A-Za-z0-9_-]`, at
/// most 64 characters, is what every provider accepts).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    /// The caller's name for this item; results come back under it, in any order.
    pub custom_id: String,
    /// The call, exactly as [`crate::Provider::generate`] would take it.
    pub request: ChatRequest,
}

/// Where a batch stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// Accepted, validating, queued or running: poll again later.
    InProgress,
    /// Every item has a result (some may be errors).
    Ended,
    /// The provider's window ran out: finished items have results, the rest expired.
    Expired,
    /// The batch as a whole was refused or failed; the message says why.
    Failed(String),
    /// Cancelled; finished items may still have results.
    Cancelled,
}

impl BatchState {
    /// Whether polling is over and [`BatchClient::results`] can be read.
    pub fn is_finished(&self) -> bool {
        !matches!(self, BatchState::InProgress)
    }
}

/// Item counts as the provider reports them (`None` where it does not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCounts {
    /// Items in the batch.
    pub total: Option<u64>,
    /// Items answered.
    pub succeeded: Option<u64>,
    /// Items that failed.
    pub errored: Option<u64>,
    /// Items not yet done.
    pub pending: Option<u64>,
}

/// A poll's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchStatus {
    /// The batch id.
    pub id: String,
    /// Where it stands.
    pub state: BatchState,
    /// Item counts.
    pub counts: BatchCounts,
    /// The provider's status word, as written (`in_progress`, `BATCH_STATE_RUNNING`, ...).
    pub provider_status: String,
}

/// What became of one item.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemOutcome {
    /// Answered: a response like a normal call's, priced at the batch rate, with the item's
    /// result as `raw_response` (`raw_request` is empty: batch results do not repeat the
    /// request; take it from [`BatchClient::request_body`]).
    Succeeded(Box<ChatResponse>),
    /// The provider could not answer this item; `retryable` says whether resubmitting may help.
    Errored {
        /// What the provider said (redacted).
        message: String,
        /// Whether a new submission may succeed (server errors, rate limits) or not (a bad request).
        retryable: bool,
    },
    /// Not processed before the batch's window ran out: submit again.
    Expired,
    /// Cancelled before it ran: submit again if still wanted.
    Cancelled,
}

/// One item's result.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// The item's custom id.
    pub custom_id: String,
    /// What became of it.
    pub outcome: ItemOutcome,
}
