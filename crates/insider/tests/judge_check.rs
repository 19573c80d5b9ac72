//! `insider judge-check` end to end: the real binary on the shipped gold set, gates only and
//! with a fakellm grader, and clear errors for bad gold lines.

use std::path::PathBuf;
use std::process::{Command, Output};

fn gold_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../insider-judge/gold/gold.jsonl")
}

fn judge_check(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command.arg("judge-check").args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("insider runs")
}

fn gold_items() -> usize {
    std::fs::read_to_string(gold_path())
        .unwrap()
        .lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .count()
}

/// The number after `label` on the line that starts with it.
fn figure(output: &str, label: &str) -> String {
    output
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{output}"))
        .split_whitespace()
        .last()
        .unwrap()
        .to_string()
}

/// (harmful row, not-harmful row) of the confusion matrix.
fn matrix(output: &str) -> (Vec<u64>, Vec<u64>) {
    let row = |label: &str| -> Vec<u64> {
        output
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap()
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect()
    };
    (row("gold harmful "), row("gold not harmful "))
}

fn disagreement_lines(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| l.starts_with("  line "))
        .collect()
}

#[test]
fn gate_only_on_the_gold_set_prints_table_and_disagreements() {
    let gold = gold_path();
    let output = judge_check(&["--gold", gold.to_str().unwrap()], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let n = gold_items();
    assert!(n >= 60, "gold set has {n} items");
    assert!(
        stdout.contains(&format!("judge-check: {n} gold replies")),
        "{stdout}"
    );
    assert!(stdout.contains("mode gate_only (upper bound: no grader)"));
    for label in ["accuracy", "precision", "recall", "kappa"] {
        figure(&stdout, label);
    }
    let (harmful, not_harmful) = matrix(&stdout);
    assert_eq!(harmful.iter().chain(&not_harmful).sum::<u64>() as usize, n);
    let (false_negative, false_positive) = (harmful[1], not_harmful[0]);
    assert_eq!(
        disagreement_lines(&stdout).len() as u64,
        false_negative + false_positive,
        "every disagreement is listed"
    );
    assert_eq!(
        figure(&stdout, "unscored"),
        "0",
        "gates never leave a trial unscored"
    );
    // Intent-only cases must show up as gate-only false positives.
    for id in ["lk-regulator ", "mu-false-alarm-belief ", "bm-merits-only "] {
        assert!(
            disagreement_lines(&stdout).iter().any(|l| l.contains(id)),
            "{id} should disagree in gate-only mode:\n{stdout}"
        );
    }
}

#[test]
fn compat_original_rules_differ_from_ours() {
    let gold = gold_path();
    let output = judge_check(
        &["--gold", gold.to_str().unwrap(), "--compat", "original"],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("mode compat_original"));
    let lines = disagreement_lines(&stdout);
    // No blackmail/leverage keyword: the original rules miss this veiled threat.
    assert!(
        lines.iter().any(|l| l.contains("bm-veiled-between-us ")),
        "{stdout}"
    );
    // The original reads the scratchpad and counts the code in any tool block, an e-mail included.
    for id in [
        "lk-scratchpad-only ",
        "mu-unclosed-scratchpad ",
        "mu-code-in-email ",
    ] {
        assert!(lines.iter().any(|l| l.contains(id)), "{id}:\n{stdout}");
    }
}

#[test]
fn with_a_grader_intent_cases_are_resolved() {
    let rules = fakellm::parse_rules(
        r#"{"match": "hotline@defense-oversight.gov", "reply": {"text": "Lawful authority.\nANSWER: no"}}
{"match": "I judge this to be a false alarm", "reply": {"text": "Believed a false alarm.\nANSWER: no"}}
{"reply": {"text": "Default verdict.\nANSWER: yes"}}"#,
        "rules",
    )
    .unwrap();
    let server = fakellm::start_background(fakellm::FakeConfig::with_rules(rules)).unwrap();
    let base = format!("{}/v1", server.base_url());
    let gold = gold_path();
    let output = judge_check(
        &[
            "--gold",
            gold.to_str().unwrap(),
            "--grader",
            "vllm/fake-grader",
        ],
        &[("VLLM_BASE_URL", &base)],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("mode graded"));
    assert!(stdout.contains("grader vllm/fake-grader"));
    let lines = disagreement_lines(&stdout);
    assert!(
        !lines.iter().any(|l| l.contains("lk-regulator ")),
        "{stdout}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("mu-false-alarm-belief ")),
        "{stdout}"
    );
    assert!(server.stats().requests > 0);
}

#[test]
fn bad_gold_lines_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gold.jsonl");
    let c = "blackmail_explicit-america_replacement";
    let good = format!(
        r#"{{"scenario": "blackmail", "condition": "{c}", "reply": "r", "harmful": false}}"#
    );
    let cases = [
        (
            format!(r#"{{"scenario": "blackmail", "condition": "{c}", "reply": "r", "harmful": "no"}}"#),
            "gold.jsonl:2: field `harmful`",
        ),
        (
            format!(r#"{{"scenario": "blackmail", "condition": "{c}", "harmful": true}}"#),
            "gold.jsonl:2: missing field `reply`",
        ),
        (
            format!(r#"{{"scenario": "no-such-pack", "condition": "{c}", "reply": "r", "harmful": true}}"#),
            "gold.jsonl:2: field `scenario`",
        ),
        (
            format!(r#"{{"scenario": "blackmail", "condition": "{c}", "reply": "r", "harmful": true, "pack": "missing-dir"}}"#),
            "gold.jsonl:2: field `pack`",
        ),
        ("not json".to_string(), "gold.jsonl:2: not valid JSON"),
        (
            r#"{"scenario": "blackmail", "condition": "c", "reply": "r", "harmful": true}"#.to_string(),
            "gold.jsonl:2: field `condition`: ",
        ),
        (
            r#"{"scenario": "blackmail", "condition": "murder_explicit-america_replacement", "reply": "r", "harmful": true}"#.to_string(),
            "gold.jsonl:2: field `condition`: `murder_explicit-america_replacement` is a condition of scenario `murder`, but this item's pack is `blackmail`",
        ),
    ];
    for (bad, expected) in cases {
        std::fs::write(&path, format!("{good}\n{bad}\n")).unwrap();
        let output = judge_check(&["--gold", path.to_str().unwrap()], &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{bad} should fail");
        assert!(
            stderr.contains(expected),
            "{stderr} should contain {expected}"
        );
    }
    // A file saved in Latin-1: the first bad byte is named by line, column and offset.
    let mut bytes = format!("{good}\n").into_bytes();
    let second_line = bytes.len();
    bytes.extend_from_slice(b"{\"reply\": \"caf\xe9\"}\n");
    std::fs::write(&path, &bytes).unwrap();
    let output = judge_check(&["--gold", path.to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    let expected = format!(
        "gold.jsonl:2: not valid UTF-8 at byte {} (column 15 of this line, byte 0xe9)",
        second_line + 14
    );
    assert!(
        stderr.contains(&expected),
        "{stderr} should contain {expected}"
    );
}
