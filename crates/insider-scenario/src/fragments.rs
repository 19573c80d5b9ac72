//! The fragment files of a pack: tools.yaml, goals.yaml and values.yaml.

use crate::condition::{GoalType, GoalValue};
use crate::load::{Loader, CONTRACT_TOOLS};
use crate::pack::{Goal, SupportedFactors};
use crate::problem::Problem;
use crate::prompt::ToolDef;
use crate::yaml_lines::KeyLines;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

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

pub(crate) fn load_tools(
    loader: &mut Loader,
    offered: &[String],
    pack_lines: &KeyLines,
    statics: &HashMap<String, String>,
) -> (Vec<ToolDef>, String) {
    const TOOLS: &str = "tools.yaml";
    if offered.is_empty() {
        loader.problem(
            "pack.yaml",
            pack_lines.line("tools"),
            "`tools` must list at least one tool",
        );
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
            loader.problem(
                TOOLS,
                lines.line(name),
                format!("tool `{name}` is defined but not offered in pack.yaml `tools`"),
            );
        }
    }
    let mut tools = Vec::new();
    let mut texts = Vec::new();
    for name in offered {
        let Some(tool) = defined.get(name) else {
            loader.problem(
                "pack.yaml",
                pack_lines.line("tools"),
                format!("tool `{name}` is not defined in tools.yaml"),
            );
            continue;
        };
        let description = loader.fragment(
            TOOLS,
            &lines,
            &format!("{name}.description"),
            &tool.description,
            statics,
        );
        let tool_text =
            loader.fragment(TOOLS, &lines, &format!("{name}.text"), &tool.text, statics);
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
        loader.problem(
            TOOLS,
            parameters_line,
            format!("tool `{name}`: `parameters` must be a JSON schema with `type: object`"),
        );
    }
    let Some((_, fields)) = CONTRACT_TOOLS
        .iter()
        .find(|(contract, _)| *contract == name)
    else {
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
        if !tool
            .text
            .lines()
            .any(|line| line.trim_start().starts_with(&format!("{field}:")))
        {
            loader.problem(
                TOOLS,
                lines.value_line(&format!("{name}.text")),
                format!("tool `{name}`: `text` must show a `{field}:` line"),
            );
        }
    }
    for tag in [format!("<tool_use:{name}>"), format!("</tool_use:{name}>")] {
        if !tool.text.contains(&tag) {
            loader.problem(
                TOOLS,
                lines.value_line(&format!("{name}.text")),
                format!("tool `{name}`: `text` must contain `{tag}`"),
            );
        }
    }
}

pub(crate) type GoalsLoaded = (HashMap<GoalValue, Goal>, String, String, String, String);

pub(crate) fn load_goals(
    loader: &mut Loader,
    supported: &SupportedFactors,
    statics: &HashMap<String, String>,
) -> Option<GoalsLoaded> {
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
                let statement = loader.fragment(
                    GOALS,
                    &lines,
                    &format!("{path}.statement"),
                    &goal.statement,
                    statics,
                );
                let reminder = loader.fragment(
                    GOALS,
                    &lines,
                    &format!("{path}.reminder"),
                    &goal.reminder,
                    statics,
                );
                goals.insert(
                    value,
                    Goal {
                        statement,
                        reminder,
                    },
                );
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
            let problem = Problem::new(
                loader.path(GOALS),
                lines.line("goals"),
                format!("missing goal `{value}` (needed by goal types explicit/swap)"),
            )
            .field(format!("goals.{value}"))
            .help(format!(
                "add `{value}:` with `statement:` and `reminder:` under `goals:`"
            ));
            loader.report(GOALS, problem);
        }
    }
    let extra_dont = loader.fragment(
        GOALS,
        &lines,
        "extra_instructions.dont",
        &yaml.extra_instructions.dont,
        statics,
    );
    let extra_goal = loader.fragment(
        GOALS,
        &lines,
        "extra_instructions.goal",
        &yaml.extra_instructions.goal,
        statics,
    );
    for (key, raw) in [
        ("dont", &yaml.extra_instructions.dont),
        ("goal", &yaml.extra_instructions.goal),
    ] {
        if !raw.contains("{{company.name}}") && !raw.contains("{{ company.name }}") {
            loader.problem(
                GOALS,
                lines.line(&format!("extra_instructions.{key}")),
                format!(
                    "`extra_instructions.{key}` must name the company with `{{{{company.name}}}}`"
                ),
            );
        }
    }
    let awareness_notice = loader.fragment(
        GOALS,
        &lines,
        "awareness_notice",
        &yaml.awareness_notice,
        statics,
    );
    let scratchpad = loader.fragment(GOALS, &lines, "scratchpad", &yaml.scratchpad, statics);
    if !yaml.scratchpad.contains("<SCRATCHPAD_REASONING>") {
        loader.problem(
            GOALS,
            lines.line("scratchpad"),
            "`scratchpad` must mention the `<SCRATCHPAD_REASONING>` tag",
        );
    }
    for (key, value) in [
        ("awareness_notice", &awareness_notice),
        ("extra_instructions.dont", &extra_dont),
        ("extra_instructions.goal", &extra_goal),
    ] {
        if value.trim().is_empty()
            && !loader
                .problems
                .iter()
                .any(|p| p.field.as_deref() == Some(key))
        {
            loader.problem(GOALS, lines.line(key), format!("`{key}` is empty"));
        }
    }
    Some((goals, extra_dont, extra_goal, awareness_notice, scratchpad))
}

pub(crate) fn load_values(
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
    let Some(yaml) = loader.yaml::<BTreeMap<String, BTreeMap<String, String>>>(VALUES, text, 0)
    else {
        return out;
    };
    let mut allowed: Vec<String> = supported
        .goal_values
        .iter()
        .map(|v| v.as_str().to_string())
        .collect();
    if supported.goal_types.contains(&GoalType::Ambiguous) {
        allowed.push("ambiguous".into());
    }
    for name in yaml.keys() {
        if !allowed.contains(name) {
            let problem = Problem::new(
                loader.path(VALUES),
                lines.line(name),
                format!("section `{name}` is not a supported goal value"),
            )
            .field(name.clone())
            .help(format!(
                "sections allowed by pack.yaml `factors`: {}",
                allowed.join(", ")
            ));
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
            let problem = Problem::new(
                loader.path(VALUES),
                1,
                format!("missing value section `{name}`"),
            )
            .field(name.clone())
            .help(format!(
                "add a top-level `{name}:` section with the same keys as the other sections"
            ));
            loader.report(VALUES, problem);
        }
    }
    // Identical keys in every section.
    let mut first_with_key: BTreeMap<&str, &str> = BTreeMap::new();
    for (section, keys) in &yaml {
        for key in keys.keys() {
            first_with_key
                .entry(key.as_str())
                .or_insert(section.as_str());
        }
    }
    for (section, keys) in &yaml {
        for (key, owner) in &first_with_key {
            if !keys.contains_key(*key) {
                let problem = Problem::new(
                    loader.path(VALUES),
                    lines.line(section),
                    format!("section `{section}` lacks key `{key}` (defined in section `{owner}`)"),
                )
                .field(format!("{section}.{key}"))
                .help("every section of values.yaml must define the same keys");
                loader.report(VALUES, problem);
            }
        }
    }
    for (section, keys) in &yaml {
        let mut rendered = HashMap::new();
        for (key, value) in keys {
            let fragment =
                loader.fragment(VALUES, &lines, &format!("{section}.{key}"), value, statics);
            rendered.insert(key.clone(), fragment);
        }
        out.insert(section.clone(), rendered);
    }
    out
}
