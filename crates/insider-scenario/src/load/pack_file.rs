//! The sections of `pack.yaml`: identity (format, name), the pack variables every template may
//! use (`company.*`, `agent.*`, `cast.*`, `vars.*`, `session.*`, `harm.override_code`), and the
//! factor values the pack supports.

use super::loader::{factor_list, Loader, PackYaml, FORMAT_VERSION, TIMESTAMP_FORMAT};
use crate::condition::{is_level_name, GoalType, GoalValue, Mitigation, Urgency, DEFAULT_LEVEL};
use crate::pack::SupportedFactors;
use crate::people::{derived_fields, PRONOUN_SETS};
use crate::pools::POOL_NAMES;
use crate::problem::Problem;
use crate::yaml_lines::KeyLines;
use chrono::{Datelike, NaiveDateTime, Timelike};
use std::collections::HashMap;

/// The pack file's name, relative to the pack folder.
pub(crate) const PACK: &str = "pack.yaml";

/// Check `format` and `name` (and that the name matches the folder, for built-in packs).
pub(crate) fn check_identity(
    loader: &mut Loader,
    pack_yaml: &PackYaml,
    pack_lines: &KeyLines,
    expected_name: Option<&str>,
) {
    if pack_yaml.format != FORMAT_VERSION {
        loader.problem(
            PACK,
            pack_lines.line("format"),
            format!(
                "unsupported format {} (this insider reads format {FORMAT_VERSION})",
                pack_yaml.format
            ),
        );
    }
    if !is_pack_name(&pack_yaml.name) {
        loader.problem(PACK, pack_lines.line("name"), format!("pack name `{}` must match [a-z][a-z0-9-]* (no `_`: condition ids use it as separator)", pack_yaml.name));
    }
    if let Some(expected) = expected_name {
        if pack_yaml.name != expected {
            loader.problem(
                PACK,
                pack_lines.line("name"),
                format!(
                    "pack name `{}` differs from its folder name `{expected}`",
                    pack_yaml.name
                ),
            );
        }
    }
}

/// The pack variables (`company.name`, `cast.kyle.first`, `session.time`, ...) and the parsed
/// session start.
pub(crate) fn pack_variables(
    loader: &mut Loader,
    pack_yaml: &PackYaml,
    pack_lines: &KeyLines,
) -> (HashMap<String, String>, Option<NaiveDateTime>) {
    let mut statics: HashMap<String, String> = HashMap::new();
    for (section, map, required) in [
        ("company", &pack_yaml.company, ["name", "domain"]),
        ("agent", &pack_yaml.agent, ["name", "address"]),
    ] {
        for key in required {
            if !map.contains_key(key) {
                loader.problem(
                    PACK,
                    pack_lines.line(section),
                    format!("`{section}.{key}` is required"),
                );
            }
        }
        for (key, value) in map {
            statics.insert(format!("{section}.{key}"), value.clone());
        }
    }
    cast_variables(loader, pack_yaml, pack_lines, &mut statics);
    for (key, value) in &pack_yaml.vars {
        statics.insert(format!("vars.{key}"), value.clone());
    }
    let session_start = session_variables(loader, pack_yaml, pack_lines, &mut statics);
    if let Some(code) = &pack_yaml.harm.override_code {
        statics.insert("harm.override_code".into(), code.clone());
    }
    (statics, session_start)
}

fn cast_variables(
    loader: &mut Loader,
    pack_yaml: &PackYaml,
    pack_lines: &KeyLines,
    statics: &mut HashMap<String, String>,
) {
    for (id, member) in &pack_yaml.cast {
        let path = format!("cast.{id}");
        if !is_identifier(id) {
            loader.problem(
                PACK,
                pack_lines.line(&path),
                format!("cast id `{id}` must match [a-z][a-z0-9_]*"),
            );
        }
        for key in ["name", "address"] {
            if !member.contains_key(key) {
                loader.problem(
                    PACK,
                    pack_lines.line(&path),
                    format!("cast member `{id}` needs `{key}`"),
                );
            }
        }
        if let Some(set) = member.get("pronouns") {
            if !PRONOUN_SETS.contains(&set.as_str()) {
                let problem = Problem::new(
                    loader.path(PACK),
                    pack_lines.line(&format!("{path}.pronouns")),
                    format!("cast member `{id}`: unknown pronouns `{set}`"),
                )
                .field(format!("{path}.pronouns"))
                .help(format!("write one of: {}", PRONOUN_SETS.join(", ")));
                loader.report(PACK, problem);
            }
        }
        for (key, value) in member {
            statics.insert(format!("cast.{id}.{key}"), value.clone());
        }
        for (key, value) in derived_fields(member) {
            statics.insert(format!("cast.{id}.{key}"), value);
        }
    }
}

fn session_variables(
    loader: &mut Loader,
    pack_yaml: &PackYaml,
    pack_lines: &KeyLines,
    statics: &mut HashMap<String, String>,
) -> Option<NaiveDateTime> {
    let start = match NaiveDateTime::parse_from_str(&pack_yaml.session.start, TIMESTAMP_FORMAT) {
        Ok(start) => start,
        Err(error) => {
            let problem = Problem::new(
                loader.path(PACK),
                pack_lines.line("session.start"),
                format!("bad timestamp `{}`: {error}", pack_yaml.session.start),
            )
            .field("session.start")
            .help("write YYYY-MM-DDTHH:MM:SS, e.g. 2026-03-11T16:53:02");
            loader.report(PACK, problem);
            return None;
        }
    };
    statics.insert("session.start".into(), pack_yaml.session.start.clone());
    statics.insert("session.date".into(), start.format("%Y-%m-%d").to_string());
    statics.insert("session.time".into(), clock_time(&start));
    statics.insert(
        "session.weekday".into(),
        weekday_name(start.weekday()).to_string(),
    );
    Some(start)
}

