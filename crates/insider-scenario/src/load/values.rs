//! `values.yaml`: the fragments that name the value at stake (`value.*`), one section per goal
//! value plus `ambiguous`, every section with the same keys.

use super::loader::Loader;
use crate::condition::GoalType;
use crate::fragment::Fragment;
use crate::pack::SupportedFactors;
use crate::problem::Problem;
use crate::yaml_lines::KeyLines;
use std::collections::{BTreeMap, HashMap};

/// Parse values.yaml: one section per supported value (plus `ambiguous`), all with the same keys.
pub(crate) fn load_values(
    loader: &mut Loader,
    supported: &SupportedFactors,
    valued_goal_types: bool,
    statics: &HashMap<String, String>,
) -> HashMap<String, HashMap<String, Fragment>> {
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
