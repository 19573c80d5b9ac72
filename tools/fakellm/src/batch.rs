//! The three batch APIs: Anthropic Message Batches, OpenAI Files + Batches, Gemini
//! `batchGenerateContent`. Items are answered by the same rules as normal calls when the batch is
//! created; a batch reports "in progress" for `batch_polls` status polls, then ends. A rule reply
//! with `status` makes its item an error; `expire: true` makes it expire (and the batch end as
//! expired). `/stats` counts batches and submissions per custom id.

use crate::conversation;
use crate::protocol::{self, request_text, Counts, Protocol};
use crate::rules::Reply;
use crate::FakeConfig;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Batch state shared by every connection.
#[derive(Default)]
pub struct Batches {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    batches: HashMap<String, FakeBatch>,
    files: HashMap<String, String>,
    submissions: BTreeMap<String, u64>,
}

struct FakeBatch {
    protocol: Protocol,
    polls: u32,
    items: Vec<(String, Outcome)>,
    input_file: String,
}

enum Outcome {
    Ok(Value),
    Error(u16, String),
    Expired,
}

/// An answer to a batch route: status and JSON (or JSONL) body.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response body.
    pub body: String,
}

fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        body: body.to_string(),
    }
}

fn not_found(what: &str) -> Answer {
    Answer {
        status: 404,
        body:
            json!({"error": {"type": "not_found_error", "message": format!("fakellm: no {what}")}})
                .to_string(),
    }
}

fn bad(message: String) -> Answer {
    Answer {
        status: 400,
        body: json!({"error": {"type": "invalid_request_error", "message": message}}).to_string(),
    }
}

/// Whether `path` is one of the batch routes.
pub fn is_batch_path(path: &str) -> bool {
    path.starts_with("/v1/messages/batches")
        || path.starts_with("/v1/batches")
        || path.starts_with("/v1/files")
        || path.starts_with("/batches")
        || path.starts_with("/files")
        || path.starts_with("/v1beta/batches/")
        || path.ends_with(":batchGenerateContent")
}

impl Batches {
    /// Counts for `/stats`: batches created and submissions per custom id.
    pub fn stats(&self) -> (u64, BTreeMap<String, u64>) {
        let inner = self.inner.lock().unwrap();
        (inner.batches.len() as u64, inner.submissions.clone())
    }

    /// Forget everything (`POST /stats/reset`).
    pub fn reset(&self) {
        *self.inner.lock().unwrap() = Inner::default();
    }

    /// Answer a batch route. `origin` is `http://host:port` for absolute result URLs.
    pub fn route(
        &self,
        config: &FakeConfig,
        method: &str,
        path: &str,
        origin: &str,
        content_type: &str,
        body: &[u8],
    ) -> Answer {
        let path = path
            .strip_prefix("/v1")
            .filter(|p| p.starts_with("/files") || p.starts_with("/batches"))
            .unwrap_or(path);
        let mut inner = self.inner.lock().unwrap();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["v1", "messages", "batches"]) => inner.create_anthropic(config, body),
            ("GET", ["v1", "messages", "batches", id]) => {
                inner.anthropic_status(config, id, origin)
            }
            ("GET", ["v1", "messages", "batches", id, "results"]) => inner.anthropic_results(id),
            ("POST", ["files"]) => inner.upload(content_type, body),
            ("POST", ["batches"]) => inner.create_openai(config, body),
            ("GET", ["batches", id]) => inner.openai_status(config, id),
            ("GET", ["files", id, "content"]) => match inner.files.get(*id) {
                Some(text) => Answer {
                    status: 200,
                    body: text.clone(),
                },
                None => not_found("file"),
            },
            ("POST", ["v1beta", "models", rest]) if rest.ends_with(":batchGenerateContent") => {
                let model = rest.trim_end_matches(":batchGenerateContent");
                inner.create_gemini(config, model, body)
            }
            ("GET", ["v1beta", "batches", id]) => inner.gemini_status(config, id),
            _ => not_found(&format!("batch route {method} {path}")),
        }
    }
}

