//! Checking a spec once it has parsed: names, steps, axis values, and every template
//! rendered once with the first planned item, each problem located at its line.

use super::{is_name, is_step_name, Axis, Speaker, Spec, SpecFile, Step, FORMAT_VERSION, RESERVED};
use crate::template;
use insider_scenario::yaml_lines::KeyLines;
use insider_scenario::Problem;
use serde_json::Value;

/// Collects located problems while checking one spec.
pub(super) struct Checker<'a> {
    pub(super) source: &'a str,
    pub(super) text: &'a str,
    pub(super) lines: &'a KeyLines,
    pub(super) problems: Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, path: &str, line: usize, message: String, help: Option<&str>) {
        let mut problem = Problem::new(self.source, line, message)
            .field(path)
            .with_source(self.text);
        if let Some(help) = help {
            problem = problem.help(help);
        }
        self.problems.push(problem);
    }

    fn at(&mut self, path: &str, message: String, help: Option<&str>) {
        let line = self.lines.line(path);
        self.problem(path, line, message, help);
    }

    pub(super) fn shape(&mut self, file: &SpecFile) {
        if file.format != FORMAT_VERSION {
            self.at(
                "format",
                format!(
                    "unsupported format {} (this build reads format {FORMAT_VERSION})",
                    file.format
                ),
                None,
            );
        }
        if !is_name(&file.name) {
            self.at(
                "name",
                format!(
                    "spec name `{}` must be lower-case letters, digits and `-`",
                    file.name
                ),
                None,
            );
        }
        if let Some(t) = file.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
            self.at(
                "temperature",
                format!("temperature {t} is outside 0..=2"),
                None,
            );
        }
        if file.filters.min_words > file.filters.max_words {
            self.at(
                "filters.min_words",
                format!(
                    "min_words {} is above max_words {}",
                    file.filters.min_words, file.filters.max_words
                ),
                None,
            );
        }
        self.steps(&file.steps);
        match file.export.messages.last() {
            None => self.at("export.messages", "export.messages is empty".into(), None),
            Some(last) if last.role != Speaker::Assistant => self.at(
                "export.messages",
                "the last exported message must be the assistant's (trainers learn from it)".into(),
                None,
            ),
            _ => {}
        }
    }

    fn steps(&mut self, steps: &[Step]) {
        if steps.is_empty() {
            self.at("steps", "a spec needs at least one step".into(), None);
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let path = format!("steps.{i}");
            if !is_step_name(&step.name) {
                self.at(
                    &format!("{path}.name"),
                    format!(
                        "step name `{}` must be lower-case letters, digits and `_`",
                        step.name
                    ),
                    None,
                );
            }
            if seen.contains(&step.name.as_str()) {
                self.at(
                    &format!("{path}.name"),
                    format!("step `{}` is named twice", step.name),
                    None,
                );
            }
            seen.push(&step.name);
            if step.max_tokens == 0 {
                self.at(
                    &format!("{path}.max_tokens"),
                    "max_tokens must be above 0".into(),
                    None,
                );
            }
            match (&step.prompt, step.messages.is_empty()) {
                (Some(_), false) | (None, true) => self.at(
                    &path,
                    format!(
                        "step `{}` needs exactly one of `prompt` and `messages`",
                        step.name
                    ),
                    None,
                ),
                (None, false) => {
                    if step.messages.last().map(|m| m.role) != Some(Speaker::User) {
                        self.at(
                            &format!("{path}.messages"),
                            "a step's conversation must end with a user message".into(),
                            None,
                        );
                    }
                    if step.messages.iter().any(|m| m.role == Speaker::System) {
                        self.at(
                            &format!("{path}.messages"),
                            "put a step's system prompt in its `system` field".into(),
                            None,
                        );
                    }
                }
                (Some(_), true) => {}
            }
        }
    }

    pub(super) fn axes(&mut self, mapping: &serde_yaml::Mapping) -> Vec<Axis> {
        if mapping.is_empty() {
            self.at("axes", "a spec needs at least one axis".into(), None);
        }
        let mut axes = Vec::new();
        for (key, value) in mapping {
            let Some(name) = key.as_str() else {
                self.at("axes", "axis names must be strings".into(), None);
                continue;
            };
            let path = format!("axes.{name}");
            if !is_step_name(name) || RESERVED.contains(&name) {
                self.at(
                    &path,
                    format!(
                        "axis name `{name}` must be lower-case letters, digits and `_`, and not one of {}",
                        RESERVED.join(", ")
                    ),
                    None,
                );
                continue;
            }
            let values: Vec<Value> = match serde_json::to_value(value) {
                Ok(Value::Array(values)) if !values.is_empty() => values,
                _ => {
                    self.at(
                        &path,
                        format!("axis `{name}` must be a non-empty list"),
                        None,
                    );
                    continue;
                }
            };
            self.axis_values(&path, name, &values);
            axes.push(Axis {
                name: name.to_string(),
                values,
            });
        }
        axes
    }

    /// Values are all strings, or all maps of strings with the same fields, so a template
    /// checked against the first value works for every value.
    fn axis_values(&mut self, path: &str, name: &str, values: &[Value]) {
        let fields = |value: &Value| -> Option<Vec<String>> {
            let map = value.as_object()?;
            map.values()
                .all(|v| v.is_string())
                .then(|| map.keys().cloned().collect())
        };
        let first_fields = fields(&values[0]);
        for (i, value) in values.iter().enumerate() {
            let item = format!("{path}.{i}");
            let ok = match (&first_fields, value) {
                (None, Value::String(s)) => !s.trim().is_empty(),
                (Some(expected), _) => fields(value).as_ref() == Some(expected),
                _ => false,
            };
            if !ok {
                let expected = match &first_fields {
                    None => "a non-empty string, like the axis's first value".to_string(),
                    Some(f) => format!(
                        "a map with string fields {}, like the first value",
                        f.join(", ")
                    ),
                };
                self.at(
                    &item,
                    format!("value {i} of axis `{name}` is not {expected}"),
                    None,
                );
            }
        }
    }

    /// Render every template once with the first planned item, so undefined variables and
    /// syntax errors are found at load time and located at their line.
    pub(super) fn templates(&mut self, spec: &Spec) {
        let item = crate::plan::plan_choices(&spec.name, &spec.axes, 0, 0);
        let head = [
            spec.name.as_str(),
            spec.kind.as_str(),
            &spec.description,
            &spec.context,
        ];
        let mut outputs = serde_json::Map::new();
        for (i, step) in spec.steps.iter().enumerate() {
            let context = crate::plan::context(head, &item, &outputs);
            let path = format!("steps.{i}");
            self.template(&format!("{path}.system"), step.system.as_deref(), &context);
            self.template(&format!("{path}.prompt"), step.prompt.as_deref(), &context);
            for (j, message) in step.messages.iter().enumerate() {
                self.template(
                    &format!("{path}.messages.{j}.content"),
                    Some(&message.content),
                    &context,
                );
            }
            outputs.insert(
                step.name.clone(),
                Value::String(format!("<output of {}>", step.name)),
            );
        }
        let context = crate::plan::context(head, &item, &outputs);
        self.template("export.text", Some(&spec.export.text), &context);
        for (j, message) in spec.export.messages.iter().enumerate() {
            self.template(
                &format!("export.messages.{j}.content"),
                Some(&message.content),
                &context,
            );
        }
    }

    fn template(&mut self, path: &str, source: Option<&str>, context: &Value) {
        let Some(source) = source else { return };
        if let Err(error) = template::render(source, context) {
            let line = match (self.lines.get(path), error.line) {
                (Some(key), Some(n)) if key.block => key.line + n,
                _ => self.lines.value_line(path),
            };
            let help = error.message.contains("undefined").then_some(
                "templates see `context`, `spec`, `item`, each axis by name, and `steps.<name>` of earlier steps only",
            );
            self.problem(
                path,
                line,
                format!("template error: {}", error.message),
                help,
            );
        }
    }
}
