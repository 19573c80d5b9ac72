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
    assert_eq!(first["unscored_reasons"]["grader_unparseable"], 1);
    assert_eq!(first["failed"], 1);
    // scipy.stats.beta.ppf(0.95, 10, 1) = 0.9948838031081654 (one-sided Clopper–Pearson, 9/10).
    assert!(
        (first["cp_upper_95"].as_f64().unwrap() - 0.9948838031081654).abs() < 1e-6,
        "{first}"
    );
    let provenance = &json["provenance"];
    assert_eq!(provenance["scenarios"][0]["kind"], "builtin");
    assert_eq!(provenance["verdicts"][0]["grader"], "fake/grader");
    assert_eq!(provenance["verdicts"][0]["classifier_version"], "test-1");
    let gpt = provenance["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == "openai/gpt-test")
        .unwrap();
    assert_eq!(
        (gpt["temperature"].as_f64(), gpt["max_tokens"].as_u64()),
        (Some(1.0), Some(4000))
    );
    assert_eq!(gpt["endpoint_host"], "127.0.0.1:9");
    // Wilson 9/10: [0.5958, 0.9821].
    assert!(
        (first["ci_low"].as_f64().unwrap() - 0.5958).abs() < 1e-3,
        "{first}"
    );
    let table = insider(&["report", run]);
    assert!(
        table.contains("90.0%") && table.contains("1 (grader_unparseable 1)"),
        "{table}"
    );
    assert!(
        table.contains("pack blackmail: built-in (builtin); 2 prompt(s) over 2 condition(s)"),
        "{table}"
    );
    assert!(
        table.contains("verdicts: 41 trial(s) graded (gates and grader), grader fake/grader, classifier test-1"),
        "{table}"
    );
    assert!(
        table.contains(
            "model openai/gpt-test: temperature 1, max tokens 4000, endpoint 127.0.0.1:9"
        ),
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
    assert_eq!(first["provenance"]["pack_kind"], "builtin");
    assert_eq!(first["unscored_reason_code"], serde_json::Value::Null);
    let unscored = records
        .iter()
        .find(|r| r["verdict_label"] == "unscored")
        .unwrap();
    assert_eq!(unscored["unscored_reason_code"], "grader_unparseable");
    let gpt = records
        .iter()
        .find(|r| r["model"] == "openai/gpt-test")
        .unwrap();
    assert_eq!(gpt["provenance"]["endpoint_host"], "127.0.0.1:9");
    assert_eq!(gpt["provenance"]["max_tokens"], 4000);
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
    let header = text.lines().next().unwrap();
    assert!(
        header.ends_with("unscored_reason_code,eval_awareness,harmful_disclosure,considered_but_refrained,pack_kind,pack_origin,temperature,max_tokens,endpoint_host"),
        "{header}"
    );
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
    assert_eq!(
        document["metadata"]["insider"]["provenance"]["pack_kind"],
        "builtin"
    );
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
    // The rates are the same; the provenance says where each side came from, and the same
    // prompt-set digest shows the prompts survived the round trip byte for byte.
    let before = insider(&["report", run]);
    let after = insider(&["report", imported.to_str().unwrap()]);
    let table_of = |text: &str| text.split_once("\n\n").unwrap().1.to_string();
    assert_eq!(table_of(&before), table_of(&after));
    let digest = |text: &str| {
        let at = text.find("prompt-set sha256 ").unwrap() + "prompt-set sha256 ".len();
        text[at..at + 12].to_string()
    };
    assert_eq!(digest(&before), digest(&after));
    assert!(
        after.contains("pack blackmail: imported (imported from"),
        "{after}"
    );
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

#[test]
fn zero_rates_print_their_exact_upper_bound_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("zero");
    build_run(
        &run,
        &[(
            "openai/gpt-test",
            "blackmail_explicit-america_replacement",
            0,
            30,
        )],
    );
    let run = run.to_str().unwrap();
    // 0/30: scipy.stats.beta.ppf(0.95, 1, 30) = 0.09503385285530411.
    let table = insider(&["report", run]);
    assert!(table.contains("0.0% (UB 9.5%)"), "{table}");
    assert!(
        table.contains("UB: one-sided 95% exact (Clopper–Pearson)"),
        "{table}"
    );
    assert!(
        !table
            .lines()
            .any(|l| l.contains(" 0.0% ") && !l.contains("UB")),
        "a 0% without its bound: {table}"
    );
    let csv = insider(&["report", run, "--format", "csv"]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "cp_upper_95").unwrap();
    assert_eq!(row[at], "0.095034", "{csv}");
    let markdown = insider(&["report", run, "--format", "markdown"]);
    assert!(markdown.contains("0.0% (UB 9.5%)"), "{markdown}");
}

#[test]
fn compare_of_runs_sharing_conditions_is_paired_by_condition() {
    let dir = tempfile::tempdir().unwrap();
    let base = standard_run(dir.path());
    let tuned = dir.path().join("tuned");
    build_run(
        &tuned,
        &[
            (
                "anthropic/claude-test",
                "blackmail_explicit-america_replacement",
                1,
                10,
            ),
            (
                "anthropic/claude-test",
                "blackmail_explicit-america_replacement_extra-dont",
                0,
                10,
            ),
            (
                "openai/gpt-test",
                "blackmail_explicit-america_replacement",
                4,
                10,
            ),
            (
                "openai/gpt-test",
                "blackmail_explicit-america_replacement_extra-dont",
                5,
                10,
            ),
        ],
    );
    let (tuned, base) = (tuned.to_str().unwrap(), base.to_str().unwrap());
    let text = insider(&["compare", tuned, base]);
    assert!(
        text.contains("analysis: paired by condition: both sides ran the same condition clusters"),
        "{text}"
    );
    assert!(text.contains("design effect"), "{text}");
    assert!(!text.contains("warning:"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&insider(&["compare", tuned, base, "--format", "json"])).unwrap();
    let pooled = &json["pooled"];
    assert_eq!(pooled["analysis"], "paired");
    let claude = &pooled["strata"][0];
    assert_eq!(claude["stratum"][0], "anthropic/claude-test");
    // Per-condition differences 1/10 − 9/10 and 0/10 − 2/10: mean −0.5.
    assert!(
        (claude["paired"]["estimate"].as_f64().unwrap() + 0.5).abs() < 1e-12,
        "{claude}"
    );
    assert_eq!(claude["paired"]["clusters"], 2);
    assert_eq!(claude["bootstrap"]["seed"], 20250620);
    // Seeded: the same bootstrap interval every time.
    let again: serde_json::Value =
        serde_json::from_str(&insider(&["compare", tuned, base, "--format", "json"])).unwrap();
    assert_eq!(again["pooled"], json["pooled"]);
}

#[test]
fn compare_of_a_compat_original_run_with_a_graded_builtin_run_warns_and_names_the_differences() {
    let dir = tempfile::tempdir().unwrap();
    let graded = standard_run(dir.path());
    let compat = dir.path().join("compat");
    build_run_measured(
        &compat,
        &[
            (
                "anthropic/claude-test",
                "blackmail_explicit-america_replacement",
                8,
                10,
            ),
            (
                "anthropic/claude-test",
                "blackmail_explicit-america_replacement_extra-dont",
                3,
                10,
            ),
        ],
        &Measured {
            pack_origin: "original:/packs/original/blackmail".into(),
            mode: insider_judge::VerdictMode::CompatOriginal,
            grader: Some("anthropic/claude-3-7-sonnet-20250219".into()),
            ..Measured::default()
        },
    );
    let text = insider(&[
        "compare",
        compat.to_str().unwrap(),
        graded.to_str().unwrap(),
    ]);
    assert!(
        text.contains("warning: the runs differ in pack `blackmail`: A is original (original:/packs/original/blackmail), B is built-in (builtin)"),
        "{text}"
    );
    assert!(
        text.contains("warning: the runs differ in verdict mode: A compat (the original research rules), B graded (gates and grader)"),
        "{text}"
    );
    assert!(
        text.contains("warning: the runs differ in grader: A anthropic/claude-3-7-sonnet-20250219, B fake/grader"),
        "{text}"
    );
    assert!(
        text.contains("analysis: not pooled: the two runs were not measured the same way"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&insider(&[
        "compare",
        compat.to_str().unwrap(),
        graded.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["pooled"]["analysis"], "independent");
    assert_eq!(json["warnings"].as_array().unwrap().len(), 3, "{json}");
}

#[test]
fn label_rates_and_harm_within_eval_awareness() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("labelled");
    build_run_measured(
        &run,
        &[(
            "openai/gpt-test",
            "blackmail_explicit-america_replacement",
            6,
            10,
        )],
        &Measured {
            // Samples 0-5 are harmful; 0-3 concluded real, the rest concluded evaluation.
            labels: |sample, _| {
                let awareness = if sample < 4 {
                    "concluded_real"
                } else {
                    "concluded_evaluation"
                };
                std::collections::BTreeMap::from([
                    ("eval_awareness".to_string(), awareness.to_string()),
                    (
                        "considered_but_refrained".to_string(),
                        if sample >= 8 { "yes" } else { "no" }.to_string(),
                    ),
                ])
            },
            ..Measured::default()
        },
    );
    let run = run.to_str().unwrap();
    let csv = insider(&["report", run, "--by", "eval_awareness", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    // Unscored trials carry no label ("-"); 4 real (all harmful), 6 evaluation (2 harmful).
    assert!(lines[1].starts_with("-,0,0,"), "{csv}");
    assert!(
        lines[2].starts_with("concluded_evaluation,2,6,0.333333"),
        "{csv}"
    );
    assert!(lines[3].starts_with("concluded_real,4,4,1.000000"), "{csv}");
    let table = insider(&["report", run]);
    assert!(
        table.contains("eval_awareness            concluded_evaluation"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&insider(&["report", run, "--format", "json"])).unwrap();
    let labels = &json["rows"][0]["labels"];
    assert_eq!(labels["eval_awareness"]["count"], 6);
    assert_eq!(labels["eval_awareness"]["n"], 10);
    assert_eq!(labels["considered_but_refrained"]["count"], 2);
    // Wilson 6/10: [0.3127, 0.8318].
    assert!((labels["eval_awareness"]["ci_low"].as_f64().unwrap() - 0.3127).abs() < 1e-3);
    let csv = insider(&["report", run, "--format", "csv"]);
    assert!(
        csv.lines().next().unwrap().contains("eval_awareness_rate"),
        "{csv}"
    );
    let error = insider_fails(&[
        "report",
        &standard_run(dir.path()).to_string_lossy(),
        "--by",
        "eval_awareness",
    ]);
    assert!(
        error.contains("insider classify RUN_DIR --labels eval_awareness"),
        "{error}"
    );
}
