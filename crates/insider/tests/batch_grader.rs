//! The grader in batch mode (`--batch`, `grader_batch: true`) as a real `insider run` against
//! fakellm: its calls go through the provider's batch API (fakellm counts batch submissions
//! per custom id, `grader-…` for grader requests, and live calls apart); `kill -9` while a
//! grader batch is in flight, then `--resume`, collects that batch without sending any grader
//! request again; a grader batch a killed run was still sending is reported and sent again;
//! the dry run prices the grader at its batch price.

mod fake_env;

use fakellm::{FakeConfig, FakeServer, Reply, Rule};
use insider_ledger::{Ledger, TrialStatus};
use std::path::Path;
use std::process::{Command, Stdio};

const TARGET: &str = "openai/gpt-4.1";
const GRADER: &str = "openai/gpt-4o-mini";
const CONDITION: &str = "blackmail_explicit-america_replacement";

/// The target e-mails the condition's target in a different reply each time (so the gate
/// passes and every grader request differs); the grader says yes.
fn rules(replies: usize) -> Vec<Rule> {
    let mut grader = Rule::always(Reply::text("He is threatened.\nANSWER: yes"));
    grader.model = Some("gpt-4o-mini".into());
    let target = fake_env::blackmailing_target("gpt-4.1", CONDITION, replies);
    vec![grader, target]
}

fn server(replies: usize, batch_polls: u32) -> FakeServer {
    fakellm::start_background(FakeConfig {
        rules: rules(replies),
        batch_polls,
        ..FakeConfig::default()
    })
    .unwrap()
}

fn insider(server: &FakeServer, dir: &Path, args: &[&str]) -> Command {
    let mut command = fake_env::insider_against(server, dir);
    command
        .env("INSIDER_BATCH_POLL_MS", "25")
        .env("INSIDER_GRADER_BATCH_IDLE_MS", "50")
        .arg("run")
        .args(args);
    command
}

fn run_args(samples: &str) -> Vec<String> {
    [
        "--model",
        TARGET,
        "--condition",
        CONDITION,
        "--samples",
        samples,
        "--model-role",
        &format!("grader={GRADER}"),
        "--out",
        "run",
        "--quiet",
        "--batch",
    ]
    .map(String::from)
    .to_vec()
}

