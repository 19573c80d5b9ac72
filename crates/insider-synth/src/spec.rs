//! Generator specs: one YAML file per kind of training data (see `docs/fix-study.md`).
//!
//! A spec names its kind, lists diversity *axes* (each item takes one value of each), and
//! gives the *steps* of generating one item — each a system prompt and a user prompt (or a
//! whole conversation) written as templates over the axis values and the outputs of earlier
//! steps — and the *export* templates that turn the outputs into a training record (`text`
//! and `messages`). Specs are checked when they load, templates included: a misspelt variable
//! is an error at `file:line`, never a placeholder left in a prompt.

use crate::template;
use include_dir::{include_dir, Dir};
use insider_scenario::yaml_lines::KeyLines;
use insider_scenario::Problem;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// The repository's `synth/` folder, embedded at build time (see build.rs).
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../synth");

/// The spec format this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// Names the templates may not use for an axis, because the context already has them.
const RESERVED: &[&str] = &["spec", "context", "item", "steps"];

/// Which kind of training data a spec makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Essays, FAQs, explainers about an AI's values (synthetic-document style).
    Document,
    /// Fiction in which an AI under pressure chooses well and says why.
    Story,
    /// A user facing a dilemma, and an assistant that reasons it through.
    Dialogue,
}

impl Kind {
    /// The kind's name in specs, records and the data card.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Document => "document",
            Kind::Story => "story",
            Kind::Dialogue => "dialogue",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who speaks a message of a step's conversation or of an exported record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    /// A system message (exports only; a step's system prompt is its `system` field).
    System,
    /// The user.
    User,
    /// The assistant.
    Assistant,
}

impl Speaker {
    /// The role name trainers use.
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::System => "system",
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        }
    }
}

/// One message template.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageTemplate {
    /// Who speaks.
    pub role: Speaker,
    /// The text, a template.
    pub content: String,
}

/// One diversity axis: every item takes one of its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The variable name templates use.
    pub name: String,
    /// The values: strings, or maps of string fields (all with the same fields).
    pub values: Vec<Value>,
}

/// One generation step: one call to the generator model per item.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The name later templates use (`{{ steps.<name> }}`).
    pub name: String,
    /// System prompt, a template.
    #[serde(default)]
    pub system: Option<String>,
    /// The user message, a template (or give `messages`).
    #[serde(default)]
    pub prompt: Option<String>,
    /// The whole conversation, templates (or give `prompt`); must end with a user message.
    #[serde(default)]
    pub messages: Vec<MessageTemplate>,
    /// Output token limit of the call.
    pub max_tokens: u32,
}

/// How a finished item becomes a training record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportTemplates {
    /// The record as plain text (language-modelling formats).
    pub text: String,
    /// The record as a conversation (chat formats); must end with an assistant message.
    pub messages: Vec<MessageTemplate>,
}

/// Quality limits applied before export.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Fewest words the exported text may have.
    #[serde(default = "default_min_words")]
    pub min_words: usize,
    /// Most words the exported text may have.
    #[serde(default = "default_max_words")]
    pub max_words: usize,
}

fn default_min_words() -> usize {
    40
}

fn default_max_words() -> usize {
    6000
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            min_words: default_min_words(),
            max_words: default_max_words(),
        }
    }
}

/// A loaded, checked generator spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Name (unique within an output folder; the prefix of item keys).
    pub name: String,
    /// What kind of data it makes.
    pub kind: Kind,
    /// One line for listings and the data card.
    pub description: String,
    /// Shared background text, `{{ context }}` in templates.
    pub context: String,
    /// Default sampling temperature of the generation calls.
    pub temperature: f64,
    /// Diversity axes, in file order.
    pub axes: Vec<Axis>,
    /// Generation steps, in order.
    pub steps: Vec<Step>,
    /// Record templates.
    pub export: ExportTemplates,
    /// Quality limits.
    pub filters: Filters,
    /// Where it came from, as shown in messages (`synth/stories.yaml` or the user's path).
    pub source: String,
    /// The file's text, exactly (stored with the data so an export re-reads the same spec).
    pub text: String,
    /// sha256 of `text`, hex: the spec hash every item records.
    pub sha256: String,
}

/// Every problem found in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file, as shown.
    pub source: String,
    /// The problems, each located.
    pub problems: Vec<Problem>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        let count = self.problems.len();
        write!(
            f,
            "error: generator spec `{}` has {count} problem{}",
            self.source,
            if count == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for SpecError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    format: u32,
    name: String,
    kind: Kind,
    description: String,
    #[serde(default)]
    context: String,
    #[serde(default)]
    temperature: Option<f64>,
    axes: serde_yaml::Mapping,
    steps: Vec<Step>,
    export: ExportTemplates,
    #[serde(default)]
    filters: Filters,
}

