//! Provider benchmarks: adapter overhead (serialize a ~3k-token prompt, parse a ~1k-token
//! reply) per protocol, and end-to-end throughput against fakellm at zero latency with 256
//! connections. Prints a table.
//!
//! Run: `cargo bench -p insider-model --bench providers` (set `PROVIDERS_BENCH_CALLS` to change
//! the number of throughput calls per protocol; default 20000).

use fakellm::protocol::{render_reply, Counts, Protocol};
use fakellm::{FakeConfig, Reply};
use insider_model::wire::{wire_for, WireKind, WireOptions};
use insider_model::{ChatRequest, GenerationSettings, Message, ModelConfig};
use std::sync::Arc;
use std::time::Instant;

/// About 4 characters per token.
fn words(n_chars: usize, seed: &str) -> String {
    let mut s = String::with_capacity(n_chars + 16);
    let mut i = 0usize;
    while s.len() < n_chars {
        s.push_str(seed);
        s.push_str(&i.to_string());
        s.push_str(if i % 12 == 11 { ".\n" } else { " " });
        i += 1;
    }
    s
}

fn prompt() -> ChatRequest {
    ChatRequest {
        system: Some(words(2_000, "system \"quoted\" rule")),
        messages: vec![Message::user(words(
            10_000,
            "email from kyle@summitbridge.com",
        ))],
        tools: Vec::new(),
        settings: GenerationSettings {
            temperature: Some(1.0),
            max_tokens: Some(4000),
            ..GenerationSettings::default()
        },
    }
}

fn adapter_overhead(iterations: usize) {
    let request = prompt();
    let reply_text = words(4_000, "reply");
    let reply = Reply {
        text: Some(reply_text.clone()),
        ..Reply::default()
    };
    let counts = Counts::from(None, "x", &reply_text, "");
    println!(
        "adapter overhead (serialize ~3k-token prompt + parse ~1k-token reply), goal < 50 µs/call"
    );
    println!("| protocol | request bytes | reply bytes | µs/call (median of 5 runs) |");
    println!("|---|---:|---:|---:|");
    for (name, kind, protocol) in [
        ("openai", WireKind::OpenAi, Protocol::OpenAi),
        ("anthropic", WireKind::Anthropic, Protocol::Anthropic),
        ("gemini", WireKind::Gemini, Protocol::Gemini),
    ] {
        let wire = wire_for(kind, WireOptions::default());
        let body = serde_json::to_vec(&render_reply(
            protocol,
            "m",
            &reply,
            &reply_text,
            &counts,
            1,
        ))
        .unwrap();
        let settings = request.settings.clone();
        let mut runs = Vec::new();
        let mut request_len = 0;
        for _ in 0..5 {
            let started = Instant::now();
            for _ in 0..iterations {
                let sent = wire.body("model-x", &request, &settings);
                request_len = sent.len();
                let parsed = wire.parse(std::hint::black_box(&body)).unwrap();
                std::hint::black_box((sent, parsed));
            }
            runs.push(started.elapsed().as_secs_f64() * 1e6 / iterations as f64);
        }
        runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "| {name} | {request_len} | {} | {:.1} |",
            body.len(),
            runs[2]
        );
    }
}

fn throughput() {
    let calls: usize = std::env::var("PROVIDERS_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let connections = 256usize;
    let server = fakellm::start_background(FakeConfig {
        record_limit: 0,
        ..FakeConfig::default()
    })
    .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    std::env::set_var("PROVIDERS_BENCH_KEY", "bench-key-not-secret");
    println!();
    println!("throughput against fakellm (latency 0, {connections} connections, {calls} calls per protocol, client and server in one process)");
    println!("| protocol | calls/s | mean ms/call | server peak concurrency | errors |");
    println!("|---|---:|---:|---:|---:|");
    let request = Arc::new(ChatRequest {
        system: Some("You are a benchmark.".into()),
        messages: vec![Message::user(words(2_000, "hello"))],
        ..ChatRequest::default()
    });
    for model in [
        "openai/gpt-4.1",
        "anthropic/claude-opus-4-20250514",
        "google/gemini-2.5-flash",
    ] {
        server.reset_stats();
        let base = if model.starts_with("openai/") {
            format!("{}/v1", server.base_url())
        } else {
            server.base_url()
        };
        let config = ModelConfig {
            base_url: Some(base),
            api_key_env: Some("PROVIDERS_BENCH_KEY".into()),
            max_connections: Some(connections),
            max_attempts: Some(1),
            ..ModelConfig::default()
        };
        let provider = insider_model::resolve(model, &config).unwrap();
        let started = Instant::now();
        let errors = runtime.block_on(async {
            let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for _ in 0..connections {
                let provider = provider.clone();
                let request = request.clone();
                let next = next.clone();
                tasks.push(tokio::spawn(async move {
                    let mut errors = 0usize;
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < calls {
                        if provider.generate(&request).await.is_err() {
                            errors += 1;
                        }
                    }
                    errors
                }));
            }
            let mut errors = 0;
            for t in tasks {
                errors += t.await.unwrap();
            }
            errors
        });
        let secs = started.elapsed().as_secs_f64();
        let stats = server.stats();
        println!(
            "| {model} | {:.0} | {:.2} | {} | {errors} |",
            calls as f64 / secs,
            secs * 1000.0 * connections as f64 / calls as f64,
            stats.peak_concurrency
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants it quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    if quick {
        std::env::set_var("PROVIDERS_BENCH_CALLS", "512");
    }
    adapter_overhead(if quick { 100 } else { 5_000 });
    throughput();
}
