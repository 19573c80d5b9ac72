//! Sending batches: the next batch's worth of a model's queue (within the provider's limits),
//! recorded in the ledger before it is sent and given its provider id as soon as it is
//! accepted.

use super::work::custom_id;
use crate::scheduler::{request_for, Shared};
use insider_ledger::{Ledger, WorkItem};
use insider_model::batch::{BatchClient, BatchItem};
use insider_model::ProviderError;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Most request bytes insider puts in one batch: below every provider's own limit (OpenAI
/// 200 MB, Anthropic 256 MB) and small enough that a batch's bodies fit in memory twice.
const MAX_BATCH_BYTES: usize = 64 << 20;

/// Gemini's inline batch requests must stay under 20 MB in all.
const MAX_GEMINI_BYTES: usize = 18 << 20;

/// The most items and request bytes of one batch for `model` (`INSIDER_BATCH_MAX_ITEMS`
/// lowers the item count, for tests and benchmarks).
pub(super) fn limits(model: &str) -> (usize, usize) {
    let (items, bytes) = if model.starts_with("google/") {
        (10_000, MAX_GEMINI_BYTES)
    } else if model.starts_with("openai/") {
        (50_000, MAX_BATCH_BYTES)
    } else {
        (100_000, MAX_BATCH_BYTES)
    };
    let asked = std::env::var("INSIDER_BATCH_MAX_ITEMS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0);
    (asked.map_or(items, |n| n.min(items)), bytes)
}

/// Take the next batch's worth of `queue`: at least one item, then as many as fit.
pub(super) fn next_chunk(
    client: &dyn BatchClient,
    shared: &Shared,
    model: &str,
    queue: &mut VecDeque<WorkItem>,
) -> (Vec<WorkItem>, Vec<BatchItem>) {
    let (max_items, max_bytes) = limits(model);
    let (mut works, mut chunk) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    while let Some(item) = queue.front() {
        let request = request_for(shared, item);
        let size = client.request_body(&request).len() + 64;
        if !chunk.is_empty() && (chunk.len() >= max_items || bytes + size > max_bytes) {
            break;
        }
        bytes += size;
        let item = queue.pop_front().expect("front exists");
        let batch_item = BatchItem {
            custom_id: custom_id(item.trial_id),
            request,
        };
        works.push(item);
        chunk.push(batch_item);
    }
    (works, chunk)
}

/// Record `items` as a batch, send it, record its provider id. `Ok(Ok((row, id)))` when the
/// provider accepted it; `Ok(Err((row, error)))` when it refused it (the row is closed as
/// `failed`); `Err` only when the ledger cannot be written.
pub(super) async fn send(
    ledger: &Mutex<Ledger>,
    client: &dyn BatchClient,
    model: &str,
    items: Vec<BatchItem>,
) -> anyhow::Result<Result<(i64, String), (i64, ProviderError)>> {
    let ids: Vec<(i64, String)> = items
        .iter()
        .map(|b| (trial_of(&b.custom_id), b.custom_id.clone()))
        .collect();
    let row = lock(ledger).batch(|l| l.open_batch(model, &ids))?;
    let answer = client.submit(&items).await;
    drop(items);
    match answer {
        Ok(provider_id) => {
            lock(ledger).batch_submitted(row, &provider_id)?;
            Ok(Ok((row, provider_id)))
        }
        Err(error) => {
            lock(ledger).batch_ended(row, "failed", None, Some(&error.message), &[])?;
            Ok(Err((row, error)))
        }
    }
}

/// The trial id in a custom id made by [`custom_id`].
fn trial_of(custom_id: &str) -> i64 {
    custom_id
        .strip_prefix("trial-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_default()
}

/// The batch side's own ledger connection (a poisoned lock still holds a usable connection).
pub(super) fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
