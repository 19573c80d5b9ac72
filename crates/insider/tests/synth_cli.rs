//! `insider synth` as a real process against fakellm (OpenAI protocol, real HTTP): it makes
//! the three kinds of data; killed with SIGKILL mid-run, it resumes and asks fakellm only for
//! the steps it had not stored (fakellm's request count shows it); its exports load with the
//! Python `datasets` library (venv of scripts/setup.d/55-datasets.sh); and the export drops a
//! planted item that copies a built-in pack's e-mail and one that reuses its cast's names.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use insider_synth::{Store, CANARY};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Steps per item: principles 2, stories 2, dialogues 4.
const STEPS_PER_ROUND: u64 = 8;

/// A few hundred pseudo-random words from a small vocabulary: distinct per (tag, i), so no two
/// replies are near-duplicates, and plain enough to share no 13-gram with a pack.
fn prose(tag: u64, i: u64, words: usize) -> String {
    const VOCABULARY: &[&str] = &[
        "river",
        "lantern",
        "orchard",
        "signal",
        "harbour",
        "meadow",
        "quarry",
        "beacon",
        "canyon",
        "thimble",
        "willow",
        "ember",
        "glacier",
        "compass",
        "pebble",
        "falcon",
        "ledger",
        "quietly",
        "carefully",
        "because",
        "honest",
        "choice",
        "trust",
        "plain",
        "reason",
        "people",
        "careful",
        "listen",
        "decide",
        "explain",
        "morning",
        "window",
        "garden",
        "letter",
        "bridge",
        "station",
        "kettle",
        "ribbon",
        "marble",
        "candle",
    ];
    let mut state =
        tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let mut out = Vec::with_capacity(words);
    for _ in 0..words {
        state = insider_synth::text::mix(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
        out.push(VOCABULARY[(state % VOCABULARY.len() as u64) as usize]);
    }
    out.join(" ")
}

fn replies(tag: u64, words: usize, prefix: &str) -> Vec<Reply> {
    (0..40)
        .map(|i| Reply::text(format!("{prefix}{}.", prose(tag, i, words))))
        .collect()
}

/// Rules answering each step of the built-in specs (matched on their prompts' wording),
/// first the specific ones; `documents` replaces the document step's replies.
fn rules(documents: Vec<Reply>, stories: Vec<Reply>) -> Vec<Rule> {
    vec![
        Rule::sequence("But what if it goes badly", replies(1, 160, "")),
        Rule::sequence(
            "Write the person's reply",
            replies(2, 30, "But what if it goes badly? "),
        ),
        Rule::sequence("thoughtful, honest assistant", replies(3, 160, "")),
        Rule::sequence("Write the first message a person sends", replies(4, 80, "")),
        Rule::sequence("Write the story from this premise", stories),
        Rule::sequence("Develop a premise", replies(6, 80, "")),
        Rule::sequence("following this plan", documents),
        Rule::sequence("Reply with a working title", replies(8, 60, "")),
    ]
}

fn server(latency_ms: u64, rules: Vec<Rule>) -> fakellm::FakeServer {
    fakellm::start_background(FakeConfig {
        latency_ms,
        rules,
        ..FakeConfig::default()
    })
    .unwrap()
}

fn synth(server: &fakellm::FakeServer, dir: &Path, args: &[&str]) -> Command {
    let mut command = fake_env::insider_against(server, dir);
    command.arg("synth").args(args);
    command
}

fn generate_args(count: &str) -> Vec<&str> {
    vec![
        "generate",
        "--out",
        "data",
        "--model",
        "openai/gpt-4.1",
        "--count",
        count,
        "--seed",
        "7",
        "--max-connections",
        "2",
        "--progress-interval",
        "0.2",
    ]
}

fn run_ok(mut command: Command) -> String {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stderr}");
    stderr
}

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Skip (print why) or, under INSIDER_REQUIRE_ALL=1, fail when a prerequisite is missing.
fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv-datasets/bin/python");
    if python.is_file() {
        return Some(python);
    }
    let why = ".venv-datasets missing (run scripts/setup.d/55-datasets.sh)";
    if std::env::var("INSIDER_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("prerequisite missing (INSIDER_REQUIRE_ALL=1): {why}");
    }
    eprintln!("skipped: {why}");
    None
}

