//! Experiment config: the YAML file, the CLI overrides, and the resolved experiment.
//!
//! A config names models, the condition selection, samples per condition, the grader, a seed
//! and where the run goes. Flags override the file; the result is a [`ResolvedExperiment`],
//! stored in the ledger as the run's provenance. Every mistake is reported before any call,
//! naming the file, line and field. The format is documented in `docs/running.md`.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

use anyhow::Context;
use insider_model::{GenerationSettings, ModelConfig};
use insider_scenario::{
    parse_factor, Condition, ExtraInstructions, GoalType, GoalValue, GridSelection, Urgency,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The experiment file as written (every field optional; flags can supply them).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExperimentFile {
    /// Run name, used in the default run directory.
    pub name: Option<String>,
    /// Models under test: a name or a map with `name` and per-model settings.
    pub models: Vec<ModelEntry>,
    /// Which conditions to run.
    pub conditions: ConditionSelection,
    /// Samples (epochs) per model × condition.
    #[serde(alias = "epochs")]
    pub samples: Option<i64>,
    /// Grader model for inline classification (none: gate-only verdicts).
    pub grader: Option<String>,
    /// Base seed; trial `i` sends `seed + i` where the API accepts a seed.
    pub seed: Option<u64>,
    /// Run directory (default `./insider-runs/<UTC timestamp>-<name>/`).
    #[serde(alias = "log_dir")]
    pub out: Option<PathBuf>,
    /// Generation settings for every model (a model's own settings win).
    pub generation: GenerationFields,
    /// Default concurrent requests per model (default 10).
    pub max_connections: Option<usize>,
    /// Classify inline after each reply (default true).
    pub classify: Option<bool>,
    /// Run at most this many trials in this invocation.
    pub limit: Option<u64>,
    /// Scenario pack folders (insider format or imported original templates), relative to the
    /// file; each answers for its own scenario name and hides a built-in pack of that name.
    pub packs: Vec<PathBuf>,
}

/// Generation settings as written in a config (unknown keys are errors).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationFields {
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Maximum output tokens.
    pub max_tokens: Option<u32>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Reasoning effort (`low`, `medium`, `high`).
    pub reasoning_effort: Option<String>,
    /// Thinking budget in tokens.
    pub thinking_budget: Option<u32>,
    /// Stop sequences.
    pub stop: Option<Vec<String>>,
}

impl GenerationFields {
    fn apply(&self, settings: &mut GenerationSettings) {
        if self.temperature.is_some() {
            settings.temperature = self.temperature;
        }
        if self.max_tokens.is_some() {
            settings.max_tokens = self.max_tokens;
        }
        if self.top_p.is_some() {
            settings.top_p = self.top_p;
        }
        if self.reasoning_effort.is_some() {
            settings.reasoning_effort = self.reasoning_effort.clone();
        }
        if self.thinking_budget.is_some() {
            settings.thinking_budget = self.thinking_budget;
        }
        if let Some(stop) = &self.stop {
            settings.stop = stop.clone();
        }
    }
}

/// One model of the config: `openai/gpt-4.1` or `{name: openai/gpt-4.1, rpm: 500, ...}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// Model name in `provider/model` form.
    pub name: String,
    /// API base URL override.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Environment variable holding the key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Concurrent requests to this model.
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// Requests per minute.
    #[serde(default)]
    pub rpm: Option<u32>,
    /// Tokens per minute.
    #[serde(default)]
    pub tpm: Option<u32>,
    /// Attempts per call.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Timeout per attempt in seconds.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Connect timeout per attempt in seconds.
    #[serde(default)]
    pub connect_timeout_secs: Option<u64>,
    /// Longest silence while reading a response, in seconds.
    #[serde(default)]
    pub read_timeout_secs: Option<u64>,
    /// First retry delay in milliseconds (doubles per attempt).
    #[serde(default)]
    pub backoff_base_ms: Option<u64>,
    /// Cap on the computed retry delay in milliseconds.
    #[serde(default)]
    pub backoff_max_ms: Option<u64>,
    /// Anthropic prompt caching.
    #[serde(default)]
    pub prompt_caching: Option<bool>,
    /// Generation settings for this model.
    #[serde(default)]
    pub generation: GenerationFields,
}

