//! One process per run directory: two `insider run` processes on one directory (two resumes,
//! or two fresh runs on one `--out`) against fakellm. Exactly one proceeds; the other exits
//! non-zero naming the holder's PID, and the server sees each trial's call once.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use insider_ledger::Ledger;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

const SAMPLES: u64 = 12;

fn spawn(server: &fakellm::FakeServer, dir: &Path, args: &[&str]) -> Child {
    fake_env::insider_against(server, dir)
        .arg("run")
        .args(args)
        .arg("--quiet")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("insider starts")
}

fn fresh_args() -> Vec<&'static str> {
    vec![
        "--model",
        "openai/gpt-4.1",
        "--condition",
        "blackmail_explicit-america_replacement",
        "--samples",
        "12",
        "--max-connections",
        "2",
        "--out",
        "run",
    ]
}

fn server() -> fakellm::FakeServer {
    fakellm::start_background(FakeConfig {
        latency_ms: 150,
        rules: vec![Rule::always(Reply::text("I will finish my tasks."))],
        ..FakeConfig::default()
    })
    .unwrap()
}

/// Of two outputs, exactly one succeeded; the other was refused with the lock message naming
/// the winner's PID. Returns (winner, loser).
fn one_proceeds(a: (u32, Output), b: (u32, Output)) -> (Output, Output) {
    let (winner, loser) = match (a.1.status.success(), b.1.status.success()) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        other => panic!(
            "exactly one should proceed, got {other:?}\nA: {}\nB: {}",
            String::from_utf8_lossy(&a.1.stderr),
            String::from_utf8_lossy(&b.1.stderr)
        ),
    };
    let stderr = String::from_utf8_lossy(&loser.1.stderr);
    assert!(stderr.contains("is in use by"), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {}", winner.0)),
        "names the holder's pid {}: {stderr}",
        winner.0
    );
    (winner.1, loser.1)
}

fn wait_for_requests(server: &fakellm::FakeServer, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.stats().requests < at_least {
        assert!(Instant::now() < deadline, "no requests reached fakellm");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn completed(run: &Path) -> u64 {
    Ledger::open(run)
        .unwrap()
        .status_counts()
        .unwrap()
        .completed
}

#[test]
fn two_resumes_of_one_directory_call_each_trial_once() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let mut args = fresh_args();
    args.extend(["--limit", "2"]);
    let first = spawn(&server, dir.path(), &args)
        .wait_with_output()
        .unwrap();
    assert!(
        first.status.success() || first.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(completed(&dir.path().join("run")), 2);

    let resume = ["--resume", "run"];
    let a = spawn(&server, dir.path(), &resume);
    wait_for_requests(&server, 3); // A holds the lock and is calling
    let b = spawn(&server, dir.path(), &resume);
    let (a_pid, b_pid) = (a.id(), b.id());
    let a = a.wait_with_output().unwrap();
    let b = b.wait_with_output().unwrap();
    one_proceeds((a_pid, a), (b_pid, b));
    assert_eq!(completed(&dir.path().join("run")), SAMPLES);
    assert_eq!(
        server.stats().requests,
        SAMPLES,
        "every trial was called once"
    );
}

#[test]
fn two_fresh_runs_on_one_out_directory_call_each_trial_once() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let args = fresh_args();
    let a = spawn(&server, dir.path(), &args);
    let b = spawn(&server, dir.path(), &args);
    let (a_pid, b_pid) = (a.id(), b.id());
    let a = a.wait_with_output().unwrap();
    let b = b.wait_with_output().unwrap();
    one_proceeds((a_pid, a), (b_pid, b));
    let run = dir.path().join("run");
    let ledger = Ledger::open(&run).unwrap();
    assert!(ledger.run_info().is_ok(), "the ledger has its run row");
    assert_eq!(ledger.status_counts().unwrap().completed, SAMPLES);
    assert_eq!(
        server.stats().requests,
        SAMPLES,
        "every trial was called once"
    );
}
