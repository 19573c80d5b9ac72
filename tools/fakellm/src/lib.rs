//! fakellm: a loopback server speaking the OpenAI, Anthropic and Gemini protocols, with latency,
//! rate limits, random failures, transport faults and canned replies, for tests and benchmarks.
//!
//! See `tools/fakellm/README.md` for the flags, the replies-file format and the `/stats` shape.

pub mod batch;
mod body;
pub mod cache;
pub mod conversation;
pub mod protocol;
mod protocol_kind;
mod respond;
mod rules;
mod server;

pub use conversation::Conversation;
pub use protocol::Protocol;
pub use rules::{load_rules, parse_rules, FakeToolCall, FakeUsage, Fault, Reply, Rule};
pub use server::{start, start_background, FakeServer};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// Every option of a fakellm server (one field per command-line flag).
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// Loopback address to bind; `None` means `127.0.0.1:0` (any free port).
    pub addr: Option<SocketAddr>,
    /// Latency before each answer, in milliseconds.
    pub latency_ms: u64,
    /// Uniform random extra latency 0..=jitter_ms.
    pub jitter_ms: u64,
    /// Requests-per-minute limit (token bucket with burst = rpm); `None` means unlimited.
    pub rpm: Option<u32>,
    /// Fraction of requests answered with a random 500/503 (Anthropic: 500/529).
    pub fail_rate: f64,
    /// Transport fault to inject.
    pub fault: Option<Fault>,
    /// Fraction of requests that get `fault`.
    pub fault_rate: f64,
    /// Duration of a `slow-body` fault in milliseconds.
    pub slow_body_ms: u64,
    /// Canned-reply rules, first match wins.
    pub rules: Vec<Rule>,
    /// Seed for random choices; `None` seeds from the OS.
    pub seed: Option<u64>,
    /// How many recent requests [`FakeServer::requests`] keeps.
    pub record_limit: usize,
    /// Simulate the providers' prompt caches (see [`cache`]) where a rule sets no cache figures.
    pub prompt_cache: bool,
    /// Status polls a batch answers "in progress" before it ends (default 1).
    pub batch_polls: u32,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            addr: None,
            latency_ms: 0,
            jitter_ms: 0,
            rpm: None,
            fail_rate: 0.0,
            fault: None,
            fault_rate: 1.0,
            slow_body_ms: 2000,
            rules: Vec::new(),
            seed: None,
            record_limit: 1024,
            prompt_cache: false,
            batch_polls: 1,
        }
    }
}

impl FakeConfig {
    /// A default config answering with these rules.
    pub fn with_rules(rules: Vec<Rule>) -> Self {
        FakeConfig {
            rules,
            ..FakeConfig::default()
        }
    }
}

/// Counters served at `GET /stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Provider-protocol requests seen.
    pub requests: u64,
    /// Answers by HTTP status (`"dropped"` for dropped connections).
    pub by_status: BTreeMap<String, u64>,
    /// Requests by protocol name.
    pub by_protocol: BTreeMap<String, u64>,
    /// Requests by URL path.
    pub by_path: BTreeMap<String, u64>,
    /// Transport faults injected.
    pub faults: u64,
    /// Requests being handled now.
    pub in_flight: u64,
    /// Most requests handled at the same time.
    pub peak_concurrency: u64,
    /// Batches created (all protocols).
    #[serde(default)]
    pub batches: u64,
    /// Times each custom id was submitted in a batch (a resumed run must not resubmit).
    #[serde(default)]
    pub batch_submissions: BTreeMap<String, u64>,
}

/// One request fakellm received (kept for tests to inspect what a client sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// URL path (no query string).
    pub path: String,
    /// Query string, if any (as sent: tests use it to check that no key travels there).
    pub query: Option<String>,
    /// Protocol name.
    pub protocol: String,
    /// Requested model.
    pub model: String,
    /// Request headers (names lower-case).
    pub headers: BTreeMap<String, String>,
    /// Exact request body.
    pub body: String,
}
