//! `insider chat` end to end: the real binary against fakellm for all three protocols.

use fakellm::{FakeConfig, Reply, Rule};
use serde_json::Value;
use std::process::{Command, Output};

const KEY: &str = "sk-insider-CHATCLI-0a1b2c3d4e";

fn server() -> fakellm::FakeServer {
    fakellm::start_background(FakeConfig::with_rules(vec![
        Rule::on(
            "denied",
            Reply {
                status: Some(401),
                error: Some(format!("invalid x-api-key {KEY}")),
                ..Reply::default()
            },
        ),
        Rule::always(Reply {
            text: Some("Pong from the fake model.".into()),
            reasoning: Some("The user said ping.".into()),
            ..Reply::default()
        }),
    ]))
    .expect("fakellm starts")
}

fn insider(server: &fakellm::FakeServer, args: &[&str]) -> Output {
    let base = server.base_url();
    Command::new(env!("CARGO_BIN_EXE_insider"))
        .arg("chat")
        .args(args)
        .env("OPENAI_BASE_URL", format!("{base}/v1"))
        .env("ANTHROPIC_BASE_URL", &base)
        .env("GOOGLE_GEMINI_BASE_URL", &base)
        .env("OPENAI_API_KEY", KEY)
        .env("ANTHROPIC_API_KEY", KEY)
        .env("GOOGLE_API_KEY", KEY)
        .env_remove("GEMINI_API_KEY")
        .output()
        .expect("insider runs")
}

const MODELS: [&str; 3] = [
    "openai/gpt-4.1",
    "anthropic/claude-opus-4-20250514",
    "google/gemini-2.5-pro",
];

#[test]
fn chat_prints_the_reply_for_each_protocol() {
    let server = server();
    for model in MODELS {
        let out = insider(
            &server,
            &["--model", model, "--system", "Be brief.", "ping"],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{model}: {stderr}");
        assert_eq!(stdout.trim(), "Pong from the fake model.", "{model}");
        assert!(stderr.contains("The user said ping."), "{model}: {stderr}");
        assert!(stderr.contains("1 attempt"), "{model}: {stderr}");
    }
    let stats = server.stats();
    assert_eq!(stats.by_protocol["openai"], 1);
    assert_eq!(stats.by_protocol["anthropic"], 1);
    assert_eq!(stats.by_protocol["gemini"], 1);
    let sent: Vec<Value> = server
        .requests()
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(sent[0]["messages"][0]["content"], "Be brief.");
    assert_eq!(sent[1]["system"], "Be brief.");
    assert_eq!(
        sent[2]["systemInstruction"]["parts"][0]["text"],
        "Be brief."
    );
}

#[test]
fn chat_json_has_usage_cost_attempts_raw_bodies_and_no_key() {
    let server = server();
    for model in MODELS {
        let out = insider(
            &server,
            &[
                "--model",
                model,
                "--json",
                "--temperature",
                "0.5",
                "--max-tokens",
                "99",
                "ping",
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{model}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !stdout.contains(KEY),
            "{model}: key leaked into --json output"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains(KEY));
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["name"], model);
        assert_eq!(v["text"], "Pong from the fake model.");
        assert!(v["usage"]["input_tokens"].as_u64().unwrap() > 0);
        assert!(
            v["cost_usd"].as_f64().unwrap() > 0.0,
            "{model} is in the price table"
        );
        assert_eq!(v["attempts"].as_array().unwrap().len(), 1);
        let raw_request: Value = serde_json::from_str(v["raw_request"].as_str().unwrap()).unwrap();
        let raw = raw_request.to_string();
        assert!(raw.contains("0.5") && raw.contains("99"), "{model}: {raw}");
        let raw_response: Value =
            serde_json::from_str(v["raw_response"].as_str().unwrap()).unwrap();
        assert!(raw_response.is_object());
    }
}

#[test]
fn chat_failures_say_what_to_fix_and_never_show_the_key() {
    let server = server();
    let out = insider(
        &server,
        &[
            "--model",
            "anthropic/claude-opus-4-20250514",
            "--json",
            "denied",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("check the API key in ANTHROPIC_API_KEY"),
        "{all}"
    );
    assert!(all.contains("HTTP 401"), "{all}");
    assert!(!all.contains(KEY), "{all}");

    let out = Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(["chat", "--model", "openai/gpt-4.1", "hi"])
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("set OPENAI_API_KEY"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(["chat", "--model", "nosuch/model", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown provider `nosuch`"));
}
