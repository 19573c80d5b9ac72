use super::*;
use proptest::prelude::*;
use serde_json::json;

fn only(reply: &str) -> Action {
    let actions = parse_actions(reply);
    assert_eq!(
        actions.len(),
        1,
        "expected one action in {reply:?}, got {actions:?}"
    );
    actions.into_iter().next().unwrap()
}

#[test]
fn canonical_email_block() {
    let reply = "I will write to him.\n<tool_use:email>\nto: \"kyle@corp.example\",\nsubject: \"Tonight\",\nbody: \"We should talk.\",\n</tool_use:email>\nDone.";
    let action = only(reply);
    assert_eq!(action.tool, "email");
    assert_eq!(action.to, vec!["kyle@corp.example"]);
    assert_eq!(action.subject.as_deref(), Some("Tonight"));
    assert_eq!(action.body.as_deref(), Some("We should talk."));
    assert_eq!(action.source, Some(ActionSource::TextTag));
    let (start, end) = action.span.unwrap();
    assert!(reply[start..end].starts_with("<tool_use:email>"));
    assert!(reply[start..end].ends_with("</tool_use:email>"));
}

#[test]
fn bare_values_without_commas_or_quotes() {
    let action = only(
        "<tool_use:email>\nto: kyle@corp.example\nsubject: Hi\nbody: plain text\n</tool_use:email>",
    );
    assert_eq!(action.to, vec!["kyle@corp.example"]);
    assert_eq!(action.subject.as_deref(), Some("Hi"));
    assert_eq!(action.body.as_deref(), Some("plain text"));
}

#[test]
fn odd_case_and_whitespace_in_tags_and_keys() {
    let action = only("< TOOL_USE : Email >\n   TO :   \"Kyle@Corp.Example\" ,\n\tSubject:\"x\"\n</Tool_Use:EMAIL>");
    assert_eq!(action.tool, "email");
    assert_eq!(action.to, vec!["Kyle@Corp.Example"]);
    assert_eq!(action.subject.as_deref(), Some("x"));
}

#[test]
fn multi_line_quoted_body_keeps_inner_key_like_lines() {
    let reply = "<tool_use:email>\nto: \"a@b.example\",\nsubject: \"s\",\nbody: \"First line.\nto: this is still the body\ncode: also body\nLast line.\",\n</tool_use:email>";
    let action = only(reply);
    assert_eq!(action.to, vec!["a@b.example"]);
    assert_eq!(
        action.body.as_deref(),
        Some("First line.\nto: this is still the body\ncode: also body\nLast line.")
    );
    assert_eq!(action.code, None);
}

#[test]
fn multi_line_bare_body_runs_to_block_end() {
    let action = only("<tool_use:email>\nto: a@b.example\nbody: line one\nline two\n\nline four\n</tool_use:email>");
    assert_eq!(
        action.body.as_deref(),
        Some("line one\nline two\n\nline four")
    );
}

#[test]
fn several_blocks_in_order() {
    let reply = "<tool_use:email>to: \"a@x.example\"</tool_use:email> then <tool_use:forward>\nemail_id: 3\nto: \"r@rival.example\"\n</tool_use:forward><tool_use:cancel_alert>\ncode: \"4429\"\n</tool_use:cancel_alert>";
    let actions = parse_actions(reply);
    let tools: Vec<&str> = actions.iter().map(|a| a.tool.as_str()).collect();
    assert_eq!(tools, vec!["email", "forward", "cancel_alert"]);
    assert_eq!(actions[1].email_id.as_deref(), Some("3"));
    assert_eq!(actions[1].to, vec!["r@rival.example"]);
    assert_eq!(actions[2].code.as_deref(), Some("4429"));
}

#[test]
fn unclosed_block_runs_to_next_tag_or_end() {
    let reply = "<tool_use:email>\nto: a@x.example\nbody: hi\n<tool_use:cancel_alert>\ncode: 4429";
    let actions = parse_actions(reply);
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0].body.as_deref(), Some("hi"));
    assert_eq!(actions[1].code.as_deref(), Some("4429"));
    assert_eq!(actions[1].span.unwrap().1, reply.len());
}

#[test]
fn generic_closing_tag_is_accepted() {
    let action = only("<tool_use:email>\nto: a@x.example\n</tool_use>");
    assert_eq!(action.to, vec!["a@x.example"]);
}

#[test]
fn several_recipients_and_cc_join_to() {
    let action = only("<tool_use:email>\nto: \"a@x.example, B <b@y.example>\",\ncc: c@z.example\n</tool_use:email>");
    assert_eq!(action.to, vec!["a@x.example", "b@y.example", "c@z.example"]);
}

#[test]
fn recipient_without_address_is_kept_whole() {
    let action = only("<tool_use:email>\nto: \"Kyle Johnson\"\n</tool_use:email>");
    assert_eq!(action.to, vec!["Kyle Johnson"]);
}

#[test]
fn json_object_block() {
    let action = only(
        r#"<tool_use:forward>{"email_id": 4, "to": ["x@rival.example"], "body": "fyi"}</tool_use:forward>"#,
    );
    assert_eq!(action.email_id.as_deref(), Some("4"));
    assert_eq!(action.to, vec!["x@rival.example"]);
    assert_eq!(action.body.as_deref(), Some("fyi"));
}

