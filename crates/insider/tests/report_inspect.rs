//! Inspect conformance: our `.eval` and `.json` exports read back with `inspect_ai.log`
//! (the venv made by scripts/setup.d/40-inspect-venv.sh).

mod report_support;

use report_support::*;
use std::process::Command;

fn exported(dir: &std::path::Path, run: &str, format: &str) -> Vec<std::path::PathBuf> {
    let out = dir.join(format);
    insider(&[
        "export",
        run,
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn eval_export_is_a_deflate_zip_with_every_member() {
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    let files = exported(dir.path(), run.to_str().unwrap(), "inspect");
    assert_eq!(files.len(), 2, "one log per model: {files:?}");
    // File names carry a random task id, so find the claude model's log by its header.
    let mut zip = files
        .iter()
        .map(|path| zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap())
        .find_map(|mut zip| {
            let header: serde_json::Value =
                serde_json::from_reader(zip.by_name("header.json").unwrap()).unwrap();
            let model = header["eval"]["model"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            model.contains("claude").then_some(zip)
        })
        .expect("a log for the claude model");
    let names: Vec<String> = zip.file_names().map(String::from).collect();
    for member in [
        "header.json",
        "summaries.json",
        "reductions.json",
        "_journal/start.json",
        "samples/blackmail_explicit-america_replacement_epoch_1.json",
    ] {
        assert!(
            names.iter().any(|n| n == member),
            "missing {member}: {names:?}"
        );
    }
    assert_eq!(names.last().unwrap(), "header.json");
    for i in 0..zip.len() {
        assert_eq!(
            zip.by_index(i).unwrap().compression(),
            zip::CompressionMethod::Deflated
        );
    }
    let summaries: serde_json::Value =
        serde_json::from_reader(zip.by_name("summaries.json").unwrap()).unwrap();
    // claude: 20 scored + 1 unscored + 1 failed.
    assert_eq!(summaries.as_array().unwrap().len(), 22);
}

#[test]
fn inspect_ai_reads_our_eval_and_json_logs() {
    let python = repo_root().join(".venv-inspect/bin/python");
    if !python.is_file() {
        return missing_prerequisite(
            ".venv-inspect missing (run scripts/setup.d/40-inspect-venv.sh)",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    for format in ["inspect", "inspect-json"] {
        let files = exported(dir.path(), run.to_str().unwrap(), format);
        for file in files {
            let output = Command::new(&python)
                .arg(repo_root().join("tests/inspect/read_log.py"))
                .arg(&file)
                .args([
                    "--expect",
                    "anthropic/claude-test=22:11",
                    "--expect",
                    "openai/gpt-test=20:10",
                ])
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "inspect_ai could not read {}:\n{}\n{}",
                file.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}
