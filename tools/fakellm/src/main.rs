//! fakellm: a loopback server speaking the three provider protocols, for tests and benchmarks.

use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A loopback server speaking the OpenAI, Anthropic and Gemini protocols (see README.md).
#[derive(Parser)]
#[command(name = "fakellm", version)]
struct Cli {
    /// Loopback address to bind (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Latency before each answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Uniform random extra latency 0..=N milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Requests-per-minute limit; beyond it answer 429 with Retry-After.
    #[arg(long)]
    rpm: Option<u32>,
    /// Fraction (0..1) of requests answered with a random 500/503 (Anthropic 500/529).
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Transport fault: drop, malformed, truncated, empty, empty-body, slow-body.
    #[arg(long)]
    fault: Option<fakellm::Fault>,
    /// Fraction of requests that get --fault.
    #[arg(long, default_value_t = 1.0)]
    fault_rate: f64,
    /// Duration of a slow-body fault in milliseconds.
    #[arg(long, default_value_t = 2000)]
    slow_body_ms: u64,
    /// JSONL file of canned-reply rules.
    #[arg(long)]
    replies: Option<PathBuf>,
    /// Seed for random choices.
    #[arg(long)]
    seed: Option<u64>,
    /// Simulate prompt caching (Anthropic cache_control prefixes, OpenAI/Gemini automatic prefixes).
    #[arg(long)]
    prompt_cache: bool,
    /// Status polls a batch answers "in progress" before it ends.
    #[arg(long, default_value_t = 1)]
    batch_polls: u32,
}

fn check_fraction(name: &str, value: f64) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&value) {
        anyhow::bail!("--{name} {value}: expected a fraction between 0 and 1");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    check_fraction("fail-rate", cli.fail_rate)?;
    check_fraction("fault-rate", cli.fault_rate)?;
    let rules = match &cli.replies {
        Some(path) => fakellm::load_rules(path)?,
        None => Vec::new(),
    };
    let config = fakellm::FakeConfig {
        addr: Some(cli.addr),
        latency_ms: cli.latency_ms,
        jitter_ms: cli.jitter_ms,
        rpm: cli.rpm,
        fail_rate: cli.fail_rate,
        fault: cli.fault,
        fault_rate: cli.fault_rate,
        slow_body_ms: cli.slow_body_ms,
        rules,
        seed: cli.seed,
        record_limit: 0,
        prompt_cache: cli.prompt_cache,
        batch_polls: cli.batch_polls,
    };
    let server = fakellm::start(config)?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", server.addr())?;
        out.flush()?;
    }
    tokio::signal::ctrl_c().await?;
    server.shutdown();
    Ok(())
}