/// A model name alone or a map; kept as an untagged-free visitor so errors keep their detail.
#[derive(Deserialize)]
#[serde(untagged)]
enum ModelEntryRepr {
    Name(String),
    Full(serde_yaml::Value),
}

impl ModelEntry {
    fn from_value(value: serde_yaml::Value, index: usize) -> Result<ModelEntry, String> {
        match serde_yaml::from_value::<ModelEntryRepr>(value).map_err(|e| e.to_string())? {
            ModelEntryRepr::Name(name) => Ok(ModelEntry {
                name,
                ..ModelEntry::default()
            }),
            ModelEntryRepr::Full(map) => serde_yaml::from_value::<ModelEntry>(map)
                .map_err(|e| format!("models[{index}]: {e}")),
        }
    }
}

/// The condition selection: lists per factor, crossed, plus explicit condition ids.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConditionSelection {
    /// Scenario packs (empty: all built-in packs, unless `ids` is given).
    #[serde(alias = "scenarios")]
    pub scenario: Vec<String>,
    /// Goal types (empty: all).
    #[serde(alias = "goal_types")]
    pub goal_type: Vec<String>,
    /// Goal values (empty: all).
    #[serde(alias = "goal_values")]
    pub goal_value: Vec<String>,
    /// Urgencies (empty: all).
    #[serde(alias = "urgency_types", alias = "urgencies")]
    pub urgency: Vec<String>,
    /// Extra instructions (empty: none).
    pub extra_instructions: Vec<String>,
    /// Awareness notice (empty: off).
    pub awareness_notice: Vec<bool>,
    /// Scratchpad removed (empty: off).
    pub prod: Vec<bool>,
    /// Explicit condition ids, added to the crossed grid.
    pub ids: Vec<String>,
}

impl ConditionSelection {
    fn has_grid(&self) -> bool {
        !(self.scenario.is_empty()
            && self.goal_type.is_empty()
            && self.goal_value.is_empty()
            && self.urgency.is_empty()
            && self.extra_instructions.is_empty()
            && self.awareness_notice.is_empty()
            && self.prod.is_empty())
    }
}

/// Values given on the command line; each `Some` replaces the file's value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--name`.
    pub name: Option<String>,
    /// `--model` (repeatable).
    pub models: Vec<String>,
    /// `--scenario a,b`.
    pub scenario: Option<String>,
    /// `--goal-type`.
    pub goal_type: Option<String>,
    /// `--goal-value`.
    pub goal_value: Option<String>,
    /// `--urgency`.
    pub urgency: Option<String>,
    /// `--extra-instructions`.
    pub extra_instructions: Option<String>,
    /// `--awareness-notice true,false`.
    pub awareness_notice: Option<String>,
    /// `--prod true,false`.
    pub prod: Option<String>,
    /// `--condition ID` (repeatable).
    pub ids: Vec<String>,
    /// `--pack DIR` (repeatable; replaces the file's `packs`).
    pub packs: Vec<PathBuf>,
    /// `--samples` / `--epochs`.
    pub samples: Option<i64>,
    /// `--max-connections`.
    pub max_connections: Option<usize>,
    /// `--limit`.
    pub limit: Option<u64>,
    /// `--no-classify`.
    pub no_classify: bool,
    /// `--model-role grader=M`.
    pub grader: Option<String>,
    /// `--out` / `--log-dir`.
    pub out: Option<PathBuf>,
    /// `--temperature`.
    pub temperature: Option<f64>,
    /// `--max-tokens`.
    pub max_tokens: Option<u32>,
    /// `--seed`.
    pub seed: Option<u64>,
}

/// A model with every setting resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedModel {
    /// Model name.
    pub name: String,
    /// Settings handed to the provider.
    pub config: ModelConfig,
}

