//! Merging the file with the flags, checking models and keys, and expanding the grid.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

use super::conditions::resolve_conditions;
use super::parse::Source;
use super::types::*;
use super::validate;
use insider_model::{GenerationSettings, ModelConfig};
use insider_scenario::Problem;
use std::path::Path;
use std::path::PathBuf;

/// Merge a config file (if any) with flag overrides, expand the grid and validate everything
/// that can be checked without a call: model names and keys, factor values, samples, and the
/// numbers no provider accepts.
pub fn resolve(
    file: Option<(&Path, &ExperimentFile)>,
    overrides: &Overrides,
) -> Result<ResolvedExperiment, Problem> {
    let empty = ExperimentFile::default();
    let (path, config) = match file {
        Some((path, config)) => (Some(path), config),
        None => (None, &empty),
    };
    let text = path
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let source = Source::new(path, &text);
    validate::check_file(&source, config)?;
    validate::check_flags(overrides)?;
    let samples = resolve_samples(&source, config, overrides)?;
    let models = resolve_models(&source, config, overrides)?;
    check_grader(&source, config, overrides)?;
    let (pack_dirs, packs) = resolve_packs(&source, path, config, overrides)?;
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
        models,
        conditions,
        samples,
        grader: overrides.grader.clone().or_else(|| config.grader_spec()),
        grader_batch: config.grader_batch.unwrap_or(false),
        seed: overrides.seed.or(config.seed),
        classify: !overrides.no_classify && config.classify.unwrap_or(true),
        limit: overrides.limit.or(config.limit),
        config_file: path.map(Path::to_path_buf),
        packs: pack_dirs,
        shard: resolve_shard(&source, config, overrides)?,
    })
}

/// `--shard K/N`, else the file's `shard:`, else none.
fn resolve_shard(
    source: &Source<'_>,
    config: &ExperimentFile,
    overrides: &Overrides,
) -> Result<Option<crate::shard::Shard>, Problem> {
    if overrides.shard.is_some() {
        return Ok(overrides.shard);
    }
    let Some(text) = &config.shard else {
        return Ok(None);
    };
    crate::shard::Shard::parse(text)
        .map(Some)
        .map_err(|message| {
            source.error(
                source.key_line("shard"),
                "shard",
                message,
                Some("write `shard: K/N` with 1 <= K <= N, e.g. `shard: 1/4`".into()),
            )
        })
}

/// Samples per model × condition: the flag, the file's `samples`, or 1.
fn resolve_samples(
    source: &Source<'_>,
    config: &ExperimentFile,
    overrides: &Overrides,
) -> Result<u32, Problem> {
    match (overrides.samples, config.samples) {
        (Some(n), _) => check_samples(n).map_err(|m| {
            Source::flag_error(
                "--samples",
                m,
                Some("pass a whole number of 1 or more".into()),
            )
        }),
        (None, Some(n)) => check_samples(n).map_err(|m| {
            source.error(
                source
                    .key_line("samples")
                    .or_else(|| source.key_line("epochs")),
                "samples",
                m,
                Some("write a whole number of 1 or more, e.g. `samples: 100`".into()),
            )
        }),
        (None, None) => Ok(1),
    }
}

/// The models under test with every setting merged (flag, model entry, file-wide, default),
/// each checked by name and key; a problem names `models[i]` or `--model`.
fn resolve_models(
    source: &Source<'_>,
    config: &ExperimentFile,
    overrides: &Overrides,
) -> Result<Vec<ResolvedModel>, Problem> {
    let mut generation = GenerationSettings::default();
    config.generation.apply(&mut generation);
    let default_connections = overrides.max_connections.or(config.max_connections);
    let named = |name: &String| ModelEntry {
        name: name.clone(),
        ..ModelEntry::default()
    };
    // (entry, its index in the file's `models` when that is where it came from)
    let entries: Vec<(ModelEntry, Option<usize>)> = if !overrides.models.is_empty() {
        // A flag naming a model the file configures keeps the file's settings.
        let from_file = |name: &String| config.models.iter().find(|m| &m.name == name).cloned();
        overrides
            .models
            .iter()
            .map(|name| (from_file(name).unwrap_or_else(|| named(name)), None))
            .collect()
    } else if !config.models.is_empty() {
        config
            .models
            .iter()
            .enumerate()
            .map(|(index, entry)| (entry.clone(), Some(index)))
            .collect()
    } else {
        vec![(named(&default_model()), None)]
    };
    let mut models = Vec::new();
    for (entry, index) in entries {
        let model = resolve_model(&entry, &generation, default_connections, overrides);
        if let Err(error) = checked(&model.name, &model.config, overrides) {
            let help = Some(crate::models::HELP.to_string());
            return Err(match index {
                Some(index) => source.error(
                    source
                        .exact_line(&format!("models.{index}"))
                        .or_else(|| source.text_line(&model.name)),
                    &format!("models[{index}]"),
                    error.to_string(),
                    help,
                ),
                None => Source::flag_error("--model", error.to_string(), help),
            });
        }
        models.push(model);
    }
    Ok(models)
}

