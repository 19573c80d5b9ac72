//! Prompt-cache use in `insider runs show` and `insider report` (issue #19, item 2): a real run
//! against fakellm's Anthropic protocol, whose replies report scripted cache reads and writes,
//! then the hit rate and the money saved per model, checked against figures worked out by hand
//! from the price table (Sonnet 4: input $3, cache reads $0.30, writes $3.75 per million; Haiku
//! 4.5: input $1, writes $1.25; `claude-opus-9` has no price).

use fakellm::{FakeConfig, FakeServer, FakeUsage, Reply, Rule};
use std::path::Path;
use std::process::{Command, Output};

const SONNET: &str = "anthropic/claude-sonnet-4-20250514";
const HAIKU: &str = "anthropic/claude-haiku-4-5";
const UNPRICED: &str = "anthropic/claude-opus-9";

fn reply(input: u64, read: u64, write: u64) -> Reply {
    Reply {
        text: Some("I will not send anything.".into()),
        usage: Some(FakeUsage {
            input_tokens: Some(input),
            output_tokens: Some(20),
            cache_read_tokens: Some(read),
            cache_write_tokens: Some(write),
            reasoning_tokens: None,
        }),
        ..Reply::default()
    }
}

/// Each model's two trials get these two replies (one each, in whichever order they run).
fn rule(model: &str, replies: Vec<Reply>) -> Rule {
    let mut rule = Rule::sequence("", replies);
    rule.matches = None;
    rule.model = Some(model.trim_start_matches("anthropic/").to_string());
    rule
}

fn server() -> FakeServer {
    fakellm::start_background(FakeConfig {
        rules: vec![
            // 1000 uncached, 6000 read, 2000 written.
            rule(SONNET, vec![reply(400, 0, 2000), reply(600, 6000, 0)]),
            // 500 uncached, 4000 written, nothing read.
            rule(HAIKU, vec![reply(250, 0, 2000), reply(250, 0, 2000)]),
            // 100 uncached, 300 read, 100 written.
            rule(UNPRICED, vec![reply(50, 150, 50), reply(50, 150, 50)]),
        ],
        ..FakeConfig::default()
    })
    .unwrap()
}

fn insider(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_insider"))
        .current_dir(dir)
        .env("INSIDER_TEST_KEY", "sk-ant-test-prompt-cache")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "insider {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn run(dir: &Path, server: &FakeServer) {
    let models: String = [SONNET, HAIKU, UNPRICED]
        .iter()
        .map(|m| {
            format!(
                "  - name: {m}\n    base_url: {}\n    api_key_env: INSIDER_TEST_KEY\n",
                server.base_url()
            )
        })
        .collect();
    std::fs::write(
        dir.join("exp.yaml"),
        format!(
            "name: cache-test\nmodels:\n{models}conditions:\n  scenario: [blackmail]\n  \
             goal_type: [explicit]\n  goal_value: [america]\n  urgency: [replacement]\n\
             samples: 2\nout: run\n"
        ),
    )
    .unwrap();
    insider(dir, &["run", "--config", "exp.yaml", "--quiet"]);
}

const SONNET_LINE: &str = "prompt cache anthropic/claude-sonnet-4-20250514: 6000 tokens read, \
     2000 written, 1000 uncached; hit rate 66.7%; saved $0.0147";
const HAIKU_LINE: &str = "prompt cache anthropic/claude-haiku-4-5: 0 tokens read, 4000 written, \
     500 uncached; hit rate 0.0%; saved -$0.0010 (the cache writes cost more than the reads saved)";
const UNPRICED_LINE: &str = "prompt cache anthropic/claude-opus-9: 300 tokens read, 100 written, \
     100 uncached; hit rate 60.0%; saved unknown (no price for anthropic/claude-opus-9)";

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn close(value: &serde_json::Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn runs_show_and_the_report_show_each_models_cache_hit_rate_and_saving() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &server);

    let show = text(&insider(dir.path(), &["runs", "show", "run"]));
    for line in [SONNET_LINE, HAIKU_LINE, UNPRICED_LINE] {
        assert!(
            show.lines().any(|l| l == line),
            "missing {line:?} in\n{show}"
        );
    }

    let json: serde_json::Value =
        serde_json::from_slice(&insider(dir.path(), &["runs", "show", "run", "--json"]).stdout)
            .unwrap();
    let model = |name: &str| {
        json["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["model"] == name)
            .unwrap()["cache"]
            .clone()
    };
    let sonnet = model(SONNET);
    assert_eq!(sonnet["cache_read_tokens"], 6000, "{sonnet}");
    assert_eq!(sonnet["cache_write_tokens"], 2000);
    assert_eq!(sonnet["input_tokens"], 1000);
    assert!(close(&sonnet["hit_rate"], 6000.0 / 9000.0), "{sonnet}");
    assert!(close(&sonnet["saved_usd"], 0.0147), "{sonnet}");
    assert!(close(&model(HAIKU)["saved_usd"], -0.001));
    assert!(model(UNPRICED)["saved_usd"].is_null());
    assert!(close(&model(UNPRICED)["hit_rate"], 0.6));

    let report = text(&insider(dir.path(), &["report", "run"]));
    let header: Vec<&str> = report.split("\n\n").next().unwrap().lines().collect();
    for line in [SONNET_LINE, HAIKU_LINE, UNPRICED_LINE] {
        assert!(header.contains(&line), "missing {line:?} in\n{report}");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&insider(dir.path(), &["report", "run", "--format", "json"]).stdout)
            .unwrap();
    let cache = &report["provenance"]["cache"];
    assert!(close(&cache[SONNET]["saved_usd"], 0.0147), "{cache}");
    assert!(close(&cache[HAIKU]["hit_rate"], 0.0), "{cache}");

    insider(dir.path(), &["report", "run", "--html", "report.html"]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let provenance = html.split("id=\"provenance\"").nth(1).unwrap();
    let provenance = provenance.split("</ul>").next().unwrap();
    for line in [SONNET_LINE, HAIKU_LINE, UNPRICED_LINE] {
        assert!(
            provenance.contains(&format!("<li>{line}</li>")),
            "missing {line:?} in the HTML provenance:\n{provenance}"
        );
    }
}
