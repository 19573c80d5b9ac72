//! Merging the file with the flags, checking models and keys, and expanding the grid.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

use super::parse::Source;
use super::*;
use insider_scenario::{
    parse_factor, ExtraInstructions, GoalType, GoalValue, GridSelection, Urgency,
};
use std::path::Path;

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