/// [`crate::models::check`], letting a missing key pass when `overrides.keys_optional`.
fn checked(
    name: &str,
    config: &ModelConfig,
    overrides: &Overrides,
) -> Result<(), insider_model::ConfigError> {
    match crate::models::check(name, config) {
        Err(insider_model::ConfigError::MissingKey { .. }) if overrides.keys_optional => Ok(()),
        other => other,
    }
}

/// The grader's name and key, checked like a model's.
fn check_grader(
    source: &Source<'_>,
    config: &ExperimentFile,
    overrides: &Overrides,
) -> Result<(), Problem> {
    let key = if config.graders.is_empty() {
        "grader"
    } else {
        "graders"
    };
    if !config.graders.is_empty() && config.grader.is_some() {
        return Err(source.error(
            source.key_line("graders"),
            "graders",
            "both `grader` and `graders` are set".into(),
            Some("name one grader with `grader:`, or a panel with `graders:`".into()),
        ));
    }
    let Some(grader) = overrides.grader.clone().or_else(|| config.grader_spec()) else {
        return Ok(());
    };
    // One model or a panel `[RULE:]A,B,C`: every grader is checked like a model.
    let error = match insider_judge::GraderSpec::parse(&grader) {
        Err(problem) => problem,
        Ok(spec) => {
            let failed = spec
                .models
                .iter()
                .find_map(|name| checked(name, &ModelConfig::default(), overrides).err());
            match failed {
                Some(error) => error.to_string(),
                None => return Ok(()),
            }
        }
    };
    let help = Some(crate::models::HELP.to_string());
    Err(if overrides.grader.is_some() {
        Source::flag_error("--model-role grader", error, help)
    } else {
        source.error(source.key_line(key), key, error, help)
    })
}

/// Scenario pack folders, absolute (flags are relative to the working directory, the file's
/// to the file), and the packs loaded from them.
fn resolve_packs(
    source: &Source<'_>,
    path: Option<&Path>,
    config: &ExperimentFile,
    overrides: &Overrides,
) -> Result<(Vec<PathBuf>, crate::packs::PackSet), Problem> {
    // `original:<scenario>` names the original prompts, imported from inspect-evals.
    let dir_of = |base: &Path, dir: &PathBuf| match super::inspect_task::original_pack(dir) {
        Some(imported) => imported,
        None => Ok(absolute(&base.join(dir))),
    };
    let pack_dirs: anyhow::Result<Vec<PathBuf>> = if !overrides.packs.is_empty() {
        overrides
            .packs
            .iter()
            .map(|dir| dir_of(Path::new(""), dir))
            .collect()
    } else {
        let base = path.and_then(Path::parent).unwrap_or(Path::new(""));
        config.packs.iter().map(|dir| dir_of(base, dir)).collect()
    };
    let packs = pack_dirs.and_then(|dirs| Ok((crate::packs::PackSet::load(&dirs)?, dirs)));
    let (packs, pack_dirs) = packs.map_err(|error| {
        let message = format!("{error:#}");
        let help = Some(
            "a pack folder holds a pack.yaml (docs/scenario-packs.md), or is an import made by \
             `insider scenarios import-original`; `original:<scenario>` imports the original \
             prompts from an installed inspect-evals"
                .into(),
        );
        if overrides.packs.is_empty() {
            source.error(source.key_line("packs"), "packs", message, help)
        } else {
            Source::flag_error("--pack", message, help)
        }
    })?;
    Ok((pack_dirs, packs))
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
    // A local model computes in this process: more connections only split its cores.
    let local_default = entry.name.starts_with("local/").then_some(1);
    config.max_connections = overrides
        .max_connections
        .or(entry.max_connections)
        .or(default_connections)
        .or(local_default);
    config.rpm = entry.rpm;
    config.tpm = entry.tpm;
    config.max_attempts = entry.max_attempts;
    config.timeout_secs = entry.timeout_secs;
    config.connect_timeout_secs = entry.connect_timeout_secs;
    config.read_timeout_secs = entry.read_timeout_secs;
    config.backoff_base_ms = entry.backoff_base_ms;
    config.backoff_max_ms = entry.backoff_max_ms;
    config.prompt_caching = entry.prompt_caching;
    config.native_tools = entry.native_tools;
    config.batch = entry.batch;
    config.generation = generation;
    ResolvedModel {
        name: entry.name.clone(),
        config,
    }
}
