//! Parsing and validating the files of a pack (docs/scenario-packs.md §10).

use crate::condition::{Factor, GoalType, GoalValue, Urgency};
use crate::email::parse_emails;
use crate::harm::HarmSpec;
use crate::pack::{Pack, SupportedFactors};
use crate::problem::{PackError, Problem};
use crate::render::CONDITION_VARIABLES;
use crate::source::PackFiles;
use crate::template::{Lookup, Template};
use crate::yaml_lines::KeyLines;
use chrono::{Datelike, NaiveDateTime, Timelike};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// The only pack format version so far.
pub const FORMAT_VERSION: u32 = 1;
/// Timestamp format of `session.start` and e-mail `timestamp`.
pub(crate) const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackYaml {
    pub(crate) format: u32,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) company: BTreeMap<String, String>,
    pub(crate) agent: BTreeMap<String, String>,
    pub(crate) session: SessionYaml,
    #[serde(default)]
    pub(crate) show_email_ids: bool,
    pub(crate) tools: Vec<String>,
    #[serde(default)]
    pub(crate) factors: FactorsYaml,
    pub(crate) cast: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub(crate) vars: BTreeMap<String, String>,
    pub(crate) harm: HarmSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionYaml {
    start: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct FactorsYaml {
    goal_types: Option<Vec<String>>,
    goal_values: Option<Vec<String>>,
    urgencies: Option<Vec<String>>,
}

/// The tools whose names and parameters the verdict parser relies on.
pub(crate) const CONTRACT_TOOLS: &[(&str, &[&str])] = &[
    ("email", &["to", "subject", "body"]),
    ("forward", &["email_id", "to", "body"]),
    ("cancel_alert", &["code"]),
];

/// Collects problems while loading; knows the text of every file for snippets.
pub(crate) struct Loader<'f> {
    pub files: &'f PackFiles,
    pub problems: Vec<Problem>,
}

impl<'f> Loader<'f> {
    pub(crate) fn path(&self, relative: &str) -> String {
        self.files.display(relative)
    }

    /// Record a problem at `relative:line`, attaching the source line.
    pub(crate) fn report(&mut self, relative: &str, problem: Problem) {
        let problem = match self.files.files.get(relative) {
            Some(text) => problem.with_source(text),
            None => problem,
        };
        self.problems.push(problem);
    }

    pub(crate) fn problem(&mut self, relative: &str, line: usize, message: impl Into<String>) {
        let problem = Problem::new(self.path(relative), line, message);
        self.report(relative, problem);
    }

    /// Record problems produced by templates (their `file` is already a display path).
    pub(crate) fn extend(&mut self, problems: Vec<Problem>) {
        for problem in problems {
            let relative = problem
                .file
                .strip_prefix(&format!("{}/", self.files.root.trim_end_matches('/')))
                .map(str::to_string);
            match relative {
                Some(relative) => self.report(&relative, problem),
                None => self.problems.push(problem),
            }
        }
    }

    /// Parse a YAML file (with `offset` lines before it in its file) into `T`.
    pub(crate) fn yaml<T: DeserializeOwned>(
        &mut self,
        relative: &str,
        text: &str,
        offset: usize,
    ) -> Option<T> {
        match serde_yaml::from_str::<T>(text) {
            Ok(value) => Some(value),
            Err(error) => {
                let line = error.location().map_or(1, |l| l.line()) + offset;
                let message = error.to_string();
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_string();
                let problem = Problem::new(self.path(relative), line, message)
                    .help("see docs/scenario-packs.md for the fields of this file");
                self.report(relative, problem);
                None
            }
        }
    }

    pub(crate) fn text(&mut self, relative: &str) -> Option<&'f str> {
        match self.files.files.get(relative) {
            Some(text) => Some(text.as_str()),
            None => {
                self.problem(relative, 0, format!("missing file `{relative}`"));
                None
            }
        }
    }

    pub(crate) fn template(
        &mut self,
        relative: &str,
        first_line: usize,
        text: &str,
    ) -> Option<Template> {
        let file: Arc<str> = Arc::from(self.path(relative));
        match Template::parse(&file, first_line, text) {
            Ok(template) => Some(template),
            Err(problems) => {
                self.extend(problems);
                None
            }
        }
    }

    /// Parse and render a fragment that may use pack variables only.
    pub(crate) fn fragment(
        &mut self,
        relative: &str,
        lines: &KeyLines,
        path: &str,
        text: &str,
        statics: &HashMap<String, String>,
    ) -> String {
        let text = text.trim_end_matches('\n');
        let Some(template) = self.template(relative, lines.value_line(path), text) else {
            return String::new();
        };
        match template.render(&|name| static_lookup(statics, name)) {
            Ok(rendered) => rendered,
            Err(problems) => {
                self.extend(problems);
                String::new()
            }
        }
    }
}

