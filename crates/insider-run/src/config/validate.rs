//! Values a config can spell but no provider accepts, refused before any call: zero
//! connections, attempts, timeouts or token limits; negative or NaN temperatures; the same
//! model twice. Each problem points at the key (or the flag) that holds the value.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

use super::parse::Source;
use super::types::*;
use insider_scenario::Problem;

/// A problem with the value at dotted `path` of the file.
fn at(source: &Source<'_>, path: &str, message: String, help: &str) -> Problem {
    source.error(source.nearest_line(path), path, message, Some(help.into()))
}

/// A whole number that must be at least 1 (`None` is fine: the default applies).
fn positive(value: Option<u64>, name: &str) -> Result<(), String> {
    match value {
        Some(0) => Err(format!("{name} must be at least 1, got 0")),
        _ => Ok(()),
    }
}

fn temperature(value: Option<f64>) -> Result<(), String> {
    match value {
        Some(t) if !t.is_finite() => Err(format!("temperature must be a number, got {t}")),
        Some(t) if t < 0.0 => Err(format!("temperature must be 0 or more, got {t}")),
        _ => Ok(()),
    }
}

fn top_p(value: Option<f64>) -> Result<(), String> {
    match value {
        Some(p) if !(0.0..=1.0).contains(&p) => {
            Err(format!("top_p must be between 0 and 1, got {p}"))
        }
        _ => Ok(()),
    }
}

/// The generation settings at `prefix` (`generation`, `models.2.generation`).
fn generation(source: &Source<'_>, prefix: &str, fields: &GenerationFields) -> Result<(), Problem> {
    let help = "see docs/providers.md#generation-settings";
    let checks = [
        ("temperature", temperature(fields.temperature)),
        ("top_p", top_p(fields.top_p)),
        (
            "max_tokens",
            positive(fields.max_tokens.map(u64::from), "max_tokens"),
        ),
    ];
    for (key, check) in checks {
        if let Err(message) = check {
            return Err(at(source, &format!("{prefix}.{key}"), message, help));
        }
    }
    Ok(())
}

/// One model entry's pacing and retry numbers, and its generation settings.
fn model_entry(source: &Source<'_>, index: usize, entry: &ModelEntry) -> Result<(), Problem> {
    let prefix = format!("models.{index}");
    let numbers = [
        ("max_connections", entry.max_connections.map(|n| n as u64)),
        ("max_attempts", entry.max_attempts.map(u64::from)),
        ("timeout_secs", entry.timeout_secs),
        ("connect_timeout_secs", entry.connect_timeout_secs),
        ("read_timeout_secs", entry.read_timeout_secs),
        ("rpm", entry.rpm.map(u64::from)),
        ("tpm", entry.tpm.map(u64::from)),
    ];
    for (key, value) in numbers {
        if let Err(message) = positive(value, key) {
            let help = "leave the key out for the provider's default; see docs/running.md#models";
            return Err(at(source, &format!("{prefix}.{key}"), message, help));
        }
    }
    generation(source, &format!("{prefix}.generation"), &entry.generation)
}

/// Every value of the file itself, before flags are merged in.
pub(super) fn check_file(source: &Source<'_>, file: &ExperimentFile) -> Result<(), Problem> {
    if let Err(message) = positive(file.max_connections.map(|n| n as u64), "max_connections") {
        return Err(at(
            source,
            "max_connections",
            message,
            "leave it out for the default of 10 connections per model",
        ));
    }
    generation(source, "generation", &file.generation)?;
    for (index, entry) in file.models.iter().enumerate() {
        model_entry(source, index, entry)?;
        if let Some(first) = file.models[..index]
            .iter()
            .position(|m| m.name == entry.name)
        {
            return Err(at(
                source,
                &format!("models.{index}"),
                format!(
                    "model `{}` is listed twice (models[{first}] and models[{index}])",
                    entry.name
                ),
                "list each model once; a second entry would run every trial twice",
            ));
        }
    }
    Ok(())
}

/// Every value given on the command line.
pub(super) fn check_flags(flags: &Overrides) -> Result<(), Problem> {
    let refuse = |flag: &str, message: String| {
        Err(Source::flag_error(
            flag,
            message,
            Some(format!("pass a valid value to {flag}, or leave it out")),
        ))
    };
    if let Err(message) = positive(flags.max_connections.map(|n| n as u64), "--max-connections") {
        return refuse("--max-connections", message);
    }
    if let Err(message) = temperature(flags.temperature) {
        return refuse("--temperature", message);
    }
    if let Err(message) = positive(flags.max_tokens.map(u64::from), "--max-tokens") {
        return refuse("--max-tokens", message);
    }
    for (index, name) in flags.models.iter().enumerate() {
        if flags.models[..index].contains(name) {
            return refuse("--model", format!("model `{name}` is given twice"));
        }
    }
    Ok(())
}