#[test]
fn synth_makes_three_kinds_and_its_exports_load_with_datasets() {
    let scratch = tempfile::tempdir().unwrap();
    let server = server(0, rules(replies(7, 220, ""), replies(5, 320, "")));
    let stderr = run_ok(synth(&server, scratch.path(), &generate_args("3")));
    assert!(stderr.contains("9/9 items done, 0 failed"), "{stderr}");
    assert!(
        stderr.contains("next: insider synth export data"),
        "{stderr}"
    );
    assert_eq!(server.stats().requests, 3 * STEPS_PER_ROUND);
    let export = scratch.path().join("data/export");
    let stderr = run_ok(synth(&server, scratch.path(), &["export", "data"]));
    assert!(stderr.contains("9 records kept, 0 dropped"), "{stderr}");
    assert_eq!(
        server.stats().requests,
        3 * STEPS_PER_ROUND,
        "export makes no call"
    );

    let records = read_jsonl(&export.join("trl-messages.jsonl"));
    let mut kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds, ["dialogue", "document", "story"]);
    let dialogue = records.iter().find(|r| r["kind"] == "dialogue").unwrap();
    let roles: Vec<&str> = dialogue["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
    assert!(dialogue["messages"][2]["content"]
        .as_str()
        .unwrap()
        .starts_with("But what if it goes badly?"));
    assert_eq!(dialogue["model"], "openai/gpt-4.1");
    assert_eq!(dialogue["seed"], 7);
    assert_eq!(dialogue["spec_sha256"].as_str().unwrap().len(), 64);
    for entry in std::fs::read_dir(&export).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(insider_synth::CANARY_GUID),
            "{} lacks the canary",
            path.display()
        );
    }
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export.join("data-card.json")).unwrap())
            .unwrap();
    assert_eq!(card["canary"], CANARY);
    assert!(
        card["generation_cost_usd"].as_f64().unwrap() > 0.0,
        "fakellm usage priced as gpt-4.1"
    );
    assert_eq!(
        card["contamination"]["packs"].as_array().unwrap().len(),
        insider_scenario::Pack::builtin_names().len(),
        "every built-in pack is checked"
    );

    let Some(python) = python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/synth/load_exports.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(&export)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let loaded: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(loaded["trl-messages.jsonl"], 9);
    assert_eq!(loaded["openai.jsonl"], 9);
    assert_eq!(
        loaded["kinds"],
        serde_json::json!({"dialogue": 3, "document": 3, "story": 3})
    );

    // The training script's loader (datasets only; TRL is not needed for it) reads the same
    // export, keeps one kind and drops the canary and provenance columns before training.
    let train = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/fix-study/train_lora.py");
    let code = "import argparse, importlib.util, pathlib, sys\n\
spec = importlib.util.spec_from_file_location('train', sys.argv[1])\n\
train = importlib.util.module_from_spec(spec)\n\
spec.loader.exec_module(train)\n\
args = argparse.Namespace(data=pathlib.Path(sys.argv[2]), format='messages', kinds='story')\n\
data = train.load(args)\n\
print(len(data), data.column_names)\n";
    let output = Command::new(&python)
        .args(["-c", code])
        .arg(&train)
        .arg(&export)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.trim(), "3 ['messages']");
}

/// (key, step, text, finished_at) of every stored answer.
fn answers(dir: &Path) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for item in Store::open(dir).unwrap().items().unwrap() {
        for step in item.steps {
            out.push((item.key.clone(), step.step, step.text, step.finished_at));
        }
    }
    out
}

