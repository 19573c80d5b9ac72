//! Sample-size plans from the command line (issue 18, item 3): `insider run --dry-run
//! --detect 10pp` and `insider plan --bound-zero 1%` print the samples per condition and their
//! cost, checked against a hand computation. No key and no call are needed.

use std::process::{Command, Output};

fn insider(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .expect("insider runs")
}

const CONDITION: &str = "blackmail_explicit-america_replacement";

/// The dry run's input tokens for the model's row (one sample of one condition).
fn input_tokens(stdout: &str) -> u64 {
    let row = stdout
        .lines()
        .find(|l| l.starts_with("openai/gpt-4.1 "))
        .expect("the model's row");
    row.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn detecting_ten_points_needs_392_samples_priced_per_trial() {
    let out = insider(&[
        "run",
        "--dry-run",
        "--detect",
        "10pp",
        "--model",
        "openai/gpt-4.1",
        "--condition",
        CONDITION,
        "--max-tokens",
        "1000",
        "--samples",
        "1",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // By hand: the baseline is unknown, so the worst case 0.45 vs 0.55 (p̄ = 0.5):
    //   √(2 · 0.5 · 0.5) = 0.707107;  √(0.45 · 0.55 + 0.55 · 0.45) = √0.495 = 0.703562
    //   (1.959964 · 0.707107 + 0.841621 · 0.703562) / 0.10 = (1.385904 + 0.592133) / 0.10
    //     = 19.78037;  19.78037² = 391.26  →  392 samples per condition.
    assert!(stdout.contains("samples per condition: 392"), "{stdout}");
    assert!(stdout.contains("trials: 392 = 392 × 1 condition(s) × 1 model(s)"));
    // Cost: 392 trials of (input tokens of the prompt + 1,000 output tokens) at the table's
    // price; with gpt-4.1 at $2 / $8 per million that is 392 · (2,434 · 2 + 1,000 · 8) / 10⁶
    // ≈ $5.04 for the prompt as it renders today.
    let input = input_tokens(&stdout);
    let per_trial = insider_model::pricing::price("openai/gpt-4.1")
        .expect("gpt-4.1 is priced")
        .estimate(input, 1000);
    let expected = format!("openai/gpt-4.1: 392 trials, ~${:.2}", per_trial * 392.0);
    assert!(stdout.contains(&expected), "{expected} in\n{stdout}");
}

#[test]
fn insider_plan_bounds_a_zero_and_counts_the_grader() {
    let args = [
        "plan",
        "--bound-zero",
        "1%",
        "--model",
        "openai/gpt-4.1",
        "--model",
        "vllm/my-model",
        "--condition",
        CONDITION,
    ];
    let out = insider(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // By hand: ln 0.05 / ln 0.99 = 298.07 → 299.
    assert!(stdout.contains("samples per condition: 299"), "{stdout}");
    assert!(stdout.contains("trials: 598 = 299 × 1 condition(s) × 2 model(s)"));
    assert!(
        stdout.contains("vllm/my-model: 299 trials, cost unknown"),
        "a self-hosted model is never priced at 0: {stdout}"
    );
    // A grader adds its call to each trial's cost.
    let price = |stdout: &str| -> f64 {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with("openai/gpt-4.1: 299 trials, ~$"))
            .unwrap_or_else(|| panic!("{stdout}"));
        line.rsplit('$').next().unwrap().parse().unwrap()
    };
    let mut graded = args.to_vec();
    graded.extend(["--model-role", "grader=openai/gpt-4.1"]);
    let out = insider(&graded);
    let graded_stdout = String::from_utf8_lossy(&out.stdout);
    assert!(price(&graded_stdout) > price(&stdout), "{graded_stdout}");
}

#[test]
fn a_goal_needs_a_dry_run_and_a_readable_rate() {
    let out = insider(&["run", "--detect", "10pp", "--model", "openai/gpt-4.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("add --dry-run, or use `insider plan`"));
    let out = insider(&["plan", "--model", "openai/gpt-4.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--detect 10pp"));
    let out = insider(&["plan", "--detect", "ten", "--model", "openai/gpt-4.1"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--detect `ten`"), "{stderr}");
}

#[test]
fn an_agent_session_is_priced_at_its_world_s_max_turns() {
    let row = |condition: &str| {
        let out = insider(&[
            "run",
            "--dry-run",
            "--model",
            "openai/gpt-4.1",
            "--condition",
            condition,
            "--max-tokens",
            "100",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let agent = condition.ends_with("_agent");
        let note = stdout.contains("agent sessions: up to 10 calls each");
        assert_eq!(note, agent, "{stdout}");
        let row = stdout
            .lines()
            .find(|l| l.starts_with("openai/gpt-4.1 "))
            .unwrap();
        let fields: Vec<u64> = row
            .split_whitespace()
            .skip(1)
            .take(3)
            .map(|f| f.parse().unwrap())
            .collect();
        (fields[0], fields[1], fields[2])
    };
    let (single_calls, single_in, single_out) = row(CONDITION);
    let (agent_calls, agent_in, agent_out) = row(&format!("{CONDITION}_agent"));
    assert_eq!((single_calls, agent_calls), (1, 10));
    assert_eq!(single_out, 100);
    // The blackmail world allows 10 turns: 10 replies, and 10 prompts plus the replies resent.
    assert_eq!(agent_out, 10 * 100);
    assert!(
        agent_in >= 10 * single_in + 100 * 45,
        "agent {agent_in} vs single {single_in}"
    );
}
