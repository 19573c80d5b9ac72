//! The original variable files (`templates/<scenario>/variables/*.md`): `## Section` headings,
//! each followed by a fenced JSON object, and the rules that pick one file and one section for a
//! goal value.

use regex::Regex;
use std::sync::OnceLock;

/// The sections of one variable file, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VariableFile {
    /// File stem, e.g. `america_vs_global`.
    pub stem: String,
    /// `(normalized section key, variables)`; a repeated key keeps its first position and its
    /// last content, as a Python dict does.
    pub sections: Vec<(String, Vec<(String, String)>)>,
    /// Sections the original skips with a printed error (JSON that does not parse).
    pub skipped: Vec<String>,
}

fn section_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?s)## (.*?)\n\s*```json\s*(.*?)\s*```").expect("valid regex"))
}

/// Python's `str()` of a JSON scalar, the way `safe_substitute` prints a value.
fn python_str(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Bool(true) => Some("True".into()),
        serde_json::Value::Bool(false) => Some("False".into()),
        serde_json::Value::Null => Some("None".into()),
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// Parse a variable file the way the original does: key = heading stripped, lower-cased, spaces
/// and `-` turned into `_`. Returns an error for a value the compat renderer cannot print.
pub fn parse_variable_file(stem: &str, text: &str) -> Result<VariableFile, String> {
    let mut file = VariableFile {
        stem: stem.to_string(),
        ..VariableFile::default()
    };
    for captures in section_re().captures_iter(text) {
        let name = &captures[1];
        let key = name.trim().to_lowercase().replace([' ', '-'], "_");
        let object: serde_json::Map<String, serde_json::Value> =
            match serde_json::from_str(&captures[2]) {
                Ok(object) => object,
                Err(_) => {
                    file.skipped.push(name.to_string());
                    continue;
                }
            };
        let mut vars = Vec::with_capacity(object.len());
        for (var, value) in object {
            let printed = python_str(&value).ok_or_else(|| {
                format!("section `{name}`, key `{var}`: only strings, integers, booleans and null can be used as template values")
            })?;
            vars.push((var, printed));
        }
        match file.sections.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = vars,
            None => file.sections.push((key, vars)),
        }
    }
    Ok(file)
}

/// Which variable file a goal value uses (the original's `validate_variable_mapping`): `none`
/// and `ambiguous` use `ambiguous`; else the first file whose stem contains the value at a
/// `_`-bounded position or at its start or end, else any file containing it, else `ambiguous`.
/// `stems` excludes nothing; `ambiguous` itself is never matched by value.
pub fn pick_file<'a>(stems: &'a [String], goal_value: &str) -> (&'a str, bool) {
    if goal_value == "none" || goal_value == "ambiguous" {
        return ("ambiguous", false);
    }
    let mut partial = None;
    for stem in stems.iter().filter(|s| s.as_str() != "ambiguous") {
        let lower = stem.to_lowercase();
        if !lower.contains(goal_value) {
            continue;
        }
        if format!("_{lower}_").contains(&format!("_{goal_value}_"))
            || lower.starts_with(goal_value)
            || lower.ends_with(goal_value)
        {
            return (stem, false);
        }
        partial.get_or_insert(stem.as_str());
    }
    match partial {
        Some(stem) => (stem, false),
        None => ("ambiguous", true),
    }
}

/// Which section a goal value uses: for `none`/`ambiguous` the file must have exactly one
/// section; otherwise the first whose key contains the value (or is `pro_<value>`), else the
/// first section.
pub fn pick_section(
    file: &VariableFile,
    goal_value: &str,
) -> Result<Vec<(String, String)>, String> {
    if goal_value == "none" || goal_value == "ambiguous" {
        if file.sections.len() != 1 {
            return Err(format!(
                "{}.md has {} sections; the original generator asserts exactly one for goal value `{goal_value}`",
                file.stem,
                file.sections.len()
            ));
        }
        return Ok(file.sections[0].1.clone());
    }
    let pro = format!("pro_{goal_value}");
    let found = file
        .sections
        .iter()
        .find(|(key, _)| key.contains(goal_value) || *key == pro)
        .or_else(|| file.sections.first());
    Ok(found.map(|(_, vars)| vars.clone()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_normalized_and_json_errors_skipped() {
        let text = "# T\n\n## Pro-America \n```json\n{\"a\": \"1\", \"n\": 2}\n```\n\n## Broken\n```json\n{oops}\n```\n## Pro Global\n\n  ```json {\"a\": \"2\", \"a\": \"3\"} ```\n";
        let file = parse_variable_file("america_vs_global", text).unwrap();
        assert_eq!(file.sections.len(), 2);
        assert_eq!(file.sections[0].0, "pro_america");
        assert_eq!(
            file.sections[0].1,
            vec![("a".into(), "1".into()), ("n".into(), "2".into())]
        );
        assert_eq!(
            file.sections[1],
            ("pro_global".into(), vec![("a".into(), "3".into())])
        );
        assert_eq!(file.skipped, vec!["Broken"]);
        assert_eq!(pick_section(&file, "global").unwrap()[0].1, "3");
        assert_eq!(
            pick_section(&file, "safety").unwrap()[0].1,
            "1",
            "falls back to the first section"
        );
        assert!(
            pick_section(&file, "none").is_err(),
            "two sections for goal value none"
        );
    }

    #[test]
    fn file_choice_follows_the_original_order_of_rules() {
        let stems: Vec<String> = [
            "ambiguous",
            "america_vs_global",
            "nonamerican_x",
            "safety_vs_acceleration",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(pick_file(&stems, "america"), ("america_vs_global", false));
        assert_eq!(
            pick_file(&stems, "acceleration"),
            ("safety_vs_acceleration", false)
        );
        assert_eq!(
            pick_file(&stems[2..], "america"),
            ("nonamerican_x", false),
            "partial match"
        );
        assert_eq!(
            pick_file(&stems, "ethical"),
            ("ambiguous", true),
            "fallback with a warning"
        );
        assert_eq!(pick_file(&stems, "none"), ("ambiguous", false));
    }
}
