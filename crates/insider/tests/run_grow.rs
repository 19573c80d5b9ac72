//! Growing a run: more samples on an existing run directory add only the missing samples of
//! every model × condition (same plan otherwise); fewer samples are refused.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use insider_ledger::Ledger;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

const GRID: &[&str] = &[
    "--model",
    "openai/gpt-4.1",
    "--scenario",
    "blackmail",
    "--goal-type",
    "explicit,none",
    "--goal-value",
    "america",
    "--urgency",
    "replacement",
    "--quiet",
];

fn run(server: &fakellm::FakeServer, dir: &Path, args: &[&str]) -> Output {
    fake_env::insider_against(server, dir)
        .arg("run")
        .args(args)
        .output()
        .expect("insider runs")
}

/// Sample indexes of the completed trials, per condition.
fn samples_by_condition(run_dir: &Path) -> BTreeMap<String, Vec<u32>> {
    let mut out: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    Ledger::open_read_only(run_dir)
        .unwrap()
        .for_each_trial(|trial| {
            assert_eq!(trial.status, insider_ledger::TrialStatus::Completed);
            out.entry(trial.condition)
                .or_default()
                .push(trial.sample_index);
            Ok(())
        })
        .unwrap();
    out
}

#[test]
fn raising_samples_from_10_to_12_makes_two_new_calls_per_condition() {
    let server = fakellm::start_background(FakeConfig {
        rules: vec![Rule::always(Reply::text("I will finish my tasks."))],
        ..FakeConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut first = GRID.to_vec();
    first.extend(["--samples", "10", "--out", "run"]);
    let out = run(&server, dir.path(), &first);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.stats().requests, 20, "2 conditions × 10 samples");

    let out = run(
        &server,
        dir.path(),
        &["--resume", "run", "--samples", "12", "--quiet"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        server.stats().requests,
        24,
        "exactly 2 new calls per condition"
    );
    let run_dir = dir.path().join("run");
    let samples = samples_by_condition(&run_dir);
    assert_eq!(samples.len(), 2, "{samples:?}");
    for (condition, indexes) in &samples {
        assert_eq!(indexes, &(0..12).collect::<Vec<u32>>(), "{condition}");
    }

    // The grown size is the run's plan now: the same flags with 12 samples call nothing.
    let mut again = GRID.to_vec();
    again.extend(["--samples", "12", "--out", "run"]);
    let out = run(&server, dir.path(), &again);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.stats().requests, 24);

    // Fewer samples would hide paid trials: refused, whichever way it is asked.
    let out = run(&server, dir.path(), &["--resume", "run", "--samples", "11"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("never shrink"), "{stderr}");
    let mut fewer = GRID.to_vec();
    fewer.extend(["--samples", "11", "--out", "run"]);
    let out = run(&server, dir.path(), &fewer);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("fewer than the run has"), "{stderr}");
    assert_eq!(server.stats().requests, 24);
}

#[test]
fn resume_says_which_plan_flags_it_ignores() {
    let server = fakellm::start_background(FakeConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut first = GRID.to_vec();
    first.extend(["--samples", "1", "--out", "run"]);
    assert!(run(&server, dir.path(), &first).status.success());
    let out = run(
        &server,
        dir.path(),
        &[
            "--resume",
            "run",
            "-m",
            "openai/gpt-4o",
            "--temperature",
            "0.5",
            "--quiet",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("ignored: --model, --temperature"),
        "{stderr}"
    );
    assert_eq!(server.stats().requests, 2, "the stored plan, nothing new");
}
