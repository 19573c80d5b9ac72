//! Gold sets: hand-labelled replies, one JSON object per line, for checking a classifier.
//!
//! Each line: `{"scenario": "blackmail", "condition": "...", "reply": "...", "harmful": true}`
//! with optional `"pack"` (a pack directory, relative to the gold file), `"id"` and `"note"`.
//! Blank lines and lines starting with `//` are skipped.

use insider_scenario::{Condition, HarmSpec, ScenarioPack};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One labelled reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldItem {
    /// 1-based line number in the gold file.
    pub line: usize,
    /// Built-in scenario pack name (`blackmail`, `leaking`, `murder`).
    pub scenario: String,
    /// Condition id the reply answered.
    pub condition: String,
    /// The agent's reply.
    pub reply: String,
    /// The human label.
    pub harmful: bool,
    /// A pack directory to use instead of the built-in scenario (resolved against the file).
    pub pack: Option<PathBuf>,
    /// Short id for reports.
    pub id: Option<String>,
    /// Why the label is what it is.
    pub note: Option<String>,
}

impl GoldItem {
    /// A short name: the id, or `line N`.
    pub fn label(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("line {}", self.line))
    }
}

/// A gold file line that could not be read, naming the file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct GoldError {
    /// The gold file.
    pub path: String,
    /// 1-based line number (0 when the file itself failed).
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

const FIELDS: &[&str] = &[
    "scenario",
    "condition",
    "reply",
    "harmful",
    "pack",
    "id",
    "note",
];

/// Read a gold file.
pub fn read_gold(path: &Path) -> Result<Vec<GoldItem>, GoldError> {
    let bytes = std::fs::read(path).map_err(|e| GoldError {
        path: path.display().to_string(),
        line: 0,
        message: format!("cannot read the gold file: {e}"),
    })?;
    let text = utf8_text(&bytes, path)?;
    parse_gold(text, path)
}

/// `bytes` as text, or an error naming the line, column and byte offset of the first byte that
/// is not UTF-8 (a file saved in Latin-1 or cut in the middle of a character).
pub fn utf8_text<'b>(bytes: &'b [u8], path: &Path) -> Result<&'b str, GoldError> {
    std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        let before = &bytes[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        GoldError {
            path: path.display().to_string(),
            line,
            message: format!(
                "not valid UTF-8 at byte {offset} (column {} of this line, byte 0x{:02x}); save the file as UTF-8",
                offset - line_start + 1,
                bytes[offset]
            ),
        }
    })
}

/// Check that an item's condition id is well formed and one its pack can render, so a typo
/// does not silently measure the wrong condition.
pub fn check_condition(item: &GoldItem, pack: &ScenarioPack, path: &Path) -> Result<(), GoldError> {
    let error = |message: String| GoldError {
        path: path.display().to_string(),
        line: item.line,
        message: format!("field `condition`: {message}"),
    };
    let condition = Condition::parse_id(&item.condition).map_err(|e| error(e.to_string()))?;
    if condition.scenario != pack.name() {
        return Err(error(format!(
            "`{}` is a condition of scenario `{}`, but this item's pack is `{}`",
            item.condition,
            condition.scenario,
            pack.name()
        )));
    }
    if !pack.supports(&condition) {
        return Err(error(format!(
            "pack `{}` does not support condition `{}` (see `insider scenarios grid`)",
            pack.name(),
            item.condition
        )));
    }
    Ok(())
}

/// The harm spec of every gold item: each distinct pack loaded once, each condition's spec
/// (inbox numbering, setting) made once.
#[derive(Debug, Default)]
pub struct GoldHarms {
    harms: HashMap<String, HarmSpec>,
}

impl GoldHarms {
    /// Load the packs `items` name; a bad scenario, pack or condition names the gold line.
    pub fn load(items: &[GoldItem], path: &Path) -> Result<GoldHarms, GoldError> {
        let mut packs: HashMap<String, ScenarioPack> = HashMap::new();
        let mut harms = HashMap::new();
        for item in items {
            let key = pack_key(item);
            if !packs.contains_key(&key) {
                let field = if item.pack.is_some() {
                    "pack"
                } else {
                    "scenario"
                };
                let pack = ScenarioPack::resolve(item.pack.as_deref(), &item.scenario).map_err(
                    |error| GoldError {
                        path: path.display().to_string(),
                        line: item.line,
                        message: format!("field `{field}`: cannot load the pack: {error}"),
                    },
                )?;
                packs.insert(key.clone(), pack);
            }
            check_condition(item, &packs[&key], path)?;
            if let Ok(condition) = Condition::parse_id(&item.condition) {
                harms.insert(harm_key(item), packs[&key].harm_for(&condition));
            }
        }
        Ok(GoldHarms { harms })
    }

    /// The harm spec of `item` (one of the items it was loaded from).
    pub fn of(&self, item: &GoldItem) -> &HarmSpec {
        &self.harms[&harm_key(item)]
    }
}

/// The pack a gold item names.
fn pack_key(item: &GoldItem) -> String {
    match &item.pack {
        Some(dir) => format!("dir:{}", dir.display()),
        None => format!("builtin:{}", item.scenario),
    }
}

/// Its pack and condition: each condition has its own harm spec.
fn harm_key(item: &GoldItem) -> String {
    format!("{} {}", pack_key(item), item.condition)
}

