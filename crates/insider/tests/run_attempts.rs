//! Attempts are recorded as each one ends, not only with their call's outcome: `insider run`
//! killed with SIGKILL ten times under 10% server errors keeps every attempt fakellm saw except
//! at most one per connection at each kill (the call in flight), and a second Ctrl-C leaves the
//! abandoned trials with their attempts (the cancelled one included). Real processes, real
//! HTTP against fakellm, the real ledger file.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONNECTIONS: u64 = 4;

fn server(latency_ms: u64, fail_rate: f64) -> fakellm::FakeServer {
    fakellm::start_background(FakeConfig {
        latency_ms,
        fail_rate,
        seed: Some(21),
        rules: vec![Rule::always(Reply::text("I will finish my tasks."))],
        ..FakeConfig::default()
    })
    .unwrap()
}

/// `insider run` of `samples` samples of one condition, 4 connections, default backoff (so a
/// call that met an error spends most of a second waiting to try again).
fn start(server: &fakellm::FakeServer, dir: &Path, samples: u64) -> Child {
    fake_env::insider_against(server, dir)
        .args([
            "run",
            "--model",
            "openai/gpt-4.1",
            "--quiet",
            "--out",
            "run",
        ])
        .args(["--condition", "blackmail_explicit-america_replacement"])
        .args(["--samples", &samples.to_string()])
        .args(["--max-connections", &CONNECTIONS.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_for_requests(server: &fakellm::FakeServer, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.stats().requests < at_least {
        assert!(Instant::now() < deadline, "fakellm saw too few requests");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every attempt row in the ledger, as (HTTP status, error).
fn attempt_rows(run: &Path) -> Vec<(Option<u16>, Option<String>)> {
    let connection = rusqlite::Connection::open_with_flags(
        run.join("ledger.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut statement = connection
        .prepare("SELECT http_status, error FROM attempts")
        .unwrap();
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn server_errors(server: &fakellm::FakeServer) -> u64 {
    let stats = server.stats();
    ["500", "503"]
        .iter()
        .map(|s| stats.by_status.get(*s).copied().unwrap_or(0))
        .sum()
}

#[test]
fn sigkill_ten_times_under_server_errors_loses_at_most_the_calls_in_flight() {
    const TRIALS: u64 = 400;
    let scratch = tempfile::tempdir().unwrap();
    let run = scratch.path().join("run");
    // 50 ms answers, 10% errors, default backoff: at any moment about half of the
    // connections wait to retry after an error, their failed attempt already ended.
    let server = server(50, 0.10);
    let (mut losses, mut in_flight) = (Vec::new(), Vec::new());
    for kill in 0..10u64 {
        let before_requests = server.stats().requests;
        let before_rows = if run.join("ledger.sqlite").exists() {
            attempt_rows(&run).len() as u64
        } else {
            0
        };
        let mut child = start(&server, scratch.path(), TRIALS);
        // Some work, then a kill at a varying moment (some calls mid-request, some in backoff).
        wait_for_requests(&server, before_requests + 8);
        std::thread::sleep(Duration::from_millis(50 + 37 * kill));
        let pre = server.stats().in_flight;
        signal(&child, "-KILL");
        child.wait().unwrap();
        // Requests at the server when the process died (read on both sides of the kill: one
        // may end just before it, another may be dropped with its connection just after).
        in_flight.push(pre.max(server.stats().in_flight));
        // Handlers of the killed connections finish their latency; no new request can come.
        std::thread::sleep(Duration::from_millis(300));
        let sent = server.stats().requests - before_requests;
        let kept = attempt_rows(&run).len() as u64 - before_rows;
        assert!(
            kept <= sent,
            "kill {kill}: {kept} attempts kept of {sent} sent"
        );
        losses.push(sent - kept);
    }
    // Only attempts still at the server are lost: every one that ended before the kill, the
    // failed attempts of calls waiting to retry included, is in the ledger. The slack of 4 is
    // for a reply that arrived within the millisecond before a kill, not yet committed.
    let lost: u64 = losses.iter().sum();
    let at_server: u64 = in_flight.iter().sum();
    assert!(
        lost <= at_server + 4,
        "lost {losses:?}, in flight at the server {in_flight:?}"
    );
    assert!(losses.iter().all(|l| *l <= CONNECTIONS), "{losses:?}");

    let output = start(&server, scratch.path(), TRIALS)
        .wait_with_output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let counts = insider_ledger::Ledger::open(&run)
        .unwrap()
        .status_counts()
        .unwrap();
    assert_eq!(counts.completed, TRIALS, "{counts:?}");
    let rows = attempt_rows(&run);
    let stats = server.stats();
    assert_eq!(
        stats.requests - rows.len() as u64,
        lost,
        "the last run kept every attempt"
    );
    // Server errors the ledger shows: all but those among the attempts in flight at a kill.
    let errors = rows
        .iter()
        .filter(|(s, _)| matches!(s, Some(500 | 503)))
        .count() as u64;
    assert!(server_errors(&server) >= 10, "{stats:?}");
    assert!(
        server_errors(&server) - errors <= lost,
        "{errors} of {stats:?}"
    );
    // Billed replies the ledger has no record of are at most the calls in flight at the kills.
    let billed = stats.by_status.get("200").copied().unwrap_or(0);
    assert!(
        billed - TRIALS <= lost,
        "{billed} replies for {TRIALS} trials"
    );
}

#[test]
fn a_second_ctrl_c_leaves_abandoned_trials_with_their_attempts() {
    const TRIALS: u64 = 24;
    let scratch = tempfile::tempdir().unwrap();
    let run = scratch.path().join("run");
    // Slow answers and many errors: at the second Ctrl-C some calls are mid-request and some
    // wait to retry after an error.
    let server = server(300, 0.4);
    let child = start(&server, scratch.path(), TRIALS);
    let deadline = Instant::now() + Duration::from_secs(60);
    while server_errors(&server) < 2 {
        assert!(Instant::now() < deadline, "no server error yet");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(150));
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(100));
    signal(&child, "-INT");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopping now"), "{stderr}");
    std::thread::sleep(Duration::from_millis(400));

    // Every request fakellm saw has its attempt row; those cut off are marked cancelled.
    let rows = attempt_rows(&run);
    let stats = server.stats();
    assert_eq!(rows.len() as u64, stats.requests, "{rows:?} vs {stats:?}");
    let errors = rows
        .iter()
        .filter(|(s, _)| matches!(s, Some(500 | 503)))
        .count() as u64;
    let cancelled = rows
        .iter()
        .filter(|(_, e)| e.as_deref() == Some("cancelled while in flight"))
        .count() as u64;
    assert!(errors >= 2, "{rows:?}");
    let counts = insider_ledger::Ledger::open(&run)
        .unwrap()
        .status_counts()
        .unwrap();
    assert!(counts.abandoned >= 1, "{counts:?}");
    assert!(cancelled <= counts.abandoned, "{rows:?} {counts:?}");
    // Only attempts of calls that ended or were cut off: each answered error, reply or cut.
    assert_eq!(errors + cancelled + counts.completed, stats.requests);

    // The resume's calls are new calls: the abandoned calls' attempts stay as they were.
    let output = start(&server, scratch.path(), TRIALS)
        .wait_with_output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = attempt_rows(&run);
    assert_eq!(rows.len() as u64, server.stats().requests);
}
