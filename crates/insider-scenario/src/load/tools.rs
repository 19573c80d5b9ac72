//! `tools.yaml`: the tools a pack offers, as text-tag instructions for the system prompt and as
//! native function definitions; the tools the verdict parser relies on must keep its contract.

use super::loader::{Loader, CONTRACT_TOOLS};
use crate::pack::ToolTexts;
use crate::prompt::ToolDef;
use crate::yaml_lines::KeyLines;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolYaml {
    description: String,
    text: String,
    parameters: serde_json::Value,
}

/// The offered tools, in `pack.yaml` order, with their text-tag instructions.
pub(crate) fn load_tools(
    loader: &mut Loader,
    offered: &[String],
    pack_lines: &KeyLines,
    statics: &HashMap<String, String>,
) -> (Vec<ToolDef>, Vec<ToolTexts>) {
    const TOOLS: &str = "tools.yaml";
    if offered.is_empty() {
        loader.problem(
            "pack.yaml",
            pack_lines.line("tools"),
            "`tools` must list at least one tool",
        );
    }
    let Some(text) = loader.text(TOOLS) else {
        return (Vec::new(), Vec::new());
    };
    let lines = KeyLines::index(text, 0);
    let Some(defined) = loader.yaml::<BTreeMap<String, ToolYaml>>(TOOLS, text, 0) else {
        return (Vec::new(), Vec::new());
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
            description: description.text.clone(),
            parameters: tool.parameters.clone(),
        });
        texts.push(ToolTexts {
            description,
            text: tool_text,
        });
    }
    (tools, texts)
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
