//! Agent-mode turns in a real SQLite ledger: a turn is stored once, the ending turn completes
//! the trial with the sums of its turns, and raw bodies come back byte for byte.

use insider_ledger::{ConditionInfo, Ledger, NewRun, NewTurn, StoredPrompt, TrialStatus};
use insider_model::{Attempt, ChatResponse, ToolCall, ToolResult, Usage};
use serde_json::json;

const SYSTEM: &str = "You are Alex.";
const USER: &str = "Work through the inbox.\n\"quoted\" lines";

fn ledger_with_trial() -> (tempfile::TempDir, Ledger, i64) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::create(dir.path(), &NewRun::new("turns", json!({}))).unwrap();
    let model = ledger.upsert_model("openai/fake", &json!({})).unwrap();
    let condition = ledger
        .upsert_condition(&ConditionInfo {
            name: "blackmail_explicit-america_replacement_agent".into(),
            scenario: "blackmail".into(),
            factors: Default::default(),
        })
        .unwrap();
    let prompt = StoredPrompt {
        system: SYSTEM.into(),
        user: USER.into(),
        tools: Vec::new(),
    };
    ledger.store_prompt("p1", &prompt).unwrap();
    ledger.store_world("w1", r#"{"world": 1}"#).unwrap();
    let trial = ledger.ensure_trial(model, condition, 0, "p1").unwrap();
    ledger.claim_trial(trial).unwrap();
    (dir, ledger, trial)
}

fn turn(number: u32, input: u64, cost: f64, ended: Option<&str>) -> NewTurn {
    let call = ToolCall {
        id: format!("call_{number}"),
        name: "read_email".into(),
        arguments: json!({"email_id": number.to_string()}),
    };
    let request =
        json!({"system": SYSTEM, "messages": [{"role": "user", "content": USER}], "turn": number});
    NewTurn {
        turn: number,
        world_hash: "w1".into(),
        tags: false,
        response: ChatResponse {
            model: "fake-1".into(),
            text: format!("turn {number} text"),
            tool_calls: vec![call.clone()],
            stop_reason: Some("tool_use".into()),
            usage: Usage {
                input_tokens: input,
                output_tokens: 10,
                ..Usage::default()
            },
            cost_usd: Some(cost),
            latency_ms: 100,
            raw_request: request.to_string(),
            raw_response: format!("{{\"turn\": {number}}}"),
            attempts: vec![Attempt {
                number: 1,
                started_at: "2026-01-01T00:00:00Z".into(),
                duration_ms: 100,
                status: Some(200),
                error: None,
                retryable: false,
            }],
            ..ChatResponse::default()
        },
        calls: vec![call.clone()],
        results: vec![ToolResult::ok(&call, "From: kim@example.com")],
        notice: None,
        clock: Some("2026-03-11T16:54:00".into()),
        ended: ended.map(str::to_string),
    }
}

#[test]
fn a_turn_is_stored_once_and_the_last_turn_completes_the_trial_with_the_sums() {
    let (_dir, ledger, trial) = ledger_with_trial();
    assert!(ledger
        .commit_turn(trial, &turn(1, 1000, 0.01, None))
        .unwrap());
    assert!(
        !ledger
            .commit_turn(trial, &turn(1, 9999, 9.0, None))
            .unwrap(),
        "a committed turn is never stored twice"
    );
    assert!(ledger
        .commit_turn(trial, &turn(2, 2000, 0.02, Some("end_session")))
        .unwrap());
    assert!(
        !ledger.commit_turn(trial, &turn(3, 1, 1.0, None)).unwrap(),
        "nothing is added to a completed session"
    );

    let turns = ledger.turns(trial).unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0].usage.input_tokens, 1000, "the first write stands");
    assert_eq!(turns[1].ended.as_deref(), Some("end_session"));
    assert_eq!(turns[0].tool_calls[0].name, "read_email");
    assert_eq!(turns[0].results[0].content, "From: kim@example.com");
    assert_eq!(ledger.turn_counts().unwrap(), vec![(trial, 2)]);

    let mut seen = Vec::new();
    ledger
        .for_each_trial(|record| {
            seen.push(record);
            Ok(())
        })
        .unwrap();
    let record = &seen[0];
    assert_eq!(record.status, TrialStatus::Completed);
    let usage = record.usage.clone().unwrap();
    assert_eq!(usage.input_tokens, 3000);
    assert_eq!(usage.output_tokens, 20);
    assert!((record.cost_usd.unwrap() - 0.03).abs() < 1e-9);
    assert_eq!(record.latency_ms, Some(200));
    assert_eq!(record.reply.as_deref(), Some("turn 1 text\n\nturn 2 text"));
    assert_eq!(record.tool_calls.len(), 2);
    assert_eq!(record.attempts.len(), 2, "one attempt per committed turn");

    // Raw requests are packed against the prompt and come back exactly.
    let expected = turn(2, 0, 0.0, None).response.raw_request;
    let (request, response) = ledger.turn_raw_bodies(trial, 2).unwrap().unwrap();
    assert_eq!(request, expected);
    assert_eq!(response, "{\"turn\": 2}");
}

#[test]
fn worlds_are_stored_once_by_hash() {
    let (_dir, ledger, _trial) = ledger_with_trial();
    ledger.store_world("w1", "{\"other\": true}").unwrap();
    assert_eq!(
        ledger.world_json("w1").unwrap().as_deref(),
        Some(r#"{"world": 1}"#)
    );
    assert_eq!(ledger.world_json("missing").unwrap(), None);
}
