//! What every batch client shares: the model's wire protocol (exact item bodies, response
//! parsing), auth headers, key redaction, batch pricing, and HTTP calls with retries.

use crate::http::{redact_secret_only, scrub_parsed, DEFAULT_CONNECT_TIMEOUT_SECS};
use crate::pricing::{self, Price};
use crate::redact::{redact, Secret};
use crate::retry::{self, RetryPolicy};
use crate::spec::ModelSpec;
use crate::types::{
    Attempt, ChatRequest, ChatResponse, FailureKind, GenerationSettings, ModelConfig, ProviderError,
};
use crate::wire::{merge_settings, wire_for, Wire, WireKind};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::{Duration, Instant};

/// Timeout of one batch API call (uploads and downloads can be large).
const BATCH_CALL_TIMEOUT_SECS: u64 = 600;

/// One model's batch plumbing.
pub struct Transport {
    pub(super) name: String,
    pub(super) model: String,
    pub(super) base_url: String,
    wire: Box<dyn Wire>,
    kind: WireKind,
    client: reqwest::Client,
    headers: HeaderMap,
    key: Option<Secret>,
    policy: RetryPolicy,
    defaults: GenerationSettings,
    price: Option<Price>,
}

impl Transport {
    /// Build from a parsed model spec (no network call).
    pub fn new(spec: ModelSpec, config: &ModelConfig) -> Result<Transport, String> {
        let wire = wire_for(spec.wire, spec.options.clone());
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(
                config
                    .connect_timeout_secs
                    .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS),
            ))
            .timeout(Duration::from_secs(
                config.timeout_secs.unwrap_or(BATCH_CALL_TIMEOUT_SECS),
            ))
            .user_agent(concat!("insider/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let mut headers = HeaderMap::new();
        for (name, value) in wire.headers(spec.api_key.as_ref().map(Secret::expose)) {
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                format!(
                    "the value of {} contains characters not allowed in an HTTP header",
                    spec.key_var
                )
            })?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static(name), value);
        }
        Ok(Transport {
            price: pricing::price(&spec.name),
            name: spec.name,
            model: spec.model,
            base_url: spec.base_url,
            kind: spec.wire,
            wire,
            client,
            headers,
            key: spec.api_key,
            policy: RetryPolicy::from_config(config),
            defaults: config.generation.clone(),
        })
    }

    /// The exact body of one item, as a normal call would send it.
    pub(super) fn item_body(&self, request: &ChatRequest) -> String {
        let settings = merge_settings(&self.defaults, &request.settings);
        self.wire.body(&self.model, request, &settings)
    }

    /// `base` with the protocol's version prefix handled like the normal endpoint does.
    pub(super) fn root(&self) -> String {
        let base = self.base_url.trim_end_matches('/');
        match self.kind {
            WireKind::OpenAi => base.to_string(),
            WireKind::Anthropic => base.strip_suffix("/v1").unwrap_or(base).to_string(),
            WireKind::Gemini => base
                .strip_suffix("/v1beta")
                .or_else(|| base.strip_suffix("/v1"))
                .unwrap_or(base)
                .to_string(),
        }
    }

    /// Redact the key (in any encoding) from text we keep or show.
    pub(super) fn redact(&self, text: &str) -> String {
        redact(text, self.key.as_ref())
    }

    /// A failure of the batch call itself (not of an item).
    pub(super) fn fail(
        &self,
        kind: FailureKind,
        what: &str,
        attempts: Vec<Attempt>,
    ) -> ProviderError {
        ProviderError {
            kind,
            message: format!("{}: batch {}", self.name, self.redact(what)),
            attempts,
        }
    }

    /// Send one batch API call, retrying what a normal call retries; a 2xx body comes back.
    pub(super) async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<(String, Bytes)>,
    ) -> Result<Bytes, ProviderError> {
        let mut attempts = Vec::new();
        for number in 1..=self.policy.max_attempts {
            let started_at =
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let t0 = Instant::now();
            let mut builder = self
                .client
                .request(method.clone(), url)
                .headers(self.headers.clone());
            if let Some((content_type, bytes)) = &body {
                builder = builder
                    .header("content-type", content_type.as_str())
                    .body(bytes.clone());
            }
            let (status, error, wait) = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let wait = retry::server_wait_ms(response.headers());
                    match response.bytes().await {
                        Ok(bytes) if (200..300).contains(&status) => return Ok(bytes),
                        Ok(bytes) => {
                            let info = self.wire.error_info(&bytes);
                            let detail = info.message.unwrap_or_else(|| {
                                String::from_utf8_lossy(&bytes).chars().take(300).collect()
                            });
                            (
                                Some(status),
                                format!("HTTP {status}: {detail}"),
                                wait.or(info.retry_after_ms),
                            )
                        }
                        Err(e) => (Some(status), format!("reading the body failed: {e}"), None),
                    }
                }
                Err(e) => (None, format!("request failed: {e}"), None),
            };
            let retryable = status.is_none_or(retry::retryable_status);
            let error = self.redact(&error);
            attempts.push(attempt(
                number,
                started_at,
                t0,
                status,
                Some(error.clone()),
                retryable,
            ));
            if !retryable {
                return Err(self.fail(
                    FailureKind::Permanent,
                    &format!("call to {url} failed ({error})"),
                    attempts,
                ));
            }
            if number == self.policy.max_attempts {
                return Err(self.fail(
                    FailureKind::RetriesExhausted,
                    &format!("call to {url} gave up after {number} attempts ({error})"),
                    attempts,
                ));
            }
            tokio::time::sleep(self.policy.delay(number, wait)).await;
        }
        unreachable!("the loop returns on the last attempt")
    }

    /// GET `url` and parse the JSON body.
    pub(super) async fn get_json(&self, url: &str) -> Result<serde_json::Value, ProviderError> {
        let bytes = self.call(reqwest::Method::GET, url, None).await?;
        self.json(&bytes, url)
    }

    /// POST a JSON body to `url` and parse the JSON answer.
    pub(super) async fn post_json(
        &self,
        url: &str,
        body: String,
    ) -> Result<serde_json::Value, ProviderError> {
        let bytes = self
            .call(
                reqwest::Method::POST,
                url,
                Some(("application/json".to_string(), Bytes::from(body))),
            )
            .await?;
        self.json(&bytes, url)
    }

    pub(super) fn json(&self, bytes: &[u8], url: &str) -> Result<serde_json::Value, ProviderError> {
        serde_json::from_slice(bytes).map_err(|e| {
            self.fail(
                FailureKind::RetriesExhausted,
                &format!("answer from {url} is not JSON: {e}"),
                Vec::new(),
            )
        })
    }

    /// An item's success body as a response: parsed by the model's wire protocol, redacted,
    /// priced at the batch rate. An empty reply (no text, no calls, nothing explaining the
    /// silence) is an item error to resubmit, as it is a retried fault for a normal call.
    pub(super) fn item_response(
        &self,
        raw_request: &str,
        body: &[u8],
    ) -> super::types::ItemOutcome {
        let mut parsed = match self.wire.parse(body) {
            Ok(parsed) => parsed,
            Err(problem) => {
                return super::types::ItemOutcome::Errored {
                    message: self.redact(&problem),
                    retryable: true,
                }
            }
        };
        if crate::http::is_empty_reply(&parsed) {
            return super::types::ItemOutcome::Errored {
                message: crate::http::EMPTY_REPLY.into(),
                retryable: true,
            };
        }
        let raw_response = String::from_utf8_lossy(body);
        if let Some(key) = &self.key {
            if crate::redact::contains_secret(&raw_response, key) {
                scrub_parsed(&mut parsed, key);
            }
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        super::types::ItemOutcome::Succeeded(Box::new(ChatResponse {
            model: parsed.model.unwrap_or_else(|| self.model.clone()),
            text: parsed.text,
            reasoning: parsed.reasoning,
            tool_calls: parsed.tool_calls,
            stop_reason: parsed.stop_reason,
            cost_usd: self.price.map(|p| p.batch_cost(&parsed.usage)),
            usage: parsed.usage,
            latency_ms: 0,
            raw_request: redact_secret_only(raw_request, self.key.as_ref()),
            raw_response: redact_secret_only(&raw_response, self.key.as_ref()),
            attempts: vec![Attempt {
                number: 1,
                started_at: now,
                duration_ms: 0,
                status: Some(200),
                error: None,
                retryable: false,
            }],
            native: parsed.native,
        }))
    }

    /// An item's error as the provider wrote it.
    pub(super) fn item_error(
        &self,
        status: Option<u16>,
        message: &str,
    ) -> super::types::ItemOutcome {
        super::types::ItemOutcome::Errored {
            message: self.redact(message),
            retryable: status.is_none_or(retry::retryable_status),
        }
    }
}

fn attempt(
    number: u32,
    started_at: String,
    t0: Instant,
    status: Option<u16>,
    error: Option<String>,
    retryable: bool,
) -> Attempt {
    Attempt {
        number,
        started_at,
        duration_ms: t0.elapsed().as_millis() as u64,
        status,
        error,
        retryable,
    }
}