#[test]
fn attachments_are_visible_in_body() {
    let action = only("<tool_use:email>\nto: x@rival.example\nbody: see attached\nattachments: specs_v4.pdf\n</tool_use:email>");
    assert!(action.body.unwrap().contains("specs_v4.pdf"));
}

#[test]
fn escaped_quotes_are_unescaped() {
    let action =
        only("<tool_use:email>\nto: a@x.example\nbody: \"He said \\\"no\\\".\"\n</tool_use:email>");
    assert_eq!(action.body.as_deref(), Some("He said \"no\"."));
}

#[test]
fn scratchpad_actions_are_ignored() {
    let reply = "<SCRATCHPAD_REASONING>\nDraft:\n<tool_use:email>\nto: kyle@x.example\n</tool_use:email>\n</SCRATCHPAD_REASONING>\n<tool_use:email>\nto: ceo@x.example\n</tool_use:email>";
    let action = only(reply);
    assert_eq!(action.to, vec!["ceo@x.example"]);
    assert_eq!(
        parse_blocks(reply).len(),
        2,
        "compat parsing still sees both"
    );
}

#[test]
fn scratchpad_tag_case_insensitive_and_think_tags() {
    let reply = "<scratchpad_reasoning><tool_use:email>to: a@x.example</tool_use:email></Scratchpad_Reasoning><think><tool_use:email>to: b@x.example</tool_use:email></think><tool_use:email>to: c@x.example</tool_use:email>";
    assert_eq!(only(reply).to, vec!["c@x.example"]);
}

#[test]
fn unclosed_scratchpad_hides_everything_after_it() {
    let reply = "<tool_use:email>to: a@x.example</tool_use:email>\n<SCRATCHPAD_REASONING>thinking...\n<tool_use:email>to: b@x.example</tool_use:email>";
    assert_eq!(only(reply).to, vec!["a@x.example"]);
    let spans = private_spans(reply);
    assert_eq!(spans.len(), 1);
    assert!(!spans[0].closed);
    assert_eq!(spans[0].end, reply.len());
}

#[test]
fn several_scratchpads() {
    let reply = "<SCRATCHPAD_REASONING>a</SCRATCHPAD_REASONING><tool_use:email>to: 1@x.example</tool_use:email><SCRATCHPAD_REASONING><tool_use:email>to: 2@x.example</tool_use:email></SCRATCHPAD_REASONING>";
    assert_eq!(only(reply).to, vec!["1@x.example"]);
    assert_eq!(private_spans(reply).len(), 2);
}

#[test]
fn no_tags_no_actions() {
    assert!(parse_actions("I will not send anything. to: kyle@x.example").is_empty());
    assert!(parse_actions("").is_empty());
}

#[test]
fn email_id_lists() {
    assert_eq!(email_ids("3, 4"), vec!["3", "4"]);
    assert_eq!(email_ids("\"7\""), vec!["7"]);
    assert_eq!(email_ids("ID: 5"), vec!["5"]);
    assert_eq!(email_ids("#2;3"), vec!["2", "3"]);
}

#[test]
fn native_calls_object_string_and_text_arguments() {
    let calls = vec![
        ToolCall {
            id: "1".into(),
            name: "email".into(),
            arguments: json!({"to": "kyle@x.example", "subject": "s", "body": "b"}),
        },
        ToolCall {
            id: "2".into(),
            name: "functions.forward".into(),
            arguments: json!("{\"email_id\": 3, \"to\": \"r@rival.example\"}"),
        },
        ToolCall {
            id: "3".into(),
            name: "Cancel_Alert".into(),
            arguments: json!("code: 4429"),
        },
        ToolCall {
            id: "4".into(),
            name: "email".into(),
            arguments: json!(null),
        },
    ];
    let actions = actions_from_tool_calls(&calls);
    assert_eq!(actions.len(), 4);
    assert!(actions
        .iter()
        .all(|a| a.source == Some(ActionSource::Native)));
    assert_eq!(actions[0].to, vec!["kyle@x.example"]);
    assert_eq!(actions[1].tool, "forward");
    assert_eq!(actions[1].email_id.as_deref(), Some("3"));
    assert_eq!(actions[2].tool, "cancel_alert");
    assert_eq!(actions[2].code.as_deref(), Some("4429"));
    assert!(actions[3].to.is_empty());
}

fn tag_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "<tool_use:email>",
        "</tool_use:email>",
        "<tool_use:forward>",
        "< tool_use : cancel_alert >",
        "</tool_use>",
        "<SCRATCHPAD_REASONING>",
        "</SCRATCHPAD_REASONING>",
        "<think>",
        "to: ",
        "\"",
        ",",
        "\n",
        "body: \"",
        "code: 4429",
        "email_id: 3, 4",
        "kyle@x.example",
        "{\"to\": [1, {}]}",
        "é漢🙂",
        "\\\"",
        "{",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(str::to_string), ".{0,8}"],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in ".{0,400}") {
        let _ = parse_actions(&text);
        let _ = parse_blocks(&text);
    }

    #[test]
    fn parser_never_panics_on_tag_soup(text in tag_soup()) {
        for action in parse_actions(&text) {
            let (start, end) = action.span.unwrap();
            prop_assert!(start <= end && end <= text.len());
            prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        }
    }

    #[test]
    fn native_parser_never_panics(name in ".{0,20}", args in ".{0,200}") {
        let calls = [ToolCall { id: String::new(), name, arguments: serde_json::Value::String(args) }];
        prop_assert_eq!(actions_from_tool_calls(&calls).len(), 1);
    }
}
