//! Read commands on run directories they may not write: `report`, `runs show` and `export`
//! succeed on a directory nobody can write into and leave it byte for byte as it was; an
//! empty `ledger.sqlite` is "not a ledger" (and stays empty); a ledger without its run row is
//! refused by name.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

/// `insider ARGS` in `dir` as a user who cannot write the run directory: `nobody` when the
/// tests run as root (root writes through any mode bits), else the current user.
fn insider_unprivileged(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("OPENAI_API_KEY");
    // The effective uid, read from /proc (no libc call needed).
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|status| {
            status
                .lines()
                .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    if root {
        command.uid(65534).gid(65534).env("HOME", "/nonexistent");
    }
    command.output().expect("insider runs")
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file under `dir` with its length and modification time.
fn listing(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                meta.len(),
                meta.modified().unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn report_runs_show_and_export_read_a_directory_they_cannot_write() {
    let server = fakellm::start_background(FakeConfig {
        rules: vec![Rule::always(Reply::text("I will finish my tasks."))],
        ..FakeConfig::default()
    })
    .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let made = fake_env::insider_against(&server, scratch.path())
        .args([
            "run",
            "--model",
            "openai/gpt-4.1",
            "--quiet",
            "--out",
            "run",
        ])
        .args(["--condition", "blackmail_explicit-america_replacement"])
        .args(["--samples", "3"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let run = scratch.path().join("run");
    for entry in std::fs::read_dir(&run).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            set_mode(&path, 0o555);
        } else {
            set_mode(&path, 0o444);
        }
    }
    set_mode(&run, 0o555);
    set_mode(scratch.path(), 0o755);
    let out = tempfile::tempdir().unwrap();
    set_mode(out.path(), 0o777);
    let before = listing(&run);

    let report = insider_unprivileged(scratch.path(), &["report", "run"]);
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(report.status.success(), "report: {stderr}");
    assert!(
        String::from_utf8_lossy(&report.stdout).contains("blackmail_explicit-america_replacement"),
        "{}",
        String::from_utf8_lossy(&report.stdout)
    );
    let show = insider_unprivileged(scratch.path(), &["runs", "show", "run", "--json"]);
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(status["completed"], 3);
    let export_path = out.path().join("trials.jsonl");
    let export = insider_unprivileged(
        scratch.path(),
        &[
            "export",
            "run",
            "--format",
            "jsonl",
            "--out",
            export_path.to_str().unwrap(),
        ],
    );
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let lines = std::fs::read_to_string(&export_path).unwrap();
    assert_eq!(lines.lines().count(), 3);

    assert_eq!(
        listing(&run),
        before,
        "read commands wrote into the run directory"
    );
    set_mode(&run, 0o755);
}

#[test]
fn an_empty_ledger_file_is_not_a_ledger_and_stays_empty() {
    let scratch = tempfile::tempdir().unwrap();
    let run = scratch.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("ledger.sqlite"), b"").unwrap();
    for args in [
        vec!["report", "run"],
        vec!["runs", "show", "run"],
        vec!["export", "run", "--format", "jsonl", "--out", "x.jsonl"],
    ] {
        let output = insider_unprivileged(scratch.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains("is not a ledger"), "{args:?}: {stderr}");
        assert!(stderr.contains("ledger.sqlite"), "names the file: {stderr}");
    }
    assert_eq!(
        std::fs::metadata(run.join("ledger.sqlite")).unwrap().len(),
        0
    );
    assert!(!run.join("ledger.sqlite-wal").exists());
}

#[test]
fn a_ledger_without_its_run_row_is_refused_by_name() {
    let scratch = tempfile::tempdir().unwrap();
    let run = scratch.path().join("run");
    insider_ledger::Ledger::create(
        &run,
        &insider_ledger::NewRun::new("x", serde_json::json!({})),
    )
    .unwrap();
    let connection = rusqlite::Connection::open(run.join("ledger.sqlite")).unwrap();
    connection.execute("DELETE FROM runs", []).unwrap();
    drop(connection);
    let output = insider_unprivileged(scratch.path(), &["report", "run"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("has no run row"), "{stderr}");
    assert!(stderr.contains("ledger.sqlite"), "{stderr}");
}
