//! Gemini batch mode with inline requests: `POST /v1beta/models/{model}:batchGenerateContent`
//! with `{batch: {display_name, input_config: {requests: {requests: [{request, metadata: {key}}]}}}}`
//! answers a long-running operation `batches/{id}`; `GET /v1beta/batches/{id}` until its state is
//! `BATCH_STATE_SUCCEEDED` (or failed, cancelled, expired), with the inline responses
//! (`{metadata: {key}, response | error}`) in the finished operation.

use super::transport::Transport;
use super::{
    check_ids, BatchClient, BatchCounts, BatchItem, BatchResult, BatchState, BatchStatus,
    ItemOutcome,
};
use crate::types::{FailureKind, ProviderError};
use serde_json::Value;

/// The Gemini batch client.
pub struct GeminiBatch {
    pub(super) t: Transport,
}

impl GeminiBatch {
    fn operation_url(&self, batch_id: &str) -> String {
        let name = batch_id.strip_prefix("batches/").unwrap_or(batch_id);
        format!("{}/v1beta/batches/{name}", self.t.root())
    }
}

/// The batch resource inside an operation (`metadata`), whichever spelling the API uses.
fn batch_of(op: &Value) -> &Value {
    if op["metadata"].is_object() {
        &op["metadata"]
    } else {
        op
    }
}

fn count(v: &Value) -> Option<u64> {
    // int64 fields travel as strings.
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[async_trait::async_trait]
impl BatchClient for GeminiBatch {
    fn name(&self) -> &str {
        &self.t.name
    }

    fn request_body(&self, request: &crate::types::ChatRequest) -> String {
        self.t.item_body(request)
    }

    async fn submit(&self, items: &[BatchItem]) -> Result<String, ProviderError> {
        check_ids(&self.t.name, items)?;
        let mut body = String::from(
            "{\"batch\":{\"display_name\":\"insider\",\"input_config\":{\"requests\":{\"requests\":[",
        );
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            // By hand, so `request` is byte-for-byte what a normal call sends.
            body.push_str("{\"request\":");
            body.push_str(&self.t.item_body(&item.request));
            body.push_str(",\"metadata\":{\"key\":");
            body.push_str(&Value::String(item.custom_id.clone()).to_string());
            body.push_str("}}");
        }
        body.push_str("]}}}}");
        let url = format!(
            "{}/v1beta/models/{}:batchGenerateContent",
            self.t.root(),
            self.t.model
        );
        let op = self.t.post_json(&url, body).await?;
        op["name"].as_str().map(str::to_string).ok_or_else(|| {
            self.t.fail(
                FailureKind::RetriesExhausted,
                &format!("creation answered no name: {op}"),
                Vec::new(),
            )
        })
    }

    async fn status(&self, batch_id: &str) -> Result<BatchStatus, ProviderError> {
        let op = self.t.get_json(&self.operation_url(batch_id)).await?;
        let batch = batch_of(&op);
        let word = batch["state"].as_str().unwrap_or("").to_string();
        let state = match word
            .trim_start_matches("BATCH_STATE_")
            .trim_start_matches("JOB_STATE_")
        {
            "PENDING" | "RUNNING" | "UNSPECIFIED" | ""
                if !op["done"].as_bool().unwrap_or(false) =>
            {
                BatchState::InProgress
            }
            "SUCCEEDED" | "PENDING" | "RUNNING" | "UNSPECIFIED" | "" => BatchState::Ended,
            "EXPIRED" => BatchState::Expired,
            "CANCELLED" => BatchState::Cancelled,
            "FAILED" => BatchState::Failed(
                self.t.redact(
                    op["error"]["message"]
                        .as_str()
                        .unwrap_or("the batch failed"),
                ),
            ),
            other => BatchState::Failed(format!("unknown state `{other}`")),
        };
        let stats = &batch["batchStats"];
        Ok(BatchStatus {
            id: batch_id.to_string(),
            state,
            counts: BatchCounts {
                total: count(&stats["requestCount"]),
                succeeded: count(&stats["successfulRequestCount"]),
                errored: count(&stats["failedRequestCount"]),
                pending: count(&stats["pendingRequestCount"]),
            },
            provider_status: word,
        })
    }

    async fn results(&self, batch_id: &str) -> Result<Vec<BatchResult>, ProviderError> {
        let op = self.t.get_json(&self.operation_url(batch_id)).await?;
        let output = if op["response"].is_object() {
            &op["response"]
        } else {
            &batch_of(&op)["output"]
        };
        let responses = output["inlinedResponses"]["inlinedResponses"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Ok(responses
            .iter()
            .map(|r| {
                let custom_id = r["metadata"]["key"].as_str().unwrap_or("").to_string();
                let outcome = if r["response"].is_object() {
                    self.t
                        .item_response("", r["response"].to_string().as_bytes())
                } else {
                    let code = count(&r["error"]["code"]);
                    // google.rpc codes: 4 deadline exceeded, 8 exhausted, 13 internal, 14 unavailable.
                    let retryable = code.is_none_or(|c| matches!(c, 4 | 8 | 13 | 14));
                    match (code, r["error"]["message"].as_str()) {
                        (Some(1), _) => ItemOutcome::Cancelled,
                        (_, message) => ItemOutcome::Errored {
                            message: self.t.redact(message.unwrap_or("the request failed")),
                            retryable,
                        },
                    }
                };
                BatchResult { custom_id, outcome }
            })
            .collect())
    }
}