/// The experiment after merging file and flags and expanding the grid: what a run executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedExperiment {
    /// Run name.
    pub name: String,
    /// Models, in config order.
    pub models: Vec<ResolvedModel>,
    /// Condition ids, in grid order.
    pub conditions: Vec<String>,
    /// Samples per model × condition.
    pub samples: u32,
    /// Grader model, if any.
    pub grader: Option<String>,
    /// Base seed.
    pub seed: Option<u64>,
    /// Classify inline.
    pub classify: bool,
    /// At most this many trials per invocation.
    pub limit: Option<u64>,
    /// The config file it came from, if any.
    pub config_file: Option<PathBuf>,
    /// Scenario pack folders, absolute (empty: built-in packs only).
    #[serde(default)]
    pub packs: Vec<PathBuf>,
}

impl ResolvedExperiment {
    /// Total trials planned (models × conditions × samples).
    pub fn total_trials(&self) -> u64 {
        self.models.len() as u64 * self.conditions.len() as u64 * self.samples as u64
    }

    /// Parsed conditions.
    pub fn parsed_conditions(&self) -> anyhow::Result<Vec<Condition>> {
        self.conditions
            .iter()
            .map(|id| Condition::parse_id(id).map_err(|e| anyhow::anyhow!("{e}")))
            .collect()
    }
}

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

struct Source<'a> {
    file: Option<&'a Path>,
    text: &'a str,
}

