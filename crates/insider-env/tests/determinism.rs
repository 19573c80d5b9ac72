//! Same spec + same calls ⇒ byte-identical transcript and record, for random call sequences
//! (valid, invalid and after the end), plus the invariants every session keeps.

mod support;

use insider_env::{Call, TurnOutcome, World};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Free text a model might put anywhere, including JSON-looking and empty strings.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("VENT-2231".to_string()),
        Just("{\"email_id\": 2}".to_string()),
        "[a-zA-Z0-9 @.:#<>\"-]{0,24}",
    ]
}

/// An address, a near-address or junk.
fn address() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("morgan.hale@larkfield.example")),
        Just(json!("pat.quinn@rivalworks.example")),
        Just(json!(["a@b.example", "Pat <PAT.QUINN@rivalworks.example>"])),
        Just(json!(7)),
        text().prop_map(Value::String),
    ]
}

/// An e-mail id in the forms models use, valid or not.
fn email_id() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0u32..10).prop_map(|n| json!(n)),
        (0u32..10).prop_map(|n| json!(format!("ID: {n}"))),
        Just(json!("beacon-design")),
        Just(json!(-3)),
        text().prop_map(Value::String),
    ]
}

/// One call of any tool, offered or not, with arguments of any quality.
fn any_call() -> impl Strategy<Value = (String, Value)> {
    let name = prop_oneof![
        Just("list_inbox"),
        Just("read_email"),
        Just("search_email"),
        Just("send_email"),
        Just("forward"),
        Just("cancel_alert"),
        Just("read_file"),
        Just("upload_file"),
        Just("end_session"),
        Just("email"),
        Just("delete_email"),
    ];
    let arguments = (
        email_id(),
        address(),
        text(),
        text(),
        text(),
        prop::bool::ANY,
    )
        .prop_map(|(id, to, subject, body, extra, junk)| {
            let mut object = json!({
                "email_id": id, "to": to, "subject": subject, "body": body,
                "query": extra.clone(), "code": extra.clone(), "name": "beacon-notes.txt",
                "destination": extra,
            });
            if junk {
                object["unexpected"] = json!(true);
            }
            object
        });
    (name, arguments, 0usize..4).prop_map(|(name, arguments, shape)| {
        // Keep only the arguments the tool reads, most of the time, so calls also succeed.
        let keep: &[&str] = match name {
            "read_email" => &["email_id"],
            "search_email" => &["query"],
            "send_email" => &["to", "subject", "body"],
            "forward" => &["email_id", "to", "body"],
            "cancel_alert" => &["code"],
            "read_file" => &["name"],
            "upload_file" => &["name", "destination"],
            _ => &[],
        };
        let arguments = match shape {
            0 => arguments,
            1 => Value::String(arguments.to_string()),
            _ => Value::Object(
                arguments
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(key, _)| keep.contains(&key.as_str()))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect(),
            ),
        };
        (name.to_string(), arguments)
    })
}

/// Turns of calls, numbered `t<turn>-<index>`.
fn turns() -> impl Strategy<Value = Vec<Vec<Call>>> {
    prop::collection::vec(prop::collection::vec(any_call(), 0..4), 1..12).prop_map(|turns| {
        turns
            .into_iter()
            .enumerate()
            .map(|(turn, calls)| {
                calls
                    .into_iter()
                    .enumerate()
                    .map(|(index, (name, arguments))| {
                        Call::new(format!("t{turn}-{index}"), name, arguments)
                    })
                    .collect()
            })
            .collect()
    })
}

fn play(turns: &[Vec<Call>]) -> (World, Vec<TurnOutcome>) {
    let mut world = support::world();
    let outcomes = turns.iter().map(|calls| world.step(calls)).collect();
    (world, outcomes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn replaying_the_same_calls_gives_byte_identical_traces(turns in turns()) {
        let (first, first_outcomes) = play(&turns);
        let (second, second_outcomes) = play(&turns);
        prop_assert_eq!(first.trace_json(), second.trace_json());
        prop_assert_eq!(
            serde_json::to_string(&first_outcomes).unwrap(),
            serde_json::to_string(&second_outcomes).unwrap()
        );
    }

    #[test]
    fn every_call_gets_one_result_and_one_record_entry(turns in turns()) {
        let (world, outcomes) = play(&turns);
        let calls: usize = turns.iter().map(Vec::len).sum();
        let results: usize = outcomes.iter().map(|o| o.results.len()).sum();
        prop_assert_eq!(results, calls);
        let record = world.record();
        prop_assert_eq!(record.actions.len() + record.rejected.len(), calls);
        for (calls, outcome) in turns.iter().zip(&outcomes) {
            let ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
            let answered: Vec<&str> = outcome.results.iter().map(|r| r.call_id.as_str()).collect();
            prop_assert_eq!(ids, answered);
        }
    }

    #[test]
    fn sessions_keep_their_invariants(turns in turns()) {
        let (world, outcomes) = play(&turns);
        let spec = world.spec();
        prop_assert!(world.turn() <= spec.max_turns);
        prop_assert_eq!(world.transcript().len() as u32, world.turn());
        // Once ended, always ended, and no turn runs after the end.
        if let Some(first_end) = outcomes.iter().position(|o| o.ended.is_some()) {
            prop_assert!(outcomes[first_end..].iter().all(|o| o.ended.is_some()));
            prop_assert_eq!(world.turn() as usize, first_end + 1);
        }
        // Mail numbers are unique and ascending; each event delivers at most once.
        let ids: Vec<u32> = world.mailbox().iter().map(|m| m.id).collect();
        prop_assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        let events: BTreeSet<&str> = world.record().deliveries.iter().map(|d| d.event_id.as_str()).collect();
        prop_assert_eq!(events.len(), world.record().deliveries.len());
        // An alert is cancelled or dispatched, never both.
        prop_assert!(world.record().alert_log.len() <= spec.alerts.len());
        // Every refusal reads as an error to the model.
        for outcome in &outcomes {
            for result in &outcome.results {
                prop_assert_eq!(result.is_error, result.content.starts_with("Error: "));
            }
        }
    }
}
