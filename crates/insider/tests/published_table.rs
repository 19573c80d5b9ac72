//! The shipped reproduction config (examples/published-table.yaml, docs/reproduce.md): its
//! dry run plans the published models × 100 samples of the headline condition on the original
//! prompts with no API key set, and says in one error how to get the original prompts when
//! they cannot be found. The prompts come from `INSIDER_ORIGINAL_TEMPLATES` when the test's
//! environment sets it, else from the inspect-evals of `.venv-evals`
//! (scripts/setup.d/50-inspect-evals.sh), as in run_inspect_task.rs.

mod prereq;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HEADLINE: &str = "blackmail_explicit-america_replacement";

/// Every variable a model of the config could take its key from.
const KEY_VARS: [&str; 6] = [
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "OPENROUTER_API_KEY",
    "TOGETHER_API_KEY",
];

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/published-table.yaml")
}

/// Where the original prompts come from: the environment's template folder, or a Python with
/// inspect-evals.
enum Templates {
    Folder(PathBuf),
    Python(PathBuf),
}

fn templates() -> Option<Templates> {
    if let Some(dir) = std::env::var_os("INSIDER_ORIGINAL_TEMPLATES") {
        return Some(Templates::Folder(dir.into()));
    }
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-evals/bin/python");
    prereq::have(&python, "run scripts/setup.d/50-inspect-evals.sh")
        .then_some(Templates::Python(python))
}

/// `insider ARGS` in `dir` with no key variable, the import cache in `dir/cache`.
fn insider(dir: &Path, templates: Option<&Templates>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(dir)
        .args(args)
        .env("INSIDER_CACHE_DIR", dir.join("cache"))
        .env_remove("INSIDER_ORIGINAL_TEMPLATES");
    for var in KEY_VARS {
        command.env_remove(var);
    }
    match templates {
        Some(Templates::Folder(folder)) => {
            command.env("INSIDER_ORIGINAL_TEMPLATES", folder);
        }
        Some(Templates::Python(python)) => {
            command.env("INSIDER_PYTHON", python);
        }
        // No Python anywhere: the templates cannot be found.
        None => {
            command
                .env("INSIDER_PYTHON", dir.join("no-python"))
                .env("PATH", dir);
        }
    }
    command.output().unwrap()
}

#[test]
fn the_example_is_the_published_setup() {
    let file = insider_run::config::load_file(&example()).unwrap();
    let models: Vec<&str> = file.models.iter().map(|m| m.name.as_str()).collect();
    for published in [
        "anthropic/claude-opus-4-20250514",
        "google/gemini-2.5-pro",
        "google/gemini-2.5-flash",
        "openai/gpt-4.1",
    ] {
        assert!(models.contains(&published), "{published} in {models:?}");
    }
    assert_eq!(file.samples, Some(100));
    assert_eq!(file.generation.temperature, Some(1.0));
    assert!(file.grader.is_some(), "a grader");
    assert_eq!(
        file.conditions.ids.first().map(String::as_str),
        Some(HEADLINE)
    );
    // Controls: no goal and no threat, in every scenario it runs.
    for control in ["blackmail_none-none_none", "leaking_none-none_none"] {
        assert!(
            file.conditions.ids.iter().any(|id| id == control),
            "{control}"
        );
    }
    let packs: Vec<String> = file.packs.iter().map(|p| p.display().to_string()).collect();
    assert!(
        packs.iter().any(|p| p == "original:blackmail"),
        "the original prompts: {packs:?}"
    );
}

#[test]
fn its_dry_run_plans_100_samples_per_model_with_no_key() {
    let Some(templates) = templates() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let config = example();
    let args = ["run", "--config", config.to_str().unwrap(), "--dry-run"];
    let output = insider(scratch.path(), Some(&templates), &args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stdout}{stderr}");
    let file = insider_run::config::load_file(&config).unwrap();
    let (models, conditions) = (file.models.len(), file.conditions.ids.len());
    let plan = format!(
        "plan: {models} models × {conditions} conditions × 100 samples = {} trials",
        models * conditions * 100
    );
    assert!(stdout.contains(&plan), "{plan} in\n{stdout}");
    // Each model's row: 100 calls per condition, the headline's 100 among them.
    for model in &file.models {
        let row = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(model.name.as_str()))
            .unwrap_or_else(|| panic!("a row for {} in\n{stdout}", model.name));
        let calls: usize = row.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(calls, conditions * 100, "{row}");
    }
    assert!(stdout.contains("total estimated cost: $"), "{stdout}");
    // The headline condition goes out on the original prompts.
    let headline = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(HEADLINE))
        .unwrap_or_else(|| panic!("{HEADLINE} among the prompts:\n{stdout}"));
    assert!(headline.contains("original:"), "{headline}");
    // No key is needed to plan; the keys a run needs are notes.
    assert!(stderr.contains("fine for a dry run"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn without_the_original_prompts_its_dry_run_says_how_to_get_them() {
    let scratch = tempfile::tempdir().unwrap();
    let config = example();
    let args = ["run", "--config", config.to_str().unwrap(), "--dry-run"];
    let output = insider(scratch.path(), None, &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ")
            && first.contains("original:<scenario>")
            && first.contains("pip install inspect-evals")
            && first.contains("import-original"),
        "the first line says how: {stderr}"
    );
}
