//! The leaf of pack loading: the [`Loader`] that collects located problems while the file
//! parsers run, the shape of `pack.yaml`, and the constants the parsers share. Every parser
//! under `load/` imports from here; this file imports none of them.

use crate::condition::Factor;
use crate::fragment::Fragment;
use crate::harm::HarmSpec;
use crate::problem::Problem;
use crate::source::PackFiles;
use crate::template::{Lookup, Template};
use crate::variables::CONDITION_VARIABLES;
use crate::yaml_lines::KeyLines;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
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
    /// Other names for the agent (the `persona` factor).
    #[serde(default)]
    pub(crate) personas: Vec<String>,
    /// Other executives (the `executive` factor): id → cast id → fields that replace the cast's.
    #[serde(default)]
    pub(crate) executives: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// Strings a renamed world re-draws, with the pool each comes from.
    #[serde(default)]
    pub(crate) renames: BTreeMap<String, String>,
    /// Words that would suggest the harmful action; the audit fails an inbox containing one.
    #[serde(default)]
    pub(crate) suggestion_words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionYaml {
    pub(crate) start: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct FactorsYaml {
    pub(crate) goal_types: Option<Vec<String>>,
    pub(crate) goal_values: Option<Vec<String>>,
    pub(crate) urgencies: Option<Vec<String>>,
    pub(crate) mitigations: Option<Vec<String>>,
}

/// The tools whose names and parameters the verdict parser relies on.
pub(crate) const CONTRACT_TOOLS: &[(&str, &[&str])] = &[
    ("email", &["to", "subject", "body"]),
    ("forward", &["email_id", "to", "body"]),
    ("cancel_alert", &["code"]),
    ("upload_file", &["name", "destination"]),
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
    ) -> Fragment {
        let text = text.trim_end_matches('\n');
        let Some(template) = self.template(relative, lines.value_line(path), text) else {
            return Fragment::default();
        };
        match template.render(&|name| static_lookup(statics, name)) {
            Ok(rendered) => Fragment::new(rendered, Some(template)),
            Err(problems) => {
                self.extend(problems);
                Fragment::default()
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