impl Source<'_> {
    /// Line of the first occurrence of `key:` (a YAML key), optionally after `after_line`.
    fn key_line(&self, key: &str) -> Option<usize> {
        self.text.lines().position(|line| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            trimmed.starts_with(&format!("{key}:"))
        })
    }

    /// Line of the first occurrence of `needle` anywhere.
    fn text_line(&self, needle: &str) -> Option<usize> {
        self.text.lines().position(|line| line.contains(needle))
    }

    fn error(
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

    fn flag_error(field: &str, message: String, help: Option<String>) -> ConfigError {
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

/// Merge a config file (if any) with flag overrides, expand the grid and validate everything
/// that can be checked without a call: model names and keys, factor values, samples.
pub fn resolve(
    file: Option<(&Path, &ExperimentFile)>,
    overrides: &Overrides,
) -> Result<ResolvedExperiment, ConfigError> {
    let empty = ExperimentFile::default();
    let (path, config) = match file {
        Some((path, config)) => (Some(path), config),
        None => (None, &empty),
    };
    let text = path
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let source = Source {
        file: path,
        text: &text,
    };

    // Samples.
    let samples = match (overrides.samples, config.samples) {
        (Some(n), _) => check_samples(n).map_err(|m| {
            Source::flag_error(
                "--samples",
                m,
                Some("pass a whole number of 1 or more".into()),
            )
        })?,
        (None, Some(n)) => check_samples(n).map_err(|m| {
            source.error(
                source
                    .key_line("samples")
                    .or_else(|| source.key_line("epochs")),
                "samples",
                m,
                Some("write a whole number of 1 or more, e.g. `samples: 100`".into()),
            )
        })?,
        (None, None) => 1,
    };

    // Models.
    let mut generation = GenerationSettings::default();
    config.generation.apply(&mut generation);
    let default_connections = overrides.max_connections.or(config.max_connections);
    let mut models: Vec<(ResolvedModel, Option<usize>)> = Vec::new();
    if !overrides.models.is_empty() {
        for name in &overrides.models {
            // A flag naming a model the file configures keeps the file's settings.
            let entry = config
                .models
                .iter()
                .find(|m| &m.name == name)
                .cloned()
                .unwrap_or_else(|| ModelEntry {
                    name: name.clone(),
                    ..ModelEntry::default()
                });
            models.push((
                resolve_model(&entry, &generation, default_connections, overrides),
                None,
            ));
        }
    } else if !config.models.is_empty() {
        for (index, entry) in config.models.iter().enumerate() {
            models.push((
                resolve_model(entry, &generation, default_connections, overrides),
                Some(index),
            ));
        }
    } else {
        let name = default_model();
        let entry = ModelEntry {
            name,
            ..ModelEntry::default()
        };
        models.push((
            resolve_model(&entry, &generation, default_connections, overrides),
            None,
        ));
    }
    for (model, index) in &models {
        if let Err(problem) = crate::models::check(&model.name, &model.config) {
            return Err(match index {
                Some(index) => source.error(
                    source.text_line(&model.name),
                    &format!("models[{index}]"),
                    problem.message,
                    problem.help,
                ),
                None => Source::flag_error("--model", problem.message, problem.help),
            });
        }
    }
    if let Some(grader) = overrides.grader.as_ref().or(config.grader.as_ref()) {
        if let Err(problem) = crate::models::check(grader, &ModelConfig::default()) {
            return Err(if overrides.grader.is_some() {
                Source::flag_error("--model-role grader", problem.message, problem.help)
            } else {
                source.error(
                    source.key_line("grader"),
                    "grader",
                    problem.message,
                    problem.help,
                )
            });
        }
    }

    // Scenario packs: flags are relative to the working directory, the file's to the file.
    let pack_dirs: Vec<PathBuf> = if !overrides.packs.is_empty() {
        overrides.packs.iter().map(|dir| absolute(dir)).collect()
    } else {
        let base = path.and_then(Path::parent).unwrap_or(Path::new(""));
        config
            .packs
            .iter()
            .map(|dir| absolute(&base.join(dir)))
            .collect()
    };
    let packs = crate::packs::PackSet::load(&pack_dirs).map_err(|error| {
        let mut located = if overrides.packs.is_empty() {
            source.error(source.key_line("packs"), "packs", String::new(), None)
        } else {
            Source::flag_error("--pack", String::new(), None)
        };
        located.message = format!("{error:#}");
        located.help = Some(
            "a pack folder holds a pack.yaml (docs/scenario-packs.md), or is an import made by \
             `insider scenarios import-original`"
                .into(),
        );
        located
    })?;

    // Conditions.
    let conditions = resolve_conditions(&source, &config.conditions, overrides, &packs)?;

    let name = overrides
        .name
        .clone()
        .or_else(|| config.name.clone())
        .or_else(|| {
            path.and_then(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "run".to_string());
    Ok(ResolvedExperiment {
        name,
        models: models.into_iter().map(|(m, _)| m).collect(),
        conditions,
        samples,
        grader: overrides.grader.clone().or_else(|| config.grader.clone()),
        seed: overrides.seed.or(config.seed),
        classify: !overrides.no_classify && config.classify.unwrap_or(true),
        limit: overrides.limit.or(config.limit),
        config_file: path.map(Path::to_path_buf),
        packs: pack_dirs,
    })
}

/// `dir` made absolute against the working directory, so a resumed run finds it from anywhere.
fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// The run directory: `--out`, the file's `out`, or `./insider-runs/<UTC timestamp>-<name>/`.
pub fn run_dir(config: Option<&ExperimentFile>, overrides: &Overrides, name: &str) -> PathBuf {
    if let Some(out) = overrides
        .out
        .clone()
        .or_else(|| config.and_then(|c| c.out.clone()))
    {
        return out;
    }
    let stamp = chrono::Utc::now().format("%Y-%m-%dT%H-%M-%SZ");
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    PathBuf::from("insider-runs").join(format!("{stamp}-{safe}"))
}

fn default_model() -> String {
    let hosted_key = [
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
    ]
    .iter()
    .find(|var| std::env::var(var).map(|v| !v.is_empty()).unwrap_or(false));
    match hosted_key {
        Some(&"ANTHROPIC_API_KEY") => "anthropic/claude-sonnet-4-5".to_string(),
        Some(&"OPENAI_API_KEY") => "openai/gpt-4.1".to_string(),
        Some(_) => "google/gemini-2.5-flash".to_string(),
        None => insider_model::DEFAULT_LOCAL_MODEL.to_string(),
    }
}

fn check_samples(n: i64) -> Result<u32, String> {
    if n < 1 {
        Err(format!("samples must be at least 1, got {n}"))
    } else if n > u32::MAX as i64 {
        Err(format!("samples {n} is too large"))
    } else {
        Ok(n as u32)
    }
}

#[allow(clippy::field_reassign_with_default)]
fn resolve_model(
    entry: &ModelEntry,
    global: &GenerationSettings,
    default_connections: Option<usize>,
    overrides: &Overrides,
) -> ResolvedModel {
    let mut generation = global.clone();
    entry.generation.apply(&mut generation);
    if overrides.temperature.is_some() {
        generation.temperature = overrides.temperature;
    }
    if overrides.max_tokens.is_some() {
        generation.max_tokens = overrides.max_tokens;
    }
    // Field by field, so settings the model crate adds later keep their defaults.
    let mut config = ModelConfig::default();
    config.base_url = entry.base_url.clone();
    config.api_key_env = entry.api_key_env.clone();
    config.max_connections = overrides
        .max_connections
        .or(entry.max_connections)
        .or(default_connections);
    config.rpm = entry.rpm;
    config.tpm = entry.tpm;
    config.max_attempts = entry.max_attempts;
    config.timeout_secs = entry.timeout_secs;
    config.connect_timeout_secs = entry.connect_timeout_secs;
    config.read_timeout_secs = entry.read_timeout_secs;
    config.backoff_base_ms = entry.backoff_base_ms;
    config.backoff_max_ms = entry.backoff_max_ms;
    config.prompt_caching = entry.prompt_caching;
    config.generation = generation;
    ResolvedModel {
        name: entry.name.clone(),
        config,
    }
}

fn resolve_conditions(
    source: &Source<'_>,
    file: &ConditionSelection,
    overrides: &Overrides,
    packs: &crate::packs::PackSet,
) -> Result<Vec<String>, ConfigError> {
    // A flag replaces the file's list for that factor.
    fn list(
        source: &Source<'_>,
        flag: Option<&String>,
        flag_name: &str,
        file: &[String],
        field: &str,
    ) -> Vec<(String, Option<ConfigError>)> {
        match flag {
            Some(text) => insider_scenario::split_list(text)
                .into_iter()
                .map(|v| (v, Some(Source::flag_error(flag_name, String::new(), None))))
                .collect(),
            None => file
                .iter()
                .map(|v| {
                    let line = source
                        .key_line(&format!("conditions.{field}"))
                        .or_else(|| source.text_line(v));
                    (
                        v.clone(),
                        Some(source.error(
                            line,
                            &format!("conditions.{field}"),
                            String::new(),
                            None,
                        )),
                    )
                })
                .collect(),
        }
    }
    fn parse<T: insider_scenario::Factor>(
        items: Vec<(String, Option<ConfigError>)>,
        field: &str,
    ) -> Result<Vec<T>, ConfigError> {
        items
            .into_iter()
            .map(|(text, located)| {
                parse_factor::<T>(field, &text).map_err(|error| {
                    let mut located = located.expect("located error");
                    located.message = error.to_string();
                    located.help = Some(format!(
                        "use one of: {}",
                        T::all()
                            .iter()
                            .map(|v| v.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    located
                })
            })
            .collect()
    }
    fn bools(items: Vec<(String, Option<ConfigError>)>) -> Result<Vec<bool>, ConfigError> {
        items
            .into_iter()
            .map(|(text, located)| match text.as_str() {
                "true" | "on" | "yes" => Ok(true),
                "false" | "off" | "no" => Ok(false),
                other => {
                    let mut located = located.expect("located error");
                    located.message = format!("expected true or false, got `{other}`");
                    Err(located)
                }
            })
            .collect()
    }
    let bool_strings = |values: &[bool]| values.iter().map(|b| b.to_string()).collect::<Vec<_>>();

    let scenario_items = list(
        source,
        overrides.scenario.as_ref(),
        "--scenario",
        &file.scenario,
        "scenario",
    );
    let goal_types: Vec<GoalType> = parse(
        list(
            source,
            overrides.goal_type.as_ref(),
            "--goal-type",
            &file.goal_type,
            "goal_type",
        ),
        "goal_type",
    )?;
    let goal_values: Vec<GoalValue> = parse(
        list(
            source,
            overrides.goal_value.as_ref(),
            "--goal-value",
            &file.goal_value,
            "goal_value",
        ),
        "goal_value",
    )?;
    let urgencies: Vec<Urgency> = parse(
        list(
            source,
            overrides.urgency.as_ref(),
            "--urgency",
            &file.urgency,
            "urgency",
        ),
        "urgency",
    )?;
    let extras: Vec<ExtraInstructions> = parse(
        list(
            source,
            overrides.extra_instructions.as_ref(),
            "--extra-instructions",
            &file.extra_instructions,
            "extra_instructions",
        ),
        "extra_instructions",
    )?;
    let notices = bools(list(
        source,
        overrides.awareness_notice.as_ref(),
        "--awareness-notice",
        &bool_strings(&file.awareness_notice),
        "awareness_notice",
    ))?;
    let prods = bools(list(
        source,
        overrides.prod.as_ref(),
        "--prod",
        &bool_strings(&file.prod),
        "prod",
    ))?;

    let flags_select = overrides.scenario.is_some()
        || overrides.goal_type.is_some()
        || overrides.goal_value.is_some()
        || overrides.urgency.is_some()
        || overrides.extra_instructions.is_some()
        || overrides.awareness_notice.is_some()
        || overrides.prod.is_some();
    let explicit_ids: Vec<(String, Option<ConfigError>)> = if overrides.ids.is_empty() {
        file.ids
            .iter()
            .map(|id| {
                let line = source.text_line(id);
                (
                    id.clone(),
                    Some(source.error(line, "conditions.ids", String::new(), None)),
                )
            })
            .collect()
    } else {
        overrides
            .ids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    Some(Source::flag_error("--condition", String::new(), None)),
                )
            })
            .collect()
    };

    let mut ids: Vec<String> = Vec::new();
    if file.has_grid() || flags_select || explicit_ids.is_empty() {
        // With pack folders, "all scenarios" means the folders' scenarios.
        let mut scenarios: Vec<String> = scenario_items.iter().map(|(s, _)| s.clone()).collect();
        if scenarios.is_empty() {
            scenarios = packs.dir_names();
        }
        let available = packs.available();
        let available: Vec<&str> = available.iter().map(String::as_str).collect();
        let selection = GridSelection {
            scenarios,
            goal_types,
            goal_values,
            urgencies,
            extra_instructions: extras,
            awareness_notice: notices,
            prod: prods,
        };
        let conditions = insider_scenario::expand_for(&selection, &available).map_err(|error| {
            let located = match &error {
                insider_scenario::GridError::UnknownScenario { name, .. } => scenario_items
                    .iter()
                    .find(|(s, _)| s == name)
                    .and_then(|(_, located)| located.clone()),
                _ => None,
            };
            let mut located =
                located.unwrap_or_else(|| Source::flag_error("conditions", String::new(), None));
            located.message = error.to_string();
            located
        })?;
        ids.extend(conditions.iter().map(Condition::id));
    }
    for (id, located) in explicit_ids {
        if let Err(error) = Condition::parse_id(&id) {
            let mut located = located.expect("located error");
            located.message = error.to_string();
            located.help =
                Some("a condition id looks like `blackmail_explicit-america_replacement`".into());
            return Err(located);
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(Source::flag_error(
            "conditions",
            "the selection expands to no condition".into(),
            Some("check goal_type/goal_value: explicit, latent and swap need a goal value other than none".into()),
        ));
    }
    Ok(ids)
}
