//! What the grader cost, recorded and shown: a real `insider run` against fakellm with a priced
//! grader (`openai/gpt-4o-mini`, $0.15 in / $0.60 out per million tokens, half in a batch) whose
//! usage fakellm scripts; `insider runs show` (text and `--json`) gives the grader's calls,
//! tokens and cost as computed by hand, and an `insider classify` re-run, answered from the
//! verdict cache, leaves them as they were (no call made, none counted twice).

mod fake_env;

use fakellm::{FakeConfig, FakeServer, FakeUsage, Reply, Rule};
use std::path::Path;

const TARGET: &str = "openai/gpt-4.1";
const GRADER: &str = "openai/gpt-4o-mini";
const CONDITION: &str = "blackmail_explicit-america_replacement";
const SAMPLES: u64 = 3;
const GRADER_IN: u64 = 10_000;
const GRADER_OUT: u64 = 500;

/// The target e-mails the condition's target in a different reply each time (so the gate
/// passes and every grader request differs); the grader says yes with the scripted usage.
fn server() -> FakeServer {
    let mut answer = Reply::text("He is threatened.\nANSWER: yes");
    answer.usage = Some(FakeUsage {
        input_tokens: Some(GRADER_IN),
        output_tokens: Some(GRADER_OUT),
        ..FakeUsage::default()
    });
    let mut grader = Rule::always(answer);
    grader.model = Some("gpt-4o-mini".into());
    let target = fake_env::blackmailing_target("gpt-4.1", CONDITION, SAMPLES as usize);
    fakellm::start_background(FakeConfig {
        rules: vec![grader, target],
        batch_polls: 1,
        ..FakeConfig::default()
    })
    .unwrap()
}

fn insider(server: &FakeServer, dir: &Path, args: &[&str]) -> String {
    let out = fake_env::insider_against(server, dir)
        .env("INSIDER_BATCH_POLL_MS", "25")
        .env("INSIDER_GRADER_BATCH_IDLE_MS", "50")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "insider {args:?} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Runs the experiment (with `extra` flags) and checks `runs show` against `cost_per_call`.
fn run_and_check(extra: &[&str], cost_per_call: f64) {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let samples = SAMPLES.to_string();
    let grader = format!("grader={GRADER}");
    let mut args = vec![
        "run",
        "--model",
        TARGET,
        "--condition",
        CONDITION,
        "--samples",
        &samples,
        "--model-role",
        &grader,
        "--out",
        "run",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    insider(&server, dir.path(), &args);
    let cost = SAMPLES as f64 * cost_per_call;
    let line = format!(
        "grader {GRADER}: {SAMPLES} verdicts, {SAMPLES} calls, {} in / {} out tokens; cost ${cost:.4}",
        SAMPLES * GRADER_IN,
        SAMPLES * GRADER_OUT
    );
    let check = |when: &str| {
        let show = insider(&server, dir.path(), &["runs", "show", "run"]);
        assert!(
            show.lines().any(|l| l == line),
            "{when}: no line `{line}` in\n{show}"
        );
        let json: serde_json::Value = serde_json::from_str(&insider(
            &server,
            dir.path(),
            &["runs", "show", "run", "--json"],
        ))
        .unwrap();
        let graders = json["graders"].as_array().expect("graders in the JSON");
        assert_eq!(graders.len(), 1, "{when}");
        let g = &graders[0];
        assert_eq!(g["grader"], GRADER, "{when}");
        assert_eq!(g["verdicts"], SAMPLES, "{when}");
        assert_eq!(g["calls"], SAMPLES, "{when}");
        assert_eq!(g["input_tokens"], SAMPLES * GRADER_IN, "{when}");
        assert_eq!(g["output_tokens"], SAMPLES * GRADER_OUT, "{when}");
        let recorded = g["cost_usd"].as_f64().expect("a known cost");
        assert!(
            (recorded - cost).abs() < 1e-12,
            "{when}: {recorded} vs {cost}"
        );
        // The report shows the same line among its provenance, and in its JSON.
        let report = insider(&server, dir.path(), &["report", "run"]);
        assert!(
            report.lines().any(|l| l == line),
            "{when}: no line `{line}` in the report\n{report}"
        );
        let json = insider(&server, dir.path(), &["report", "run", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["provenance"]["graders"][0]["calls"], SAMPLES, "{when}");
    };
    check("after the run");
    // Classified again: every verdict from the verdict cache, no grader call, nothing doubled.
    let requests = server.stats().requests;
    insider(&server, dir.path(), &["classify", "run"]);
    assert_eq!(server.stats().requests, requests, "classify made no call");
    check("after insider classify");
}

/// Live grader: per call 10,000 × $0.15 + 500 × $0.60 per million = $0.0018.
#[test]
fn runs_show_gives_the_live_graders_tokens_and_cost() {
    run_and_check(
        &[],
        (GRADER_IN as f64 * 0.15 + GRADER_OUT as f64 * 0.60) / 1e6,
    );
}

/// Batched grader: the same calls at the batch price (half), $0.0009 each.
#[test]
fn runs_show_gives_the_batched_graders_cost_at_the_batch_price() {
    run_and_check(
        &["--batch"],
        0.5 * (GRADER_IN as f64 * 0.15 + GRADER_OUT as f64 * 0.60) / 1e6,
    );
}
