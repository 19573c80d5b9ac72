//! The data types of a generator spec.

pub use crate::plan::Axis;
use insider_scenario::Problem;
use serde::Deserialize;
use std::fmt;

/// The spec format this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// Names the templates may not use for an axis, because the context already has them.
pub(crate) const RESERVED: &[&str] = &["spec", "context", "item", "steps"];

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
pub(crate) struct SpecFile {
    pub(crate) format: u32,
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) context: String,
    #[serde(default)]
    pub(crate) temperature: Option<f64>,
    pub(crate) axes: serde_yaml::Mapping,
    pub(crate) steps: Vec<Step>,
    pub(crate) export: ExportTemplates,
    #[serde(default)]
    pub(crate) filters: Filters,
}

pub(crate) fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub(crate) fn is_step_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
