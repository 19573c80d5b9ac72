//! Smoke test of `bench/compare-inspect` in its quick, insider-only mode: the script starts the
//! fakellm binary with the canned replies of `bench/fakellm-replies/`, runs 20 graded trials
//! through the real `insider` binary, and prints its table. Needs python3, `/usr/bin/time` and
//! the fakellm binary next to insider's (built by `cargo test --workspace`); skipped without
//! them, failing under INSIDER_REQUIRE_ALL=1. Never runs Inspect and never builds in release.

use std::path::{Path, PathBuf};
use std::process::Command;

mod prereq;

use prereq::missing as missing_prerequisite;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn quick_insider_only_run_grades_every_trial_with_two_calls_each() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_insider"))
        .parent()
        .expect("the insider binary has a directory")
        .to_path_buf();
    if !bin_dir.join("fakellm").exists() {
        return missing_prerequisite(&format!(
            "no fakellm binary in {} (build it with `cargo build -p fakellm`)",
            bin_dir.display()
        ));
    }
    if !Path::new("/usr/bin/time").exists() {
        return missing_prerequisite("/usr/bin/time is missing (apt-get install time)");
    }
    if Command::new("python3").arg("--version").output().is_err() {
        return missing_prerequisite("python3 is missing");
    }
    let output = Command::new("python3")
        .arg(repo_root().join("bench/compare-inspect"))
        .args([
            "--quick",
            "--insider-only",
            "--only",
            "compare",
            "--bin-dir",
        ])
        .arg(&bin_dir)
        .output()
        .expect("running bench/compare-inspect");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bench/compare-inspect failed:\n{stdout}\n{stderr}"
    );
    let row: Vec<&str> = stdout
        .lines()
        .find(|line| line.starts_with("| insider |"))
        .unwrap_or_else(|| panic!("no insider row in the table:\n{stdout}\n{stderr}"))
        .split('|')
        .map(str::trim)
        .collect();
    // | tool | trials done | harmful | requests | 429s | peak conc. | wall | wall/ideal | ...
    assert_eq!(row[2], "20", "trials done, in:\n{stdout}\n{stderr}");
    assert_eq!(
        row[3], "20",
        "harmful (canned blackmail + grader yes), in:\n{stdout}"
    );
    assert_eq!(
        row[4], "40",
        "requests: one agent and one grader call per trial:\n{stdout}"
    );
    assert_eq!(row[5], "0", "no 429s without a rate limit:\n{stdout}");
    let wall: f64 = row[7].parse().expect("wall seconds");
    assert!(wall > 0.0, "wall time measured:\n{stdout}");
    assert!(
        !stdout.contains("| inspect |"),
        "--insider-only must not run Inspect:\n{stdout}"
    );
}