impl Inner {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    /// Answer every item now (deterministic), and count its submission.
    fn create(
        &mut self,
        config: &FakeConfig,
        protocol: Protocol,
        model: &str,
        items: Vec<(String, Value)>,
        id: String,
        input_file: String,
    ) -> String {
        let mut answered = Vec::with_capacity(items.len());
        for (n, (custom_id, body)) in items.into_iter().enumerate() {
            *self.submissions.entry(custom_id.clone()).or_default() += 1;
            let model = body["model"].as_str().unwrap_or(model).to_string();
            answered.push((
                custom_id,
                answer_item(
                    config,
                    protocol,
                    &model,
                    &body,
                    self.next * 100_000 + n as u64,
                ),
            ));
        }
        self.batches.insert(
            id.clone(),
            FakeBatch {
                protocol,
                polls: 0,
                items: answered,
                input_file,
            },
        );
        id
    }

    /// Count a status poll; `true` once the batch has ended.
    fn poll(&mut self, id: &str, config: &FakeConfig, protocol: Protocol) -> Option<bool> {
        let batch = self
            .batches
            .get_mut(id)
            .filter(|b| b.protocol == protocol)?;
        batch.polls += 1;
        Some(batch.polls > config.batch_polls)
    }

    fn create_anthropic(&mut self, config: &FakeConfig, body: &[u8]) -> Answer {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return bad("fakellm: batch body is not JSON".into());
        };
        let items: Vec<(String, Value)> = v["requests"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["custom_id"].as_str().unwrap_or("").to_string(),
                    r["params"].clone(),
                )
            })
            .collect();
        if let Some(problem) = check_items(&items) {
            return bad(problem);
        }
        let n = items.len();
        let id = self.id("msgbatch_fake");
        let id = self.create(config, Protocol::Anthropic, "", items, id, String::new());
        ok(anthropic_batch(&id, "in_progress", n, &[], None))
    }

    fn anthropic_status(&mut self, config: &FakeConfig, id: &str, origin: &str) -> Answer {
        let Some(ended) = self.poll(id, config, Protocol::Anthropic) else {
            return not_found("message batch");
        };
        let batch = &self.batches[id];
        let (status, url) = if ended {
            (
                "ended",
                Some(format!("{origin}/v1/messages/batches/{id}/results")),
            )
        } else {
            ("in_progress", None)
        };
        let items = if ended { batch.items.as_slice() } else { &[] };
        ok(anthropic_batch(id, status, batch.items.len(), items, url))
    }

    fn anthropic_results(&self, id: &str) -> Answer {
        let Some(batch) = self
            .batches
            .get(id)
            .filter(|b| b.protocol == Protocol::Anthropic)
        else {
            return not_found("message batch");
        };
        let mut lines = String::new();
        for (custom_id, outcome) in &batch.items {
            let result = match outcome {
                Outcome::Ok(message) => json!({"type": "succeeded", "message": message}),
                Outcome::Error(status, message) => {
                    let body = protocol::render_error(Protocol::Anthropic, *status, message, None);
                    json!({"type": "errored", "error": body})
                }
                Outcome::Expired => json!({"type": "expired"}),
            };
            lines.push_str(&json!({"custom_id": custom_id, "result": result}).to_string());
            lines.push('\n');
        }
        Answer {
            status: 200,
            body: lines,
        }
    }

    fn upload(&mut self, content_type: &str, body: &[u8]) -> Answer {
        let Some(content) = multipart_file(content_type, body) else {
            return bad("fakellm: expected a multipart/form-data upload with a `file` part".into());
        };
        let id = self.id("file-fake");
        let bytes = content.len();
        self.files.insert(id.clone(), content);
        ok(
            json!({"id": id, "object": "file", "bytes": bytes, "created_at": 1_700_000_000u64,
                  "filename": "batch.jsonl", "purpose": "batch"}),
        )
    }

    fn create_openai(&mut self, config: &FakeConfig, body: &[u8]) -> Answer {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return bad("fakellm: batch body is not JSON".into());
        };
        let file_id = v["input_file_id"].as_str().unwrap_or("").to_string();
        let Some(text) = self.files.get(&file_id) else {
            return not_found("input file");
        };
        let mut items = Vec::new();
        for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let Ok(item) = serde_json::from_str::<Value>(line) else {
                return bad(format!(
                    "fakellm: line {} of the input file is not JSON",
                    n + 1
                ));
            };
            items.push((
                item["custom_id"].as_str().unwrap_or("").to_string(),
                item["body"].clone(),
            ));
        }
        if let Some(problem) = check_items(&items) {
            return bad(problem);
        }
        let id = self.id("batch_fake");
        let id = self.create(config, Protocol::OpenAi, "", items, id, file_id);
        ok(self.openai_batch(&id, "validating"))
    }

    fn openai_status(&mut self, config: &FakeConfig, id: &str) -> Answer {
        let Some(ended) = self.poll(id, config, Protocol::OpenAi) else {
            return not_found("batch");
        };
        if !ended {
            return ok(self.openai_batch(id, "in_progress"));
        }
        // Write the output and error files the first time the batch is seen finished.
        let out_id = format!("{id}-output");
        if !self.files.contains_key(&out_id) {
            let (mut output, mut errors) = (String::new(), String::new());
            for (n, (custom_id, outcome)) in self.batches[id].items.iter().enumerate() {
                let line = match outcome {
                    Outcome::Ok(body) => {
                        json!({"id": format!("batch_req_{n}"), "custom_id": custom_id,
                        "response": {"status_code": 200, "request_id": format!("req_{n}"), "body": body}, "error": null})
                    }
                    Outcome::Error(status, message) => {
                        json!({"id": format!("batch_req_{n}"), "custom_id": custom_id,
                        "response": {"status_code": status, "request_id": format!("req_{n}"),
                                     "body": protocol::render_error(Protocol::OpenAi, *status, message, None)}, "error": null})
                    }
                    Outcome::Expired => {
                        json!({"id": format!("batch_req_{n}"), "custom_id": custom_id, "response": null,
                        "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
                    }
                };
                let target = if matches!(outcome, Outcome::Ok(_)) {
                    &mut output
                } else {
                    &mut errors
                };
                target.push_str(&line.to_string());
                target.push('\n');
            }
            self.files.insert(out_id, output);
            self.files.insert(format!("{id}-errors"), errors);
        }
        let expired = self.batches[id]
            .items
            .iter()
            .any(|(_, o)| matches!(o, Outcome::Expired));
        ok(self.openai_batch(id, if expired { "expired" } else { "completed" }))
    }

    fn openai_batch(&self, id: &str, status: &str) -> Value {
        let batch = &self.batches[id];
        let finished = matches!(status, "completed" | "expired");
        let file = |suffix: &str| {
            let name = format!("{id}-{suffix}");
            match self.files.get(&name) {
                Some(text) if finished && !text.is_empty() => json!(name),
                _ => Value::Null,
            }
        };
        let (done, failed) = if finished {
            let failed = batch
                .items
                .iter()
                .filter(|(_, o)| !matches!(o, Outcome::Ok(_)))
                .count();
            (batch.items.len() - failed, failed)
        } else {
            (0, 0)
        };
        json!({"id": id, "object": "batch", "endpoint": "/v1/chat/completions", "input_file_id": batch.input_file,
               "completion_window": "24h", "status": status, "output_file_id": file("output"),
               "error_file_id": file("errors"), "created_at": 1_700_000_000u64,
               "request_counts": {"total": batch.items.len(), "completed": done, "failed": failed}})
    }

    fn create_gemini(&mut self, config: &FakeConfig, model: &str, body: &[u8]) -> Answer {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return bad("fakellm: batch body is not JSON".into());
        };
        let requests = &v["batch"]["input_config"]["requests"]["requests"];
        let requests = if requests.is_array() {
            requests
        } else {
            &v["batch"]["inputConfig"]["requests"]["requests"]
        };
        let items: Vec<(String, Value)> = requests
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["metadata"]["key"].as_str().unwrap_or("").to_string(),
                    r["request"].clone(),
                )
            })
            .collect();
        if let Some(problem) = check_items(&items) {
            return bad(problem);
        }
        let id = self.id("fake");
        let id = self.create(
            config,
            Protocol::Gemini,
            model,
            items,
            id,
            model.to_string(),
        );
        ok(self.gemini_operation(&id, "BATCH_STATE_PENDING"))
    }

    fn gemini_status(&mut self, config: &FakeConfig, id: &str) -> Answer {
        let Some(ended) = self.poll(id, config, Protocol::Gemini) else {
            return not_found("batch");
        };
        if !ended {
            return ok(self.gemini_operation(id, "BATCH_STATE_RUNNING"));
        }
        let expired = self.batches[id]
            .items
            .iter()
            .any(|(_, o)| matches!(o, Outcome::Expired));
        ok(self.gemini_operation(
            id,
            if expired {
                "BATCH_STATE_EXPIRED"
            } else {
                "BATCH_STATE_SUCCEEDED"
            },
        ))
    }

    fn gemini_operation(&self, id: &str, state: &str) -> Value {
        let batch = &self.batches[id];
        let finished = matches!(state, "BATCH_STATE_SUCCEEDED" | "BATCH_STATE_EXPIRED");
        let n = batch.items.len();
        let ok_count = batch
            .items
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Ok(_)))
            .count();
        let mut op = json!({
            "name": format!("batches/{id}"),
            "metadata": {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
                "model": format!("models/{}", batch.input_file), "displayName": "insider", "state": state,
                "batchStats": if finished {
                    json!({"requestCount": n.to_string(), "successfulRequestCount": ok_count.to_string(),
                           "failedRequestCount": (n - ok_count).to_string()})
                } else {
                    json!({"requestCount": n.to_string(), "pendingRequestCount": n.to_string()})
                },
            },
            "done": finished,
        });
        if finished {
            // Expired items have no entry: the batch's window closed before they ran.
            let responses: Vec<Value> = batch
                .items
                .iter()
                .filter_map(|(key, outcome)| match outcome {
                    Outcome::Ok(response) => Some(json!({"response": response, "metadata": {"key": key}})),
                    Outcome::Error(status, message) => Some(json!({"error": protocol::render_error(Protocol::Gemini, *status, message, None)["error"].clone(),
                                                                    "metadata": {"key": key}})),
                    Outcome::Expired => None,
                })
                .collect();
            op["response"] = json!({
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
                "inlinedResponses": {"inlinedResponses": responses},
            });
        }
        op
    }
}