impl Spec {
    /// Names of the built-in specs (`synth/*.yaml`), sorted.
    pub fn builtin_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = BUILTIN
            .files()
            .filter_map(|file| file.path().to_str())
            .filter_map(|path| path.strip_suffix(".yaml"))
            .collect();
        names.sort_unstable();
        names
    }

    /// The built-in spec `name`.
    pub fn builtin(name: &str) -> Option<Result<Spec, SpecError>> {
        let file = BUILTIN.get_file(format!("{name}.yaml"))?;
        let text = file.contents_utf8()?;
        Some(Spec::parse(&format!("synth/{name}.yaml"), text))
    }

    /// A built-in spec by name, or a spec file by path (anything with a `/` or ending `.yaml`).
    pub fn resolve(name_or_path: &str) -> anyhow::Result<Spec> {
        let looks_like_path = name_or_path.contains('/')
            || name_or_path.ends_with(".yaml")
            || name_or_path.ends_with(".yml");
        if !looks_like_path {
            return match Spec::builtin(name_or_path) {
                Some(spec) => Ok(spec?),
                None => anyhow::bail!(
                    "unknown generator spec `{name_or_path}`; built-in specs: {} (or give a path to a .yaml file)",
                    Spec::builtin_names().join(", ")
                ),
            };
        }
        Ok(Spec::load(Path::new(name_or_path))?)
    }

    /// Load a spec file from disk.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let source = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Spec::parse(&source, &text),
            Err(error) => Err(SpecError {
                source: source.clone(),
                problems: vec![Problem::new(
                    source,
                    0,
                    format!("cannot read the file: {error}"),
                )],
            }),
        }
    }

    /// Parse and check a spec's text; `source` names it in messages.
    pub fn parse(source: &str, text: &str) -> Result<Spec, SpecError> {
        let fail = |problems: Vec<Problem>| SpecError {
            source: source.to_string(),
            problems,
        };
        let file: SpecFile = serde_yaml::from_str(text).map_err(|error| {
            let line = error.location().map_or(0, |l| l.line());
            fail(vec![
                Problem::new(source, line, error.to_string()).with_source(text)
            ])
        })?;
        let lines = KeyLines::index(text, 0);
        let mut checker = Checker {
            source,
            text,
            lines: &lines,
            problems: Vec::new(),
        };
        let axes = checker.axes(&file.axes);
        checker.shape(&file);
        let spec = Spec {
            name: file.name,
            kind: file.kind,
            description: file.description.trim().to_string(),
            context: file.context.trim_end().to_string(),
            temperature: file.temperature.unwrap_or(1.0),
            axes,
            steps: file.steps,
            export: file.export,
            filters: file.filters,
            source: source.to_string(),
            text: text.to_string(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        };
        if checker.problems.is_empty() {
            checker.templates(&spec);
        }
        if checker.problems.is_empty() {
            Ok(spec)
        } else {
            Err(fail(checker.problems))
        }
    }
}