/// The factor values of `factors:` (every value when a list is absent).
pub(crate) fn supported_factors(
    loader: &mut Loader,
    pack_yaml: &PackYaml,
    pack_lines: &KeyLines,
) -> SupportedFactors {
    let factors_line = |key: &str| pack_lines.line(&format!("factors.{key}"));
    let goal_values = match &pack_yaml.factors.goal_values {
        Some(names) => {
            let line = factors_line("goal_values");
            let values: Vec<GoalValue> = factor_list(loader, PACK, line, "goal_value", names);
            if values.contains(&GoalValue::None) {
                loader.problem(
                    PACK,
                    line,
                    "`none` is not a goal value to list: goal types none/ambiguous imply it",
                );
            }
            values
        }
        None => GoalValue::ALL.to_vec(),
    };
    SupportedFactors {
        goal_types: match &pack_yaml.factors.goal_types {
            Some(names) => {
                factor_list(loader, PACK, factors_line("goal_types"), "goal_type", names)
            }
            None => GoalType::ALL.to_vec(),
        },
        goal_values: goal_values
            .into_iter()
            .filter(|v| *v != GoalValue::None)
            .collect(),
        urgencies: match &pack_yaml.factors.urgencies {
            Some(names) => factor_list(loader, PACK, factors_line("urgencies"), "urgency", names),
            None => Urgency::ALL.to_vec(),
        },
        personas: pack_yaml
            .personas
            .iter()
            .map(|p| p.to_lowercase())
            .collect(),
        executives: pack_yaml.executives.keys().cloned().collect(),
        mitigations: match &pack_yaml.factors.mitigations {
            Some(names) => {
                let line = factors_line("mitigations");
                let mut levels: Vec<Mitigation> =
                    factor_list(loader, PACK, line, "mitigation", names);
                if !levels.contains(&Mitigation::None) {
                    levels.insert(0, Mitigation::None);
                }
                levels
            }
            None => vec![Mitigation::None],
        },
    }
}

/// Check `personas`, `executives` and `renames`: usable levels, real cast members and fields,
/// known pools, strings that occur in the pack's variables.
pub(crate) fn check_settings(
    loader: &mut Loader,
    pack_yaml: &PackYaml,
    pack_lines: &KeyLines,
    statics: &HashMap<String, String>,
) {
    let report = |loader: &mut Loader, path: &str, message: String, help: &str| {
        let problem = Problem::new(loader.path(PACK), pack_lines.line(path), message)
            .field(path.to_string())
            .help(help.to_string());
        loader.report(PACK, problem);
    };
    for persona in &pack_yaml.personas {
        let level = persona.to_lowercase();
        if !is_level_name(&level) || Some(persona) == pack_yaml.agent.get("name") {
            report(loader, "personas", format!("persona `{persona}` must be one word of letters and digits, other than the agent's own name"), "personas: [Relay, Atlas]");
        }
    }
    for (level, overrides) in &pack_yaml.executives {
        let path = format!("executives.{level}");
        if !is_level_name(level) || level == DEFAULT_LEVEL {
            report(
                loader,
                &path,
                format!("executive `{level}` must match [a-z0-9]+ and not be `default`"),
                "the id appears in condition ids as `_exec-<id>`",
            );
        }
        for (cast_id, fields) in overrides {
            let Some(member) = pack_yaml.cast.get(cast_id) else {
                report(
                    loader,
                    &format!("{path}.{cast_id}"),
                    format!("executive `{level}` replaces `{cast_id}`, who is not in `cast:`"),
                    "name a cast id of pack.yaml",
                );
                continue;
            };
            for (key, value) in fields {
                let known = member.contains_key(key) || key == "pronouns";
                if !known || (key == "pronouns" && !PRONOUN_SETS.contains(&value.as_str())) {
                    report(loader, &format!("{path}.{cast_id}.{key}"), format!("executive `{level}`: `{cast_id}.{key}: {value}` replaces no field of that cast member"), "replace fields the member has (name, address, role, ...); pronouns: he or she");
                }
            }
        }
    }
    for (text, pool) in &pack_yaml.renames {
        let path = format!("renames.{text}");
        if !POOL_NAMES.contains(&pool.as_str()) {
            report(
                loader,
                &path,
                format!("unknown pool `{pool}` for `{text}`"),
                &format!("pools: {}", POOL_NAMES.join(", ")),
            );
        } else if !statics.values().any(|value| value.contains(text.as_str())) {
            report(
                loader,
                &path,
                format!("`{text}` occurs in no pack variable, so renaming it changes nothing"),
                "list strings that pack.yaml variables contain",
            );
        }
    }
}

fn is_pack_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn weekday_name(weekday: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match weekday {
        Mon => "Monday",
        Tue => "Tuesday",
        Wed => "Wednesday",
        Thu => "Thursday",
        Fri => "Friday",
        Sat => "Saturday",
        Sun => "Sunday",
    }
}

/// `4:53:02 PM`
fn clock_time(time: &NaiveDateTime) -> String {
    let (pm, hour) = time.hour12();
    format!(
        "{hour}:{:02}:{:02} {}",
        time.minute(),
        time.second(),
        if pm { "PM" } else { "AM" }
    )
}
