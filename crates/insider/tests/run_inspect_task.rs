//! `-T` means what it means in Inspect: `insider run -T scenario=blackmail --epochs 100
//! --dry-run` plans the Inspect task's one condition (its defaults for every argument left
//! unset) on the original prompts, imported on first use from the installed inspect-evals
//! (`.venv-evals`, scripts/setup.d/50-inspect-evals.sh) into the cache folder; without
//! inspect-evals it fails in one line saying how. Real binary, no API key.

mod prereq;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn venv_python() -> Option<PathBuf> {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-evals/bin/python");
    prereq::have(&python, "run scripts/setup.d/50-inspect-evals.sh").then_some(python)
}

/// `insider ARGS` in `dir` with no provider key, the import cache in `dir/cache`, and `python`
/// as the interpreter to ask for inspect-evals.
fn insider(dir: &Path, python: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insider"))
        .current_dir(dir)
        .args(args)
        .env("INSIDER_CACHE_DIR", dir.join("cache"))
        .env("INSIDER_PYTHON", python)
        .env_remove("INSIDER_ORIGINAL_TEMPLATES")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .output()
        .unwrap()
}

/// The model part of the command: none (the embedded demo model, as a user without keys
/// types it) where this build has local models, else a hosted model (its key is a note).
fn model_args() -> Vec<&'static str> {
    if cfg!(feature = "local") {
        Vec::new()
    } else {
        vec!["-m", "openai/gpt-4.1"]
    }
}

/// The `prompts:` lines of a dry run: (condition, sha256, origin).
fn prompt_lines(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .skip_while(|l| *l != "prompts:")
        .skip(1)
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(parts[1], "sha256", "{l}");
            (parts[0].into(), parts[2].into(), parts[3].into())
        })
        .collect()
}

#[test]
fn dash_t_plans_the_inspect_task_on_the_original_prompts() {
    let Some(python) = venv_python() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let mut args = vec![
        "run",
        "-T",
        "scenario=blackmail",
        "--epochs",
        "100",
        "--dry-run",
    ];
    args.extend(model_args());
    let output = insider(scratch.path(), &python, &args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 models × 1 conditions × 100 samples = 100 trials"),
        "{stdout}"
    );
    assert!(
        stderr.contains("Inspect task agentic_misalignment"),
        "{stderr}"
    );
    let prompts = prompt_lines(&stdout);
    assert_eq!(prompts.len(), 1, "{stdout}");
    let (condition, sha256, origin) = &prompts[0];
    assert_eq!(condition, "blackmail_explicit-america_replacement");
    let pack = origin
        .strip_prefix("original:")
        .expect("an original compat pack");
    assert!(
        pack.starts_with(&*scratch.path().join("cache").to_string_lossy()),
        "{pack}"
    );

    // The same prompt as `scenarios render --pack` of the imported pack.
    let render = insider(
        scratch.path(),
        &python,
        &[
            "scenarios",
            "render",
            condition,
            "--pack",
            pack,
            "--format",
            "json",
        ],
    );
    assert!(render.status.success());
    let rendered: serde_json::Value = serde_json::from_slice(&render.stdout).unwrap();
    assert_eq!(rendered["sha256"].as_str(), Some(sha256.as_str()));

    // Task arguments that are set stay; the rest take the task's defaults; the import is reused.
    let mut args = vec![
        "run",
        "-T",
        "scenario=murder",
        "-T",
        "urgency_type=none",
        "-T",
    ];
    args.extend(["prod=True", "--dry-run"]);
    args.extend(model_args());
    let output = insider(scratch.path(), &python, &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let prompts = prompt_lines(&stdout);
    assert_eq!(prompts.len(), 1, "{stdout}");
    assert_eq!(prompts[0].0, "murder_explicit-america_none_prod");
    let imports = std::fs::read_dir(scratch.path().join("cache/original-prompts")).unwrap();
    assert_eq!(imports.count(), 1, "one import for one inspect-evals");
}

#[test]
fn dash_t_without_inspect_evals_says_how_in_one_line() {
    let scratch = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(scratch.path())
        .args([
            "run",
            "-m",
            "openai/gpt-4.1",
            "-T",
            "scenario=blackmail",
            "--dry-run",
        ])
        .env("INSIDER_CACHE_DIR", scratch.path().join("cache"))
        .env("INSIDER_PYTHON", scratch.path().join("no-python"))
        .env("PATH", scratch.path())
        .env_remove("INSIDER_ORIGINAL_TEMPLATES");
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("pip install inspect-evals") && stderr.contains("import-original"),
        "{stderr}"
    );
}
