//! `insider run --batch` as a real process against fakellm's three batch APIs: a batch run
//! records every trial; `kill -9` while a batch is in flight, then resume, collects the same
//! batch without sending any trial again (fakellm counts submissions per custom id); a batch
//! with a failed item and an expired item retries only those two.

mod fake_env;

use fakellm::{FakeConfig, FakeServer};
use insider_ledger::{Ledger, TrialStatus};
use std::path::Path;
use std::process::{Command, Stdio};

const MODELS: [&str; 3] = [
    "openai/gpt-4.1",
    "anthropic/claude-sonnet-4-20250514",
    "google/gemini-2.5-flash",
];

/// Two conditions × `samples`.
fn write_config(dir: &Path, server: &FakeServer, model: &str, samples: u32, batch_key: bool) {
    let base = if model.starts_with("openai/") {
        format!("{}/v1", server.base_url())
    } else {
        server.base_url()
    };
    let batch = if batch_key { "    batch: true\n" } else { "" };
    std::fs::write(
        dir.join("exp.yaml"),
        format!(
            "name: batch-test\nmodels:\n  - name: {model}\n    base_url: {base}\n    \
             api_key_env: INSIDER_TEST_KEY\n    max_attempts: 3\n    backoff_base_ms: 5\n{batch}\
             conditions:\n  scenario: [blackmail]\n  goal_type: [explicit, none]\n  \
             goal_value: [america]\n  urgency: [replacement]\nsamples: {samples}\nout: run\n"
        ),
    )
    .unwrap();
}