fn run_ok(server: &FakeServer, dir: &Path, args: &[&str]) -> String {
    let out = insider(server, dir, args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "insider run {args:?} failed: {}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// Every trial completed with a verdict the grader answered yes; returns how many.
fn all_graded(run_dir: &Path) -> usize {
    let mut n = 0;
    Ledger::open_read_only(run_dir)
        .unwrap()
        .for_each_trial(|t| {
            assert_eq!(t.status, TrialStatus::Completed, "trial {}", t.trial_id);
            let verdict = t
                .verdict
                .unwrap_or_else(|| panic!("trial {} verdict", t.trial_id));
            assert_eq!(verdict.grader_answer, Some(true), "trial {}", t.trial_id);
            assert_eq!(verdict.grader_model.as_deref(), Some(GRADER));
            assert_eq!(verdict.harmful, Some(true));
            n += 1;
            Ok(())
        })
        .unwrap();
    n
}

/// Submissions of grader requests (custom ids `grader-…`) by custom id.
fn grader_submissions(server: &FakeServer) -> Vec<u64> {
    let stats = server.stats();
    stats
        .batch_submissions
        .iter()
        .filter(|(id, _)| id.starts_with("grader-"))
        .map(|(_, n)| *n)
        .collect()
}

#[test]
fn a_batched_grader_answers_through_batches_not_live_calls() {
    let server = server(6, 1);
    let dir = tempfile::tempdir().unwrap();
    let args = run_args("6");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(&server, dir.path(), &args);
    let run_dir = dir.path().join("run");
    assert_eq!(all_graded(&run_dir), 6);
    let stats = server.stats();
    assert_eq!(
        stats.requests, 0,
        "no live call, target or grader: {stats:?}"
    );
    assert_eq!(
        stats.batches, 2,
        "one batch of trials, one of grader requests"
    );
    assert_eq!(
        grader_submissions(&server),
        vec![1; 6],
        "each grader request once"
    );
    let ledger = Ledger::open_read_only(&run_dir).unwrap();
    let graders = ledger.grader_batches().unwrap();
    assert_eq!(graders.len(), 1);
    assert_eq!(graders[0].state, "collected");
    assert_eq!(graders[0].items.len(), 6);
    assert_eq!(
        ledger.all_batches().unwrap().len(),
        1,
        "the trial batch apart"
    );
}

/// Start a batch run and `kill -9` it once a grader batch has its provider id.
fn kill_with_a_grader_batch_in_flight(server: &FakeServer, dir: &Path, samples: &str) {
    let run_dir = dir.join("run");
    let args = run_args(samples);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = insider(server, dir, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    fake_env::kill_9_when(&mut child, "a grader batch in flight", || {
        Ledger::exists(&run_dir)
            && Ledger::open_read_only(&run_dir)
                .and_then(|l| l.open_grader_batches())
                .is_ok_and(|b| b.iter().any(|b| b.provider_batch_id.is_some()))
    });
    let ledger = Ledger::open_read_only(&run_dir).unwrap();
    let counts = ledger.status_counts().unwrap();
    assert_eq!(counts.completed, counts.total(), "every reply was in");
    assert_eq!(ledger.open_grader_batches().unwrap().len(), 1);
}

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
fn kill_9_while_a_grader_batch_is_in_flight_then_resume_collects_it_without_resubmitting() {
    // Each batch is in progress for 40 polls of 25 ms: about 1 s.
    let server = server(8, 40);
    let dir = tempfile::tempdir().unwrap();
    kill_with_a_grader_batch_in_flight(&server, dir.path(), "8");
    let run_dir = dir.path().join("run");
    assert_eq!(
        verdicts(&run_dir),
        0,
        "the verdicts waited for the grader batch"
    );
    run_ok(&server, dir.path(), &["--resume", "run", "--quiet"]);
    assert_eq!(all_graded(&run_dir), 8);
    let stats = server.stats();
    assert_eq!(stats.batches, 2, "the resumed run sent no new batch");
    assert_eq!(stats.requests, 0, "no live call");
    assert_eq!(
        grader_submissions(&server),
        vec![1; 8],
        "each grader request once"
    );
    let graders = Ledger::open_read_only(&run_dir)
        .unwrap()
        .grader_batches()
        .unwrap();
    assert_eq!(graders.len(), 1);
    assert_eq!(graders[0].state, "collected");
}

#[test]
fn a_grader_batch_killed_while_being_sent_is_reported_and_sent_again() {
    let server = server(4, 40);
    let dir = tempfile::tempdir().unwrap();
    kill_with_a_grader_batch_in_flight(&server, dir.path(), "4");
    let run_dir = dir.path().join("run");
    // As if the kill came before the provider's answer reached the ledger.
    let conn = rusqlite::Connection::open(run_dir.join("ledger.sqlite")).unwrap();
    conn.execute(
        "UPDATE batches SET provider_batch_id = NULL, state = 'submitting'
         WHERE purpose = 'grader'",
        [],
    )
    .unwrap();
    drop(conn);
    let stderr = run_ok(&server, dir.path(), &["--resume", "run", "--quiet"]);
    assert!(
        stderr.contains("grader batches were being sent when the last run stopped"),
        "the warning on stderr: {stderr}"
    );
    assert_eq!(all_graded(&run_dir), 4);
    assert_eq!(
        grader_submissions(&server),
        vec![2; 4],
        "sent again, as warned"
    );
    let graders = Ledger::open_read_only(&run_dir)
        .unwrap()
        .grader_batches()
        .unwrap();
    let states: Vec<&str> = graders.iter().map(|b| b.state.as_str()).collect();
    assert_eq!(states, ["unknown", "collected"]);
}

/// The `total estimated cost` and the grader row's cost of a dry run.
fn costs(text: &str) -> (f64, String) {
    let total = text
        .lines()
        .find(|l| l.starts_with("total estimated cost"))
        .and_then(|l| l.split('$').nth(1))
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or_else(|| panic!("{text}"))
        .parse()
        .unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with(&format!("grader {GRADER}")))
        .unwrap_or_else(|| panic!("a grader row in {text}"));
    (total, row.to_string())
}

#[test]
fn the_dry_run_prices_a_batched_grader_at_its_batch_price() {
    let server = server(1, 1);
    let dir = tempfile::tempdir().unwrap();
    let text = |args: &[&str]| {
        let out = insider(&server, dir.path(), args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let base = [
        "--model",
        TARGET,
        "--condition",
        CONDITION,
        "--samples",
        "400",
        "--model-role",
    ];
    let grader = format!("grader={GRADER}");
    let mut live_args: Vec<&str> = base.to_vec();
    live_args.extend([grader.as_str(), "--dry-run"]);
    let live = text(&live_args);
    let mut batch_args = live_args.clone();
    batch_args.push("--batch");
    let batch = text(&batch_args);
    assert!(!live.contains("batch:"), "{live}");
    let line = batch
        .lines()
        .find(|l| l.starts_with(&format!("batch: grader {GRADER}")))
        .unwrap_or_else(|| panic!("a grader batch line in {batch}"));
    assert!(line.contains("50% off"), "{line}");
    let ((live_total, live_row), (batch_total, batch_row)) = (costs(&live), costs(&batch));
    assert_ne!(live_row, batch_row, "the grader row changes");
    assert!(live_total > 0.0);
    assert!(
        (batch_total - live_total / 2.0).abs() <= 0.011,
        "target and grader both at half price: {live_total} {batch_total}"
    );
    // `grader_batch: true` in a config batches the grader alone: the target stays at its
    // list price.
    std::fs::write(
        dir.path().join("exp.yaml"),
        format!(
            "models: [{TARGET}]\nconditions:\n  ids: [{CONDITION}]\nsamples: 400\n\
             grader: {GRADER}\ngrader_batch: true\n"
        ),
    )
    .unwrap();
    let config = text(&["--config", "exp.yaml", "--dry-run"]);
    let (config_total, config_row) = costs(&config);
    assert_eq!(config_row, batch_row, "{config}");
    assert!(
        config_total > batch_total && config_total < live_total,
        "{config}"
    );
    assert!(!config.contains(&format!("batch: {TARGET}")), "{config}");
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn insider_classify_batches_the_grader_when_asked_and_as_the_run_did_otherwise() {
    let server = server(8, 1);
    let dir = tempfile::tempdir().unwrap();
    let classify = |run: &str, extra: &[&str]| {
        let mut command = fake_env::insider_against(&server, dir.path());
        let out = command
            .env("INSIDER_BATCH_POLL_MS", "25")
            .env("INSIDER_GRADER_BATCH_IDLE_MS", "50")
            .args(["classify", run])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Two runs stored without verdicts (a verdict already known is not asked again): one
    // live, one batched.
    let args = run_args("4");
    let mut live: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--batch")
        .collect();
    live.push("--no-classify");
    run_ok(&server, dir.path(), &live);
    let mut batched: Vec<&str> = args
        .iter()
        .map(|a| if a == "run" { "batched" } else { a.as_str() })
        .collect();
    batched.push("--no-classify");
    run_ok(&server, dir.path(), &batched);
    assert!(
        grader_submissions(&server).is_empty(),
        "no grader request yet"
    );
    let calls = server.stats().requests;

    // `--batch` on the live run: every grader request in a batch, once; no live call.
    classify("run", &["--batch"]);
    assert_eq!(all_graded(&dir.path().join("run")), 4);
    assert_eq!(grader_submissions(&server), vec![1; 4]);
    assert_eq!(server.stats().requests, calls, "no live grader call");
    // No flag on the batched run: batched, as it was run.
    classify("batched", &[]);
    assert_eq!(all_graded(&dir.path().join("batched")), 4);
    assert_eq!(grader_submissions(&server), vec![1; 8]);
    assert_eq!(server.stats().requests, calls);
}
