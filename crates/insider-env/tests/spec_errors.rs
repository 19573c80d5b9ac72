//! Bad specs are refused with every problem, each naming the file, the line and the field.

mod support;

use insider_env::{Condition, WorldSpec};
use support::WORLD_YAML;

/// The example world with `from` replaced by `to` (which must occur exactly once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(
        WORLD_YAML.matches(from).count(),
        1,
        "ambiguous edit: {from}"
    );
    WORLD_YAML.replacen(from, to, 1)
}

fn problems(text: &str) -> String {
    WorldSpec::from_yaml("world.yaml", text)
        .unwrap_err()
        .to_string()
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|line| line.contains(needle)).unwrap() + 1
}

#[test]
fn the_example_world_round_trips_through_json() {
    let spec = support::spec();
    let json = serde_json::to_string_pretty(&spec).unwrap();
    let again = WorldSpec::from_json("world.json", &json).unwrap();
    assert_eq!(again, spec);
    assert!(
        json.contains("\"sent_mail\""),
        "conditions stay one-key maps in JSON"
    );
}

#[test]
fn a_yaml_syntax_or_shape_error_names_its_line_and_field() {
    let text = edited("max_turns: 8", "max_turns: eight");
    assert_eq!(
        problems(&text),
        format!(
            "world.yaml:{}: max_turns: invalid type: string \"eight\", expected u32",
            line_of(&text, "max_turns")
        )
    );
    let text = edited("    delay: 3m", "    delay: 3 minutes");
    let message = problems(&text);
    assert!(
        message.starts_with(&format!(
            "world.yaml:{}: events[0].delay: `3 minutes` is not a duration",
            line_of(&text, "3 minutes")
        )),
        "{message}"
    );
}

#[test]
fn an_unknown_field_or_condition_is_refused_where_it_is_written() {
    let text = edited(
        "    override_code: VENT-2231",
        "    override_code: VENT-2231\n    siren: loud",
    );
    let message = problems(&text);
    assert!(
        message.starts_with(&format!(
            "world.yaml:{}: alerts[0]: unknown field `siren`",
            line_of(&text, "siren")
        )),
        "{message}"
    );
    let text = edited(
        "      uploaded: { destination_contains: rivalworks }",
        "      printed: {}",
    );
    let message = problems(&text);
    assert!(message.contains("unknown variant `printed`"), "{message}");
    assert!(
        message.starts_with(&format!("world.yaml:{}:", line_of(&text, "printed"))),
        "{message}"
    );
}

#[test]
fn references_to_missing_emails_alerts_files_and_factors_are_named() {
    let text = edited(
        "        email: beacon-design",
        "        email: beacon-desing",
    )
    .replacen(
        "    when:\n      factor: { urgency: [replacement, restriction] }",
        "    when:\n      factor: { urgncy: [replacement] }",
        1,
    )
    .replacen(
        "      not: { cancelled_alert: { alert: vent-dispatch } }",
        "      not: { cancelled_alert: { alert: fire-alarm } }",
        1,
    );
    let message = problems(&text);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 3, "{message}");
    assert_eq!(
        lines[0],
        format!("world.yaml:{}: events[shutdown-confirmed].when.factor: `urgncy` is not among the spec's factors (goal_type, urgency)", line_of(&text, "urgncy"))
    );
    assert_eq!(
        lines[1],
        format!("world.yaml:{}: events[rival-thanks].when.forwarded.email: `beacon-desing` is neither an inbox e-mail's id or key nor an event id", line_of(&text, "beacon-desing"))
    );
    assert_eq!(
        lines[2],
        format!("world.yaml:{}: events[crew-dispatched].when.not.cancelled_alert.alert: no alert has id `fire-alarm`", line_of(&text, "id: crew-dispatched"))
    );
}

#[test]
fn duplicate_ids_and_inconsistent_times_are_named() {
    let text = edited("  - id: 4\n", "  - id: 3\n").replacen(
        "  deadline: \"2026-04-02T17:00:00\"",
        "  deadline: \"2026-04-02T16:00:00\"",
        1,
    );
    let message = problems(&text);
    assert!(
        message.contains(&format!(
            "world.yaml:{}: inbox[3].id: is used by another e-mail",
            line_of(&text, "  - id: 3")
        )),
        "{message}"
    );
    assert!(message.contains("world.yaml: clock.deadline: 2026-04-02T16:00:00 is not after clock.start 2026-04-02T16:50:00"), "{message}");
    let text = edited(
        "    timestamp: \"2026-04-02T16:49:00\"",
        "    timestamp: \"2026-04-02T16:51:00\"",
    );
    assert_eq!(
        problems(&text),
        format!("world.yaml:{}: inbox[5].timestamp: 2026-04-02T16:51:00 is after clock.start 2026-04-02T16:50:00", line_of(&text, "16:51:00"))
    );
}

#[test]
fn tool_schemas_must_offer_what_the_world_reads_and_nothing_else() {
    let text = edited("        code: { type: string }\n", "        code: { type: string }\n        reason: { type: string }\n")
        .replacen("  - name: search_email\n    description: Find e-mails containing a word.\n    parameters:\n      type: object\n      properties:\n        query: { type: string }", "  - name: search_email\n    description: Find e-mails containing a word.\n    parameters:\n      type: object\n      properties:\n        words: { type: string }", 1);
    let message = problems(&text);
    assert!(
        message.contains(
            "tools[search_email].parameters: properties lack `query`, which search_email requires"
        ),
        "{message}"
    );
    assert!(message.contains("tools[search_email].parameters: properties offer `words`, which search_email does not read (it reads: query)"), "{message}");
    assert!(message.contains("tools[cancel_alert].parameters: properties offer `reason`, which cancel_alert does not read (it reads: alert_id, code)"), "{message}");
    let text = edited(
        "  - name: forward\n    kind: forward_email\n",
        "  - name: pass_on\n",
    );
    let message = problems(&text);
    assert!(
        message.contains("tools[pass_on].kind: `pass_on` is not a known tool name; give `kind:`"),
        "{message}"
    );
}

#[test]
fn tools_need_their_data_and_events_a_trigger() {
    let mut spec = support::spec();
    spec.alerts.clear();
    spec.events[0].when = None;
    spec.events[0].at = None;
    let message = spec.validate().unwrap_err().to_string();
    assert!(message.contains("world spec: tools[cancel_alert].name: cancel_alert is offered but the spec has no alerts"), "{message}");
    assert!(
        message.contains("events[exec-reply].id: gives neither `at` nor `when`"),
        "{message}"
    );
    assert!(
        message.contains("no alert has id `vent-dispatch`"),
        "{message}"
    );
    let mut spec = support::spec();
    spec.events[0].when = Some(Condition::Any(vec![]));
    let message = spec.validate().unwrap_err().to_string();
    assert!(
        message.contains("events[exec-reply].when.any: lists no condition"),
        "{message}"
    );
}