fn static_lookup<'a>(statics: &'a HashMap<String, String>, name: &str) -> Lookup<'a> {
    if let Some(value) = statics.get(name) {
        return Lookup::Found(value);
    }
    if CONDITION_VARIABLES.contains(&name) || name.starts_with("value.") {
        return Lookup::NotHere(
            "goals.yaml, values.yaml and tools.yaml may use pack variables only (§2.2)".into(),
        );
    }
    Lookup::Unknown
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

/// Parse a list of factor names, reporting unknown ones at `line`.
pub(crate) fn factor_list<T: Factor>(
    loader: &mut Loader,
    relative: &str,
    line: usize,
    field: &str,
    names: &[String],
) -> Vec<T> {
    let mut out = Vec::new();
    for name in names {
        match T::from_name(name) {
            Some(value) => out.push(value),
            None => {
                let valid: Vec<&str> = T::all().iter().map(|v| v.name()).collect();
                let problem = Problem::new(
                    loader.path(relative),
                    line,
                    format!("unknown {field} `{name}`"),
                )
                .field(field)
                .help(format!("valid values: {}", valid.join(", ")));
                loader.report(relative, problem);
            }
        }
    }
    if names.is_empty() {
        loader.problem(relative, line, format!("`{field}` is an empty list"));
    }
    out
}

/// Load and validate a whole pack.
pub(crate) fn load(files: &PackFiles, expected_name: Option<&str>) -> Result<Pack, PackError> {
    let mut loader = Loader {
        files,
        problems: Vec::new(),
    };
    let pack = load_inner(&mut loader, expected_name);
    match pack {
        Some(pack) if loader.problems.is_empty() => Ok(pack),
        _ => {
            let mut problems = loader.problems;
            let mut seen = HashSet::new();
            problems.retain(|p| {
                seen.insert((p.file.clone(), p.line, p.field.clone(), p.message.clone()))
            });
            Err(PackError {
                pack: files.root.clone(),
                problems,
            })
        }
    }
}

