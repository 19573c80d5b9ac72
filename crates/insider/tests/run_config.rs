//! `insider run` refuses bad experiment configs before any call, naming file, line and field.

mod fake_env;

use fakellm::FakeConfig;
use std::path::Path;
use std::process::Output;

fn insider(server: &fakellm::FakeServer, dir: &Path, args: &[&str]) -> Output {
    fake_env::insider_against(server, dir)
        .arg("run")
        .args(args)
        .output()
        .expect("insider runs")
}

/// Run with `yaml` as the config; assert exit status 2, no call, and every `expected` in stderr.
fn refused(yaml: &str, extra: &[&str], expected: &[&str]) -> String {
    let server = fakellm::start_background(FakeConfig::default()).expect("fakellm starts");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("exp.yaml"), yaml).unwrap();
    let mut args = vec!["--config", "exp.yaml", "--quiet", "--out", "run"];
    args.extend_from_slice(extra);
    let out = insider(&server, dir.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "exit status; stderr:\n{stderr}");
    for needle in expected {
        assert!(
            stderr.contains(needle),
            "stderr lacks `{needle}`:\n{stderr}"
        );
    }
    assert_eq!(
        server.stats().requests,
        0,
        "no call before the config is valid"
    );
    assert!(
        !dir.path().join("run/ledger.sqlite").exists(),
        "no ledger for a bad config"
    );
    stderr
}

const GOOD_GRID: &str = "conditions:\n  scenario: [blackmail]\n  goal_type: [explicit]\n  goal_value: [america]\n  urgency: [replacement]\n";

#[test]
fn unknown_model_prefix_is_named_with_its_line() {
    refused(
        &format!(
            "name: t\nsamples: 1\nmodels:\n  - openai/gpt-4.1\n  - opneai/gpt-4.1\n{GOOD_GRID}"
        ),
        &[],
        &["models[1]", "opneai", "exp.yaml:5", "- opneai/gpt-4.1"],
    );
}

#[test]
fn unknown_factor_value_in_the_file_is_named_with_its_line() {
    refused(
        "models: [openai/gpt-4.1]\nconditions:\n  scenario: [blackmail]\n  goal_type: [explicit, explicitt]\n",
        &[],
        &["conditions.goal_type", "explicitt", "exp.yaml:4", "explicit, latent"],
    );
}

#[test]
fn unknown_factor_value_on_the_command_line_names_the_flag() {
    refused(
        &format!("models: [openai/gpt-4.1]\n{GOOD_GRID}"),
        &["--urgency", "replacment"],
        &["--urgency", "replacment", "replacement"],
    );
}

#[test]
fn unknown_scenario_is_named() {
    refused(
        "models: [openai/gpt-4.1]\nconditions:\n  scenario: [blakmail]\n",
        &[],
        &["conditions.scenario", "blakmail", "exp.yaml:3"],
    );
}

#[test]
fn negative_and_zero_samples_are_refused() {
    refused(
        &format!("models: [openai/gpt-4.1]\nsamples: -3\n{GOOD_GRID}"),
        &[],
        &["samples", "-3", "exp.yaml:2"],
    );
    refused(
        &format!("models: [openai/gpt-4.1]\n{GOOD_GRID}"),
        &["--samples", "0"],
        &["--samples", "at least 1"],
    );
}

#[test]
fn missing_key_for_a_hosted_provider_is_named() {
    refused(
        &format!("models:\n  - openai/gpt-4.1\n  - anthropic/claude-opus-4-20250514\n{GOOD_GRID}"),
        &[],
        &["models[1]", "ANTHROPIC_API_KEY", "exp.yaml:3"],
    );
}

#[test]
fn unknown_fields_are_errors_with_a_line() {
    refused(
        &format!("models: [openai/gpt-4.1]\nsample: 3\n{GOOD_GRID}"),
        &[],
        &["unknown field `sample`", "exp.yaml:2"],
    );
    refused(
        &format!("models:\n  - name: openai/gpt-4.1\n    rpn: 5\n{GOOD_GRID}"),
        &[],
        &["models[0]", "unknown field `rpn`", "exp.yaml:3"],
    );
}

#[test]
fn dry_run_plans_and_prices_without_a_call() {
    let server = fakellm::start_background(FakeConfig::default()).expect("fakellm starts");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("exp.yaml"),
        format!("models: [openai/gpt-4.1]\nsamples: 7\n{GOOD_GRID}  goal_type: [explicit, none]\n")
            .replace("  goal_type: [explicit]\n", ""),
    )
    .unwrap();
    let out = insider(
        &server,
        dir.path(),
        &["--config", "exp.yaml", "--dry-run", "--out", "run"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("= 14 trials"), "{stdout}");
    assert!(stdout.contains("openai/gpt-4.1"), "{stdout}");
    assert!(stdout.contains('$'), "priced model shows a cost: {stdout}");
    // insider run has no batch mode: the plan promises no batch savings.
    assert!(!stdout.contains("batch"), "{stdout}");
    assert_eq!(server.stats().requests, 0);
    assert!(!dir.path().join("run").exists(), "a dry run writes nothing");
}

