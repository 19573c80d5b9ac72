//! Reading an experiment file, with every mistake located by file, line and field.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

use super::types::*;
use anyhow::Context;
use insider_scenario::yaml_lines::KeyLines;
pub use insider_scenario::Problem;
use std::path::Path;

/// Where an experiment's text came from, for errors that point into it.
pub(super) struct Source<'a> {
    pub(super) file: Option<&'a Path>,
    pub(super) text: &'a str,
    lines: KeyLines,
}

impl<'a> Source<'a> {
    /// The text of `file` (or of no file: flags only).
    pub(super) fn new(file: Option<&'a Path>, text: &'a str) -> Source<'a> {
        Source {
            file,
            text,
            lines: KeyLines::index(text, 0),
        }
    }

    /// 1-based line of the key (or sequence item) at dotted `path` (`models.1`,
    /// `conditions.goal_type`), if it is written in block style.
    pub(super) fn exact_line(&self, path: &str) -> Option<usize> {
        self.lines.get(path).map(|key| key.line)
    }

    /// [`Source::exact_line`], else the line of the first key named like the path's last part
    /// at any depth (serde names a field, not its path).
    pub(super) fn key_line(&self, path: &str) -> Option<usize> {
        self.exact_line(path).or_else(|| {
            self.lines
                .first_line_of(path.rsplit('.').next().unwrap_or(path))
        })
    }

    /// 1-based line of `path`, else of its nearest parent written in block style.
    pub(super) fn nearest_line(&self, path: &str) -> Option<usize> {
        let mut current = path;
        loop {
            if let Some(line) = self.exact_line(current) {
                return Some(line);
            }
            current = &current[..current.rfind('.')?];
        }
    }

    /// 1-based line of the first occurrence of `needle`: for values inside flow lists
    /// (`models: [a, b]`), which have no key of their own.
    pub(super) fn text_line(&self, needle: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|line| line.contains(needle))
            .map(|index| index + 1)
    }

    /// A problem at 1-based `line` (or the whole file) about `field`.
    pub(super) fn error(
        &self,
        line: Option<usize>,
        field: &str,
        message: String,
        help: Option<String>,
    ) -> Problem {
        let Some(file) = self.file else {
            return Self::flag_error(field, message, help);
        };
        let mut problem = Problem::new(
            file.display().to_string(),
            line.unwrap_or(0),
            clip(&message),
        )
        .field(shown_path(field))
        .with_source(self.text);
        problem.snippet = problem.snippet.as_deref().map(clip);
        problem.help = help;
        problem
    }

    /// A problem with a command-line flag (no file to point into).
    pub(super) fn flag_error(field: &str, message: String, help: Option<String>) -> Problem {
        let mut problem = Problem::new("", 0, clip(&message)).field(shown_path(field));
        problem.help = help;
        problem
    }
}

/// Longest text of a message or a quoted line, in characters: a 1 MB model name must not
/// become a 1 MB error.
const MAX_SHOWN: usize = 600;

/// `text` cut to [`MAX_SHOWN`] characters, saying how much was left out.
pub(super) fn clip(text: &str) -> String {
    let count = text.chars().count();
    if count <= MAX_SHOWN {
        return text.to_string();
    }
    let kept: String = text.chars().take(MAX_SHOWN).collect();
    format!("{kept}… ({} more characters)", count - MAX_SHOWN)
}

/// A dotted key path as a user reads it: `models.0.max_connections` → `models[0].max_connections`.
fn shown_path(path: &str) -> String {
    let mut shown = String::new();
    for part in path.split('.') {
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            shown.push_str(&format!("[{part}]"));
        } else {
            if !shown.is_empty() {
                shown.push('.');
            }
            shown.push_str(part);
        }
    }
    shown
}

/// Largest experiment file read: a config is a page of YAML, not a data set.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Read and parse an experiment file, with errors naming file, line and field.
pub fn load_file(path: &Path) -> anyhow::Result<ExperimentFile> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("reading experiment config {}", path.display()))?;
    if !metadata.is_file() {
        anyhow::bail!(
            "experiment config {} is not a regular file; pass a YAML file to --config",
            path.display()
        );
    }
    if metadata.len() > MAX_CONFIG_BYTES {
        anyhow::bail!(
            "experiment config {} is {} bytes; a config is at most {MAX_CONFIG_BYTES} bytes",
            path.display(),
            metadata.len()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading experiment config {}", path.display()))?;
    Ok(parse_file(&text, Some(path))?)
}

/// Parse experiment YAML text (`file` names it in errors). Parsed straight from the text, so
/// every syntax, type and unknown-field error keeps serde's line and field path.
pub fn parse_file(text: &str, file: Option<&Path>) -> Result<ExperimentFile, Problem> {
    let source = Source::new(file, text);
    let parsed: Option<ExperimentFile> = serde_yaml::from_str(text).map_err(|error| {
        let line = error.location().map(|l| l.line());
        let message = error.to_string();
        let (field, message) = match message.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') => (path.to_string(), rest.to_string()),
            _ => ("config".to_string(), message),
        };
        let message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_string(),
            None => message,
        };
        let help = if field.starts_with("models") {
            "see docs/running.md#models"
        } else {
            "see docs/running.md for every field"
        };
        source.error(line, &field, message, Some(help.into()))
    })?;
    // An empty document is an empty config: every field can come from flags.
    let parsed = parsed.unwrap_or_default();
    if parsed.models.is_empty() && source.exact_line("models").is_some() {
        return Err(source.error(
            source.exact_line("models"),
            "models",
            "`models: []` names no model".into(),
            Some("list at least one model, or leave `models` out and pass --model".into()),
        ));
    }
    Ok(parsed)
}
