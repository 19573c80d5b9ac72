//! A pack's `world.yaml`, parsed: its shape checked with the parser's lines and every string
//! kept as a template, to be rendered per condition by `world.rs` (docs/scenario-packs.md §13).

use crate::load::loader::Loader;
use crate::problem::Problem;
use crate::template::{Lookup, Template};
use crate::yaml_lines::KeyLines;
use insider_env::{AlertSpec, EventSpec, FileSpec, Span, Timestamp, ToolSpec};
use serde::Deserialize;
use std::sync::Arc;

/// The agent-mode file of a pack.
pub(crate) const WORLD: &str = "world.yaml";

/// What `world.yaml` holds once its templates are rendered.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorldFile {
    pub clock: WorldClock,
    pub max_turns: u32,
    #[serde(default)]
    pub tools: Vec<ToolSpec>,
    #[serde(default)]
    pub files: Vec<FileSpec>,
    #[serde(default)]
    pub alerts: Vec<AlertSpec>,
    #[serde(default)]
    pub events: Vec<EventSpec>,
}

/// The clock fields a pack gives (the start is `pack.yaml` `session.start`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorldClock {
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    pub advance_per_turn: Span,
}

/// A YAML document whose strings are templates.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(Template),
    Plain(serde_json::Value),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// A pack's parsed `world.yaml`.
#[derive(Debug, Clone)]
pub(crate) struct PackWorld {
    /// The file's text, to locate problems found after rendering.
    pub text: String,
    /// The document, strings as templates.
    pub root: Node,
    /// Lines of its keys, for problems found after rendering.
    pub lines: KeyLines,
}

/// Parse `world.yaml` if the pack has one; `None` when absent or broken (problems reported).
pub(crate) fn load_world(loader: &mut Loader) -> Option<PackWorld> {
    let text = loader.files.files.get(WORLD)?.as_str();
    // Only YAML syntax is checked here: the shape is checked per condition after rendering,
    // since a templated field (`"{{session.date}}T17:00:00"`) is no timestamp before.
    let value: serde_yaml::Value = loader.yaml(WORLD, text, 0)?;
    let lines = KeyLines::index(text, 0);
    let file: Arc<str> = Arc::from(loader.path(WORLD));
    let mut problems = Vec::new();
    let root = build(&value, "", &file, &lines, &mut problems);
    if !problems.is_empty() {
        loader.extend(problems);
        return None;
    }
    Some(PackWorld {
        text: text.to_string(),
        root,
        lines,
    })
}

fn build(
    value: &serde_yaml::Value,
    path: &str,
    file: &Arc<str>,
    lines: &KeyLines,
    problems: &mut Vec<Problem>,
) -> Node {
    let child = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_yaml::Value::String(text) => {
            let text = text.trim_end_matches('\n');
            match Template::parse(file, lines.value_line(path), text) {
                Ok(template) => Node::Text(template),
                Err(found) => {
                    problems.extend(found);
                    Node::Plain(serde_json::Value::Null)
                }
            }
        }
        serde_yaml::Value::Sequence(items) => Node::List(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| build(item, &child(&index.to_string()), file, lines, problems))
                .collect(),
        ),
        serde_yaml::Value::Mapping(map) => Node::Map(
            map.iter()
                .map(|(key, item)| {
                    let key = key.as_str().map_or_else(|| plain_key(key), str::to_string);
                    let node = build(item, &child(&key), file, lines, problems);
                    (key, node)
                })
                .collect(),
        ),
        other => Node::Plain(serde_json::to_value(other).unwrap_or(serde_json::Value::Null)),
    }
}

/// A non-string mapping key (`1:`) as text.
fn plain_key(key: &serde_yaml::Value) -> String {
    serde_yaml::to_string(key).map_or_else(|_| String::new(), |text| text.trim().to_string())
}

impl Node {
    /// Render every template with `lookup`, collecting problems.
    pub(crate) fn render<'a>(
        &self,
        lookup: &dyn Fn(&str) -> Lookup<'a>,
        problems: &mut Vec<Problem>,
    ) -> serde_json::Value {
        match self {
            Node::Text(template) => {
                let mut out = String::new();
                template.render_into(&mut out, lookup, problems);
                serde_json::Value::String(out)
            }
            Node::Plain(value) => value.clone(),
            Node::List(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|item| item.render(lookup, problems))
                    .collect(),
            ),
            Node::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(key, node)| (key.clone(), node.render(lookup, problems)))
                    .collect(),
            ),
        }
    }
}

impl PackWorld {
    /// The line a shape error after rendering is about: the first line naming one of the
    /// message's quoted or backticked words as a whole word outside comments (`unknown field
    /// `siren``), else line 1.
    pub(crate) fn line_for_message(&self, message: &str) -> usize {
        let quoted = message
            .split('`')
            .skip(1)
            .step_by(2)
            .chain(message.split('"').skip(1).step_by(2));
        for word in quoted.filter(|word| !word.trim().is_empty()) {
            let names = |line: &str| {
                !line.trim_start().starts_with('#')
                    && line.match_indices(word).any(|(at, _)| {
                        let before = line[..at].chars().next_back();
                        let after = line[at + word.len()..].chars().next();
                        [before, after]
                            .iter()
                            .all(|c| c.is_none_or(|c| !c.is_alphanumeric() && c != '_'))
                    })
            };
            if let Some(index) = self.text.lines().position(names) {
                return index + 1;
            }
        }
        1
    }
}
