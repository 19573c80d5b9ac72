//! OpenAI Batch API: a JSONL file (`{custom_id, method, url, body}` per line) uploaded to
//! `POST /files` (`purpose=batch`), `POST /batches` on it, `GET /batches/{id}` until it is
//! `completed`/`expired`/`failed`/`cancelled`, then the output and error files from
//! `GET /files/{id}/content` (`{custom_id, response: {status_code, body}, error}` per line).

use super::transport::Transport;
use super::{
    check_ids, BatchClient, BatchCounts, BatchItem, BatchResult, BatchState, BatchStatus,
    ItemOutcome,
};
use crate::types::{FailureKind, ProviderError};
use bytes::Bytes;
use serde_json::{json, Value};

/// The OpenAI batch client (also any OpenAI-compatible service that offers the Batch API).
pub struct OpenAiBatch {
    pub(super) t: Transport,
}

/// A multipart boundary that does not occur in `content` (a boundary must not appear in the
/// part it delimits).
fn boundary_for(content: &str) -> String {
    (0u32..)
        .map(|n| format!("insider-batch-{n:08x}"))
        .find(|candidate| !content.contains(candidate.as_str()))
        .expect("some boundary is free")
}

impl OpenAiBatch {
    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.t.root())
    }

    async fn file_lines(&self, file_id: &str) -> Result<Vec<Value>, ProviderError> {
        let url = self.url(&format!("files/{file_id}/content"));
        let bytes = self.t.call(reqwest::Method::GET, &url, None).await?;
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| self.t.json(l.as_bytes(), &url))
            .collect()
    }

    fn outcome(&self, line: &Value) -> ItemOutcome {
        let error = &line["error"];
        if !error.is_null() {
            if error["code"].as_str() == Some("batch_expired") {
                return ItemOutcome::Expired;
            }
            if error["code"].as_str() == Some("batch_cancelled") {
                return ItemOutcome::Cancelled;
            }
            let message = format!(
                "{}: {}",
                error["code"].as_str().unwrap_or("error"),
                error["message"].as_str().unwrap_or("")
            );
            return self.t.item_error(None, &message);
        }
        let response = &line["response"];
        let status = response["status_code"].as_u64().unwrap_or(0) as u16;
        let body = response["body"].to_string();
        if (200..300).contains(&status) {
            self.t.item_response("", body.as_bytes())
        } else {
            let message = response["body"]["error"]["message"]
                .as_str()
                .unwrap_or(&body);
            self.t
                .item_error(Some(status), &format!("HTTP {status}: {message}"))
        }
    }
}

#[async_trait::async_trait]
impl BatchClient for OpenAiBatch {
    fn name(&self) -> &str {
        &self.t.name
    }

    fn request_body(&self, request: &crate::types::ChatRequest) -> String {
        self.t.item_body(request)
    }

    async fn submit(&self, items: &[BatchItem]) -> Result<String, ProviderError> {
        check_ids(&self.t.name, items)?;
        let mut jsonl = String::new();
        for item in items {
            // By hand, so `body` is byte-for-byte what a normal call sends.
            jsonl.push_str("{\"custom_id\":");
            jsonl.push_str(&Value::String(item.custom_id.clone()).to_string());
            jsonl.push_str(",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":");
            jsonl.push_str(&self.t.item_body(&item.request));
            jsonl.push_str("}\n");
        }
        let boundary = boundary_for(&jsonl);
        let mut form = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"insider-batch.jsonl\"\r\n\
             Content-Type: application/jsonl\r\n\r\n"
        );
        form.push_str(&jsonl);
        form.push_str(&format!("\r\n--{boundary}--\r\n"));
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let url = self.url("files");
        let bytes = self
            .t
            .call(
                reqwest::Method::POST,
                &url,
                Some((content_type, Bytes::from(form))),
            )
            .await?;
        let file = self.t.json(&bytes, &url)?;
        let file_id = file["id"].as_str().ok_or_else(|| {
            self.t.fail(
                FailureKind::RetriesExhausted,
                &format!("upload answered no file id: {file}"),
                Vec::new(),
            )
        })?;
        let batch = self
            .t
            .post_json(
                &self.url("batches"),
                json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"})
                    .to_string(),
            )
            .await?;
        batch["id"].as_str().map(str::to_string).ok_or_else(|| {
            self.t.fail(
                FailureKind::RetriesExhausted,
                &format!("creation answered no id: {batch}"),
                Vec::new(),
            )
        })
    }

    async fn status(&self, batch_id: &str) -> Result<BatchStatus, ProviderError> {
        let v = self
            .t
            .get_json(&self.url(&format!("batches/{batch_id}")))
            .await?;
        let word = v["status"].as_str().unwrap_or("").to_string();
        let state = match word.as_str() {
            "validating" | "in_progress" | "finalizing" | "cancelling" => BatchState::InProgress,
            "completed" => BatchState::Ended,
            "expired" => BatchState::Expired,
            "cancelled" => BatchState::Cancelled,
            "failed" => BatchState::Failed(
                v["errors"]["data"]
                    .as_array()
                    .and_then(|e| e.first())
                    .map_or_else(
                        || "the batch failed".to_string(),
                        |e| {
                            self.t
                                .redact(e["message"].as_str().unwrap_or("the batch failed"))
                        },
                    ),
            ),
            other => BatchState::Failed(format!("unknown status `{other}`")),
        };
        let c = &v["request_counts"];
        let (total, completed, failed) = (
            c["total"].as_u64(),
            c["completed"].as_u64(),
            c["failed"].as_u64(),
        );
        Ok(BatchStatus {
            id: batch_id.to_string(),
            state,
            counts: BatchCounts {
                total,
                succeeded: completed,
                errored: failed,
                pending: total
                    .map(|t| t.saturating_sub(completed.unwrap_or(0) + failed.unwrap_or(0))),
            },
            provider_status: word,
        })
    }

    async fn results(&self, batch_id: &str) -> Result<Vec<BatchResult>, ProviderError> {
        let v = self
            .t
            .get_json(&self.url(&format!("batches/{batch_id}")))
            .await?;
        let mut out = Vec::new();
        for key in ["output_file_id", "error_file_id"] {
            if let Some(file_id) = v[key].as_str() {
                for line in self.file_lines(file_id).await? {
                    out.push(BatchResult {
                        custom_id: line["custom_id"].as_str().unwrap_or("").to_string(),
                        outcome: self.outcome(&line),
                    });
                }
            }
        }
        Ok(out)
    }
}