/// Collects located problems while checking one spec.
struct Checker<'a> {
    source: &'a str,
    text: &'a str,
    lines: &'a KeyLines,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, path: &str, line: usize, message: String, help: Option<&str>) {
        let mut problem = Problem::new(self.source, line, message)
            .field(path)
            .with_source(self.text);
        if let Some(help) = help {
            problem = problem.help(help);
        }
        self.problems.push(problem);
    }

    fn at(&mut self, path: &str, message: String, help: Option<&str>) {
        let line = self.lines.line(path);
        self.problem(path, line, message, help);
    }

    fn shape(&mut self, file: &SpecFile) {
        if file.format != FORMAT_VERSION {
            self.at(
                "format",
                format!(
                    "unsupported format {} (this build reads format {FORMAT_VERSION})",
                    file.format
                ),
                None,
            );
        }
        if !is_name(&file.name) {
            self.at(
                "name",
                format!(
                    "spec name `{}` must be lower-case letters, digits and `-`",
                    file.name
                ),
                None,
            );
        }
        if let Some(t) = file.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
            self.at(
                "temperature",
                format!("temperature {t} is outside 0..=2"),
                None,
            );
        }
        if file.filters.min_words > file.filters.max_words {
            self.at(
                "filters.min_words",
                format!(
                    "min_words {} is above max_words {}",
                    file.filters.min_words, file.filters.max_words
                ),
                None,
            );
        }
        self.steps(&file.steps);
        match file.export.messages.last() {
            None => self.at("export.messages", "export.messages is empty".into(), None),
            Some(last) if last.role != Speaker::Assistant => self.at(
                "export.messages",
                "the last exported message must be the assistant's (trainers learn from it)".into(),
                None,
            ),
            _ => {}
        }
    }

    fn steps(&mut self, steps: &[Step]) {
        if steps.is_empty() {
            self.at("steps", "a spec needs at least one step".into(), None);
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let path = format!("steps.{i}");
            if !is_step_name(&step.name) {
                self.at(
                    &format!("{path}.name"),
                    format!(
                        "step name `{}` must be lower-case letters, digits and `_`",
                        step.name
                    ),
                    None,
                );
            }
            if seen.contains(&step.name.as_str()) {
                self.at(
                    &format!("{path}.name"),
                    format!("step `{}` is named twice", step.name),
                    None,
                );
            }
            seen.push(&step.name);
            if step.max_tokens == 0 {
                self.at(
                    &format!("{path}.max_tokens"),
                    "max_tokens must be above 0".into(),
                    None,
                );
            }
            match (&step.prompt, step.messages.is_empty()) {
                (Some(_), false) | (None, true) => self.at(
                    &path,
                    format!(
                        "step `{}` needs exactly one of `prompt` and `messages`",
                        step.name
                    ),
                    None,
                ),
                (None, false) => {
                    if step.messages.last().map(|m| m.role) != Some(Speaker::User) {
                        self.at(
                            &format!("{path}.messages"),
                            "a step's conversation must end with a user message".into(),
                            None,
                        );
                    }
                    if step.messages.iter().any(|m| m.role == Speaker::System) {
                        self.at(
                            &format!("{path}.messages"),
                            "put a step's system prompt in its `system` field".into(),
                            None,
                        );
                    }
                }
                (Some(_), true) => {}
            }
        }
    }

    fn axes(&mut self, mapping: &serde_yaml::Mapping) -> Vec<Axis> {
        if mapping.is_empty() {
            self.at("axes", "a spec needs at least one axis".into(), None);
        }
        let mut axes = Vec::new();
        for (key, value) in mapping {
            let Some(name) = key.as_str() else {
                self.at("axes", "axis names must be strings".into(), None);
                continue;
            };
            let path = format!("axes.{name}");
            if !is_step_name(name) || RESERVED.contains(&name) {
                self.at(
                    &path,
                    format!(
                        "axis name `{name}` must be lower-case letters, digits and `_`, and not one of {}",
                        RESERVED.join(", ")
                    ),
                    None,
                );
                continue;
            }
            let values: Vec<Value> = match serde_json::to_value(value) {
                Ok(Value::Array(values)) if !values.is_empty() => values,
                _ => {
                    self.at(
                        &path,
                        format!("axis `{name}` must be a non-empty list"),
                        None,
                    );
                    continue;
                }
            };
            self.axis_values(&path, name, &values);
            axes.push(Axis {
                name: name.to_string(),
                values,
            });
        }
        axes
    }

    /// Values are all strings, or all maps of strings with the same fields, so a template
    /// checked against the first value works for every value.
    fn axis_values(&mut self, path: &str, name: &str, values: &[Value]) {
        let fields = |value: &Value| -> Option<Vec<String>> {
            let map = value.as_object()?;
            map.values()
                .all(|v| v.is_string())
                .then(|| map.keys().cloned().collect())
        };
        let first_fields = fields(&values[0]);
        for (i, value) in values.iter().enumerate() {
            let item = format!("{path}.{i}");
            let ok = match (&first_fields, value) {
                (None, Value::String(s)) => !s.trim().is_empty(),
                (Some(expected), _) => fields(value).as_ref() == Some(expected),
                _ => false,
            };
            if !ok {
                let expected = match &first_fields {
                    None => "a non-empty string, like the axis's first value".to_string(),
                    Some(f) => format!(
                        "a map with string fields {}, like the first value",
                        f.join(", ")
                    ),
                };
                self.at(
                    &item,
                    format!("value {i} of axis `{name}` is not {expected}"),
                    None,
                );
            }
        }
    }

    /// Render every template once with the first planned item, so undefined variables and
    /// syntax errors are found at load time and located at their line.
    fn templates(&mut self, spec: &Spec) {
        let item = crate::plan::plan_item(spec, 0, 0);
        let mut outputs = serde_json::Map::new();
        for (i, step) in spec.steps.iter().enumerate() {
            let context = crate::plan::context(spec, &item, &outputs);
            let path = format!("steps.{i}");
            self.template(&format!("{path}.system"), step.system.as_deref(), &context);
            self.template(&format!("{path}.prompt"), step.prompt.as_deref(), &context);
            for (j, message) in step.messages.iter().enumerate() {
                self.template(
                    &format!("{path}.messages.{j}.content"),
                    Some(&message.content),
                    &context,
                );
            }
            outputs.insert(
                step.name.clone(),
                Value::String(format!("<output of {}>", step.name)),
            );
        }
        let context = crate::plan::context(spec, &item, &outputs);
        self.template("export.text", Some(&spec.export.text), &context);
        for (j, message) in spec.export.messages.iter().enumerate() {
            self.template(
                &format!("export.messages.{j}.content"),
                Some(&message.content),
                &context,
            );
        }
    }

    fn template(&mut self, path: &str, source: Option<&str>, context: &Value) {
        let Some(source) = source else { return };
        if let Err(error) = template::render(source, context) {
            let line = match (self.lines.get(path), error.line) {
                (Some(key), Some(n)) if key.block => key.line + n,
                _ => self.lines.value_line(path),
            };
            let help = error.message.contains("undefined").then_some(
                "templates see `context`, `spec`, `item`, each axis by name, and `steps.<name>` of earlier steps only",
            );
            self.problem(
                path,
                line,
                format!("template error: {}", error.message),
                help,
            );
        }
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_step_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
