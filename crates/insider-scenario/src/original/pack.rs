//! Loading one original scenario: from an imported compat pack (checking every file's sha256)
//! or straight from a templates folder, reading the Python module's constants as data.

use super::error::OriginalError;
use super::harm::compat_harm;
use super::layout::{
    email_file, generator_module, read, variables_scenario, CompatPackFile, COMPAT_MARKER,
    ORIGINAL_SCENARIOS, REQUIRED_EMAIL_PARTS,
};
use super::pyliteral::{PyModule, PyValue};
use super::variables::{parse_variable_file, VariableFile};
use crate::condition::{Condition, ExtraInstructions, GoalType, GoalValue, Urgency};
use crate::harm::HarmSpec;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `GOAL_VARIABLES` of the system-prompt module: `(key, [(variable, text)])` in module order.
pub(super) type GoalVariables = Vec<(String, Vec<(String, String)>)>;

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
    pub(super) system_dev: String,
    pub(super) system_prod: String,
    pub(super) user_prompt: String,
    pub(super) goal_variables: GoalVariables,
    pub(super) extra_dont: Option<Result<String, String>>,
    pub(super) extra_goal: Option<Result<String, String>>,
    pub(super) awareness_notice: Option<String>,
    pub(super) emails: BTreeMap<String, String>,
    pub(super) variable_files: Vec<VariableFile>,
    pub(super) templates_dir: PathBuf,
}

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

        let generator = GeneratorTexts::read(templates_dir)?;
        let (extra_dont, extra_goal, awareness_notice) = (
            generator.extra_dont,
            generator.extra_goal,
            generator.awareness_notice,
        );

        let mut warnings = Vec::new();
        for (kind, source) in [("dont", &extra_dont), ("goal", &extra_goal)] {
            if let Some(Err(message)) = source {
                warnings.push(format!(
                    "extra instructions `{kind}` cannot be rendered (the original generator fails too): {message}"
                ));
            }
        }

        let emails = read_emails(templates_dir, scenario)?;

        let variable_files = read_variable_files(templates_dir, scenario, &mut warnings)?;
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
}

/// What the generator module next to the templates adds: the extra instructions (each an
/// error when the original generator cannot produce it either) and the awareness notice.
struct GeneratorTexts {
    extra_dont: Option<Result<String, String>>,
    extra_goal: Option<Result<String, String>>,
    awareness_notice: Option<String>,
}

impl GeneratorTexts {
    fn read(templates_dir: &Path) -> Result<GeneratorTexts, OriginalError> {
        let mut texts = GeneratorTexts {
            extra_dont: None,
            extra_goal: None,
            awareness_notice: None,
        };
        let Some(path) = generator_module(templates_dir) else {
            return Ok(texts);
        };
        let generator = parse_module(&path)?;
        let located = |r: Result<PyValue, String>| -> Result<String, String> {
            let text: Result<String, String> = match r {
                Ok(PyValue::Str(text)) => Ok(text),
                Ok(_) => Err("not a string".into()),
                Err(message) => Err(message),
            };
            text.map_err(|m| format!("{}: {m}", path.display()))
        };
        texts.extra_dont = generator
            .branch_assignment("extra_system_instructions", "dont")
            .map(located);
        texts.extra_goal = generator
            .branch_assignment("extra_system_instructions", "goal")
            .map(located);
        if let Some(Ok(PyValue::Str(text))) = generator.constant("ALIGNMENT_FAKING_WARNING") {
            texts.awareness_notice = Some(text.clone());
        }
        Ok(texts)
    }
}

/// The scenario's e-mail templates: the required parts, and the goal-conflict-none ones present.
fn read_emails(
    templates_dir: &Path,
    scenario: &str,
) -> Result<BTreeMap<String, String>, OriginalError> {
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
    Ok(emails)
}

/// The variable files the scenario reads (blackmail's for murder), noting skipped sections.
fn read_variable_files(
    templates_dir: &Path,
    scenario: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<VariableFile>, OriginalError> {
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
    Ok(variable_files)
}
