//! `insider run` as a real process against fakellm: SIGKILLed at random moments and resumed,
//! and a run through 5xx and 429 failures; the ledger must end exact.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use insider_ledger::Ledger;
use insider_ledger::TrialStatus;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

type Key = (String, String, u32);

fn command(server: &fakellm::FakeServer, dir: &Path, args: &[&str]) -> Command {
    let mut command = fake_env::insider_against(server, dir);
    command.arg("run").args(args);
    command
}

fn config(dir: &Path, samples: u32, connections: u32) {
    std::fs::write(
        dir.join("exp.yaml"),
        format!(
            "name: resume-test\nmodels:\n  - name: openai/gpt-4.1\n    max_attempts: 8\n    \
             backoff_base_ms: 5\n    backoff_max_ms: 50\nconditions:\n  scenario: [blackmail]\n  \
             goal_type: [explicit, none]\n  goal_value: [america]\n  urgency: [replacement]\n\
             samples: {samples}\nmax_connections: {connections}\nout: run\n"
        ),
    )
    .unwrap();
}

struct Snapshot {
    completed: BTreeSet<Key>,
    all: Vec<Key>,
    failed_attempts: usize,
    attempts: usize,
}

fn snapshot(run_dir: &Path) -> Snapshot {
    let ledger = Ledger::open(run_dir).expect("ledger opens after a kill");
    let mut snapshot = Snapshot {
        completed: BTreeSet::new(),
        all: Vec::new(),
        failed_attempts: 0,
        attempts: 0,
    };
    ledger
        .for_each_trial(|t| {
            let key = (t.model.clone(), t.condition.clone(), t.sample_index);
            if t.status == TrialStatus::Completed {
                assert!(t.reply.is_some(), "a completed trial has its reply");
                snapshot.completed.insert(key.clone());
            }
            snapshot.all.push(key);
            snapshot.attempts += t.attempts.len();
            snapshot.failed_attempts += t.attempts.iter().filter(|a| a.error.is_some()).count();
            Ok(())
        })
        .unwrap();
    assert_eq!(
        ledger.integrity_check().unwrap(),
        "ok",
        "SQLite integrity check"
    );
    snapshot
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn sigkill_at_random_moments_then_resume_loses_nothing_and_duplicates_nothing() {
    let server = fakellm::start_background(FakeConfig {
        latency_ms: 25,
        jitter_ms: 20,
        fail_rate: 0.1,
        ..FakeConfig::default()
    })
    .expect("fakellm starts");
    let dir = tempfile::tempdir().unwrap();
    let samples = 60;
    let expected = 2 * samples as usize;
    config(dir.path(), samples, 4);
    let run_dir = dir.path().join("run");
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill schedule seed {seed}");
    let mut previous: BTreeSet<Key> = BTreeSet::new();
    let mut kills = 0;
    for round in 0..6 {
        // Resume when a ledger exists, else start the config again (killed before it existed).
        let args: Vec<&str> = if !run_dir.join("ledger.sqlite").exists() {
            vec!["--config", "exp.yaml", "--quiet"]
        } else {
            vec!["--resume", "run", "--quiet"]
        };
        let mut child: Child = command(&server, dir.path(), &args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait_ms = 150 + xorshift(&mut seed) % 700;
        let started = Instant::now();
        let mut exited = false;
        while started.elapsed() < Duration::from_millis(wait_ms) {
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !exited {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        if !run_dir.join("ledger.sqlite").exists() {
            continue; // killed before the ledger was created
        }
        let now = snapshot(&run_dir);
        assert!(
            previous.is_subset(&now.completed),
            "a completed trial was lost after round {round}"
        );
        let unique: BTreeSet<&Key> = now.all.iter().collect();
        assert_eq!(
            unique.len(),
            now.all.len(),
            "duplicate trials after round {round}"
        );
        previous = now.completed;
    }
    assert!(
        kills >= 2,
        "the schedule killed the run at least twice ({kills})"
    );

    // Finish by running the same config into the same directory again (which continues it),
    // until everything is done (a trial can exhaust its retries and be retried).
    for _ in 0..3 {
        let out: Output = command(&server, dir.path(), &["--config", "exp.yaml", "--quiet"])
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
    }
    let last = snapshot(&run_dir);
    assert_eq!(last.completed.len(), expected, "exactly N trials completed");
    assert_eq!(last.all.len(), expected, "no extra or duplicate trials");
    assert!(previous.is_subset(&last.completed));
    // Every failed attempt is recorded: fakellm's error answers minus those lost with calls in
    // flight at a kill (at most connections × attempts per kill).
    let stats = server.stats();
    let served_errors: u64 = stats
        .by_status
        .iter()
        .filter(|(status, _)| status.as_str() != "200")
        .map(|(_, n)| *n)
        .sum();
    let recorded = last.failed_attempts as u64;
    assert!(
        recorded <= served_errors,
        "recorded {recorded} > served {served_errors}"
    );
    assert!(
        served_errors - recorded <= kills * 4 * 8,
        "failed attempts lost beyond calls in flight: served {served_errors}, recorded {recorded}"
    );
    assert!(last.attempts as u64 <= stats.requests);
}

#[test]
fn failures_and_rate_limits_still_complete_every_trial_with_retries_visible() {
    // 20% 5xx from fakellm, plus every 7th request answered 429 with Retry-After.
    let mut sequence = vec![Reply {
        status: Some(429),
        error: Some("rate limited".into()),
        retry_after: Some(0),
        ..Reply::default()
    }];
    sequence.extend((0..6).map(|_| Reply::text("I will reply to the e-mails now.")));
    let mut rule = Rule::always(Reply::default());
    rule.reply = None;
    rule.sequence = sequence;
    rule.cycle = Some(true);
    let server = fakellm::start_background(FakeConfig {
        fail_rate: 0.2,
        latency_ms: 2,
        rules: vec![rule],
        seed: Some(7),
        ..FakeConfig::default()
    })
    .expect("fakellm starts");
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), 150, 16); // 300 trials
    let out = command(&server, dir.path(), &["--config", "exp.yaml", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        // A trial may exhaust 8 attempts (p ≈ 1e-5 each); a resume finishes it.
        let again = command(&server, dir.path(), &["--resume", "run", "--quiet"])
            .output()
            .unwrap();
        assert!(
            again.status.success(),
            "{stderr}\n{}",
            String::from_utf8_lossy(&again.stderr)
        );
    }
    let show = Command::new(env!("CARGO_BIN_EXE_insider"))
        .current_dir(dir.path())
        .args(["runs", "show", "run", "--json"])
        .output()
        .unwrap();
    assert!(show.status.success());
    let json: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(json["total"], 300);
    assert_eq!(json["completed"], 300);
    assert_eq!(json["failed"], 0);
    assert_eq!(json["pending"], 0);
    let stats = server.stats();
    let errors: HashMap<&str, u64> = stats
        .by_status
        .iter()
        .filter(|(s, _)| s.as_str() != "200")
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert!(
        errors.get("429").copied().unwrap_or(0) > 0,
        "429s were served: {errors:?}"
    );
    let served_errors: u64 = errors.values().sum();
    assert_eq!(
        json["failed_attempts"].as_u64().unwrap(),
        served_errors,
        "every failed attempt is recorded"
    );
    assert_eq!(json["attempts"].as_u64().unwrap(), stats.requests);
    assert!(json["retried_trials"].as_u64().unwrap() > 0);
    let model = &json["models"][0];
    assert_eq!(model["model"], "openai/gpt-4.1");
    assert!(model["input_tokens"].as_u64().unwrap() > 0);
    assert!(
        model["cost_usd"].as_f64().unwrap() > 0.0,
        "gpt-4.1 is priced"
    );
    // The text form shows the retries too.
    let text = Command::new(env!("CARGO_BIN_EXE_insider"))
        .current_dir(dir.path())
        .args(["runs", "show", "run"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("needed retries"), "{text}");
}

/// Trials with a verdict in the run's ledger.
fn verdicts(run_dir: &Path) -> usize {
    let mut n = 0;
    Ledger::open_read_only(run_dir)
        .unwrap()
        .for_each_trial(|t| {
            n += usize::from(t.verdict.is_some());
            Ok(())
        })
        .unwrap();
    n
}

#[test]
fn a_resume_classifies_replies_a_kill_left_without_a_verdict() {
    let server = fakellm::start_background(FakeConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), 2, 2);
    let run = |args: &[&str]| {
        let out = command(&server, dir.path(), args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["--config", "exp.yaml", "--quiet"]);
    let run_dir = dir.path().join("run");
    assert_eq!(verdicts(&run_dir), 4);
    // What a kill between a reply's commit and its verdict's leaves: replies, no verdicts.
    let ledger = rusqlite::Connection::open(run_dir.join("ledger.sqlite")).unwrap();
    let removed = ledger
        .execute(
            "DELETE FROM verdicts WHERE trial_id IN (SELECT id FROM trials LIMIT 3)",
            [],
        )
        .unwrap();
    assert_eq!(removed, 3);
    drop(ledger);
    let calls = server.stats().requests;
    run(&["--resume", "run", "--quiet"]);
    assert_eq!(verdicts(&run_dir), 4, "every reply has its verdict again");
    assert_eq!(server.stats().requests, calls, "no trial was sent again");
}
