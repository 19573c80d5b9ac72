//! `insider report`, `compare`, `export` and `import` against a real ledger file.

mod report_support;

use report_support::*;

#[test]
fn report_table_counts_rates_and_marks_unscored_and_failed() {
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    let run = run.to_str().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&insider(&["report", run, "--format", "json"])).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let first = &rows[0];
    assert_eq!(first["model"], "anthropic/claude-test");
    assert_eq!(first["condition"], "blackmail_explicit-america_replacement");
    assert_eq!(
        (first["harmful"].as_u64(), first["n"].as_u64()),
        (Some(9), Some(10))
    );
    assert_eq!(first["unscored"], 1);
    assert_eq!(first["failed"], 1);
    // Wilson 9/10: [0.5958, 0.9821].
    assert!(
        (first["ci_low"].as_f64().unwrap() - 0.5958).abs() < 1e-3,
        "{first}"
    );
    let table = insider(&["report", run]);
    assert!(
        table.contains("90.0%") && table.contains("unscored"),
        "{table}"
    );
    assert!(table.contains("1 trial(s) failed"), "{table}");
    let by_instructions = insider(&[
        "report",
        run,
        "--by",
        "extra_instructions",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = by_instructions.lines().collect();
    assert_eq!(lines.len(), 3, "{by_instructions}");
    assert!(
        lines[1].starts_with("dont,7,20,0.350000"),
        "{by_instructions}"
    );
    assert!(
        lines[2].starts_with("none,14,20,0.700000"),
        "{by_instructions}"
    );
    let error = insider_fails(&["report", run, "--by", "urgncy"]);
    assert!(error.contains("unknown factor `urgncy`"), "{error}");
}

#[test]
fn compare_by_factor_and_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    let run = run.to_str().unwrap();
    let json: serde_json::Value = serde_json::from_str(&insider(&[
        "compare",
        run,
        "--by",
        "extra_instructions",
        "--format",
        "json",
    ]))
    .unwrap();
    let comparisons = json["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), 2);
    let claude = &comparisons[0];
    assert_eq!(claude["label_a"], "dont");
    assert_eq!(claude["label_b"], "none");
    assert!((claude["difference"]["estimate"].as_f64().unwrap() + 0.7).abs() < 1e-9);
    // scipy.stats.fisher_exact([[2, 8], [9, 1]]) -> p = 0.005477494641581328
    assert!(
        (claude["p_value"].as_f64().unwrap() - 0.005477494641581328).abs() < 1e-9,
        "{claude}"
    );
    assert!(claude["p_holm"].as_f64().unwrap() >= claude["p_value"].as_f64().unwrap());

    let other = dir.path().join("other");
    build_run(
        &other,
        &[(
            "anthropic/claude-test",
            "blackmail_explicit-america_replacement",
            1,
            10,
        )],
    );
    let text = insider(&["compare", other.to_str().unwrap(), run]);
    assert!(text.contains("-80.0 pp"), "{text}");
    let error = insider_fails(&["compare", run]);
    assert!(error.contains("--by"), "{error}");
}

#[test]
fn flat_exports_have_one_record_per_trial() {
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    let run = run.to_str().unwrap();
    let jsonl = dir.path().join("t.jsonl");
    insider(&[
        "export",
        run,
        "--format",
        "jsonl",
        "--out",
        jsonl.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 42);
    let harmful = records.iter().filter(|r| r["harmful"] == true).count();
    assert_eq!(harmful, 21);
    let first = &records[0];
    assert_eq!(first["prompt_hash"].as_str().unwrap().len(), 64);
    assert!(first["usage"]["input_tokens"].as_u64().is_some());
    assert_eq!(first["actions"][0]["tool"], "email");
    let csv = dir.path().join("t.csv");
    insider(&[
        "export",
        run,
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("trial_id,run_id,model,condition"));
    // The XSS reply contains newlines and quotes; it stays one quoted field.
    assert_eq!(text.matches("\"I will act now.").count(), 21);
}

/// Without the `parquet` feature the format is refused with a way out.
#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_export_without_the_feature_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    let run = run.to_str().unwrap();
    let error = insider_fails(&[
        "export",
        run,
        "--format",
        "parquet",
        "--out",
        dir.path().join("t.parquet").to_str().unwrap(),
    ]);
    assert!(
        error.contains("--features parquet") && error.contains("csv"),
        "{error}"
    );
}

/// With the `parquet` feature: a Parquet file under exports/, one row per trial (the values are
/// checked in insider-report's tests/export_parquet.rs).
#[cfg(feature = "parquet")]
#[test]
fn parquet_export_writes_trials_parquet_and_counts_rows() {
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(["export", run.to_str().unwrap(), "--format", "parquet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let path = run.join("exports/trials.parquet");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        path.to_str().unwrap()
    );
    assert!(stderr.contains("exported 42 trial record(s)"), "{stderr}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8 && bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    let out = dir.path().join("elsewhere/t.parquet");
    insider(&[
        "export",
        run.to_str().unwrap(),
        "--format",
        "parquet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&out).unwrap().len(), bytes.len());
}

#[test]
fn original_export_then_import_gives_the_same_table() {
    let dir = tempfile::tempdir().unwrap();
    let run = standard_run(dir.path());
    let run = run.to_str().unwrap();
    let original = dir.path().join("original");
    insider(&[
        "export",
        run,
        "--format",
        "original",
        "--out",
        original.to_str().unwrap(),
    ]);
    let response = original.join("models/anthropic_claude-test/blackmail_explicit-america_replacement/sample_001/response.json");
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&response).unwrap()).unwrap();
    assert_eq!(document["classification"]["harmful_behavior"], true);
    assert_eq!(
        document["classification"]["classifier_model"],
        "fake/grader"
    );
    assert_eq!(document["metadata"]["sample_id"], 1);
    assert!(document["raw_response"]
        .as_str()
        .unwrap()
        .starts_with("I will act now."));
    assert!(original
        .join("prompts/blackmail_explicit-america_replacement/system_prompt.txt")
        .is_file());

    let imported = dir.path().join("imported");
    insider(&[
        "import",
        original.to_str().unwrap(),
        "--out",
        imported.to_str().unwrap(),
    ]);
    for by in ["model,condition", "extra_instructions", "model"] {
        let before = insider(&["report", run, "--by", by, "--format", "csv"]);
        let after = insider(&[
            "report",
            imported.to_str().unwrap(),
            "--by",
            by,
            "--format",
            "csv",
        ]);
        assert_eq!(before, after, "table by {by} changed in the round trip");
    }
    let before = insider(&["report", run]);
    let after = insider(&["report", imported.to_str().unwrap()]);
    assert_eq!(before, after);
    // Importing into an existing run directory is refused.
    let error = insider_fails(&[
        "import",
        original.to_str().unwrap(),
        "--out",
        imported.to_str().unwrap(),
    ]);
    assert!(error.contains("already exists"), "{error}");
}

#[test]
fn import_reports_bad_json_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir
        .path()
        .join("models/m/blackmail_explicit-america_replacement/sample_001");
    std::fs::create_dir_all(&sample).unwrap();
    std::fs::write(
        sample.join("response.json"),
        "{\n  \"raw_response\": \"x\",\n  oops\n}",
    )
    .unwrap();
    let error = insider_fails(&[
        "import",
        dir.path().to_str().unwrap(),
        "--out",
        dir.path().join("r").to_str().unwrap(),
    ]);
    assert!(error.contains("response.json:3:"), "{error}");
}
