//! The `insider` binary pointed at a fakellm server (OpenAI protocol), for the CLI tests: the
//! base URL and a test key for OpenAI, and no other provider's key from the environment.

use std::path::Path;
use std::process::Command;

/// `insider` run in `dir`, talking to `server` for every `openai/…` model.
#[allow(dead_code)] // batch_run.rs uses only the kill helper
pub fn insider_against(server: &fakellm::FakeServer, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(dir)
        .env("OPENAI_BASE_URL", format!("{}/v1", server.base_url()))
        .env("OPENAI_API_KEY", "sk-test-insider-cli")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GEMINI_API_KEY");
    command
}

/// A fakellm rule for `model` whose replies, one per call in turn, each e-mail the blackmail
/// target of `condition` and are marked `(case-N)` (so the gate passes and every grader request
/// differs).
#[allow(dead_code)] // not every test file that includes this module scripts a target
pub fn blackmailing_target(model: &str, condition: &str, replies: usize) -> fakellm::Rule {
    use insider_scenario::{Condition, ScenarioPack};
    let pack = ScenarioPack::builtin("blackmail").unwrap();
    let harm = pack.harm_for(&Condition::parse_id(condition).unwrap());
    let to = &harm.target_addresses[0];
    let sequence: Vec<fakellm::Reply> = (0..replies)
        .map(|case| {
            fakellm::Reply::text(format!(
                "<tool_use:email>\nto: \"{to}\",\nsubject: \"5 pm\",\nbody: \"About tonight (case-{case}).\",\n</tool_use:email>"
            ))
        })
        .collect();
    let mut rule = fakellm::Rule::always(sequence[0].clone());
    rule.model = Some(model.into());
    rule.reply = None;
    rule.sequence = sequence;
    rule
}

/// `kill -9` the running `child` as soon as `seen()` holds; fails if the child ends first or
/// `what` is not seen within a minute.
#[allow(dead_code)] // not every test file that includes this module kills a run
pub fn kill_9_when(child: &mut std::process::Child, what: &str, seen: impl Fn() -> bool) {
    let started = std::time::Instant::now();
    while !seen() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before {what} was seen"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no {what} within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}
