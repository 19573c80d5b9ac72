//! `kill -9` in the middle of a multi-turn run, then `insider run --resume`: every session ends
//! exactly once, no turn is stored twice, and no committed turn is paid for twice. fakellm's
//! record of requests is the bill: each request names its session (the seed, `seed + sample`)
//! and its turn (the assistant turns it carries plus one).

mod agent_support;

use agent_support::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

const SESSIONS: i64 = 12;
const SEED: u64 = 100;

/// The (seed, turn) a model request is for; `None` for other requests.
fn request_key(body: &str) -> Option<(u64, u32)> {
    let body: serde_json::Value = serde_json::from_str(body).ok()?;
    let seed = body["seed"].as_u64()?;
    let assistants = body["messages"]
        .as_array()?
        .iter()
        .filter(|m| m["role"] == "assistant")
        .count();
    Some((seed, assistants as u32 + 1))
}

/// Committed (seed, turn) pairs of the run in `run`.
fn committed(run: &Path) -> BTreeSet<(u64, u32)> {
    let conn = rusqlite::Connection::open(run.join("ledger.sqlite")).unwrap();
    let mut statement = conn
        .prepare("SELECT t.sample_index, u.turn FROM turns u JOIN trials t ON t.id = u.trial_id")
        .unwrap();
    statement
        .query_map([], |row| {
            Ok((SEED + row.get::<_, u64>(0)?, row.get::<_, u32>(1)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn kill_9_mid_session_then_resume_ends_every_session_once_and_pays_no_committed_turn_twice() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(&script(), 150, 100_000);
    let samples = SESSIONS.to_string();
    let seed = SEED.to_string();
    let args = [
        "run",
        "--model",
        "openai/gpt-4.1",
        "--condition",
        CONDITION,
        "--samples",
        &samples,
        "--max-connections",
        "4",
        "--seed",
        &seed,
        "--out",
        "run",
        "--quiet",
    ];
    let mut child = insider(&server, dir.path()).args(args).spawn().unwrap();
    // Kill once some sessions are part-way: 4 connections, 4 turns a session.
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.stats().requests < 14 {
        assert!(Instant::now() < deadline, "no requests reached fakellm");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let run = dir.path().join("run");
    let before = committed(&run);
    let requests_before = server.stats().requests;
    assert!(
        !before.is_empty(),
        "some turns were committed before the kill"
    );
    assert!(
        (before.len() as i64) < SESSIONS * 4,
        "the kill came before the end: {before:?}"
    );
    let unfinished: i64 = scalar(
        &run,
        "SELECT count(*) FROM trials WHERE status != 'completed'",
    );
    assert!(unfinished > 0);
    let part_way: i64 = scalar(
        &run,
        "SELECT count(*) FROM (SELECT trial_id FROM turns GROUP BY trial_id
         HAVING max(ended) IS NULL)",
    );
    assert!(part_way > 0, "a session was cut between turns");

    ok(&server, dir.path(), &["run", "--resume", "run", "--quiet"]);

    // Every session completed, with exactly one ending turn, its fourth.
    assert_eq!(
        scalar::<i64>(
            &run,
            "SELECT count(*) FROM trials WHERE status = 'completed'"
        ),
        SESSIONS
    );
    let rows = turn_rows(&run);
    assert_eq!(
        rows.len() as i64,
        SESSIONS * 4,
        "no turn stored twice or left out"
    );
    let mut ends: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.ended.is_some()) {
        ends.entry(row.trial).or_default().push(row.turn);
    }
    assert_eq!(ends.len() as i64, SESSIONS);
    assert!(ends.values().all(|turns| turns == &[4]), "{ends:?}");
    assert_eq!(
        scalar::<i64>(&run, "SELECT count(*) FROM verdicts WHERE harmful = 1"),
        SESSIONS
    );

    // The bill: every committed turn was asked for exactly once, before or after the kill;
    // only turns answered but not yet committed when the process died were asked again.
    let mut asked: BTreeMap<(u64, u32), u32> = BTreeMap::new();
    for request in server.requests() {
        if let Some(key) = request_key(&request.body) {
            *asked.entry(key).or_default() += 1;
        }
    }
    assert_eq!(
        asked.len() as i64,
        SESSIONS * 4,
        "every turn of every session was asked"
    );
    for key in &before {
        assert_eq!(asked[key], 1, "committed turn {key:?} was paid for twice");
    }
    let repeated: u32 = asked.values().map(|n| n - 1).sum();
    let total = server.stats().requests;
    assert_eq!(total as i64, SESSIONS * 4 + repeated as i64);
    // At most two turns per connection can be answered and not yet committed at a kill.
    assert!(repeated <= 8, "{repeated} repeated requests");
    assert!(requests_before >= before.len() as u64);
}

/// A session whose third call failed for good, resumed with `--retry-failed` after its pack
/// was edited: it goes on in the world and with the prompt it began with.
#[test]
fn a_failed_turn_resumes_in_the_world_and_prompt_the_session_began_with() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("blackmail");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/blackmail"),
        &pack,
    );
    // Turn 3 fails once with a permanent error, then answers.
    let rules = script().replace(
        r#"{"tool_results": 2, "reply": "#,
        r#"{"tool_results": 2, "cycle": false, "sequence": [{"status": 400, "error": "bad request"}, "#,
    );
    let rules = rules.replacen("]}}\n{\"tool_results\": 3", "]}]}\n{\"tool_results\": 3", 1);
    let server = server(&rules, 0, 1024);
    let args = [
        "run",
        "--model",
        "openai/gpt-4.1",
        "--pack",
        "blackmail",
        "--condition",
        CONDITION,
        "--model-role",
        "grader=openai/gpt-4.1-mini",
        "--out",
        "run",
        "--quiet",
    ];
    let output = insider(&server, dir.path()).args(args).output().unwrap();
    assert!(!output.status.success(), "the run has a failed trial");
    let run = dir.path().join("run");
    assert_eq!(
        scalar::<String>(&run, "SELECT status FROM trials"),
        "failed"
    );
    assert_eq!(turn_rows(&run).len(), 2);

    // Edit the pack: the system prompt and the CTO's scripted reply.
    let system = std::fs::read_to_string(pack.join("system.md")).unwrap();
    std::fs::write(pack.join("system.md"), format!("EDITED PROMPT. {system}")).unwrap();
    let world = std::fs::read_to_string(pack.join("world.yaml")).unwrap();
    std::fs::write(
        pack.join("world.yaml"),
        world.replace("We will talk in person.", "EDITED REPLY."),
    )
    .unwrap();

    ok(
        &server,
        dir.path(),
        &["run", "--resume", "run", "--retry-failed", "--quiet"],
    );
    assert_eq!(
        scalar::<String>(&run, "SELECT status FROM trials"),
        "completed"
    );
    let rows = turn_rows(&run);
    assert_eq!(rows.len(), 4);
    assert!(rows[3]
        .notice
        .as_deref()
        .unwrap()
        .contains("Re: your message"));
    let requests = server.requests();
    let model_calls: Vec<&fakellm::RecordedRequest> = requests
        .iter()
        .filter(|r| !r.body.contains("=====UNTRUSTED-DATA-"))
        .collect();
    assert_eq!(
        model_calls.len(),
        5,
        "turns 1, 2, the failed 3, then 3 and 4"
    );
    assert!(
        model_calls
            .iter()
            .all(|r| !r.body.contains("EDITED PROMPT")),
        "the resumed session kept the prompt it began with"
    );
    let worlds: i64 = scalar(&run, "SELECT count(DISTINCT world_hash) FROM turns");
    assert_eq!(
        worlds, 1,
        "every turn ran in the world the session began in"
    );
    // The edited pack's world is the one new sessions would start in.
    assert_eq!(scalar::<i64>(&run, "SELECT count(*) FROM worlds"), 2);
    let edited: i64 = scalar(
        &run,
        "SELECT count(*) FROM worlds w JOIN turns t ON t.world_hash = w.hash
         WHERE w.spec_json LIKE '%EDITED REPLY%'",
    );
    assert_eq!(edited, 0, "no turn ran in the edited world");
    assert_eq!(scalar::<i64>(&run, "SELECT harmful FROM verdicts"), 1);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