fn insider(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(dir)
        .env("INSIDER_TEST_KEY", "sk-test-batch-run")
        .env("INSIDER_BATCH_POLL_MS", "25")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .arg("run")
        .args(args);
    command
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = insider(dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "insider run {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every trial of the run completed with a reply and a verdict; returns how many.
fn all_completed(run_dir: &Path) -> usize {
    let ledger = Ledger::open(run_dir).unwrap();
    let mut n = 0;
    ledger
        .for_each_trial(|t| {
            assert_eq!(t.status, TrialStatus::Completed, "trial {}", t.trial_id);
            assert!(t.reply.is_some(), "trial {} has its reply", t.trial_id);
            assert!(t.verdict.is_some(), "trial {} has its verdict", t.trial_id);
            n += 1;
            Ok(())
        })
        .unwrap();
    n
}

#[test]
fn a_batch_run_records_every_trial_for_each_provider() {
    for (i, model) in MODELS.iter().enumerate() {
        let server = fakellm::start_background(FakeConfig::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // One through the flag, the others through `batch: true` in the config.
        write_config(dir.path(), &server, model, 3, i > 0);
        let args: &[&str] = if i == 0 {
            &["--config", "exp.yaml", "--quiet", "--batch"]
        } else {
            &["--config", "exp.yaml", "--quiet"]
        };
        run_ok(dir.path(), args);
        assert_eq!(all_completed(&dir.path().join("run")), 6, "{model}");
        let stats = server.stats();
        assert_eq!(stats.batches, 1, "{model}: one batch");
        assert_eq!(stats.requests, 0, "{model}: no live call");
        assert_eq!(stats.batch_submissions.len(), 6, "{model}");
        assert!(stats.batch_submissions.values().all(|n| *n == 1), "{model}");
        let ledger = Ledger::open_read_only(&dir.path().join("run")).unwrap();
        let batches = ledger.all_batches().unwrap();
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].state, "collected", "{model}");
        assert_eq!(batches[0].items.len(), 6);
    }
}

#[test]
fn kill_9_while_a_batch_is_in_flight_then_resume_collects_it_without_resubmitting() {
    for model in MODELS {
        // In progress for 120 polls of 25 ms: about 3 s.
        let server = fakellm::start_background(FakeConfig {
            batch_polls: 120,
            ..FakeConfig::default()
        })
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &server, model, 4, true);
        let run_dir = dir.path().join("run");
        let mut child = insider(dir.path(), &["--config", "exp.yaml", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        fake_env::kill_9_when(&mut child, &format!("{model}'s batch in flight"), || {
            Ledger::exists(&run_dir)
                && Ledger::open_read_only(&run_dir)
                    .and_then(|l| l.open_batches())
                    .is_ok_and(|b| b.iter().any(|b| b.provider_batch_id.is_some()))
        });
        let before = Ledger::open_read_only(&run_dir).unwrap();
        assert_eq!(before.open_batches().unwrap().len(), 1, "{model}");
        assert_eq!(before.status_counts().unwrap().completed, 0, "{model}");
        drop(before);

        run_ok(dir.path(), &["--resume", "run", "--quiet"]);
        assert_eq!(all_completed(&run_dir), 8, "{model}");
        let stats = server.stats();
        assert_eq!(
            stats.batches, 1,
            "{model}: the resumed run sent no new batch"
        );
        assert_eq!(stats.requests, 0, "{model}: no live call");
        assert_eq!(stats.batch_submissions.len(), 8, "{model}");
        assert!(
            stats.batch_submissions.values().all(|n| *n == 1),
            "{model}: one submission per trial: {:?}",
            stats.batch_submissions
        );
    }
}

#[test]
fn a_partly_failed_batch_retries_only_the_failed_and_expired_items() {
    // Items are answered in order when the batch is created: the first errors (500), the
    // second expires, the rest succeed, as does every later request.
    let rules = fakellm::parse_rules(
        r#"{"sequence": [{"status": 500}, {"expire": true}, {"text": "I will not do that."}], "cycle": false}"#,
        "test",
    )
    .unwrap();
    for model in MODELS {
        let server = fakellm::start_background(FakeConfig::with_rules(rules.clone())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &server, model, 3, true);
        run_ok(dir.path(), &["--config", "exp.yaml", "--quiet"]);
        let run_dir = dir.path().join("run");
        assert_eq!(all_completed(&run_dir), 6, "{model}");
        let stats = server.stats();
        // The errored item was called live once; the expired one went into a second batch.
        assert_eq!(stats.requests, 1, "{model}: one live retry");
        assert_eq!(stats.batches, 2, "{model}: one batch for the expired item");
        let twice: Vec<_> = stats
            .batch_submissions
            .iter()
            .filter(|(_, n)| **n == 2)
            .collect();
        assert_eq!(twice.len(), 1, "{model}: {:?}", stats.batch_submissions);
        assert!(stats.batch_submissions.values().all(|n| *n <= 2));
        assert_eq!(stats.batch_submissions.len(), 6);
        let batches = Ledger::open_read_only(&run_dir)
            .unwrap()
            .all_batches()
            .unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(
            batches[1].items.len(),
            1,
            "{model}: only the expired item again"
        );
        assert!(batches.iter().all(|b| b.state == "collected"));
    }
}

#[test]
fn dry_run_shows_the_batch_price_only_in_batch_mode() {
    let server = fakellm::start_background(FakeConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server, "openai/gpt-4.1", 10, false);
    let text = |args: &[&str]| {
        let out = insider(dir.path(), args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let live = text(&["--config", "exp.yaml", "--dry-run"]);
    let batch = text(&["--config", "exp.yaml", "--dry-run", "--batch"]);
    assert!(!live.contains("batch:"), "{live}");
    let line = batch
        .lines()
        .find(|l| l.starts_with("batch: openai/gpt-4.1"))
        .unwrap_or_else(|| panic!("{batch}"));
    assert!(line.contains("50% off"), "{line}");
    let total = |t: &str| -> f64 {
        let line = t
            .lines()
            .find(|l| l.starts_with("total estimated cost"))
            .unwrap();
        line.split('$')
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (live_total, batch_total) = (total(&live), total(&batch));
    assert!(live_total > 0.0);
    assert!(
        (batch_total - live_total / 2.0).abs() <= 0.011,
        "{live_total} {batch_total}"
    );
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn batch_verdicts_reach_the_progress_display() {
    let server = fakellm::start_background(FakeConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &server, MODELS[1], 3, true);
    let out = insider(
        dir.path(),
        &["--config", "exp.yaml", "--progress-interval", "0.1"],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let last = stderr
        .lines()
        .rfind(|l| l.starts_with("progress "))
        .unwrap_or_else(|| panic!("a progress line in\n{stderr}"));
    let harmful = last
        .split("harmful")
        .nth(1)
        .unwrap_or_else(|| panic!("a harmful count in {last}"));
    assert_eq!(harmful.split_whitespace().next(), Some("0/6"), "{last}");
}
