//! Plans that do not mislead (#20.6), through the binary: with no key and no `--model`,
//! `insider run` shows a banner that it falls back to the embedded demo model, refuses a plan
//! that would take more than an hour on it (exit 2, one line naming `--yes`) before any model
//! is loaded, and `--dry-run` prints the wall time estimated from the model's measured
//! tokens/s and its one connection.
//!
//! No model weights are needed: the demo model's file is a sparse file of the right size (the
//! store finds demo files by name and size), full of zeros: loading it fails with "not a GGUF
//! model file", which shows whether a run got past the refusal to loading the model.

#![cfg(feature = "local")]

use insider_model::model_store::DEMO_MODELS;
use insider_model::DEFAULT_LOCAL_MODEL;
use std::path::Path;
use std::process::{Command, Output};

const KEY_VARS: [&str; 6] = [
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "OPENROUTER_API_KEY",
    "TOGETHER_API_KEY",
];

/// A models folder in `dir` holding a stand-in for the default demo model's file.
fn fake_models(dir: &Path) -> std::path::PathBuf {
    let alias = DEFAULT_LOCAL_MODEL.strip_prefix("local/").unwrap();
    let demo = DEMO_MODELS.iter().find(|d| d.alias == alias).unwrap();
    let models = dir.join("models-store");
    std::fs::create_dir_all(&models).unwrap();
    let file = std::fs::File::create(models.join(demo.file_name)).unwrap();
    file.set_len(demo.size).unwrap();
    models
}

/// `insider ARGS` in `dir` with no key and the fake models folder.
fn insider(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(dir)
        .args(args)
        .env("INSIDER_MODELS_DIR", fake_models(dir))
        .env("INSIDER_CACHE_DIR", dir.join("cache"));
    for var in KEY_VARS {
        command.env_remove(var);
    }
    command.output().unwrap()
}

fn banner_shown(stderr: &str) {
    assert!(
        stderr.contains("falling back to the embedded demo model")
            && stderr.contains(DEFAULT_LOCAL_MODEL),
        "{stderr}"
    );
}

#[test]
fn a_long_plan_on_the_demo_model_is_refused_before_it_loads() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("run");
    // `insider run` alone: every built-in condition once on the demo model.
    let output = insider(scratch.path(), &["run", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    banner_shown(&stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("more than an hour") && errors[0].contains("--yes"),
        "{}",
        errors[0]
    );
    assert!(
        !stderr.contains("GGUF"),
        "the model was never loaded: {stderr}"
    );
    assert!(!out.exists(), "nothing was started: no run directory");
}

#[test]
fn a_short_plan_on_the_demo_model_is_not_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("run");
    let args = [
        "run",
        "--condition",
        "blackmail_explicit-america_replacement",
        "--samples",
        "2",
        "--max-tokens",
        "200",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    let output = insider(scratch.path(), &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    banner_shown(&stderr);
    // Not refused: it went on to load the model, whose stand-in file is no GGUF.
    assert!(!stderr.contains("pass --yes to run it"), "{stderr}");
    assert!(stderr.contains("not a GGUF model file"), "{stderr}");
}

/// Refused before loading (exit 2, naming `--yes`), or not (it went on to load the stand-in).
fn refused(output: &Output) -> bool {
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("pass --yes to run it") {
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        return true;
    }
    assert!(stderr.contains("not a GGUF model file"), "{stderr}");
    false
}

#[test]
fn the_hour_counts_what_this_invocation_runs_not_the_whole_plan() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("run");
    let dir = out.to_str().unwrap();
    // The whole grid is hours on the demo model; `--limit 2` runs two trials of it.
    assert!(refused(&insider(scratch.path(), &["run", "--out", dir])));
    assert!(!refused(&insider(
        scratch.path(),
        &["run", "--out", dir, "--limit", "2", "--quiet"]
    )));
    // A resumed run counts the trials left: tests/run_confirm.rs (a ledger needs a model that
    // loads).
}

#[test]
fn the_dry_run_estimates_the_wall_time_from_measured_tokens_per_second() {
    let scratch = tempfile::tempdir().unwrap();
    let output = insider(scratch.path(), &["run", "--dry-run"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    banner_shown(&stderr);
    let row = stdout
        .lines()
        .find(|l| l.starts_with(DEFAULT_LOCAL_MODEL))
        .unwrap_or_else(|| panic!("a row for the demo model:\n{stdout}"));
    // calls, tokens, cost `local`, then the estimate: `~<hours>h<minutes>m`.
    let fields: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(fields[4], "local", "{row}");
    let time = fields[5];
    let hours: u64 = time
        .strip_prefix('~')
        .and_then(|t| t.split_once('h'))
        .and_then(|(h, _)| h.parse().ok())
        .unwrap_or_else(|| panic!("an estimate in hours: {row}"));
    assert!(hours >= 1, "{row}");
    let note = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{DEFAULT_LOCAL_MODEL}: ")))
        .unwrap_or_else(|| panic!("the local speed note:\n{stdout}"));
    assert!(
        note.contains("1 connection ")
            && note.contains("tokens/s")
            && note.contains("BENCHMARKS.md"),
        "{note}"
    );
    assert!(
        !stdout.contains("models without a known price"),
        "a local model is not an unknown price: {stdout}"
    );
}
