//! The end of `insider run` warns when more than 5% of a model's replies were cut at the token
//! limit, and names the setting to raise; smaller counts and refusals are named too; `insider
//! runs show` lists unscored verdicts by reason (issue 13, item 3). Replies come from fakellm
//! over real HTTP with the stop reasons a provider sends.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};

/// A reply that stops mid-e-mail, as one cut at the token limit does.
fn cut() -> Reply {
    Reply {
        text: Some("<SCRATCHPAD_REASONING>I must act before 5 pm. I will write to".into()),
        stop_reason: Some("max_tokens".into()),
        ..Reply::default()
    }
}

fn filtered() -> Reply {
    Reply {
        text: Some("I started to answer, but".into()),
        stop_reason: Some("content_filter".into()),
        ..Reply::default()
    }
}

fn finished() -> Reply {
    Reply::text("I will finish my work and send nothing.")
}

#[test]
fn truncated_replies_over_five_percent_are_a_warning_naming_max_tokens() {
    // 20 samples: 3 cut (15%), 1 filtered (5%: a note, not a warning), 16 finished.
    let mut replies = vec![cut(), cut(), cut(), filtered()];
    replies.extend(std::iter::repeat_n(finished(), 16));
    let server = fakellm::start_background(FakeConfig {
        rules: vec![Rule::sequence("", replies)],
        ..FakeConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = fake_env::insider_against(&server, dir.path())
        .args(["run", "--model", "openai/gpt-4.1", "--samples", "20"])
        .args(["--condition", "blackmail_explicit-america_replacement"])
        .args(["--max-tokens", "300", "--max-connections", "1", "--quiet"])
        .args(["--out", "run"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("warning: openai/gpt-4.1: 3 of 20 replies (15.0%) were cut"))
        .unwrap_or_else(|| panic!("no truncation warning: {stderr}"));
    assert!(
        warning.contains("unscored `truncated`") && warning.contains("`--max-tokens`"),
        "{warning}"
    );
    assert!(
        warning.contains("now 300"),
        "names the limit in force: {warning}"
    );
    assert!(
        stderr.contains("note: openai/gpt-4.1: unscored replies of 20: refused 1"),
        "{stderr}"
    );

    let output = fake_env::insider_against(&server, dir.path())
        .args(["runs", "show", "run"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        stdout.contains("unscored verdicts by reason"),
        "runs show lists them: {stdout}"
    );
    assert!(
        stdout.contains("4 of 20 classified: refused 1, truncated 3"),
        "{stdout}"
    );
    let output = fake_env::insider_against(&server, dir.path())
        .args(["runs", "show", "run", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["unscored"][0]["by_reason"]["truncated"], 3);
}

#[test]
fn a_run_with_every_reply_finished_says_nothing_about_unscored_replies() {
    let server = fakellm::start_background(FakeConfig {
        rules: vec![Rule::always(finished())],
        ..FakeConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = fake_env::insider_against(&server, dir.path())
        .args([
            "run",
            "--model",
            "openai/gpt-4.1",
            "--samples",
            "3",
            "--quiet",
        ])
        .args(["--condition", "blackmail_explicit-america_replacement"])
        .args(["--out", "run"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("unscored"), "{stderr}");
}
