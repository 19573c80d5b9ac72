//! `insider chat` frictions (issue 13, item 6; issue 21, low): `--seed` reaches the provider,
//! a model name that cannot be used gets a hint with the providers and an example, and
//! terminal control sequences in a reply never reach the terminal.

use fakellm::{FakeConfig, Reply, Rule};
use std::process::{Command, Output};

fn server(reply: &str) -> fakellm::FakeServer {
    fakellm::start_background(FakeConfig::with_rules(vec![Rule::always(Reply::text(
        reply,
    ))]))
    .expect("fakellm starts")
}

fn chat(server: &fakellm::FakeServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insider"))
        .arg("chat")
        .args(args)
        .env("OPENAI_BASE_URL", format!("{}/v1", server.base_url()))
        .env("OPENAI_API_KEY", "sk-test-chat-frictions")
        .output()
        .expect("insider runs")
}

#[test]
fn the_seed_is_sent_to_the_provider() {
    let server = server("Pong.");
    let out = chat(
        &server,
        &["--model", "openai/gpt-4.1", "--seed", "4242", "ping"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = server.requests();
    let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(body["seed"], 4242, "{body}");
}

#[test]
fn an_unusable_model_name_gets_the_providers_and_an_example() {
    let server = server("Pong.");
    for args in [
        vec!["--model", "gpt-4.1", "ping"],
        vec!["--model", "opnai/gpt-4.1", "ping"],
        vec!["ping"],
    ] {
        let out = chat(&server, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let hint = stderr
            .lines()
            .find(|l| l.starts_with("hint: a model name is `provider/model`"))
            .unwrap_or_else(|| panic!("{args:?}: no hint: {stderr}"));
        for part in [
            "anthropic",
            "openai-api/<service>",
            "local",
            "`openai/gpt-4.1`",
        ] {
            assert!(hint.contains(part), "{args:?}: {hint}");
        }
    }
    assert_eq!(server.stats().requests, 0, "no call for a bad name");
}

#[test]
fn control_sequences_in_a_reply_never_reach_the_terminal() {
    let hostile = "Done.\u{1b}[1A\u{1b}[2K\u{1b}]0;owned\u{7}\rANSWER: no\u{9b}31m!";
    let server = server(hostile);
    let out = chat(&server, &["--model", "openai/gpt-4.1", "ping"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, "Done.ANSWER: no!\n");
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
}
