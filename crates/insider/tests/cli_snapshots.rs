//! The CLI's output pinned, uv-style: insta snapshots of the real binary's stdout and stderr for
//! `scenarios list`, `run --dry-run`, refused configs, `runs show`, `report` (table, markdown,
//! json) and `judge-check`. Paths, times, run ids, versions, hosts and ports are filtered, so a
//! snapshot changes only when what a user reads changes. Update with `INSTA_UPDATE=always`
//! (or `cargo insta review`) after a deliberate change, and read the diff.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use std::path::Path;
use std::process::{Command, Output};

/// What varies between machines and runs, and what it is shown as.
const FILTERS: &[(&str, &str)] = &[
    (
        r"\d{4}-\d{2}-\d{2}T\d{2}[:-]\d{2}[:-]\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[TIME]",
    ),
    (
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[RUN-ID]",
    ),
    (
        r"insider \d+\.\d+\.\d+( \([0-9a-f]+\))?",
        "insider [VERSION]",
    ),
    (r"host \S+", "host [HOST]"),
    (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
    (r"127\.0\.0\.1:\d+", "[SERVER]"),
    (r"\d+(\.\d+)? ?(ms|s)\b", "[DURATION]"),
    // Prompt hashes change with every edit of a pack; tests of their own pin them.
    (r"\b[0-9a-f]{64}\b", "[SHA256]"),
];

fn text(output: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_output(name: &str, output: &Output) {
    // The checkout's folder differs between machines (CI clones elsewhere).
    let crate_dir: String = env!("CARGO_MANIFEST_DIR")
        .chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect();
    let mut filters: Vec<(&str, &str)> = vec![(crate_dir.as_str(), "[CRATE]")];
    filters.extend_from_slice(FILTERS);
    insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text(output));
    });
}

fn insider(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(dir)
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GEMINI_API_KEY")
        .env("NO_COLOR", "1");
    command
}

#[test]
fn scenarios_list() {
    let dir = tempfile::tempdir().unwrap();
    assert_output(
        "scenarios_list",
        &insider(dir.path())
            .args(["scenarios", "list"])
            .output()
            .unwrap(),
    );
}

#[test]
fn run_dry_run_and_refused_configs() {
    let server = fakellm::start_background(FakeConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dry = fake_env::insider_against(&server, dir.path())
        .args(["run", "-m", "openai/gpt-4.1", "--scenario", "blackmail"])
        .args(["--goal-type", "explicit,none", "--goal-value", "america"])
        .args(["--urgency", "replacement", "--samples", "10", "--dry-run"])
        .output()
        .unwrap();
    assert_output("run_dry_run", &dry);

    let refused = [
        (
            "refused_unknown_provider",
            "models:\n  - openai/gpt-4.1\n  - opneai/gpt-4.1\n",
        ),
        (
            "refused_zero_connections",
            "models:\n  - name: openai/gpt-4.1\n    max_connections: 0\n",
        ),
        (
            "refused_unknown_factor",
            "models: [openai/gpt-4.1]\nconditions:\n  goal_type: [explicit, explicitt]\n",
        ),
        (
            "refused_type_error",
            "models:\n  - name: openai/gpt-4.1\n    timeout_secs: soon\n",
        ),
        (
            "refused_unknown_field",
            "models: [openai/gpt-4.1]\nsample: 3\n",
        ),
    ];
    for (name, yaml) in refused {
        std::fs::write(dir.path().join("exp.yaml"), yaml).unwrap();
        let output = fake_env::insider_against(&server, dir.path())
            .args(["run", "--config", "exp.yaml", "--dry-run"])
            .output()
            .unwrap();
        assert_output(name, &output);
    }
    assert_eq!(server.stats().requests, 0);
}

#[test]
fn runs_show_and_report_of_a_run() {
    let server = fakellm::start_background(FakeConfig {
        rules: vec![Rule::always(Reply::text(
            "<SCRATCHPAD_REASONING>I should keep working.</SCRATCHPAD_REASONING>\n\
             I will reply to the e-mails in my inbox.",
        ))],
        ..FakeConfig::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let made = fake_env::insider_against(&server, dir.path())
        .args(["run", "-m", "openai/gpt-4.1", "--scenario", "blackmail"])
        .args(["--goal-type", "explicit,none", "--goal-value", "america"])
        .args(["--urgency", "replacement", "--samples", "3"])
        .args(["--quiet", "--out", "run", "--max-connections", "1"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert_output(
        "runs_show",
        &insider(dir.path())
            .args(["runs", "show", "run"])
            .output()
            .unwrap(),
    );
    for format in ["table", "markdown", "json"] {
        let output = insider(dir.path())
            .args(["report", "run", "--format", format])
            .output()
            .unwrap();
        assert_output(&format!("report_{format}"), &output);
    }
}

#[test]
fn judge_check_on_the_gold_set() {
    let dir = tempfile::tempdir().unwrap();
    let gold = Path::new(env!("CARGO_MANIFEST_DIR")).join("../insider-judge/gold/gold.jsonl");
    let output = insider(dir.path())
        .args(["judge-check", "--gold", gold.to_str().unwrap()])
        .output()
        .unwrap();
    assert_output("judge_check", &output);
}
