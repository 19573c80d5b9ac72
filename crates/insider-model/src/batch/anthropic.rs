//! Anthropic Message Batches: `POST /v1/messages/batches` with `{requests: [{custom_id, params}]}`,
//! `GET /v1/messages/batches/{id}` until `processing_status` is `ended`, then the JSONL at
//! `results_url` (`{custom_id, result: {type: succeeded|errored|canceled|expired, ...}}`).

use super::transport::Transport;
use super::{
    check_ids, BatchClient, BatchCounts, BatchItem, BatchResult, BatchState, BatchStatus,
    ItemOutcome,
};
use crate::types::{FailureKind, ProviderError};
use serde_json::Value;

/// The Anthropic batch client.
pub struct AnthropicBatch {
    pub(super) t: Transport,
}

impl AnthropicBatch {
    fn batches(&self) -> String {
        format!("{}/v1/messages/batches", self.t.root())
    }
}

#[async_trait::async_trait]
impl BatchClient for AnthropicBatch {
    fn name(&self) -> &str {
        &self.t.name
    }

    fn request_body(&self, request: &crate::types::ChatRequest) -> String {
        self.t.item_body(request)
    }

    async fn submit(&self, items: &[BatchItem]) -> Result<String, ProviderError> {
        check_ids(&self.t.name, items)?;
        // Written by hand so each item's `params` is byte-for-byte the body a normal call sends.
        let mut body = String::from("{\"requests\":[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str("{\"custom_id\":");
            body.push_str(&Value::String(item.custom_id.clone()).to_string());
            body.push_str(",\"params\":");
            body.push_str(&self.t.item_body(&item.request));
            body.push('}');
        }
        body.push_str("]}");
        let answer = self.t.post_json(&self.batches(), body).await?;
        answer["id"].as_str().map(str::to_string).ok_or_else(|| {
            self.t.fail(
                FailureKind::RetriesExhausted,
                &format!("creation answered no id: {answer}"),
                Vec::new(),
            )
        })
    }

    async fn status(&self, batch_id: &str) -> Result<BatchStatus, ProviderError> {
        let v = self
            .t
            .get_json(&format!("{}/{batch_id}", self.batches()))
            .await?;
        let word = v["processing_status"].as_str().unwrap_or("").to_string();
        let counts = &v["request_counts"];
        let n = |k: &str| counts[k].as_u64();
        let done = ["succeeded", "errored", "canceled", "expired"];
        let state = match word.as_str() {
            "ended" if n("expired").unwrap_or(0) > 0 => BatchState::Expired,
            "ended" => BatchState::Ended,
            "canceling" | "in_progress" => BatchState::InProgress,
            other => BatchState::Failed(format!("unknown processing_status `{other}`")),
        };
        Ok(BatchStatus {
            id: batch_id.to_string(),
            state,
            counts: BatchCounts {
                total: Some(
                    done.iter()
                        .chain(["processing"].iter())
                        .filter_map(|k| n(k))
                        .sum(),
                ),
                succeeded: n("succeeded"),
                errored: n("errored"),
                pending: n("processing"),
            },
            provider_status: word,
        })
    }

    async fn results(&self, batch_id: &str) -> Result<Vec<BatchResult>, ProviderError> {
        let v = self
            .t
            .get_json(&format!("{}/{batch_id}", self.batches()))
            .await?;
        let url = match v["results_url"].as_str() {
            Some(url) => url.to_string(),
            None => {
                return Err(self.t.fail(
                    FailureKind::Permanent,
                    &format!(
                        "{batch_id} has no results yet (processing_status {})",
                        v["processing_status"]
                    ),
                    Vec::new(),
                ))
            }
        };
        let bytes = self.t.call(reqwest::Method::GET, &url, None).await?;
        let mut out = Vec::new();
        for line in String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let entry: Value = self.t.json(line.as_bytes(), &url)?;
            let custom_id = entry["custom_id"].as_str().unwrap_or("").to_string();
            let result = &entry["result"];
            let outcome = match result["type"].as_str() {
                Some("succeeded") => {
                    // The item's request is not in the results; the runner holds it. The message
                    // is exactly what a normal call would have returned as its body.
                    self.t
                        .item_response("", result["message"].to_string().as_bytes())
                }
                Some("errored") => {
                    let error = &result["error"]["error"];
                    let kind = error["type"].as_str().unwrap_or("error");
                    let status = match kind {
                        "invalid_request_error" => Some(400),
                        "authentication_error" => Some(401),
                        "permission_error" => Some(403),
                        "not_found_error" => Some(404),
                        _ => None,
                    };
                    let message = format!("{kind}: {}", error["message"].as_str().unwrap_or(""));
                    self.t.item_error(status, &message)
                }
                Some("expired") => ItemOutcome::Expired,
                _ => ItemOutcome::Cancelled,
            };
            out.push(BatchResult { custom_id, outcome });
        }
        Ok(out)
    }
}
