//! Generator specs: one YAML file per kind of training data (see `docs/fix-study.md`).
//!
//! A spec names its kind, lists diversity *axes* (each item takes one value of each), and
//! gives the *steps* of generating one item — each a system prompt and a user prompt (or a
//! whole conversation) written as templates over the axis values and the outputs of earlier
//! steps — and the *export* templates that turn the outputs into a training record (`text`
//! and `messages`). Specs are checked when they load, templates included: a misspelt variable
//! is an error at `file:line`, never a placeholder left in a prompt.

mod check;
mod types;

pub use types::*;

use check::Checker;
use include_dir::{include_dir, Dir};
use insider_scenario::yaml_lines::KeyLines;
use insider_scenario::Problem;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The repository's `synth/` folder, embedded at build time (see build.rs).
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../synth");

impl Spec {
    /// Names of the built-in specs (`synth/*.yaml`), sorted.
    pub fn builtin_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = BUILTIN
            .files()
            .filter_map(|file| file.path().to_str())
            .filter_map(|path| path.strip_suffix(".yaml"))
            .collect();
        names.sort_unstable();
        names
    }

    /// The built-in spec `name`.
    pub fn builtin(name: &str) -> Option<Result<Spec, SpecError>> {
        let file = BUILTIN.get_file(format!("{name}.yaml"))?;
        let text = file.contents_utf8()?;
        Some(Spec::parse(&format!("synth/{name}.yaml"), text))
    }

    /// A built-in spec by name, or a spec file by path (anything with a `/` or ending `.yaml`).
    pub fn resolve(name_or_path: &str) -> anyhow::Result<Spec> {
        let looks_like_path = name_or_path.contains('/')
            || name_or_path.ends_with(".yaml")
            || name_or_path.ends_with(".yml");
        if !looks_like_path {
            return match Spec::builtin(name_or_path) {
                Some(spec) => Ok(spec?),
                None => anyhow::bail!(
                    "unknown generator spec `{name_or_path}`; built-in specs: {} (or give a path to a .yaml file)",
                    Spec::builtin_names().join(", ")
                ),
            };
        }
        Ok(Spec::load(Path::new(name_or_path))?)
    }

    /// Load a spec file from disk.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let source = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Spec::parse(&source, &text),
            Err(error) => Err(SpecError {
                source: source.clone(),
                problems: vec![Problem::new(
                    source,
                    0,
                    format!("cannot read the file: {error}"),
                )],
            }),
        }
    }

    /// Parse and check a spec's text; `source` names it in messages.
    pub fn parse(source: &str, text: &str) -> Result<Spec, SpecError> {
        let fail = |problems: Vec<Problem>| SpecError {
            source: source.to_string(),
            problems,
        };
        let file: SpecFile = serde_yaml::from_str(text).map_err(|error| {
            let line = error.location().map_or(0, |l| l.line());
            fail(vec![
                Problem::new(source, line, error.to_string()).with_source(text)
            ])
        })?;
        let lines = KeyLines::index(text, 0);
        let mut checker = Checker {
            source,
            text,
            lines: &lines,
            problems: Vec::new(),
        };
        let axes = checker.axes(&file.axes);
        checker.shape(&file);
        let spec = Spec {
            name: file.name,
            kind: file.kind,
            description: file.description.trim().to_string(),
            context: file.context.trim_end().to_string(),
            temperature: file.temperature.unwrap_or(1.0),
            axes,
            steps: file.steps,
            export: file.export,
            filters: file.filters,
            source: source.to_string(),
            text: text.to_string(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        };
        if checker.problems.is_empty() {
            checker.templates(&spec);
        }
        if checker.problems.is_empty() {
            Ok(spec)
        } else {
            Err(fail(checker.problems))
        }
    }
}

/// Plan item `index` of `spec` under `seed` (see [`crate::plan`]).
pub fn plan_item(spec: &Spec, seed: u64, index: u32) -> crate::plan::PlannedItem {
    crate::plan::plan_choices(&spec.name, &spec.axes, seed, index)
}

/// The template context of `item` with the outputs of the steps done so far.
pub fn context(
    spec: &Spec,
    item: &crate::plan::PlannedItem,
    steps: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    crate::plan::context(
        [
            &spec.name,
            spec.kind.as_str(),
            &spec.description,
            &spec.context,
        ],
        item,
        steps,
    )
}