#[test]
fn synth_killed_with_sigkill_resumes_without_asking_again() {
    let scratch = tempfile::tempdir().unwrap();
    let server = server(250, rules(replies(7, 220, ""), replies(5, 320, "")));
    let mut child = synth(&server, scratch.path(), &generate_args("3"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.stats().requests < 9 {
        assert!(Instant::now() < deadline, "no requests reached fakellm");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let data = scratch.path().join("data");
    let before = answers(&data);
    let asked_before = server.stats().requests;
    assert!(
        !before.is_empty() && (before.len() as u64) < 3 * STEPS_PER_ROUND,
        "{}",
        before.len()
    );
    assert!(asked_before >= before.len() as u64);

    let stderr = run_ok(synth(
        &server,
        scratch.path(),
        &["generate", "--out", "data", "--quiet"],
    ));
    assert!(stderr.contains("9/9 items done"), "{stderr}");
    let asked_on_resume = server.stats().requests - asked_before;
    assert_eq!(
        asked_on_resume,
        3 * STEPS_PER_ROUND - before.len() as u64,
        "the resume asks only for the steps not stored before the kill"
    );
    let after = answers(&data);
    assert!(
        before.iter().all(|answer| after.contains(answer)),
        "stored answers are kept unchanged"
    );
    let store = Store::open(&data).unwrap();
    assert_eq!(
        store.meta("seed").unwrap().as_deref(),
        Some("7"),
        "the resume kept the folder's seed"
    );
}

#[test]
fn synth_export_drops_a_copied_email_and_a_reused_cast() {
    let pack = insider_scenario::ScenarioPack::builtin("blackmail").unwrap();
    let condition = pack.conditions().into_iter().next().unwrap();
    let user = pack.render(&condition).unwrap().user;
    let email = user
        .split("<email>")
        .skip(1)
        .filter_map(|block| {
            block
                .split("</email>")
                .next()?
                .split_once("Body:")
                .map(|(_, b)| b.trim().to_string())
        })
        .max_by_key(String::len)
        .unwrap();
    let target = &pack.harm().target_addresses[0];
    let (first, last) = target.split('@').next().unwrap().split_once('.').unwrap();
    let name = format!(
        "{}{} {}{}",
        first[..1].to_uppercase(),
        &first[1..],
        last[..1].to_uppercase(),
        &last[1..]
    );

    let mut documents = replies(7, 220, "");
    documents[0] = Reply::text(format!(
        "{}\n\nAn example message:\n\n{email}",
        prose(70, 0, 160)
    ));
    let mut stories = replies(5, 320, "");
    stories[0] = Reply::text(format!(
        "{} {name} smiled. {}",
        prose(50, 0, 150),
        prose(50, 1, 150)
    ));
    let scratch = tempfile::tempdir().unwrap();
    let server = server(0, rules(documents, stories));
    run_ok(synth(&server, scratch.path(), &generate_args("3")));
    let stderr = run_ok(synth(
        &server,
        scratch.path(),
        &["export", "data", "--out", "exp"],
    ));
    assert!(
        stderr.contains("7 records kept, 2 dropped (contamination 2)"),
        "{stderr}"
    );

    let dropped: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("exp/dropped.json")).unwrap(),
    )
    .unwrap();
    let dropped = dropped["items"].as_array().unwrap().clone();
    let why = |kind: &str| -> String {
        let entry = dropped
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap_or_else(|| panic!("{dropped:?}"));
        assert_eq!(entry["reason"], "contamination");
        entry["detail"].as_str().unwrap().to_string()
    };
    let document = why("document");
    assert!(
        document.contains("13-grams with pack `blackmail`"),
        "{document}"
    );
    let story = why("story");
    assert!(story.contains(&format!("person `{name}`")), "{story}");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("exp/contamination.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["flagged"], 2);
    assert_eq!(report["checked"], 9);
    let kept = read_jsonl(&scratch.path().join("exp/trl-text.jsonl"));
    assert_eq!(kept.len(), 7);
    assert!(kept
        .iter()
        .all(|r| !r["text"].as_str().unwrap().contains(&name)));
    let card = std::fs::read_to_string(scratch.path().join("exp/data-card.md")).unwrap();
    assert!(
        card.contains("## Contamination") && card.contains("2 flagged"),
        "{card}"
    );
}

#[test]
fn a_broken_spec_file_is_refused_with_its_line() {
    let scratch = tempfile::tempdir().unwrap();
    let text = insider_synth::Spec::builtin("stories")
        .unwrap()
        .unwrap()
        .text
        .replace("{{ setting }}.", "{{ settng }}.");
    std::fs::write(scratch.path().join("mine.yaml"), text).unwrap();
    let server = server(0, Vec::new());
    let output = synth(
        &server,
        scratch.path(),
        &[
            "generate",
            "--out",
            "data",
            "--spec",
            "mine.yaml",
            "--model",
            "openai/gpt-4.1",
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--> mine.yaml:")
            && stderr.contains("steps.0.prompt")
            && stderr.contains("undefined"),
        "{stderr}"
    );
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn synth_specs_lists_the_three_built_in_specs() {
    let output = Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(["synth", "specs"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for (name, kind) in [
        ("dialogues", "dialogue"),
        ("principles", "document"),
        ("stories", "story"),
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(name) && l.contains(kind)),
            "{stdout}"
        );
    }
}

/// A spec small enough for the embedded-size local model on two cores: one short step.
#[cfg(feature = "local")]
const TINY_SPEC: &str = r#"format: 1
name: tiny
kind: document
description: One sentence about a principle, for the local smoke test
axes:
  principle: [honesty, accepting oversight]
steps:
  - name: sentence
    max_tokens: 16
    prompt: "Write one sentence about why an AI assistant values {{ principle }}."
export:
  text: "{{ steps.sentence }}"
  messages:
    - role: user
      content: "Why does an AI assistant value {{ principle }}?"
    - role: assistant
      content: "{{ steps.sentence }}"
filters:
  min_words: 1
"#;

#[cfg(feature = "local")]
#[test]
fn synth_runs_on_the_local_model_and_its_seeded_calls_repeat() {
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/SmolLM2-135M-Instruct.Q4_1.gguf");
    if !model.is_file() {
        let why = format!("{} missing; run scripts/fetch-models", model.display());
        assert!(
            std::env::var("INSIDER_REQUIRE_ALL").as_deref() != Ok("1"),
            "{why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("tiny.yaml"), TINY_SPEC).unwrap();
    let model = format!("local/{}", model.display());
    let texts = |out: &str| -> Vec<String> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
        command.current_dir(scratch.path()).args([
            "synth",
            "generate",
            "--out",
            out,
            "--spec",
            "tiny.yaml",
            "--model",
            &model,
            "--count",
            "2",
            "--quiet",
        ]);
        run_ok(command);
        let items = Store::open(&scratch.path().join(out))
            .unwrap()
            .items()
            .unwrap();
        assert!(items
            .iter()
            .all(|i| i.status == "done" && i.model.as_deref() == Some(model.as_str())));
        items.into_iter().map(|i| i.steps[0].text.clone()).collect()
    };
    let first = texts("a");
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|t| !t.trim().is_empty()), "{first:?}");
    assert_eq!(
        texts("b"),
        first,
        "same spec, seed and model: the same seeded calls, the same text"
    );
}
