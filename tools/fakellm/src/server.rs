//! The HTTP server: accept loop, per-request pipeline (rate limit, failures, faults, rules).

use crate::body::FakeBody;
use crate::conversation;
use crate::protocol::{self, Counts, Protocol};
use crate::respond::{build, json_response, rate_headers};
use crate::rules::DEFAULT_TEXT;
use crate::rules::{Fault, Reply};
use crate::{FakeConfig, RecordedRequest, Stats};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A running fakellm server; shuts down when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: watch::Sender<bool>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` (no trailing slash); append `/v1` for OpenAI clients.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A snapshot of the counters (the same as `GET /stats`).
    pub fn stats(&self) -> Stats {
        self.state.snapshot()
    }

    /// The most recent requests (up to `record_limit`), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state
            .recorded
            .lock()
            .unwrap()
            .iter()
            .cloned()
            .collect()
    }

    /// Zero the counters and forget recorded requests.
    pub fn reset_stats(&self) {
        self.state.reset();
    }

    /// Stop accepting and close open connections.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Start a server on the current tokio runtime (panics outside one). Binds `config.addr`
/// (default `127.0.0.1:0`); refuses a non-loopback address.
pub fn start(config: FakeConfig) -> anyhow::Result<FakeServer> {
    let handle = tokio::runtime::Handle::try_current().map_err(|_| {
        anyhow::anyhow!("fakellm::start needs a tokio runtime; use fakellm::start_background")
    })?;
    start_on(config, &handle, None)
}

/// Start a server on its own runtime thread, for callers without a runtime (blocking tests).
pub fn start_background(config: FakeConfig) -> anyhow::Result<FakeServer> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let handle = runtime.handle().clone();
    start_on(config, &handle, Some(runtime))
}

fn start_on(
    config: FakeConfig,
    handle: &tokio::runtime::Handle,
    runtime: Option<tokio::runtime::Runtime>,
) -> anyhow::Result<FakeServer> {
    let addr = config
        .addr
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    if !addr.ip().is_loopback() {
        anyhow::bail!(
            "fakellm binds only to loopback; `{addr}` is not a loopback address (use 127.0.0.1:PORT)"
        );
    }
    let std_listener = std::net::TcpListener::bind(addr)
        .map_err(|e| anyhow::anyhow!("fakellm: cannot bind {addr}: {e}"))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let state = Arc::new(State::new(config));
    let (shutdown, shutdown_rx) = watch::channel(false);
    let listener = {
        let _guard = handle.enter();
        tokio::net::TcpListener::from_std(std_listener)?
    };
    handle.spawn(accept_loop(listener, state.clone(), shutdown_rx));
    Ok(FakeServer {
        addr,
        state,
        shutdown,
        runtime,
    })
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            _ = shutdown.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}

/// Shared server state.
struct State {
    config: FakeConfig,
    requests: AtomicU64,
    faults: AtomicU64,
    in_flight: AtomicU64,
    peak: AtomicU64,
    counters: Mutex<Counters>,
    recorded: Mutex<VecDeque<RecordedRequest>>,
    rng: Mutex<StdRng>,
    bucket: Mutex<(f64, Instant)>,
    cache: crate::cache::PromptCache,
    batches: crate::batch::Batches,
}

#[derive(Default)]
struct Counters {
    by_status: std::collections::BTreeMap<String, u64>,
    by_protocol: std::collections::BTreeMap<String, u64>,
    by_path: std::collections::BTreeMap<String, u64>,
}

impl State {
    fn new(config: FakeConfig) -> State {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let capacity = config.rpm.unwrap_or(0) as f64;
        State {
            config,
            requests: AtomicU64::new(0),
            faults: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            counters: Mutex::new(Counters::default()),
            recorded: Mutex::new(VecDeque::new()),
            rng: Mutex::new(rng),
            bucket: Mutex::new((capacity, Instant::now())),
            cache: Default::default(),
            batches: Default::default(),
        }
    }

    fn snapshot(&self) -> Stats {
        let c = self.counters.lock().unwrap();
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            by_status: c.by_status.clone(),
            by_protocol: c.by_protocol.clone(),
            by_path: c.by_path.clone(),
            faults: self.faults.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            peak_concurrency: self.peak.load(Ordering::Relaxed),
            batches: self.batches.stats().0,
            batch_submissions: self.batches.stats().1,
        }
    }

    fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.faults.store(0, Ordering::Relaxed);
        self.peak
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        *self.counters.lock().unwrap() = Counters::default();
        self.recorded.lock().unwrap().clear();
        self.batches.reset();
    }

    fn count_status(&self, key: &str) {
        let mut c = self.counters.lock().unwrap();
        *c.by_status.entry(key.to_string()).or_default() += 1;
    }

    fn chance(&self, p: f64) -> bool {
        p > 0.0 && (p >= 1.0 || self.rng.lock().unwrap().random::<f64>() < p)
    }

    /// Take one token from the rpm bucket; on refusal, the seconds until one is available.
    fn take_token(&self) -> Result<(u32, u32), (u32, u64)> {
        let Some(rpm) = self.config.rpm else {
            return Ok((0, 0));
        };
        let rate = rpm as f64 / 60.0;
        let mut bucket = self.bucket.lock().unwrap();
        let now = Instant::now();
        let refill = now.duration_since(bucket.1).as_secs_f64() * rate;
        bucket.0 = (bucket.0 + refill).min(rpm as f64);
        bucket.1 = now;
        if bucket.0 >= 1.0 {
            bucket.0 -= 1.0;
            Ok((rpm, bucket.0 as u32))
        } else {
            let wait = ((1.0 - bucket.0) / rate).ceil().max(1.0) as u64;
            Err((rpm, wait))
        }
    }
}

struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn enter(state: &'a State) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        state.peak.fetch_max(now, Ordering::Relaxed);
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Returning `Err` makes hyper close the connection without a response (the `drop` fault).
async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<FakeBody>, std::io::Error> {
    let path = req.uri().path().to_string();
    if path == "/stats" {
        if req.method() == hyper::Method::POST {
            state.reset();
        }
        let body = serde_json::to_vec(&state.snapshot()).unwrap_or_default();
        return Ok(json_response(StatusCode::OK, body, Vec::new()));
    }
    if crate::batch::is_batch_path(&path) {
        return batch_route(&state, req, &path).await;
    }
    let Some((protocol, path_model)) = Protocol::from_path(&path) else {
        let body = format!(
            "{{\"error\":{{\"message\":\"fakellm: no route for {path}\",\"type\":\"not_found\"}}}}"
        );
        return Ok(json_response(StatusCode::NOT_FOUND, body, Vec::new()));
    };
    if req.method() != hyper::Method::POST {
        return Ok(json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            b"{\"error\":{\"message\":\"fakellm: use POST\"}}".to_vec(),
            Vec::new(),
        ));
    }
    let _in_flight = InFlight::enter(&state);
    let query = req.uri().query().map(str::to_string);
    let headers: std::collections::BTreeMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let raw = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Err(std::io::Error::other(e)),
    };
    state.requests.fetch_add(1, Ordering::Relaxed);
    {
        let mut c = state.counters.lock().unwrap();
        *c.by_protocol
            .entry(protocol.name().to_string())
            .or_default() += 1;
        *c.by_path.entry(path.clone()).or_default() += 1;
    }
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&raw);
    let model = path_model.unwrap_or_else(|| {
        parsed
            .as_ref()
            .ok()
            .and_then(|v| v.get("model"))
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_string()
    });
    if state.config.record_limit > 0 {
        let mut recorded = state.recorded.lock().unwrap();
        if recorded.len() >= state.config.record_limit {
            recorded.pop_front();
        }
        recorded.push_back(RecordedRequest {
            path: path.clone(),
            query,
            protocol: protocol.name().to_string(),
            model: model.clone(),
            headers,
            body: String::from_utf8_lossy(&raw).into_owned(),
        });
    }
    let body = match parsed {
        Ok(v) => v,
        Err(e) => {
            let msg = format!("fakellm: request body is not valid JSON: {e}");
            return Ok(error_response(
                &state,
                protocol,
                400,
                &msg,
                None,
                Vec::new(),
            ));
        }
    };

    match state.take_token() {
        Err((limit, wait)) => {
            let headers = rate_headers(protocol, limit, 0, wait);
            return Ok(error_response(
                &state,
                protocol,
                429,
                protocol::default_error_message(429),
                Some(wait),
                headers,
            ));
        }
        Ok((limit, remaining)) if limit > 0 => {
            let headers = rate_headers(protocol, limit, remaining, 0);
            return answer(&state, protocol, &model, &body, headers).await;
        }
        Ok(_) => {}
    }
    answer(&state, protocol, &model, &body, Vec::new()).await
}

async fn answer(
    state: &State,
    protocol: Protocol,
    model: &str,
    body: &serde_json::Value,
    headers: Vec<(&'static str, String)>,
) -> Result<Response<FakeBody>, std::io::Error> {
    let config = &state.config;
    let prompt = protocol::request_text(body);
    let conversation = match conversation::read(protocol, body) {
        Ok(c) => c,
        // The real APIs refuse a conversation whose tool calls and results do not line up.
        Err(message) => {
            return Ok(error_response(
                state, protocol, 400, &message, None, headers,
            ));
        }
    };
    let reply = config
        .rules
        .iter()
        .find(|r| r.applies(protocol.name(), model, &prompt, &conversation))
        .map(|r| r.next_reply())
        .unwrap_or_default();

    let latency = reply.latency_ms.unwrap_or(config.latency_ms);
    let jitter = if config.jitter_ms > 0 {
        state.rng.lock().unwrap().random_range(0..=config.jitter_ms)
    } else {
        0
    };
    if latency + jitter > 0 {
        tokio::time::sleep(Duration::from_millis(latency + jitter)).await;
    }

    if state.chance(config.fail_rate) {
        let upper = if protocol == Protocol::Anthropic {
            529
        } else {
            503
        };
        let status = if state.chance(0.5) { 500 } else { upper };
        let msg = protocol::default_error_message(status);
        return Ok(error_response(state, protocol, status, msg, None, headers));
    }
    if let Some(status) = reply.status.filter(|s| *s >= 400) {
        let msg = reply
            .error
            .clone()
            .unwrap_or_else(|| protocol::default_error_message(status).to_string());
        let mut headers = headers;
        if let Some(secs) = reply.retry_after {
            headers.push(("retry-after", secs.to_string()));
        }
        return Ok(error_response(
            state,
            protocol,
            status,
            &msg,
            reply.retry_after,
            headers,
        ));
    }
    let fault = reply
        .fault
        .or_else(|| config.fault.filter(|_| state.chance(config.fault_rate)));
    if fault.is_some() {
        state.faults.fetch_add(1, Ordering::Relaxed);
    }
    if fault == Some(Fault::Drop) {
        state.count_status("dropped");
        return Err(std::io::Error::other(
            "fakellm: connection dropped on purpose",
        ));
    }

    let text = if fault == Some(Fault::Empty) {
        String::new()
    } else {
        // A turn that only calls tools writes no text unless the rule gives some.
        reply.text.clone().unwrap_or_else(|| {
            if reply.tool_calls.is_empty() {
                DEFAULT_TEXT.to_string()
            } else {
                String::new()
            }
        })
    };
    let reasoning = reply.reasoning.as_deref().unwrap_or("");
    let mut counts = Counts::from(reply.usage.as_ref(), &prompt, &text, reasoning);
    let scripted = reply
        .usage
        .as_ref()
        .is_some_and(|u| u.cache_read_tokens.is_some() || u.cache_write_tokens.is_some());
    if config.prompt_cache && !scripted {
        let hit = state.cache.lookup(protocol, body);
        counts.input = counts.input.saturating_sub(hit.read + hit.write);
        counts.cache_read = hit.read;
        counts.cache_write = hit.write;
    }
    let serial = state.requests.load(Ordering::Relaxed);
    let reply = if fault == Some(Fault::Empty) {
        Reply {
            tool_calls: Vec::new(),
            reasoning: None,
            ..reply
        }
    } else {
        reply
    };
    let value = protocol::render_reply(protocol, model, &reply, &text, &counts, serial);
    let bytes = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
    state.count_status("200");
    let body = match fault {
        Some(Fault::Malformed) => FakeBody::full(bytes.slice(..bytes.len() / 2)),
        Some(Fault::Truncated) => FakeBody::truncated(bytes),
        Some(Fault::EmptyBody) => FakeBody::full(Bytes::new()),
        Some(Fault::SlowBody) => FakeBody::slow(bytes, Duration::from_millis(config.slow_body_ms)),
        _ => FakeBody::full(bytes),
    };
    Ok(build(StatusCode::OK, body, headers))
}

/// A batch API call: counted by path, answered from the batch store.
async fn batch_route(
    state: &State,
    req: Request<Incoming>,
    path: &str,
) -> Result<Response<FakeBody>, std::io::Error> {
    let method = req.method().as_str().to_string();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (host, content_type) = (header("host"), header("content-type"));
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Err(std::io::Error::other(e)),
    };
    {
        let mut c = state.counters.lock().unwrap();
        *c.by_path.entry(path.to_string()).or_default() += 1;
    }
    let origin = format!("http://{host}");
    let answer = state
        .batches
        .route(&state.config, &method, path, &origin, &content_type, &body);
    state.count_status(&answer.status.to_string());
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok(json_response(status, answer.body, Vec::new()))
}

fn error_response(
    state: &State,
    protocol: Protocol,
    status: u16,
    message: &str,
    retry_after: Option<u64>,
    headers: Vec<(&'static str, String)>,
) -> Response<FakeBody> {
    state.count_status(&status.to_string());
    let body = protocol::render_error(protocol, status, message, retry_after);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    build(
        status,
        FakeBody::full(serde_json::to_vec(&body).unwrap_or_default()),
        headers,
    )
}
