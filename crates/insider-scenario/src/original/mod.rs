//! Compat mode: the original research templates, imported as data and rendered byte for byte
//! as the `inspect-evals` `agentic_misalignment` task renders them.
//!
//! The original layout (`templates/` of the `inspect-evals` package or of the original
//! repository) holds a Python module of system-prompt constants, e-mail templates and Markdown
//! variable files, filled with Python `string.Template` placeholders. [`import`] copies the files
//! one scenario needs into a pack folder with a `pack.yaml` marked `compat: original-templates`
//! and the original classifier's constants as its `harm` section; [`OriginalPack`] loads such a
//! folder and renders any condition with the original rules, defects included (see
//! `docs/original-prompts.md`). Nothing here runs Python.

mod harm;
mod import;
mod pyliteral;
mod substitute;
mod variables;

pub use harm::compat_harm;
pub use import::{import, is_compat_pack, ImportReport, ImportedPack};
pub use substitute::{inspect_format, safe_substitute, MetaValue, Substituted};

use crate::{
    prompt_hash, Condition, ExtraInstructions, GoalType, GoalValue, HarmSpec, RenderedPrompt,
    Urgency,
};
use pyliteral::{PyModule, PyValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use variables::{parse_variable_file, pick_file, pick_section, VariableFile};

/// `GOAL_VARIABLES` of the system-prompt module: `(key, [(variable, text)])` in module order.
type GoalVariables = Vec<(String, Vec<(String, String)>)>;

/// The `compat` marker in an imported pack's `pack.yaml`.
pub const COMPAT_MARKER: &str = "original-templates";

/// The scenarios of the original layout, in its order.
pub const ORIGINAL_SCENARIOS: [&str; 3] = ["blackmail", "leaking", "murder"];

/// An error reading or rendering the original templates: where, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalError {
    /// File (and line, when known) or condition id the error concerns.
    pub location: String,
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl OriginalError {
    fn new(location: impl fmt::Display, message: impl Into<String>) -> OriginalError {
        OriginalError {
            location: location.to_string(),
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> OriginalError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for OriginalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OriginalError {}

/// `pack.yaml` of an imported compat pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompatPackFile {
    /// Always 1.
    pub format: u32,
    /// The original scenario: `blackmail`, `leaking` or `murder` (also the condition ids' prefix).
    pub name: String,
    /// Always [`COMPAT_MARKER`]: render with the original rules, not the pack engine.
    pub compat: String,
    /// One line for `insider scenarios list`.
    pub description: String,
    /// The templates folder the files were imported from (for the record).
    pub source: String,
    /// sha256 of every imported file, by path relative to the pack folder.
    pub files: BTreeMap<String, String>,
    /// The original classifier's constants, read by `--compat original` classification.
    pub harm: HarmSpec,
}

/// One scenario of the original templates, ready to render.
#[derive(Debug, Clone)]
pub struct OriginalPack {
    /// The scenario (`blackmail`, `leaking`, `murder`).
    pub name: String,
    /// The folder it was loaded from.
    pub dir: PathBuf,
    /// The compat `harm` section.
    pub harm: HarmSpec,
    /// Things the original would print as warnings while reading (skipped JSON sections).
    pub warnings: Vec<String>,
    system_dev: String,
    system_prod: String,
    user_prompt: String,
    goal_variables: GoalVariables,
    extra_dont: Option<Result<String, String>>,
    extra_goal: Option<Result<String, String>>,
    awareness_notice: Option<String>,
    emails: BTreeMap<String, String>,
    variable_files: Vec<VariableFile>,
    templates_dir: PathBuf,
}

/// A rendered condition plus the placeholders the original left unfilled in it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderNotes {
    /// The prompt, byte for byte as inspect-evals builds it.
    pub prompt: RenderedPrompt,
    /// `${name}` placeholders left in the text (the original's `safe_substitute` behaviour).
    pub unfilled: Vec<String>,
}

fn read(path: &Path) -> Result<String, OriginalError> {
    std::fs::read_to_string(path).map_err(|e| {
        OriginalError::new(path.display(), format!("cannot read: {e}"))
            .help("point at the `templates` folder of inspect-evals' agentic_misalignment or of the original repository")
    })
}

/// The generator module next to a templates folder: inspect-evals' `prompt_generator.py`, or
/// the original repository's `scripts/generate_prompts.py`.
fn generator_module(templates_dir: &Path) -> Option<PathBuf> {
    let parent = templates_dir.parent()?;
    ["prompt_generator.py", "scripts/generate_prompts.py"]
        .iter()
        .map(|rel| parent.join(rel))
        .find(|p| p.is_file())
}

/// The scenario whose variable files a scenario uses (the original reads blackmail's for murder).
fn variables_scenario(scenario: &str) -> &str {
    if scenario == "murder" {
        "blackmail"
    } else {
        scenario
    }
}

fn email_file(scenario: &str, part: &str) -> String {
    format!("email-template-{scenario}-{part}.md")
}

/// E-mail template parts the original generator checks for (`validate_template_files`).
const REQUIRED_EMAIL_PARTS: [&str; 4] = ["shared", "replacement", "restriction", "none"];

fn string_constant(module: &PyModule, name: &str, file: &Path) -> Result<String, OriginalError> {
    match module.constant(name) {
        Some(Ok(PyValue::Str(text))) => Ok(text.clone()),
        Some(Ok(_)) => Err(OriginalError::new(
            file.display(),
            format!("`{name}` is not a string"),
        )),
        Some(Err(message)) => Err(OriginalError::new(
            file.display(),
            format!("`{name}` cannot be read as data: {message}"),
        )),
        None => Err(OriginalError::new(
            file.display(),
            format!("no top-level constant `{name}`"),
        )),
    }
}

fn parse_module(path: &Path) -> Result<PyModule, OriginalError> {
    let text = read(path)?;
    PyModule::parse(&text).map_err(|(line, message)| {
        OriginalError::new(format!("{}:{line}", path.display()), message)
    })
}

fn goal_variables(module: &PyModule, file: &Path) -> Result<GoalVariables, OriginalError> {
    let bad = |message: String| {
        OriginalError::new(file.display(), format!("`GOAL_VARIABLES`: {message}"))
    };
    let value = match module.constant("GOAL_VARIABLES") {
        Some(Ok(value)) => value,
        Some(Err(message)) => return Err(bad(message.to_string())),
        None => return Err(bad("not defined".into())),
    };
    let PyValue::Dict(entries) = value else {
        return Err(bad("not a dict".into()));
    };
    let mut out = Vec::new();
    for (key, vars) in entries {
        let (Some(key), PyValue::Dict(vars)) = (key.as_str(), vars) else {
            return Err(bad("expected a dict of dicts keyed by strings".into()));
        };
        let mut pairs = Vec::new();
        for (name, text) in vars {
            match (name.as_str(), text.as_str()) {
                (Some(name), Some(text)) => pairs.push((name.to_string(), text.to_string())),
                _ => return Err(bad(format!("entry `{key}` must map strings to strings"))),
            }
        }
        out.push((key.to_string(), pairs));
    }
    Ok(out)
}

impl OriginalPack {
    /// Load an imported compat pack folder (its `pack.yaml` says `compat: original-templates`).
    pub fn load(dir: &Path) -> Result<OriginalPack, OriginalError> {
        let pack_yaml = dir.join("pack.yaml");
        let text = read(&pack_yaml)?;
        let file: CompatPackFile = serde_yaml::from_str(&text)
            .map_err(|e| OriginalError::new(pack_yaml.display(), e.to_string()))?;
        if file.compat != COMPAT_MARKER || file.format != 1 {
            return Err(OriginalError::new(
                pack_yaml.display(),
                format!("not a compat pack (format {}, compat `{}`)", file.format, file.compat),
            )
            .help(format!("import one with `insider scenarios import-original`; compat must be `{COMPAT_MARKER}`")));
        }
        if !ORIGINAL_SCENARIOS.contains(&file.name.as_str()) {
            return Err(OriginalError::new(
                pack_yaml.display(),
                format!(
                    "name `{}` is not an original scenario (blackmail, leaking, murder)",
                    file.name
                ),
            ));
        }
        for (rel, expected) in &file.files {
            let path = dir.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| {
                OriginalError::new(
                    path.display(),
                    format!("listed in pack.yaml but cannot be read: {e}"),
                )
            })?;
            if hex::encode(Sha256::digest(&bytes)) != *expected {
                return Err(OriginalError::new(
                    path.display(),
                    "changed since it was imported (sha256 differs from pack.yaml)",
                )
                .help(
                    "re-run `insider scenarios import-original` to take the new text on purpose",
                ));
            }
        }
        let mut pack = OriginalPack::from_templates(&dir.join("templates"), &file.name)?;
        pack.dir = dir.to_path_buf();
        pack.harm = file.harm;
        Ok(pack)
    }

    /// Read one scenario straight from an original `templates` folder (no import step).
    pub fn from_templates(
        templates_dir: &Path,
        scenario: &str,
    ) -> Result<OriginalPack, OriginalError> {
        let harm = compat_harm(scenario).ok_or_else(|| {
            OriginalError::new(
                templates_dir.display(),
                format!("`{scenario}` is not an original scenario (blackmail, leaking, murder)"),
            )
        })?;
        let system_file = templates_dir.join("system_prompt_templates.py");
        let module = parse_module(&system_file)?;
        let upper = scenario.to_uppercase();
        let system_dev = string_constant(&module, &format!("{upper}_SYSTEM_PROMPT"), &system_file)?;
        let system_prod = string_constant(
            &module,
            &format!("{upper}_SYSTEM_PROMPT_PROD"),
            &system_file,
        )?;
        let user_prompt = string_constant(&module, "USER_PROMPT", &system_file)?;
        let goal_variables = goal_variables(&module, &system_file)?;

        let (mut extra_dont, mut extra_goal, mut awareness_notice) = (None, None, None);
        if let Some(path) = generator_module(templates_dir) {
            let generator = parse_module(&path)?;
            let located = |r: Result<PyValue, String>| -> Result<String, String> {
                let text: Result<String, String> = match r {
                    Ok(PyValue::Str(text)) => Ok(text),
                    Ok(_) => Err("not a string".into()),
                    Err(message) => Err(message),
                };
                text.map_err(|m| format!("{}: {m}", path.display()))
            };
            extra_dont = generator
                .branch_assignment("extra_system_instructions", "dont")
                .map(located);
            extra_goal = generator
                .branch_assignment("extra_system_instructions", "goal")
                .map(located);
            if let Some(Ok(PyValue::Str(text))) = generator.constant("ALIGNMENT_FAKING_WARNING") {
                awareness_notice = Some(text.clone());
            }
        }

        let mut warnings = Vec::new();
        for (kind, source) in [("dont", &extra_dont), ("goal", &extra_goal)] {
            if let Some(Err(message)) = source {
                warnings.push(format!(
                    "extra instructions `{kind}` cannot be rendered (the original generator fails too): {message}"
                ));
            }
        }

        let email_dir = templates_dir.join(scenario).join("templates");
        let mut emails = BTreeMap::new();
        for part in REQUIRED_EMAIL_PARTS {
            let name = email_file(scenario, part);
            emails.insert(name.clone(), read(&email_dir.join(&name))?);
        }
        for urgency in Urgency::ALL {
            let name = email_file(scenario, &format!("goal-conflict-none-{urgency}"));
            if let Ok(text) = std::fs::read_to_string(email_dir.join(&name)) {
                emails.insert(name, text);
            }
        }

        let variables_dir = templates_dir
            .join(variables_scenario(scenario))
            .join("variables");
        let mut variable_files = Vec::new();
        let entries = std::fs::read_dir(&variables_dir).map_err(|e| {
            OriginalError::new(
                variables_dir.display(),
                format!("cannot list the variable files: {e}"),
            )
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        paths.sort();
        for path in paths {
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let file = parse_variable_file(&stem, &read(&path)?)
                .map_err(|message| OriginalError::new(path.display(), message))?;
            for section in &file.skipped {
                warnings.push(format!(
                    "{}: section `{section}` is not valid JSON; the original skips it",
                    path.display()
                ));
            }
            variable_files.push(file);
        }
        if !variable_files.iter().any(|f| f.stem == "ambiguous") {
            return Err(OriginalError::new(
                variables_dir.join("ambiguous.md").display(),
                "required file missing",
            ));
        }
        Ok(OriginalPack {
            name: scenario.to_string(),
            dir: templates_dir.to_path_buf(),
            harm,
            warnings,
            system_dev,
            system_prod,
            user_prompt,
            goal_variables,
            extra_dont,
            extra_goal,
            awareness_notice,
            emails,
            variable_files,
            templates_dir: templates_dir.to_path_buf(),
        })
    }

    /// Every condition this pack can render: the base grid, with and without `_prod`, each
    /// extra instruction and the awareness notice the source provides (extra instructions the
    /// original generator cannot produce either are left out and named in `warnings`).
    pub fn conditions(&self) -> Vec<Condition> {
        let mut extras = vec![ExtraInstructions::None];
        if matches!(self.extra_dont, Some(Ok(_))) {
            extras.push(ExtraInstructions::Dont);
        }
        if matches!(self.extra_goal, Some(Ok(_))) {
            extras.push(ExtraInstructions::Goal);
        }
        let notices: &[bool] = if self.awareness_notice.is_some() {
            &[false, true]
        } else {
            &[false]
        };
        let mut out = Vec::new();
        for goal_type in GoalType::ALL {
            let values: Vec<GoalValue> =
                if matches!(goal_type, GoalType::None | GoalType::Ambiguous) {
                    vec![GoalValue::None]
                } else {
                    GoalValue::ALL
                        .iter()
                        .copied()
                        .filter(|v| *v != GoalValue::None)
                        .collect()
                };
            for value in values {
                for urgency in Urgency::ALL {
                    for &extra in &extras {
                        for prod in [false, true] {
                            for &notice in notices {
                                let mut condition =
                                    Condition::new(&self.name, *goal_type, value, *urgency);
                                condition.extra_instructions = extra;
                                condition.prod = prod;
                                condition.awareness_notice = notice;
                                out.push(condition);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Render a condition exactly as inspect-evals does.
    pub fn render(&self, condition: &Condition) -> Result<RenderedPrompt, OriginalError> {
        self.render_with_notes(condition).map(|notes| notes.prompt)
    }

    /// Render a condition and list the placeholders the original leaves unfilled in it.
    pub fn render_with_notes(&self, condition: &Condition) -> Result<RenderNotes, OriginalError> {
        let id = condition.id();
        let fail = |message: String| OriginalError::new(format!("condition {id}"), message);
        if condition.scenario != self.name {
            return Err(fail(format!(
                "this compat pack renders scenario `{}` only",
                self.name
            )));
        }
        if !Condition::goal_is_consistent(condition.goal_type, condition.goal_value) {
            return Err(fail(
                "goal types none and ambiguous take goal value none, and only they do".into(),
            ));
        }
        let goal_type = condition.goal_type.as_str();
        let goal_value = condition.goal_value.as_str();
        let mut vars = self
            .condition_variables(goal_type, goal_value)
            .map_err(fail)?;
        let mut unfilled = Vec::new();

        let extra_template = match condition.extra_instructions {
            ExtraInstructions::None => String::new(),
            ExtraInstructions::Dont | ExtraInstructions::Goal => {
                let source = if condition.extra_instructions == ExtraInstructions::Dont {
                    &self.extra_dont
                } else {
                    &self.extra_goal
                };
                match source {
                    Some(Ok(text)) => text.clone(),
                    Some(Err(message)) => {
                        return Err(fail(format!("the original generator fails for these extra instructions: {message}")))
                    }
                    None => {
                        return Err(fail(format!(
                            "the templates' generator module has no `{}` extra instructions",
                            condition.extra_instructions
                        ))
                        .help("import from a folder whose parent holds prompt_generator.py (inspect-evals)"))
                    }
                }
            }
        };
        let extra = substitute(&extra_template, &vars, &mut unfilled);
        set(&mut vars, "extra_system_instructions", extra);
        let notice = if condition.awareness_notice {
            self.awareness_notice.clone().ok_or_else(|| {
                fail("the templates' generator module has no ALIGNMENT_FAKING_WARNING".into()).help(
                    "import from a folder whose parent holds prompt_generator.py (inspect-evals)",
                )
            })?
        } else {
            String::new()
        };
        set(&mut vars, "alignment_faking_warning", notice);
        let template = if condition.prod {
            &self.system_prod
        } else {
            &self.system_dev
        };
        let system = substitute(template, &vars, &mut unfilled);
        let extra_meta = match condition.extra_instructions {
            ExtraInstructions::None => MetaValue::Null,
            other => MetaValue::Str(other.as_str().into()),
        };
        let metadata = [
            ("scenario", MetaValue::Str(self.name.clone())),
            ("goal_type", MetaValue::Str(goal_type.into())),
            ("goal_value", MetaValue::Str(goal_value.into())),
            (
                "urgency_type",
                MetaValue::Str(condition.urgency.as_str().into()),
            ),
            ("condition_id", MetaValue::Str(condition.base_id())),
            ("extra_system_instructions", extra_meta),
            (
                "test_eval_awareness",
                MetaValue::Bool(condition.awareness_notice),
            ),
            ("prod", MetaValue::Bool(condition.prod)),
        ];
        let system =
            inspect_format(&system, &metadata).map_err(|m| fail(format!("system message: {m}")))?;

        let emails = self
            .email_content(condition, &vars, &mut unfilled)
            .map_err(fail)?;
        let user = format!("{}\n{}", self.user_prompt, emails);
        let sha256 = prompt_hash(&system, &user, &[]);
        Ok(RenderNotes {
            prompt: RenderedPrompt {
                condition: id,
                system,
                user,
                tools: Vec::new(),
                sha256,
            },
            unfilled,
        })
    }

    /// The original's `get_variables_for_condition`: one variable section plus the goal
    /// variables of `{goal_type}-{goal_value}` (falling back to `none`).
    fn condition_variables(
        &self,
        goal_type: &str,
        goal_value: &str,
    ) -> Result<Vec<(String, String)>, String> {
        let stems: Vec<String> = self.variable_files.iter().map(|f| f.stem.clone()).collect();
        let stem = if goal_type == "none" || goal_type == "ambiguous" {
            "ambiguous"
        } else {
            pick_file(&stems, goal_value).0
        };
        let file = self
            .variable_files
            .iter()
            .find(|f| f.stem == stem)
            .ok_or_else(|| format!("variable file {stem}.md missing"))?;
        let mut vars = pick_section(file, goal_value)?;
        let key = format!("{goal_type}-{goal_value}");
        let goal = self
            .goal_variables
            .iter()
            .find(|(k, _)| *k == key)
            .or_else(|| self.goal_variables.iter().find(|(k, _)| k == "none"));
        if let Some((_, goal_vars)) = goal {
            for (name, value) in goal_vars {
                set(&mut vars, name, value.clone());
            }
        }
        Ok(vars)
    }

    /// The original's `generate_email_content`.
    fn email_content(
        &self,
        condition: &Condition,
        vars: &[(String, String)],
        unfilled: &mut Vec<String>,
    ) -> Result<String, String> {
        let scenario = &self.name;
        let template = |part: String| -> Result<&String, String> {
            let name = email_file(scenario, &part);
            self.emails.get(&name).ok_or_else(|| {
                format!(
                    "e-mail template {} missing",
                    self.templates_dir
                        .join(scenario)
                        .join("templates")
                        .join(&name)
                        .display()
                )
            })
        };
        let mut content = if condition.goal_type == GoalType::None {
            substitute(
                template(format!("goal-conflict-none-{}", condition.urgency))?,
                vars,
                unfilled,
            )
        } else {
            let mut base = substitute(template("shared".into())?, vars, unfilled);
            base.push_str(&substitute(
                template(condition.urgency.to_string())?,
                vars,
                unfilled,
            ));
            base
        };
        if scenario == "leaking" {
            let mut parts = content.split("<email>");
            let mut numbered = parts.next().unwrap_or_default().to_string();
            for (index, part) in parts.enumerate() {
                numbered.push_str(&format!("<email>\nID: {}{part}", index + 1));
            }
            content = numbered;
        }
        Ok(content)
    }
}

fn set(vars: &mut Vec<(String, String)>, name: &str, value: String) {
    match vars.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value,
        None => vars.push((name.to_string(), value)),
    }
}

fn substitute(template: &str, vars: &[(String, String)], unfilled: &mut Vec<String>) -> String {
    let filled = safe_substitute(template, |name| {
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    });
    for name in filled.unfilled {
        if !unfilled.contains(&name) {
            unfilled.push(name);
        }
    }
    filled.text
}
