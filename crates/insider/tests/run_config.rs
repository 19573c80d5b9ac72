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
    assert!(stdout.contains("batch"), "{stdout}");
    assert_eq!(server.stats().requests, 0);
    assert!(!dir.path().join("run").exists(), "a dry run writes nothing");
}
