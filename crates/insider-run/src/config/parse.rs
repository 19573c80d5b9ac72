//! Reading an experiment file, with every mistake located by file, line and field.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

use super::*;
use anyhow::Context;
use std::fmt;
use std::path::Path;

/// A config mistake, located in its file where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// The config file, or `None` for a command-line flag.
    pub file: Option<PathBuf>,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// The field (`models[1]`, `samples`, `--goal-type`).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The offending line's text.
    pub source_line: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid experiment config: {}: {}",
            self.field, self.message
        )?;
        match (&self.file, self.line) {
            (Some(file), Some(line)) => {
                write!(f, "\n  --> {}:{line}", file.display())?;
                if let Some(text) = &self.source_line {
                    write!(f, "\n   |\n{line:>3} | {text}\n   |")?;
                }
            }
            (Some(file), None) => write!(f, "\n  --> {}", file.display())?,
            (None, _) => {}
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

pub(super) struct Source<'a> {
    pub(super) file: Option<&'a Path>,
    pub(super) text: &'a str,
}

impl Source<'_> {
    /// Line of the first occurrence of `key:` (a YAML key), optionally after `after_line`.
    pub(super) fn key_line(&self, key: &str) -> Option<usize> {
        self.text.lines().position(|line| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            trimmed.starts_with(&format!("{key}:"))
        })
    }

    /// Line of the first occurrence of `needle` anywhere.
    pub(super) fn text_line(&self, needle: &str) -> Option<usize> {
        self.text.lines().position(|line| line.contains(needle))
    }

    pub(super) fn error(
        &self,
        line: Option<usize>,
        field: &str,
        message: String,
        help: Option<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.file.map(Path::to_path_buf),
            line: line.map(|l| l + 1),
            field: field.to_string(),
            message,
            help,
            source_line: line.and_then(|l| self.text.lines().nth(l).map(str::to_string)),
        }
    }

    pub(super) fn flag_error(field: &str, message: String, help: Option<String>) -> ConfigError {
        ConfigError {
            file: None,
            line: None,
            field: field.to_string(),
            message,
            help,
            source_line: None,
        }
    }
}

/// Read and parse an experiment file, with errors naming file, line and field.
pub fn load_file(path: &Path) -> anyhow::Result<ExperimentFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading experiment config {}", path.display()))?;
    Ok(parse_file(&text, Some(path))?)
}

/// Parse experiment YAML text (`file` names it in errors).
pub fn parse_file(text: &str, file: Option<&Path>) -> Result<ExperimentFile, ConfigError> {
    let source = Source { file, text };
    let yaml_error = |error: serde_yaml::Error| {
        let line = error.location().map(|l| l.line().saturating_sub(1));
        let message = error.to_string();
        let (field, message) = match message.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') => (path.to_string(), rest.to_string()),
            _ => ("config".to_string(), message),
        };
        let message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_string(),
            None => message,
        };
        source.error(
            line,
            &field,
            message,
            Some("see docs/running.md for every field".into()),
        )
    };
    // Models may be plain names or maps; parse them separately so their errors keep detail.
    let mut value: serde_yaml::Value = serde_yaml::from_str(text).map_err(yaml_error)?;
    let models = match value.as_mapping_mut().and_then(|m| m.remove("models")) {
        Some(serde_yaml::Value::Sequence(items)) => items,
        Some(serde_yaml::Value::Null) | None => Vec::new(),
        Some(_) => {
            return Err(source.error(
                source.key_line("models"),
                "models",
                "expected a list of models".into(),
                Some("write `models: [openai/gpt-4.1]` or a list of maps with `name:`".into()),
            ))
        }
    };
    let mut parsed: ExperimentFile = if value.is_null() {
        ExperimentFile::default()
    } else {
        serde_yaml::from_value(value).map_err(|error| {
            // Values detached from text lose their location: find the field by name.
            let mut located = yaml_error(error);
            if located.line.is_none() {
                let leaf = located.field.rsplit('.').next().unwrap_or("").to_string();
                let needle = located
                    .message
                    .split('`')
                    .nth(1)
                    .map(str::to_string)
                    .unwrap_or_default();
                let line = source.key_line(&leaf).or_else(|| {
                    (!needle.is_empty())
                        .then(|| source.text_line(&needle))
                        .flatten()
                });
                let help = located.help.clone();
                located = source.error(line, &located.field, located.message, help);
            }
            located
        })?
    };
    for (index, item) in models.into_iter().enumerate() {
        let entry = ModelEntry::from_value(item, index).map_err(|message| {
            let (field, message) = match message.split_once(": ") {
                Some((path, rest)) if path.starts_with("models[") => {
                    (path.to_string(), rest.to_string())
                }
                _ => (format!("models[{index}]"), message),
            };
            let needle = message.split('`').nth(1).unwrap_or("").to_string();
            let line = (!needle.is_empty())
                .then(|| {
                    source
                        .key_line(&needle)
                        .or_else(|| source.text_line(&needle))
                })
                .flatten()
                .or_else(|| source.key_line("models"));
            source.error(
                line,
                &field,
                message,
                Some("see docs/running.md#models".into()),
            )
        })?;
        parsed.models.push(entry);
    }
    Ok(parsed)
}