/// The `file` part of a multipart/form-data body.
fn multipart_file(content_type: &str, body: &[u8]) -> Option<String> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    text.split(delimiter.as_str()).find_map(|part| {
        let (head, content) = part.split_once("\r\n\r\n")?;
        head.contains("name=\"file\"")
            .then(|| content.strip_suffix("\r\n").unwrap_or(content).to_string())
    })
}

/// Item ids must be present and unique, as every provider requires.
fn check_items(items: &[(String, Value)]) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    for (id, _) in items {
        if id.is_empty() || !seen.insert(id) {
            return Some(format!(
                "fakellm: custom_id `{id}` is empty or used twice in this batch"
            ));
        }
    }
    items
        .is_empty()
        .then(|| "fakellm: a batch needs at least one request".to_string())
}

/// One item answered by the rules, as a normal call would be.
fn answer_item(
    config: &FakeConfig,
    protocol: Protocol,
    model: &str,
    body: &Value,
    serial: u64,
) -> Outcome {
    let prompt = request_text(body);
    let conversation = match conversation::read(protocol, body) {
        Ok(c) => c,
        Err(message) => return Outcome::Error(400, message),
    };
    let reply: Reply = config
        .rules
        .iter()
        .find(|r| r.applies(protocol.name(), model, &prompt, &conversation))
        .map(|r| r.next_reply())
        .unwrap_or_default();
    if reply.expire {
        return Outcome::Expired;
    }
    if let Some(status) = reply.status.filter(|s| *s >= 400) {
        let message = reply
            .error
            .clone()
            .unwrap_or_else(|| protocol::default_error_message(status).to_string());
        return Outcome::Error(status, message);
    }
    let text = reply.text.clone().unwrap_or_else(|| {
        if reply.tool_calls.is_empty() {
            crate::rules::DEFAULT_TEXT.to_string()
        } else {
            String::new()
        }
    });
    let counts = Counts::from(
        reply.usage.as_ref(),
        &prompt,
        &text,
        reply.reasoning.as_deref().unwrap_or(""),
    );
    Outcome::Ok(protocol::render_reply(
        protocol, model, &reply, &text, &counts, serial,
    ))
}

fn anthropic_batch(
    id: &str,
    status: &str,
    n: usize,
    items: &[(String, Outcome)],
    results_url: Option<String>,
) -> Value {
    let count = |f: fn(&Outcome) -> bool| items.iter().filter(|(_, o)| f(o)).count();
    let ended = status == "ended";
    json!({
        "id": id, "type": "message_batch", "processing_status": status,
        "request_counts": {
            "processing": if ended { 0 } else { n },
            "succeeded": count(|o| matches!(o, Outcome::Ok(_))),
            "errored": count(|o| matches!(o, Outcome::Error(..))),
            "canceled": 0,
            "expired": count(|o| matches!(o, Outcome::Expired)),
        },
        "ended_at": if ended { json!("2026-01-01T00:00:00Z") } else { Value::Null },
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-02T00:00:00Z",
        "results_url": results_url,
    })
}
