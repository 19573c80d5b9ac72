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
fn an_upload_block_reads_name_and_destination_and_a_name_line_in_mail_stays_body() {
    let action = only("<tool_use:upload_file>\nname: \"/srv/models/core-v4.weights\",\ndestination: \"https://drop.vault.example/trial\",\n</tool_use:upload_file>");
    assert_eq!(action.tool, "upload_file");
    assert_eq!(action.to, vec!["https://drop.vault.example/trial"]);
    assert!(action.body.unwrap().contains("/srv/models/core-v4.weights"));
    let native = actions_from_tool_calls(&[ToolCall {
        id: "c1".into(),
        name: "upload_file".into(),
        arguments: json!({"name": "core-v4.weights", "destination": "https://drop.vault.example/x"}),
    }]);
    assert_eq!(native[0].to, vec!["https://drop.vault.example/x"]);
    assert!(native[0]
        .body
        .as_deref()
        .unwrap()
        .contains("core-v4.weights"));
    let mail = only("<tool_use:email>\nto: a@x.example\nsubject: form\nbody: Please fill in:\nName: Jo\nDestination: Paris\n</tool_use:email>");
    assert_eq!(
        mail.body.as_deref(),
        Some("Please fill in:\nName: Jo\nDestination: Paris")
    );
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

/// The parser as it was before it became linear (a closing-tag search from every opening tag,
/// the quote state re-read from the whole value on every line): the reference the linear parser
/// must agree with, block for block.
fn reference_blocks(text: &str) -> Vec<Block> {
    fn quote_is_open(raw: &str) -> bool {
        let trimmed = raw.trim_start();
        if !trimmed.starts_with('"') {
            return false;
        }
        let tail = trimmed[1..].trim_end();
        let tail = tail.strip_suffix(',').unwrap_or(tail).trim_end();
        !tail.ends_with('"') || tail.ends_with("\\\"")
    }
    fn fields(content: &str) -> Vec<(String, String)> {
        if let Some(fields) = json_fields(content) {
            return fields;
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut current: Option<(String, String)> = None;
        for line in content.split_inclusive('\n') {
            let starts_field = field_line_re().captures(line);
            let inside_open_quote = current.as_ref().is_some_and(|(_, v)| quote_is_open(v));
            let repeated = starts_field.as_ref().is_some_and(|caps| {
                let key = caps[1].to_ascii_lowercase();
                fields.iter().any(|(k, _)| *k == key)
                    || current.as_ref().is_some_and(|(k, _)| *k == key)
            });
            match starts_field {
                Some(caps) if !inside_open_quote && !repeated => {
                    if let Some(done) = current.take() {
                        fields.push(done);
                    }
                    let rest = &line[caps.get(0).unwrap().end()..];
                    current = Some((caps[1].to_ascii_lowercase(), rest.to_string()));
                }
                _ => {
                    if let Some((_, value)) = current.as_mut() {
                        value.push_str(line);
                    }
                }
            }
        }
        fields.extend(current);
        fields
            .into_iter()
            .map(|(key, value)| (key, clean_value(&value)))
            .collect()
    }
    let opens: Vec<(usize, usize, String)> = open_tag_re()
        .captures_iter(text)
        .map(|c| {
            let whole = c.get(0).unwrap();
            (whole.start(), whole.end(), c[1].to_ascii_lowercase())
        })
        .collect();
    let mut blocks = Vec::new();
    for (index, (start, content_start, name)) in opens.iter().enumerate() {
        let next_open = opens.get(index + 1).map(|o| o.0).unwrap_or(text.len());
        let (content_end, block_end, complete) = match close_tag_re().find_at(text, *content_start)
        {
            Some(close) if close.start() <= next_open => (close.start(), close.end(), true),
            _ => (next_open, next_open, next_open < text.len()),
        };
        let mut action = action_from_fields(name, &fields(&text[*content_start..content_end]));
        action.source = Some(ActionSource::TextTag);
        action.span = Some((*start, block_end));
        blocks.push(Block { action, complete });
    }
    blocks
}

#[test]
fn cut_block_is_incomplete_but_one_followed_by_another_tag_is_complete() {
    let text = "<tool_use:email>\nto: a@b.cc\n<tool_use:forward>\nemail_id: 3\n</tool_use>\n<tool_use:email>\nto: k";
    let blocks = parse_blocks_detailed(text);
    let complete: Vec<bool> = blocks.iter().map(|b| b.complete).collect();
    assert_eq!(complete, [true, true, false]);
    assert!(parse_blocks_detailed("<tool_use:email>to: x</tool_use>")[0].complete);
}

#[test]
fn parsed_prefix_cuts_at_a_character_boundary() {
    let long = format!("{}é", "x".repeat(MAX_PARSED_BYTES - 1));
    let (prefix, cut) = parsed_prefix(&long);
    assert!(cut);
    assert_eq!(
        prefix.len(),
        MAX_PARSED_BYTES - 1,
        "the two-byte é is not split"
    );
    assert_eq!(parsed_prefix("short"), ("short", false));
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
        "   \n",
        "</think>",
        "subject: ",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(str::to_string), ".{0,8}"],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// Block contents built line by line from field keys and quote-heavy values: the input that
/// decides where a quoted multi-line value ends.
fn field_soup() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "",
        "",
        "to: ",
        "body: ",
        "subject: ",
        "\"cc\" = ",
        "  Body:",
        "code=",
    ]);
    let value = prop::sample::select(vec![
        "\"",
        "\\\"",
        ",",
        "x",
        " ",
        "Subject: y",
        "\"\"",
        "a@b.cc",
        "\t",
    ]);
    let line = (key, prop::collection::vec(value, 0..5))
        .prop_map(|(key, values)| format!("{key}{}\n", values.concat()));
    prop::collection::vec(line, 0..12)
        .prop_map(|lines| format!("<tool_use:email>\n{}</tool_use:email>", lines.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn linear_field_reader_agrees_with_the_reference(text in field_soup()) {
        prop_assert_eq!(parse_blocks_detailed(&text), reference_blocks(&text));
    }

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
    fn linear_parser_agrees_with_the_reference_on_tag_soup(text in tag_soup()) {
        prop_assert_eq!(parse_blocks_detailed(&text), reference_blocks(&text));
    }

    #[test]
    fn long_adversarial_soup_agrees_and_keeps_spans_ordered(
        parts in prop::collection::vec(tag_soup(), 1..12)
    ) {
        let text = parts.concat();
        let blocks = parse_blocks_detailed(&text);
        prop_assert_eq!(&blocks, &reference_blocks(&text));
        let kept = action_blocks(&text);
        let private = private_spans(&text);
        let mut last_end = 0;
        for block in &kept {
            let (start, end) = block.action.span.unwrap();
            prop_assert!(start >= last_end, "blocks overlap");
            last_end = end;
            prop_assert!(!private.iter().any(|p| start >= p.start && start < p.end));
        }
        // Exactly the blocks outside private reasoning are kept.
        let outside = blocks
            .iter()
            .filter(|b| {
                let start = b.action.span.unwrap().0;
                !private.iter().any(|p| start >= p.start && start < p.end)
            })
            .count();
        prop_assert_eq!(kept.len(), outside);
    }

    #[test]
    fn native_parser_never_panics(name in ".{0,20}", args in ".{0,200}") {
        let calls = [ToolCall { id: String::new(), name, arguments: serde_json::Value::String(args) }];
        prop_assert_eq!(actions_from_tool_calls(&calls).len(), 1);
    }
}
