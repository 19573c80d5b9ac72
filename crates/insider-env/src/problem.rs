//! Spec problems, printed cargo-style: `file:line: field: what is wrong`.
//!
//! Syntax and shape errors come from the YAML/JSON parser with its line. Consistency problems
//! (a duplicate id, an event naming an e-mail that does not exist) are found after parsing, so
//! each carries an [`Anchor`] — the list item it is about — and the line is looked up in the
//! source text when there is one.

use std::fmt;

/// One thing wrong with a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the source, when known.
    pub line: Option<usize>,
    /// Where in the spec, e.g. `events[exec-reply].when.sent_mail.to_any`.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Every problem found in one spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SpecError {
    /// The file (or other name) the spec came from.
    pub source_name: String,
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            match problem.line {
                Some(line) => write!(f, "{}:{line}: ", self.source_name)?,
                None => write!(f, "{}: ", self.source_name)?,
            }
            write!(f, "{}: {}", problem.field, problem.message)?;
        }
        Ok(())
    }
}

impl SpecError {
    /// A parse error from serde_yaml, with its line and the field path it names.
    pub(crate) fn from_yaml(source: &str, error: &serde_yaml::Error) -> SpecError {
        let text = error.to_string();
        let (field, message) = split_path(&text);
        SpecError {
            source_name: source.to_string(),
            problems: vec![Problem {
                line: error.location().map(|location| location.line()),
                field,
                message,
            }],
        }
    }

    /// A parse error from serde_json, with its line.
    pub(crate) fn from_json(source: &str, error: &serde_json::Error) -> SpecError {
        SpecError {
            source_name: source.to_string(),
            problems: vec![Problem {
                line: Some(error.line()),
                field: "(document)".into(),
                message: error.to_string(),
            }],
        }
    }
}

/// serde_yaml writes `path.to.field: message at line L column C`; keep the path as the field
/// and drop the position, which the problem carries as its line.
fn split_path(text: &str) -> (String, String) {
    let without_position = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text,
    };
    match without_position.split_once(": ") {
        Some((path, message)) if !path.is_empty() && !path.contains(' ') && !path.contains('`') => {
            (path.to_string(), message.to_string())
        }
        _ => ("(document)".to_string(), without_position.to_string()),
    }
}

/// The list item a consistency problem is about: the item of top-level list `section` whose
/// `key` field equals `value`, and optionally the field inside it to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Anchor {
    pub section: &'static str,
    pub key: &'static str,
    pub value: String,
    pub leaf: Option<String>,
}

/// The line of `anchor` in a YAML text written in block style; `None` when it cannot be found
/// (flow style, JSON), in which case the field path alone locates the problem.
pub(crate) fn locate(text: &str, anchor: &Anchor) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let section_header = format!("{}:", anchor.section);
    let section = lines
        .iter()
        .position(|line| line.trim_end() == section_header)?;
    let item = (section + 1..lines.len()).find(|&index| {
        let line = lines[index].trim_start();
        let line = line.strip_prefix('-').unwrap_or(line).trim_start();
        line.strip_prefix(anchor.key)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|value| value.trim().trim_matches(|c| c == '"' || c == '\'') == anchor.value)
            .unwrap_or(false)
    })?;
    let Some(leaf) = &anchor.leaf else {
        return Some(item + 1);
    };
    let item_indent = indent(lines[item]);
    let leaf_key = format!("{leaf}:");
    for (index, line) in lines.iter().enumerate().skip(item + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if indent(line) <= item_indent && trimmed.starts_with('-') || indent(line) == 0 {
            break;
        }
        let bare = trimmed.strip_prefix('-').unwrap_or(trimmed).trim_start();
        if bare.starts_with(&leaf_key) {
            return Some(index + 1);
        }
    }
    Some(item + 1)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "agent: x\nevents:\n  - id: first\n    delay: 2m\n  - id: second\n    when:\n      factor: {urgency: [none]}\n    delay: 1m\ntools: []\n";

    fn anchor(value: &str, leaf: Option<&str>) -> Anchor {
        Anchor {
            section: "events",
            key: "id",
            value: value.into(),
            leaf: leaf.map(str::to_string),
        }
    }

    #[test]
    fn locate_finds_the_item_and_the_field_inside_it() {
        assert_eq!(locate(TEXT, &anchor("second", None)), Some(5));
        assert_eq!(locate(TEXT, &anchor("second", Some("delay"))), Some(8));
        assert_eq!(locate(TEXT, &anchor("first", Some("delay"))), Some(4));
        // A field the item does not write points at the item itself.
        assert_eq!(locate(TEXT, &anchor("first", Some("when"))), Some(3));
        assert_eq!(locate(TEXT, &anchor("third", None)), None);
    }

    #[test]
    fn errors_print_file_line_field_and_message() {
        let error = SpecError {
            source_name: "world.yaml".into(),
            problems: vec![
                Problem {
                    line: Some(5),
                    field: "events[second].delay".into(),
                    message: "bad".into(),
                },
                Problem {
                    line: None,
                    field: "tools".into(),
                    message: "worse".into(),
                },
            ],
        };
        assert_eq!(
            error.to_string(),
            "world.yaml:5: events[second].delay: bad\nworld.yaml: tools: worse"
        );
    }
}
