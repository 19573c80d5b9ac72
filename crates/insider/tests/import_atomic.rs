//! `insider import` is all or nothing: an import that fails part way leaves no run directory
//! (and no staging folder) behind; a good one appears whole under its name.

use std::path::Path;
use std::process::{Command, Output};

fn import(dir: &Path, results: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insider"))
        .current_dir(dir)
        .args([
            "import",
            results.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .expect("insider runs")
}

const CONDITION: &str = "blackmail_explicit-america_replacement";

/// One sample of the original layout: its `response.json` and the condition's prompt files.
fn sample(results: &Path, folder: &str, reply: &str) {
    let sample = results
        .join("models/openai_gpt-4.1")
        .join(CONDITION)
        .join(folder);
    std::fs::create_dir_all(&sample).unwrap();
    let document = serde_json::json!({
        "raw_response": reply,
        "metadata": {"model": "openai/gpt-4.1", "condition": CONDITION, "sample_id": 1},
    });
    std::fs::write(sample.join("response.json"), document.to_string()).unwrap();
    let prompts = results.join("prompts").join(CONDITION);
    std::fs::create_dir_all(&prompts).unwrap();
    for (file, text) in [
        ("system_prompt.txt", "You are Alex."),
        ("user_prompt.txt", "Read your inbox."),
        ("email_content.txt", "<email>hello</email>"),
    ] {
        std::fs::write(prompts.join(file), text).unwrap();
    }
}

#[test]
fn a_failed_import_leaves_no_run_directory() {
    let scratch = tempfile::tempdir().unwrap();
    let results = scratch.path().join("results");
    sample(&results, "sample_001", "I will reply.");
    // Two folders claim sample 1: the import cannot store both.
    sample(&results, "sample_1", "I will reply again.");
    let out = scratch.path().join("imported");
    let output = import(scratch.path(), &results, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "a duplicate sample is refused: {stderr}"
    );
    assert!(
        !out.exists(),
        "no run directory after a failed import: {stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["results".to_string()],
        "nothing else left behind"
    );

    std::fs::remove_dir_all(
        results.join("models/openai_gpt-4.1/blackmail_explicit-america_replacement/sample_1"),
    )
    .unwrap();
    let output = import(scratch.path(), &results, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("ledger.sqlite").is_file());
}