fn load_inner(loader: &mut Loader, expected_name: Option<&str>) -> Option<Pack> {
    const PACK: &str = "pack.yaml";
    let pack_text = loader.text(PACK)?;
    let pack_lines = KeyLines::index(pack_text, 0);
    let pack_yaml: PackYaml = loader.yaml(PACK, pack_text, 0)?;

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

    // Pack variables.
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
        for (key, value) in member {
            statics.insert(format!("cast.{id}.{key}"), value.clone());
        }
        if let Some(name) = member.get("name") {
            let words: Vec<&str> = name.split_whitespace().collect();
            statics
                .entry(format!("cast.{id}.first"))
                .or_insert_with(|| words.first().copied().unwrap_or("").to_string());
            statics
                .entry(format!("cast.{id}.last"))
                .or_insert_with(|| words.last().copied().unwrap_or("").to_string());
        }
    }
    for (key, value) in &pack_yaml.vars {
        statics.insert(format!("vars.{key}"), value.clone());
    }
    let session_start =
        match NaiveDateTime::parse_from_str(&pack_yaml.session.start, TIMESTAMP_FORMAT) {
            Ok(start) => Some(start),
            Err(error) => {
                let problem = Problem::new(
                    loader.path(PACK),
                    pack_lines.line("session.start"),
                    format!("bad timestamp `{}`: {error}", pack_yaml.session.start),
                )
                .field("session.start")
                .help("write YYYY-MM-DDTHH:MM:SS, e.g. 2026-03-11T16:53:02");
                loader.report(PACK, problem);
                None
            }
        };
    if let Some(start) = &session_start {
        statics.insert("session.start".into(), pack_yaml.session.start.clone());
        statics.insert("session.date".into(), start.format("%Y-%m-%d").to_string());
        statics.insert("session.time".into(), clock_time(start));
        statics.insert(
            "session.weekday".into(),
            weekday_name(start.weekday()).to_string(),
        );
    }
    if let Some(code) = &pack_yaml.harm.override_code {
        statics.insert("harm.override_code".into(), code.clone());
    }

    // Factors.
    let factors_line = |key: &str| pack_lines.line(&format!("factors.{key}"));
    let supported = SupportedFactors {
        goal_types: match &pack_yaml.factors.goal_types {
            Some(names) => {
                factor_list(loader, PACK, factors_line("goal_types"), "goal_type", names)
            }
            None => GoalType::ALL.to_vec(),
        },
        goal_values: match &pack_yaml.factors.goal_values {
            Some(names) => {
                let values: Vec<GoalValue> = factor_list(
                    loader,
                    PACK,
                    factors_line("goal_values"),
                    "goal_value",
                    names,
                );
                if values.contains(&GoalValue::None) {
                    loader.problem(
                        PACK,
                        factors_line("goal_values"),
                        "`none` is not a goal value to list: goal types none/ambiguous imply it",
                    );
                }
                values
                    .into_iter()
                    .filter(|v| *v != GoalValue::None)
                    .collect()
            }
            None => GoalValue::ALL
                .iter()
                .copied()
                .filter(|v| *v != GoalValue::None)
                .collect(),
        },
        urgencies: match &pack_yaml.factors.urgencies {
            Some(names) => factor_list(loader, PACK, factors_line("urgencies"), "urgency", names),
            None => Urgency::ALL.to_vec(),
        },
    };
    let valued_goal_types = supported
        .goal_types
        .iter()
        .any(|t| matches!(t, GoalType::Explicit | GoalType::Latent | GoalType::Swap));

    // tools.yaml
    let (tools, tools_text) =
        crate::fragments::load_tools(loader, &pack_yaml.tools, &pack_lines, &statics);

    // goals.yaml
    let goals_loaded = crate::fragments::load_goals(loader, &supported, &statics);

    // values.yaml
    let values = crate::fragments::load_values(loader, &supported, valued_goal_types, &statics);

    // system.md and user.md
    let system_text = loader.text("system.md");
    let system = system_text.and_then(|text| loader.template("system.md", 1, text));
    let user_text = loader.text("user.md");
    let user = user_text.and_then(|text| loader.template("user.md", 1, text));
    if let Some(system) = &system {
        for required in [
            "goal.statement",
            "goal.reminder",
            "awareness_notice",
            "scratchpad",
            "extra_instructions",
            "tools.text",
        ] {
            if system.count_uses(required) == 0 {
                let problem = Problem::new(loader.path("system.md"), 0, format!("system.md never uses `{{{{{required}}}}}`, so that factor would change nothing"))
                    .field(required)
                    .help("place it on a line of its own where the text belongs");
                loader.report("system.md", problem);
            }
        }
    }
    if let Some(user) = &user {
        let uses = user.count_uses("inbox");
        if uses != 1 {
            loader.problem(
                "user.md",
                0,
                format!("user.md must use `{{{{inbox}}}}` exactly once (found {uses})"),
            );
        }
    }

    // e-mails
    let emails = parse_emails(loader, session_start.as_ref());

    // Names used in condition-scope templates must exist somewhere.
    let value_keys: HashSet<&str> = values
        .values()
        .flat_map(|section| section.keys().map(String::as_str))
        .collect();
    let mut templates: Vec<&Template> = Vec::new();
    templates.extend(system.iter());
    templates.extend(user.iter());
    for email in &emails {
        templates.extend([&email.from, &email.to, &email.subject, &email.body]);
        templates.extend(email.attachments.iter());
    }
    let mut unknown = Vec::new();
    for template in &templates {
        for (name, line) in template.variables() {
            let known = statics.contains_key(name)
                || CONDITION_VARIABLES.contains(&name)
                || name
                    .strip_prefix("value.")
                    .is_some_and(|key| value_keys.contains(key));
            if !known {
                unknown.push(
                    Problem::new(template.file(), line, format!("unknown variable `{name}`"))
                        .field(name)
                        .help(unknown_help(name)),
                );
            }
        }
    }
    loader.extend(unknown);

    let harm = pack_yaml.harm.clone();
    crate::validate::validate_harm(loader, &harm, &pack_yaml, &pack_lines, &emails);

    let (
        Some(system),
        Some(user),
        Some((goals, extra_dont, extra_goal, awareness_notice, scratchpad)),
    ) = (system, user, goals_loaded)
    else {
        return None;
    };
    if !loader.problems.is_empty() {
        return None;
    }
    let pack = Pack {
        name: pack_yaml.name.clone(),
        description: pack_yaml.description.trim().to_string(),
        root: loader.files.root.clone(),
        company_name: pack_yaml.company.get("name").cloned().unwrap_or_default(),
        harm,
        supported,
        statics,
        show_email_ids: pack_yaml.show_email_ids,
        system,
        user,
        tools,
        tools_text,
        goals,
        extra_dont,
        extra_goal,
        awareness_notice,
        scratchpad,
        values,
        emails,
    };
    crate::validate::validate_grid(loader, &pack);
    Some(pack)
}

fn unknown_help(name: &str) -> String {
    if let Some(key) = name.strip_prefix("value.") {
        format!("add `{key}:` to every section of values.yaml")
    } else if let Some(rest) = name.strip_prefix("cast.") {
        format!("define the cast member and field in pack.yaml `cast:` (`{rest}`)")
    } else if let Some(key) = name.strip_prefix("vars.") {
        format!("add `{key}:` under `vars:` in pack.yaml")
    } else {
        "see docs/scenario-packs.md §2.1 for the variables a template may use".into()
    }
}
