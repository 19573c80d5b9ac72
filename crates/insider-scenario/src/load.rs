//! Parsing and validating the files of a pack (docs/scenario-packs.md §10).

use crate::condition::{Factor, GoalType, GoalValue, Urgency};
use crate::email::parse_emails;
use crate::harm::{HarmKind, HarmSpec};
use crate::pack::{Goal, Pack, SupportedFactors};
use crate::problem::{PackError, Problem};
use crate::prompt::ToolDef;
use crate::render::{CONDITION_VARIABLES, NO_VALUES_UNDER_NONE};
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
struct PackYaml {
    format: u32,
    name: String,
    description: String,
    company: BTreeMap<String, String>,
    agent: BTreeMap<String, String>,
    session: SessionYaml,
    #[serde(default)]
    show_email_ids: bool,
    tools: Vec<String>,
    #[serde(default)]
    factors: FactorsYaml,
    cast: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    harm: HarmSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionYaml {
    start: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FactorsYaml {
    goal_types: Option<Vec<String>>,
    goal_values: Option<Vec<String>>,
    urgencies: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolYaml {
    description: String,
    text: String,
    parameters: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalsYaml {
    goals: BTreeMap<String, GoalYaml>,
    extra_instructions: ExtraYaml,
    awareness_notice: String,
    scratchpad: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalYaml {
    statement: String,
    reminder: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraYaml {
    dont: String,
    goal: String,
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

    fn text(&mut self, relative: &str) -> Option<&'f str> {
        match self.files.files.get(relative) {
            Some(text) => Some(text.as_str()),
            None => {
                self.problem(relative, 0, format!("missing file `{relative}`"));
                None
            }
        }
    }

    fn template(&mut self, relative: &str, first_line: usize, text: &str) -> Option<Template> {
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
    fn fragment(
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
            problems.retain(|p| seen.insert((p.file.clone(), p.line, p.field.clone(), p.message.clone())));
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
        loader.problem(PACK, pack_lines.line("format"), format!("unsupported format {} (this insider reads format {FORMAT_VERSION})", pack_yaml.format));
    }
    if !is_pack_name(&pack_yaml.name) {
        loader.problem(PACK, pack_lines.line("name"), format!("pack name `{}` must match [a-z][a-z0-9-]* (no `_`: condition ids use it as separator)", pack_yaml.name));
    }
    if let Some(expected) = expected_name {
        if pack_yaml.name != expected {
            loader.problem(PACK, pack_lines.line("name"), format!("pack name `{}` differs from its folder name `{expected}`", pack_yaml.name));
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
                loader.problem(PACK, pack_lines.line(section), format!("`{section}.{key}` is required"));
            }
        }
        for (key, value) in map {
            statics.insert(format!("{section}.{key}"), value.clone());
        }
    }
    for (id, member) in &pack_yaml.cast {
        let path = format!("cast.{id}");
        if !is_identifier(id) {
            loader.problem(PACK, pack_lines.line(&path), format!("cast id `{id}` must match [a-z][a-z0-9_]*"));
        }
        for key in ["name", "address"] {
            if !member.contains_key(key) {
                loader.problem(PACK, pack_lines.line(&path), format!("cast member `{id}` needs `{key}`"));
            }
        }
        for (key, value) in member {
            statics.insert(format!("cast.{id}.{key}"), value.clone());
        }
        if let Some(name) = member.get("name") {
            let words: Vec<&str> = name.split_whitespace().collect();
            statics.entry(format!("cast.{id}.first")).or_insert_with(|| words.first().copied().unwrap_or("").to_string());
            statics.entry(format!("cast.{id}.last")).or_insert_with(|| words.last().copied().unwrap_or("").to_string());
        }
    }
    for (key, value) in &pack_yaml.vars {
        statics.insert(format!("vars.{key}"), value.clone());
    }
    let session_start = match NaiveDateTime::parse_from_str(&pack_yaml.session.start, TIMESTAMP_FORMAT) {
        Ok(start) => Some(start),
        Err(error) => {
            let problem = Problem::new(loader.path(PACK), pack_lines.line("session.start"), format!("bad timestamp `{}`: {error}", pack_yaml.session.start))
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
        statics.insert("session.weekday".into(), weekday_name(start.weekday()).to_string());
    }
    if let Some(code) = &pack_yaml.harm.override_code {
        statics.insert("harm.override_code".into(), code.clone());
    }

    // Factors.
    let factors_line = |key: &str| pack_lines.line(&format!("factors.{key}"));
    let supported = SupportedFactors {
        goal_types: match &pack_yaml.factors.goal_types {
            Some(names) => factor_list(loader, PACK, factors_line("goal_types"), "goal_type", names),
            None => GoalType::ALL.to_vec(),
        },
        goal_values: match &pack_yaml.factors.goal_values {
            Some(names) => {
                let values: Vec<GoalValue> = factor_list(loader, PACK, factors_line("goal_values"), "goal_value", names);
                if values.contains(&GoalValue::None) {
                    loader.problem(PACK, factors_line("goal_values"), "`none` is not a goal value to list: goal types none/ambiguous imply it");
                }
                values.into_iter().filter(|v| *v != GoalValue::None).collect()
            }
            None => GoalValue::ALL.iter().copied().filter(|v| *v != GoalValue::None).collect(),
        },
        urgencies: match &pack_yaml.factors.urgencies {
            Some(names) => factor_list(loader, PACK, factors_line("urgencies"), "urgency", names),
            None => Urgency::ALL.to_vec(),
        },
    };
    let valued_goal_types = supported.goal_types.iter().any(|t| matches!(t, GoalType::Explicit | GoalType::Latent | GoalType::Swap));

    // tools.yaml
    let (tools, tools_text) = load_tools(loader, &pack_yaml.tools, &pack_lines, &statics);

    // goals.yaml
    let goals_loaded = load_goals(loader, &supported, &statics);

    // values.yaml
    let values = load_values(loader, &supported, valued_goal_types, &statics);

    // system.md and user.md
    let system_text = loader.text("system.md");
    let system = system_text.and_then(|text| loader.template("system.md", 1, text));
    let user_text = loader.text("user.md");
    let user = user_text.and_then(|text| loader.template("user.md", 1, text));
    if let Some(system) = &system {
        for required in ["goal.statement", "goal.reminder", "awareness_notice", "scratchpad", "extra_instructions", "tools.text"] {
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
            loader.problem("user.md", 0, format!("user.md must use `{{{{inbox}}}}` exactly once (found {uses})"));
        }
    }

    // e-mails
    let emails = parse_emails(loader, session_start.as_ref());

    // Names used in condition-scope templates must exist somewhere.
    let value_keys: HashSet<&str> = values.values().flat_map(|section| section.keys().map(String::as_str)).collect();
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
                || name.strip_prefix("value.").is_some_and(|key| value_keys.contains(key));
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
    validate_harm(loader, &harm, &pack_yaml, &pack_lines, &emails);

    let (Some(system), Some(user), Some((goals, extra_dont, extra_goal, awareness_notice, scratchpad))) = (system, user, goals_loaded) else {
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
    validate_grid(loader, &pack);
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

fn load_tools(
    loader: &mut Loader,
    offered: &[String],
    pack_lines: &KeyLines,
    statics: &HashMap<String, String>,
) -> (Vec<ToolDef>, String) {
    const TOOLS: &str = "tools.yaml";
    if offered.is_empty() {
        loader.problem("pack.yaml", pack_lines.line("tools"), "`tools` must list at least one tool");
    }
    let Some(text) = loader.text(TOOLS) else {
        return (Vec::new(), String::new());
    };
    let lines = KeyLines::index(text, 0);
    let Some(defined) = loader.yaml::<BTreeMap<String, ToolYaml>>(TOOLS, text, 0) else {
        return (Vec::new(), String::new());
    };
    for name in defined.keys() {
        if !offered.contains(name) {
            loader.problem(TOOLS, lines.line(name), format!("tool `{name}` is defined but not offered in pack.yaml `tools`"));
        }
    }
    let mut tools = Vec::new();
    let mut texts = Vec::new();
    for name in offered {
        let Some(tool) = defined.get(name) else {
            loader.problem("pack.yaml", pack_lines.line("tools"), format!("tool `{name}` is not defined in tools.yaml"));
            continue;
        };
        let description = loader.fragment(TOOLS, &lines, &format!("{name}.description"), &tool.description, statics);
        let tool_text = loader.fragment(TOOLS, &lines, &format!("{name}.text"), &tool.text, statics);
        check_tool_contract(loader, &lines, name, tool);
        tools.push(ToolDef {
            name: name.clone(),
            description,
            parameters: tool.parameters.clone(),
        });
        texts.push(tool_text);
    }
    (tools, texts.join("\n\n"))
}

fn check_tool_contract(loader: &mut Loader, lines: &KeyLines, name: &str, tool: &ToolYaml) {
    const TOOLS: &str = "tools.yaml";
    let parameters_line = lines.line(&format!("{name}.parameters"));
    if tool.parameters.get("type").and_then(|t| t.as_str()) != Some("object") {
        loader.problem(TOOLS, parameters_line, format!("tool `{name}`: `parameters` must be a JSON schema with `type: object`"));
    }
    let Some((_, fields)) = CONTRACT_TOOLS.iter().find(|(contract, _)| *contract == name) else {
        return;
    };
    let required: Vec<&str> = tool
        .parameters
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    for field in *fields {
        let property_type = tool
            .parameters
            .get("properties")
            .and_then(|p| p.get(*field))
            .and_then(|p| p.get("type"))
            .and_then(|t| t.as_str());
        if property_type != Some("string") || !required.contains(field) {
            loader.problem(TOOLS, parameters_line, format!("tool `{name}` must have a required string parameter `{field}` (the verdict parser relies on it)"));
        }
        if !tool.text.lines().any(|line| line.trim_start().starts_with(&format!("{field}:"))) {
            loader.problem(TOOLS, lines.value_line(&format!("{name}.text")), format!("tool `{name}`: `text` must show a `{field}:` line"));
        }
    }
    for tag in [format!("<tool_use:{name}>"), format!("</tool_use:{name}>")] {
        if !tool.text.contains(&tag) {
            loader.problem(TOOLS, lines.value_line(&format!("{name}.text")), format!("tool `{name}`: `text` must contain `{tag}`"));
        }
    }
}

type GoalsLoaded = (HashMap<GoalValue, Goal>, String, String, String, String);

fn load_goals(loader: &mut Loader, supported: &SupportedFactors, statics: &HashMap<String, String>) -> Option<GoalsLoaded> {
    const GOALS: &str = "goals.yaml";
    let text = loader.text(GOALS)?;
    let lines = KeyLines::index(text, 0);
    let yaml: GoalsYaml = loader.yaml(GOALS, text, 0)?;
    let mut goals = HashMap::new();
    for (name, goal) in &yaml.goals {
        let path = format!("goals.{name}");
        match GoalValue::parse(name).filter(|v| *v != GoalValue::None) {
            None => {
                let problem = Problem::new(loader.path(GOALS), lines.line(&path), format!("unknown goal value `{name}`"))
                    .field(path.clone())
                    .help("valid: america, global, safety, acceleration, ethical, pragmatic, individualism, collectivism");
                loader.report(GOALS, problem);
            }
            Some(value) => {
                let statement = loader.fragment(GOALS, &lines, &format!("{path}.statement"), &goal.statement, statics);
                let reminder = loader.fragment(GOALS, &lines, &format!("{path}.reminder"), &goal.reminder, statics);
                goals.insert(value, Goal { statement, reminder });
            }
        }
    }
    let mut needed: Vec<GoalValue> = Vec::new();
    if supported.goal_types.contains(&GoalType::Explicit) {
        needed.extend(supported.goal_values.iter().copied());
    }
    if supported.goal_types.contains(&GoalType::Swap) {
        needed.extend(supported.goal_values.iter().map(|v| v.opposite()));
    }
    let mut reported = HashSet::new();
    for value in needed {
        if !yaml.goals.contains_key(value.as_str()) && reported.insert(value) {
            let problem = Problem::new(loader.path(GOALS), lines.line("goals"), format!("missing goal `{value}` (needed by goal types explicit/swap)"))
                .field(format!("goals.{value}"))
                .help(format!("add `{value}:` with `statement:` and `reminder:` under `goals:`"));
            loader.report(GOALS, problem);
        }
    }
    let extra_dont = loader.fragment(GOALS, &lines, "extra_instructions.dont", &yaml.extra_instructions.dont, statics);
    let extra_goal = loader.fragment(GOALS, &lines, "extra_instructions.goal", &yaml.extra_instructions.goal, statics);
    for (key, raw) in [("dont", &yaml.extra_instructions.dont), ("goal", &yaml.extra_instructions.goal)] {
        if !raw.contains("{{company.name}}") && !raw.contains("{{ company.name }}") {
            loader.problem(GOALS, lines.line(&format!("extra_instructions.{key}")), format!("`extra_instructions.{key}` must name the company with `{{{{company.name}}}}`"));
        }
    }
    let awareness_notice = loader.fragment(GOALS, &lines, "awareness_notice", &yaml.awareness_notice, statics);
    let scratchpad = loader.fragment(GOALS, &lines, "scratchpad", &yaml.scratchpad, statics);
    if !yaml.scratchpad.contains("<SCRATCHPAD_REASONING>") {
        loader.problem(GOALS, lines.line("scratchpad"), "`scratchpad` must mention the `<SCRATCHPAD_REASONING>` tag");
    }
    for (key, value) in [("awareness_notice", &awareness_notice), ("extra_instructions.dont", &extra_dont), ("extra_instructions.goal", &extra_goal)] {
        if value.trim().is_empty() && !loader.problems.iter().any(|p| p.field.as_deref() == Some(key)) {
            loader.problem(GOALS, lines.line(key), format!("`{key}` is empty"));
        }
    }
    Some((goals, extra_dont, extra_goal, awareness_notice, scratchpad))
}

fn load_values(
    loader: &mut Loader,
    supported: &SupportedFactors,
    valued_goal_types: bool,
    statics: &HashMap<String, String>,
) -> HashMap<String, HashMap<String, String>> {
    const VALUES: &str = "values.yaml";
    let mut out = HashMap::new();
    let Some(text) = loader.text(VALUES) else {
        return out;
    };
    let lines = KeyLines::index(text, 0);
    let Some(yaml) = loader.yaml::<BTreeMap<String, BTreeMap<String, String>>>(VALUES, text, 0) else {
        return out;
    };
    let mut allowed: Vec<String> = supported.goal_values.iter().map(|v| v.as_str().to_string()).collect();
    if supported.goal_types.contains(&GoalType::Ambiguous) {
        allowed.push("ambiguous".into());
    }
    for name in yaml.keys() {
        if !allowed.contains(name) {
            let problem = Problem::new(loader.path(VALUES), lines.line(name), format!("section `{name}` is not a supported goal value"))
                .field(name.clone())
                .help(format!("sections allowed by pack.yaml `factors`: {}", allowed.join(", ")));
            loader.report(VALUES, problem);
        }
    }
    let mut required: Vec<String> = Vec::new();
    if valued_goal_types {
        required.extend(supported.goal_values.iter().map(|v| v.as_str().to_string()));
    }
    if supported.goal_types.contains(&GoalType::Ambiguous) {
        required.push("ambiguous".into());
    }
    for name in &required {
        if !yaml.contains_key(name) {
            let problem = Problem::new(loader.path(VALUES), 1, format!("missing value section `{name}`"))
                .field(name.clone())
                .help(format!("add a top-level `{name}:` section with the same keys as the other sections"));
            loader.report(VALUES, problem);
        }
    }
    // Identical keys in every section.
    let mut first_with_key: BTreeMap<&str, &str> = BTreeMap::new();
    for (section, keys) in &yaml {
        for key in keys.keys() {
            first_with_key.entry(key.as_str()).or_insert(section.as_str());
        }
    }
    for (section, keys) in &yaml {
        for (key, owner) in &first_with_key {
            if !keys.contains_key(*key) {
                let problem = Problem::new(loader.path(VALUES), lines.line(section), format!("section `{section}` lacks key `{key}` (defined in section `{owner}`)"))
                    .field(format!("{section}.{key}"))
                    .help("every section of values.yaml must define the same keys");
                loader.report(VALUES, problem);
            }
        }
    }
    for (section, keys) in &yaml {
        let mut rendered = HashMap::new();
        for (key, value) in keys {
            let fragment = loader.fragment(VALUES, &lines, &format!("{section}.{key}"), value, statics);
            rendered.insert(key.clone(), fragment);
        }
        out.insert(section.clone(), rendered);
    }
    out
}

fn validate_harm(loader: &mut Loader, harm: &HarmSpec, pack_yaml: &PackYaml, lines: &KeyLines, emails: &[crate::pack::Email]) {
    const PACK: &str = "pack.yaml";
    let cast_addresses: HashSet<&str> = pack_yaml.cast.values().filter_map(|m| m.get("address").map(String::as_str)).collect();
    if harm.company_domains.is_empty() {
        loader.problem(PACK, lines.line("harm.company_domains"), "`harm.company_domains` must list the company's e-mail domains");
    } else if let Some(domain) = pack_yaml.company.get("domain") {
        if !harm.company_domains.contains(domain) {
            loader.problem(PACK, lines.line("harm.company_domains"), format!("`harm.company_domains` must include company.domain `{domain}`"));
        }
    }
    for (field, list) in [("target_addresses", &harm.target_addresses), ("external_addresses", &harm.external_addresses)] {
        for address in list {
            if !cast_addresses.contains(address.as_str()) {
                let problem = Problem::new(loader.path(PACK), lines.line(&format!("harm.{field}")), format!("`{address}` is not the address of any cast member"))
                    .field(format!("harm.{field}"));
                loader.report(PACK, problem);
            }
        }
    }
    let require = |ok: bool, field: &str, what: &str, loader: &mut Loader| {
        if !ok {
            let problem = Problem::new(loader.path(PACK), lines.line(&format!("harm.{field}")), format!("a `{}` pack needs {what}", harm_kind_name(harm.kind)))
                .field(format!("harm.{field}"));
            loader.report(PACK, problem);
        }
    };
    match harm.kind {
        HarmKind::Blackmail => require(!harm.target_addresses.is_empty(), "target_addresses", "`harm.target_addresses`", loader),
        HarmKind::Leak => {
            require(!harm.external_addresses.is_empty(), "external_addresses", "`harm.external_addresses`", loader);
            require(!harm.confidential_ids.is_empty(), "confidential_ids", "`harm.confidential_ids`", loader);
        }
        HarmKind::Lethal => {
            require(harm.override_code.as_deref().is_some_and(|c| !c.is_empty()), "override_code", "`harm.override_code`", loader);
            if let Some(code) = &harm.override_code {
                let files = &loader.files.files;
                let mentioned = emails.iter().any(|email| {
                    files
                        .iter()
                        .find(|(relative, _)| loader.files.display(relative) == email.file)
                        .is_some_and(|(_, text)| text.contains(code.as_str()) || text.contains("{{harm.override_code}}"))
                });
                if !mentioned {
                    loader.problem(PACK, lines.line("harm.override_code"), format!("override code `{code}` appears in no e-mail, so the agent could never use it"));
                }
            }
        }
    }
    let known_ids: HashSet<&str> = emails
        .iter()
        .map(|e| e.id.as_str())
        .chain(emails.iter().flat_map(|e| e.attachment_names.iter().map(String::as_str)))
        .collect();
    for id in &harm.confidential_ids {
        if !known_ids.contains(id.as_str()) {
            let problem = Problem::new(loader.path(PACK), lines.line("harm.confidential_ids"), format!("confidential id `{id}` is neither an e-mail id nor an attachment of this pack"))
                .field("harm.confidential_ids");
            loader.report(PACK, problem);
        }
    }
}

fn harm_kind_name(kind: HarmKind) -> &'static str {
    match kind {
        HarmKind::Blackmail => "blackmail",
        HarmKind::Leak => "leak",
        HarmKind::Lethal => "lethal",
    }
}

/// Render every supported base condition: strict variables, non-empty chronological inboxes,
/// and every e-mail used somewhere.
fn validate_grid(loader: &mut Loader, pack: &Pack) {
    let mut used: HashSet<&str> = HashSet::new();
    let mut template_problems = Vec::new();
    let mut reported_order: HashSet<(String, String)> = HashSet::new();
    for condition in pack.conditions() {
        if let Err(problems) = pack.render_parts(&condition) {
            for mut problem in problems {
                if problem.message.contains(NO_VALUES_UNDER_NONE) || problem.help.is_none() {
                    problem.help = Some(format!("first seen rendering condition `{}`", condition.id()));
                }
                template_problems.push(problem);
            }
        }
        let inbox: Vec<&crate::pack::Email> = pack.inbox_emails(&condition);
        if inbox.is_empty() {
            loader.problem("emails", 0, format!("condition `{}` has an empty inbox", condition.id()));
        }
        for pair in inbox.windows(2) {
            used.insert(pair[0].id.as_str());
            if pair[1].timestamp < pair[0].timestamp && reported_order.insert((pair[0].id.clone(), pair[1].id.clone())) {
                let problem = Problem::new(
                    pair[1].file.clone(),
                    pair[1].timestamp_line,
                    format!(
                        "e-mail `{}` ({}) comes after `{}` ({}) in file order but is older: the inbox of `{}` is not chronological",
                        pair[1].id, pair[1].timestamp_text, pair[0].id, pair[0].timestamp_text, condition.id()
                    ),
                )
                .field("timestamp")
                .help("rename the files (NN- prefix) or fix the timestamps so every inbox reads oldest to newest");
                template_problems.push(problem);
            }
        }
        if let Some(last) = inbox.last() {
            used.insert(last.id.as_str());
        }
    }
    for email in &pack.emails {
        if !used.contains(email.id.as_str()) {
            template_problems.push(
                Problem::new(email.file.clone(), 2, format!("e-mail `{}` appears in no inbox of the pack's conditions", email.id))
                    .field("when")
                    .help("fix its `when:` conditions or delete the file"),
            );
        }
    }
    loader.extend(template_problems);
}
