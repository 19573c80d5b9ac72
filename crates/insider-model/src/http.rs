//! The HTTP provider shared by all three protocols: limits, retries, attempt records and raw
//! capture around one [`Wire`].

use crate::limits::Limits;
use crate::pricing::{self, Price};
use crate::redact::{redact, Secret};
use crate::retry::{self, RetryPolicy};
use crate::spec::ModelSpec;
use crate::types::{
    Attempt, ChatRequest, ChatResponse, FailureKind, GenerationSettings, ModelConfig, Provider,
    ProviderError,
};
use crate::wire::{merge_settings, wire_for, Wire};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use std::time::{Duration, Instant};

/// Total timeout per attempt when the config gives none.
pub const DEFAULT_TIMEOUT_SECS: u64 = 600;
/// Connect timeout when the config gives none.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 15;

/// A hosted model behind one of the three wire protocols.
pub struct HttpProvider {
    name: String,
    model: String,
    base_url: String,
    endpoint: String,
    key_var: String,
    wire: Box<dyn Wire>,
    client: reqwest::Client,
    headers: HeaderMap,
    key: Option<Secret>,
    limits: Limits,
    policy: RetryPolicy,
    defaults: GenerationSettings,
    price: Option<Price>,
}

/// The outcome of one failed attempt.
struct Failure {
    status: Option<u16>,
    error: String,
    retryable: bool,
    wait_ms: Option<u64>,
}

impl HttpProvider {
    /// Build a provider for a parsed model spec.
    pub fn new(spec: ModelSpec, config: &ModelConfig) -> Result<HttpProvider, String> {
        let wire = wire_for(spec.wire, spec.options.clone());
        let timeout = Duration::from_secs(config.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS));
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(
                config
                    .connect_timeout_secs
                    .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS),
            ))
            .timeout(timeout)
            .user_agent(concat!("insider/", env!("CARGO_PKG_VERSION")))
            .tcp_nodelay(true);
        if let Some(read) = config.read_timeout_secs {
            builder = builder.read_timeout(Duration::from_secs(read));
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
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
        Ok(HttpProvider {
            endpoint: wire.endpoint(&spec.base_url, &spec.model),
            base_url: crate::endpoint::recordable(&spec.base_url),
            price: pricing::price(&spec.name),
            name: spec.name,
            model: spec.model,
            key_var: spec.key_var,
            wire,
            client,
            headers,
            key: spec.api_key,
            limits: Limits::new(config.rpm, config.tpm, config.max_connections),
            policy: RetryPolicy::from_config(config),
            defaults: config.generation.clone(),
        })
    }

    /// The URL calls go to (contains no key).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// This provider's client-side limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The exact request body this provider would send for `request` (for dry runs and tests).
    pub fn request_body(&self, request: &ChatRequest) -> String {
        let settings = merge_settings(&self.defaults, &request.settings);
        self.wire.body(&self.model, request, &settings)
    }

    async fn attempt(&self, body: &Bytes) -> Result<Bytes, Failure> {
        let sent = self
            .client
            .post(&self.endpoint)
            .headers(self.headers.clone())
            .body(body.clone())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Err(self.transport_failure(&e, None)),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(self.transport_failure(&e, Some(status))),
        };
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        let info = self.wire.error_info(&bytes);
        let detail = match (&info.kind, &info.message) {
            (Some(k), Some(m)) => format!("{k}: {m}"),
            (None, Some(m)) => m.clone(),
            (Some(k), None) => k.clone(),
            (None, None) => {
                let text = String::from_utf8_lossy(&bytes);
                let text: String = text.chars().take(300).collect();
                if text.trim().is_empty() {
                    "(empty body)".to_string()
                } else {
                    text
                }
            }
        };
        let retryable = retry::retryable_status(status)
            || (status == 400 && retry::transient_bad_request(&detail));
        Err(Failure {
            status: Some(status),
            error: redact(&format!("HTTP {status}: {detail}"), self.key.as_ref()),
            retryable,
            wait_ms: retry::server_wait_ms(&headers).or(info.retry_after_ms),
        })
    }

    fn transport_failure(&self, e: &reqwest::Error, status: Option<u16>) -> Failure {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else if e.is_body() || e.is_decode() || status.is_some() {
            "connection closed while reading the response body (truncated?)"
        } else if e.is_request() {
            "request failed (connection dropped?)"
        } else {
            "request failed"
        };
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        Failure {
            status,
            error: redact(&format!("{what}: {chain}"), self.key.as_ref()),
            retryable: !e.is_builder(),
            wait_ms: None,
        }
    }

    fn permanent_message(&self, failure: &Failure) -> String {
        let advice = match failure.status {
            Some(401) => format!("check the API key in {}", self.key_var),
            Some(403) => format!(
                "check that the key in {} may use model `{}`",
                self.key_var, self.model
            ),
            Some(404) => format!(
                "check the model name `{}` and the base URL ({})",
                self.model,
                redact(&self.endpoint, self.key.as_ref())
            ),
            Some(_) => "check the generation settings for this model".to_string(),
            None => "check the base URL".to_string(),
        };
        format!(
            "{}: request failed permanently ({}); {advice}",
            self.name, failure.error
        )
    }
}

