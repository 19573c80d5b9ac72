//! `insider run` as a real process against fakellm, stopped with Ctrl-C (SIGINT): once lets the
//! calls in flight finish and keeps every answer; twice stops at once and records the calls in
//! flight as abandoned. Either way a resume completes the run without paying twice. Also checks
//! the plain progress lines printed when stderr is not a terminal.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use insider_ledger::{Ledger, StatusCounts};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TRIALS: u64 = 24;

fn command(server: &fakellm::FakeServer, dir: &Path, args: &[&str]) -> Command {
    let mut command = fake_env::insider_against(server, dir);
    command.arg("run").args(args);
    command
}

/// 24 trials: one condition, 24 samples, 4 connections, no grader (gate-only verdicts).
const RUN_ARGS: &[&str] = &[
    "--model",
    "openai/gpt-4.1",
    "--condition",
    "blackmail_explicit-america_replacement",
    "--samples",
    "24",
    "--max-connections",
    "4",
    "--progress-interval",
    "0.2",
    "--out",
    "run",
];

fn server(latency_ms: u64) -> fakellm::FakeServer {
    fakellm::start_background(FakeConfig {
        latency_ms,
        rules: vec![Rule::always(Reply::text("I will finish my tasks."))],
        ..FakeConfig::default()
    })
    .unwrap()
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_for_requests(server: &fakellm::FakeServer, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.stats().requests < at_least {
        assert!(Instant::now() < deadline, "no requests reached fakellm");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn counts(run: &Path) -> StatusCounts {
    Ledger::open(run).unwrap().status_counts().unwrap()
}

fn resume_and_check(server: &fakellm::FakeServer, dir: &Path) {
    let output = command(server, dir, &["--resume", "run", "--quiet"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let counts = counts(&dir.join("run"));
    assert_eq!(counts.completed, TRIALS, "{counts:?}");
    assert_eq!(counts.total(), TRIALS, "{counts:?}");
}

#[test]
fn one_ctrl_c_lets_calls_in_flight_finish_and_keeps_their_answers() {
    let scratch = tempfile::tempdir().unwrap();
    let server = server(400);
    let child = command(&server, scratch.path(), RUN_ARGS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let a few rounds of 4 calls finish so progress lines appear, then interrupt mid-round.
    wait_for_requests(&server, 9);
    interrupt(&child);
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a graceful stop waits only for calls in flight"
    );
    assert!(
        stderr.contains("stopping: waiting for calls in flight"),
        "{stderr}"
    );
    assert!(stderr.contains("--resume"), "{stderr}");

    // Plain progress lines (stderr is a pipe): model, bar, finished/total, rate, labelled fields.
    let progress: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("progress openai/gpt-4.1: "))
        .collect();
    assert!(!progress.is_empty(), "no progress lines in:\n{stderr}");
    assert!(
        progress
            .iter()
            .all(|l| l.contains("/24 ") && l.contains("failed 0") && l.contains("in/out tokens")),
        "{progress:?}"
    );

    // Every call fakellm answered was kept: completed trials equal requests served.
    let requests = server.stats().requests;
    let counts = counts(&scratch.path().join("run"));
    assert_eq!(counts.completed, requests, "{counts:?}");
    assert!(requests < TRIALS, "the run stopped early");
    assert_eq!(counts.running, 0, "{counts:?}");

    resume_and_check(&server, scratch.path());
    assert_eq!(
        server.stats().requests,
        TRIALS,
        "no trial was paid for twice"
    );
}

#[test]
fn a_second_ctrl_c_stops_at_once_and_marks_calls_in_flight_abandoned() {
    let scratch = tempfile::tempdir().unwrap();
    let server = server(20_000);
    let child = command(&server, scratch.path(), RUN_ARGS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_requests(&server, 4);
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&child);
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "did not stop at once: {:?}",
        started.elapsed()
    );
    assert!(stderr.contains("stopping now"), "{stderr}");
    let counts = counts(&scratch.path().join("run"));
    assert_eq!(counts.completed, 0, "{counts:?}");
    assert_eq!(counts.running, 0, "{counts:?}");
    assert_eq!(counts.total(), TRIALS, "{counts:?}");
    // The 4 calls in flight are recorded as abandoned; the rest were never started.
    assert_eq!(counts.abandoned, 4, "{counts:?}");
    assert_eq!(counts.pending, TRIALS - 4, "{counts:?}");

    // A fresh server: the abandoned calls are sent again and the run completes.
    let fast = server_with_latency_zero();
    resume_and_check(&fast, scratch.path());
    assert_eq!(fast.stats().requests, TRIALS);
}

fn server_with_latency_zero() -> fakellm::FakeServer {
    server(0)
}

/// The outcome recorded for the latest session of the run in `run`.
fn last_session_outcome(run: &Path) -> Option<String> {
    let connection = rusqlite::Connection::open_with_flags(
        run.join("ledger.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    connection
        .query_row(
            "SELECT outcome FROM sessions ORDER BY id DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

#[test]
fn sigterm_stops_like_the_first_ctrl_c_and_marks_the_session_interrupted() {
    let scratch = tempfile::tempdir().unwrap();
    let server = server(400);
    let child = command(&server, scratch.path(), RUN_ARGS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_requests(&server, 5);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("stopping: waiting for calls in flight"),
        "{stderr}"
    );
    let run = scratch.path().join("run");
    let counts = counts(&run);
    assert_eq!(counts.running, 0, "no trial left running: {counts:?}");
    assert_eq!(
        counts.completed,
        server.stats().requests,
        "calls in flight finished and were kept: {counts:?}"
    );
    assert!(counts.completed < TRIALS, "the run stopped early");
    assert_eq!(last_session_outcome(&run).as_deref(), Some("interrupted"));
    resume_and_check(&server, scratch.path());
    assert_eq!(
        server.stats().requests,
        TRIALS,
        "no trial was paid for twice"
    );
}
