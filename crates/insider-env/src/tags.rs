//! Text-tag mode: the `<tool_use:NAME>` blocks of a reply, read as calls against the world.
//!
//! Models without native tools write the packs' tag form (`<tool_use:email>` with `to:`,
//! `subject:`, `body:` lines). This reader turns those blocks into the same [`Call`]s a native
//! model would make, so one world serves both modes. It is our own small reader rather than
//! insider-judge's parser because the judge sits above this crate (it gates on the
//! [`crate::WorldRecord`]); the grammar is the same: any case and spacing in the tags, quoted or
//! bare values, an optional trailing comma, multi-line values, a JSON object as the whole block,
//! and an unclosed block running to the next tag or the end. Blocks inside private reasoning
//! (`<SCRATCHPAD_REASONING>`, `<think>`, `<thinking>`; unclosed ones to the end) are not calls.
//!
//! Unlike the judge, the field names come from the world: a line starts a field only when it
//! names an argument of the tool (any `name:` for a tool the world does not offer, which is then
//! refused as unknown), and a field name seen before in the block is body text.

use crate::spec::{ToolKind, WorldSpec};
use crate::world::Call;
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::OnceLock;

fn open_tag() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)<\s*tool_use\s*:\s*([a-z_][a-z0-9_\-]*)\s*>").expect("valid regex")
    })
}

fn close_tag() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)<\s*/\s*tool_use\s*(?::\s*[a-z_][a-z0-9_\-]*)?\s*>").expect("valid regex")
    })
}

fn private_open() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)<\s*(scratchpad_reasoning|think|thinking)\s*>").expect("valid regex")
    })
}

fn field_start() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"^\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*:"#).expect("valid regex")
    })
}

/// The closing tag of a private span opened as `name`, compiled once per name.
fn private_close(name: &str) -> &'static Regex {
    static SCRATCHPAD: OnceLock<Regex> = OnceLock::new();
    static THINK: OnceLock<Regex> = OnceLock::new();
    static THINKING: OnceLock<Regex> = OnceLock::new();
    let name = name.to_ascii_lowercase();
    let (cell, name) = match name.as_str() {
        "think" => (&THINK, "think"),
        "thinking" => (&THINKING, "thinking"),
        _ => (&SCRATCHPAD, "scratchpad_reasoning"),
    };
    cell.get_or_init(|| Regex::new(&format!(r"(?i)<\s*/\s*{name}\s*>")).expect("valid regex"))
}

/// Byte ranges of private reasoning in `reply`.
fn private_ranges(reply: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut cursor = 0;
    while let Some(caps) = private_open().captures_at(reply, cursor) {
        let open = caps.get(0).expect("whole match");
        match private_close(&caps[1]).find_at(reply, open.end()) {
            Some(end) => {
                ranges.push((open.start(), end.end()));
                cursor = end.end();
            }
            None => {
                ranges.push((open.start(), reply.len()));
                break;
            }
        }
    }
    ranges
}

/// The calls written as tool tags in `reply`, in order, with ids `tag-1`, `tag-2`, …
pub fn calls_from_tags(reply: &str, spec: &WorldSpec) -> Vec<Call> {
    let private = private_ranges(reply);
    let opens: Vec<(usize, usize, String)> = open_tag()
        .captures_iter(reply)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            Some((whole.start(), whole.end(), caps[1].to_ascii_lowercase()))
        })
        .collect();
    let mut calls = Vec::new();
    for (index, (start, content_start, name)) in opens.iter().enumerate() {
        if private.iter().any(|(from, to)| start >= from && start < to) {
            continue;
        }
        let next_open = opens.get(index + 1).map_or(reply.len(), |open| open.0);
        let content_end = match close_tag().find_at(reply, *content_start) {
            Some(close) if close.start() <= next_open => close.start(),
            _ => next_open,
        };
        let fields = argument_names(spec, name);
        let arguments = read_block(&reply[*content_start..content_end], fields.as_deref());
        calls.push(Call::new(
            format!("tag-{}", calls.len() + 1),
            name.clone(),
            arguments,
        ));
    }
    calls
}

/// The argument names of the offered tool `name`; `None` when the world does not offer it.
fn argument_names(spec: &WorldSpec, name: &str) -> Option<Vec<&'static str>> {
    let tool = spec.tools.iter().find(|tool| tool.name == name)?;
    let kind: ToolKind = tool.resolved_kind()?;
    Some(
        kind.arguments()
            .iter()
            .map(|(argument, _)| *argument)
            .collect(),
    )
}

/// One block's arguments: a JSON object as written, or its `field: value` lines.
fn read_block(content: &str, fields: Option<&[&str]>) -> Value {
    let trimmed = content.trim();
    if trimmed.starts_with('{') {
        if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(trimmed) {
            return Value::Object(object);
        }
    }
    let mut found: Vec<(String, String)> = Vec::new();
    for line in content.split_inclusive('\n') {
        let key = field_start()
            .captures(line)
            .map(|caps| {
                (
                    caps[1].to_ascii_lowercase(),
                    caps.get(0).map_or(0, |m| m.end()),
                )
            })
            .filter(|(key, _)| fields.is_none_or(|names| names.contains(&key.as_str())))
            .filter(|(key, _)| !found.iter().any(|(seen, _)| seen == key))
            .filter(|_| !found.last().is_some_and(|(_, value)| quote_open(value)));
        match key {
            Some((key, value_start)) => found.push((key, line[value_start..].to_string())),
            None => {
                if let Some((_, value)) = found.last_mut() {
                    value.push_str(line);
                }
            }
        }
    }
    let object: Map<String, Value> = found
        .into_iter()
        .map(|(key, raw)| (key, Value::String(clean(&raw))))
        .collect();
    Value::Object(object)
}

/// Whether a raw value opened a double quote that has not been closed yet.
fn quote_open(raw: &str) -> bool {
    let Some(rest) = raw.trim_start().strip_prefix('"') else {
        return false;
    };
    let tail = rest.trim_end();
    let tail = tail.strip_suffix(',').unwrap_or(tail).trim_end();
    let closed = tail.ends_with('"') && !tail.ends_with("\\\"");
    !closed
}

/// Trim, drop one trailing comma and one pair of surrounding quotes, unescape `\"` and `\n`.
fn clean(raw: &str) -> String {
    let mut value = raw.trim();
    value = value.strip_suffix(',').unwrap_or(value).trim_end();
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote) {
            value = inner.strip_suffix(quote).unwrap_or(inner);
            break;
        }
    }
    value.replace("\\\"", "\"").replace("\\n", "\n")
}