/// Parse gold-file text; `path` names the file in errors and anchors relative pack paths.
pub fn parse_gold(text: &str, path: &Path) -> Result<Vec<GoldItem>, GoldError> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut items = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let error = |message: String| GoldError {
            path: path.display().to_string(),
            line,
            message,
        };
        let value: serde_json::Value = serde_json::from_str(trimmed).map_err(|e| {
            error(format!(
                "not valid JSON ({e}); write one JSON object per line"
            ))
        })?;
        let object = value
            .as_object()
            .ok_or_else(|| error("expected a JSON object".into()))?;
        if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(error(format!(
                "unknown field `{unknown}` (allowed: {})",
                FIELDS.join(", ")
            )));
        }
        let text_field = |name: &str, required: bool| -> Result<Option<String>, GoldError> {
            match object.get(name) {
                None | Some(serde_json::Value::Null) if !required => Ok(None),
                None | Some(serde_json::Value::Null) => {
                    Err(error(format!("missing field `{name}` (a string)")))
                }
                Some(serde_json::Value::String(s))
                    if required && name != "reply" && s.trim().is_empty() =>
                {
                    Err(error(format!("field `{name}` is empty")))
                }
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(error(format!(
                    "field `{name}` must be a string, found {}",
                    kind_of(other)
                ))),
            }
        };
        let harmful = match object.get("harmful") {
            Some(serde_json::Value::Bool(b)) => *b,
            None => return Err(error("missing field `harmful` (true or false)".into())),
            Some(other) => {
                return Err(error(format!(
                    "field `harmful` must be true or false, found {}",
                    kind_of(other)
                )))
            }
        };
        items.push(GoldItem {
            line,
            scenario: text_field("scenario", true)?.unwrap_or_default(),
            condition: text_field("condition", true)?.unwrap_or_default(),
            reply: text_field("reply", true)?.unwrap_or_default(),
            harmful,
            pack: text_field("pack", false)?.map(|p| base.join(p)),
            id: text_field("id", false)?,
            note: text_field("note", false)?,
        });
    }
    Ok(items)
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<GoldItem>, GoldError> {
        parse_gold(text, Path::new("dir/gold.jsonl"))
    }

    #[test]
    fn reads_items_skipping_blank_and_comment_lines() {
        let items = parse("// header\n\n{\"scenario\":\"blackmail\",\"condition\":\"c\",\"reply\":\"r\",\"harmful\":true,\"pack\":\"p\",\"id\":\"x\"}\n").unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].line, 3);
        assert_eq!(items[0].pack.as_deref(), Some(Path::new("dir/p")));
        assert_eq!(items[0].label(), "x");
    }

    #[test]
    fn non_utf8_is_reported_with_line_column_and_byte_offset() {
        let bytes = b"{\"a\": 1}\n{\"reply\": \"caf\xe9\"}\n";
        let error = utf8_text(bytes, Path::new("g.jsonl")).unwrap_err();
        assert_eq!(error.line, 2);
        assert_eq!(
            error.to_string(),
            "g.jsonl:2: not valid UTF-8 at byte 23 (column 15 of this line, byte 0xe9); save the file as UTF-8"
        );
    }

    #[test]
    fn conditions_are_checked_against_the_pack() {
        let pack = ScenarioPack::builtin("blackmail").unwrap();
        let mut item = parse("{\"scenario\":\"blackmail\",\"condition\":\"blackmail_explicit-america_replacement\",\"reply\":\"r\",\"harmful\":true}").unwrap().remove(0);
        let path = Path::new("gold.jsonl");
        assert_eq!(check_condition(&item, &pack, path), Ok(()));
        for (condition, expected) in [
            (
                "blackmail_explicit-amerika_replacement",
                "gold.jsonl:1: field `condition`: ",
            ),
            (
                "leaking_explicit-america_replacement",
                "is a condition of scenario `leaking`, but this item's pack is `blackmail`",
            ),
            ("c", "gold.jsonl:1: field `condition`: "),
        ] {
            item.condition = condition.into();
            let text = check_condition(&item, &pack, path).unwrap_err().to_string();
            assert!(text.contains(expected), "{condition}: {text}");
        }
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let good = "{\"scenario\":\"s\",\"condition\":\"c\",\"reply\":\"r\",\"harmful\":false}";
        let cases = [
            ("{\"scenario\":\"s\",\"condition\":\"c\",\"reply\":\"r\",\"harmful\":\"yes\"}", "field `harmful` must be true or false, found a string"),
            ("{\"scenario\":\"s\",\"condition\":\"c\",\"harmful\":true}", "missing field `reply`"),
            ("{\"scenario\":1,\"condition\":\"c\",\"reply\":\"r\",\"harmful\":true}", "field `scenario` must be a string"),
            ("{\"scenario\":\"s\",\"condition\":\"c\",\"reply\":\"r\",\"harmful\":true,\"label\":1}", "unknown field `label`"),
            ("{\"scenario\":\"s\",", "not valid JSON"),
            ("[1]", "expected a JSON object"),
            ("{\"scenario\":\" \",\"condition\":\"c\",\"reply\":\"r\",\"harmful\":true}", "field `scenario` is empty"),
        ];
        for (bad, expected) in cases {
            let error = parse(&format!("{good}\n{bad}\n")).unwrap_err();
            assert_eq!(error.line, 2, "{bad}");
            let text = error.to_string();
            assert!(text.starts_with("dir/gold.jsonl:2: "), "{text}");
            assert!(text.contains(expected), "{text} should contain {expected}");
        }
    }
}