#[async_trait::async_trait]
impl Provider for HttpProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn base_url(&self) -> Option<String> {
        Some(self.base_url.clone())
    }

    async fn generate(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let body_text = self.request_body(request);
        let estimated_tokens = u32::try_from(body_text.len() / 4).unwrap_or(u32::MAX);
        let body = Bytes::from(body_text);
        let started = Instant::now();
        let mut attempts: Vec<Attempt> = Vec::new();
        for number in 1..=self.policy.max_attempts {
            let slot = self.limits.acquire(estimated_tokens).await;
            // Reported to an observing runner as it ends, or as cancelled if dropped first.
            let in_flight = crate::attempt_hook::InFlight::start(number);
            let started_at = in_flight.started_at().to_string();
            let outcome = self.attempt(&body).await;
            drop(slot);
            let duration_ms = in_flight.elapsed_ms();
            let failure = match outcome {
                Ok(bytes) => match self.wire.parse(&bytes) {
                    Ok(parsed) if is_empty_reply(&parsed) => Failure {
                        status: Some(200),
                        error: EMPTY_REPLY.to_string(),
                        retryable: true,
                        wait_ms: None,
                    },
                    Ok(mut parsed) => {
                        let raw_response = String::from_utf8_lossy(&bytes);
                        if let Some(key) = &self.key {
                            if crate::redact::contains_secret(&raw_response, key) {
                                scrub_parsed(&mut parsed, key);
                            }
                        }
                        self.limits.on_success();
                        attempts.push(Attempt {
                            number,
                            started_at,
                            duration_ms,
                            status: Some(200),
                            error: None,
                            retryable: false,
                        });
                        in_flight.end(attempts.last().expect("just pushed"));
                        return Ok(ChatResponse {
                            model: parsed.model.unwrap_or_else(|| self.model.clone()),
                            text: parsed.text,
                            reasoning: parsed.reasoning,
                            tool_calls: parsed.tool_calls,
                            stop_reason: parsed.stop_reason,
                            cost_usd: self.price.map(|p| p.cost(&parsed.usage)),
                            usage: parsed.usage,
                            latency_ms: started.elapsed().as_millis() as u64,
                            raw_request: redact_body(&body, self.key.as_ref()),
                            raw_response: redact_secret_only(&raw_response, self.key.as_ref()),
                            attempts,
                            native: parsed.native,
                        });
                    }
                    Err(problem) => Failure {
                        status: Some(200),
                        error: redact(&problem, self.key.as_ref()),
                        retryable: true,
                        wait_ms: None,
                    },
                },
                Err(failure) => failure,
            };
            tracing::warn!(
                model = %self.name,
                attempt = number,
                status = ?failure.status,
                retryable = failure.retryable,
                error = %failure.error,
                "model call attempt failed"
            );
            attempts.push(Attempt {
                number,
                started_at,
                duration_ms,
                status: failure.status,
                error: Some(failure.error.clone()),
                retryable: failure.retryable,
            });
            in_flight.end(attempts.last().expect("just pushed"));
            if !failure.retryable {
                return Err(ProviderError {
                    kind: FailureKind::Permanent,
                    message: self.permanent_message(&failure),
                    attempts,
                });
            }
            if number == self.policy.max_attempts {
                return Err(ProviderError {
                    kind: FailureKind::RetriesExhausted,
                    message: format!(
                        "{}: gave up after {number} attempt{} ({} ms); last error: {}",
                        self.name,
                        if number == 1 { "" } else { "s" },
                        started.elapsed().as_millis(),
                        failure.error
                    ),
                    attempts,
                });
            }
            let delay = self.policy.delay(number, failure.wait_ms);
            if failure.status == Some(429) {
                self.limits.on_rate_limited(delay);
            }
            tokio::time::sleep(delay).await;
        }
        unreachable!("the loop returns on the last attempt")
    }
}

/// The attempt error (and the final failure's reason) for a 200 that carried no content.
pub const EMPTY_REPLY: &str = "empty reply";

/// A 200 with no text and no tool calls is a fault to retry, not an answer to score, unless the
/// stop reason explains the silence: a refusal or filter (the judge marks it refused) or the
/// length limit (marked truncated). Those come back as responses.
pub(crate) fn is_empty_reply(parsed: &crate::wire::Parsed) -> bool {
    use crate::stop_reason;
    let silent = parsed.text.trim().is_empty() && parsed.tool_calls.is_empty();
    let explained = stop_reason::is_refused(parsed.stop_reason.as_deref())
        || stop_reason::is_truncated(parsed.stop_reason.as_deref());
    silent && !explained
}

fn redact_body(body: &Bytes, key: Option<&Secret>) -> String {
    redact_secret_only(&String::from_utf8_lossy(body), key)
}

/// Bodies are kept byte-exact except for the key itself, in any encoded form (a `key=` inside a
/// prompt is data).
pub(crate) fn redact_secret_only(text: &str, key: Option<&Secret>) -> String {
    match key {
        Some(k) => crate::redact::scrub(text, k),
        None => text.to_string(),
    }
}

/// A reply that echoes the key (some servers do) must not carry it into stored fields.
pub(crate) fn scrub_parsed(parsed: &mut crate::wire::Parsed, key: &Secret) {
    if !key.is_redactable() {
        return;
    }
    let scrub = |text: &mut String| {
        if crate::redact::contains_secret(text, key) {
            *text = crate::redact::scrub(text, key);
        }
    };
    scrub(&mut parsed.text);
    if let Some(r) = parsed.reasoning.as_mut() {
        scrub(r);
    }
    for call in &mut parsed.tool_calls {
        let mut json = call.arguments.to_string();
        if crate::redact::contains_secret(&json, key) {
            scrub(&mut json);
            call.arguments = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
        }
        scrub(&mut call.name);
        scrub(&mut call.id);
    }
    if let Some(native) = parsed.native.as_mut() {
        let json = native.content.to_string();
        if crate::redact::contains_secret(&json, key) {
            let clean = crate::redact::scrub(&json, key);
            native.content = serde_json::from_str(&clean).unwrap_or(serde_json::Value::Null);
        }
    }
}