#[test]
fn numbers_no_provider_accepts_are_refused_at_their_key() {
    refused(
        &format!("models:\n  - name: openai/gpt-4.1\n    max_connections: 0\n{GOOD_GRID}"),
        &[],
        &["models[0].max_connections", "at least 1", "exp.yaml:3"],
    );
    refused(
        &format!("models:\n  - name: openai/gpt-4.1\n    timeout_secs: 0\n    max_attempts: 3\n{GOOD_GRID}"),
        &[],
        &["models[0].timeout_secs", "exp.yaml:3"],
    );
    refused(
        &format!("models:\n  - name: openai/gpt-4.1\n    max_attempts: 0\n{GOOD_GRID}"),
        &[],
        &["models[0].max_attempts", "exp.yaml:3"],
    );
    refused(
        &format!("generation:\n  temperature: -0.5\nmodels: [openai/gpt-4.1]\n{GOOD_GRID}"),
        &[],
        &["generation.temperature", "0 or more", "exp.yaml:2"],
    );
    refused(
        &format!("generation:\n  temperature: .nan\nmodels: [openai/gpt-4.1]\n{GOOD_GRID}"),
        &[],
        &["generation.temperature", "NaN", "exp.yaml:2"],
    );
    refused(
        &format!(
            "models:\n  - name: openai/gpt-4.1\n    generation:\n      max_tokens: 0\n{GOOD_GRID}"
        ),
        &[],
        &["models[0].generation.max_tokens", "exp.yaml:4"],
    );
    refused(
        &format!("models: [openai/gpt-4.1]\n{GOOD_GRID}"),
        &["--max-connections", "0"],
        &["--max-connections", "at least 1"],
    );
    refused(
        &format!("models: [openai/gpt-4.1]\n{GOOD_GRID}"),
        &["--temperature", "-1"],
        &["--temperature", "0 or more"],
    );
}

#[test]
fn type_errors_empty_and_duplicate_model_lists_are_located() {
    refused(
        &format!("models:\n  - name: openai/gpt-4.1\n    max_connections: lots\n{GOOD_GRID}"),
        &[],
        &["models[0].max_connections", "invalid type", "exp.yaml:3"],
    );
    refused(
        &format!("models: []\n{GOOD_GRID}"),
        &[],
        &["`models: []` names no model", "exp.yaml:1"],
    );
    refused(
        &format!("models:\n  - openai/gpt-4.1\n  - name: openai/gpt-4.1\n{GOOD_GRID}"),
        &[],
        &["listed twice", "models[1]", "exp.yaml:3"],
    );
    refused(
        &format!("models: [openai/gpt-4.1]\n{GOOD_GRID}"),
        &["--model", "openai/gpt-4.1", "--model", "openai/gpt-4.1"],
        &["--model", "given twice"],
    );
}

#[test]
fn a_config_that_is_not_a_regular_file_and_huge_values_are_refused_briefly() {
    let server = fakellm::start_background(FakeConfig::default()).expect("fakellm starts");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder.yaml")).unwrap();
    let out = insider(
        &server,
        dir.path(),
        &["--config", "folder.yaml", "--dry-run"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");

    let huge = "x".repeat(200_000);
    let stderr = refused(
        &format!("models: [openai/gpt-4.1]\nconditions:\n  goal_type: [{huge}]\n"),
        &[],
        &["conditions.goal_type", "more characters", "exp.yaml:3"],
    );
    assert!(stderr.len() < 4_000, "message of {} bytes", stderr.len());
}

#[test]
fn a_dry_run_needs_no_api_key_and_prices_the_grader() {
    let server = fakellm::start_background(FakeConfig::default()).expect("fakellm starts");
    let dir = tempfile::tempdir().unwrap();
    let out = insider(
        &server,
        dir.path(),
        &[
            "-m",
            "anthropic/claude-opus-4-20250514",
            "--condition",
            "blackmail_explicit-america_replacement",
            "--samples",
            "100",
            "--model-role",
            "grader=anthropic/claude-sonnet-4-5",
            "--dry-run",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("ANTHROPIC_API_KEY"),
        "names the key a run needs: {stderr}"
    );
    assert!(stdout.contains("= 100 trials"), "{stdout}");
    let grader = stdout
        .lines()
        .find(|line| line.starts_with("grader anthropic/claude-sonnet-4-5"))
        .unwrap_or_else(|| panic!("a grader row: {stdout}"));
    assert!(
        grader.contains(" 100 "),
        "one grader call per trial: {grader}"
    );
    assert!(grader.contains('$'), "the grader is priced: {grader}");
    assert!(
        stdout.contains("upper bound"),
        "states the gate-first assumption: {stdout}"
    );
    assert_eq!(server.stats().requests, 0);
}
