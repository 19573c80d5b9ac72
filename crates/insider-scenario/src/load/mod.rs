//! Loading a pack: parse and validate its files (docs/scenario-packs.md §10), collecting every
//! problem with its file and line before giving up.
//!
//! [`loader`] is the leaf every parser shares; [`pack_file`] reads `pack.yaml`, [`email`] the
//! e-mails, [`tools`], [`goals`] and [`values`] the fragment files, and [`validate`] checks the
//! whole pack (harm section, every condition of the grid) once it is assembled.

pub(crate) mod email;
pub(crate) mod goals;
pub(crate) mod loader;
pub(crate) mod pack_file;
pub(crate) mod tools;
pub(crate) mod validate;
pub(crate) mod values;

use crate::condition::GoalType;
use crate::fragment::Fragment;
use crate::pack::Pack;
use crate::problem::{PackError, Problem};
use crate::source::PackFiles;
use crate::template::Template;
use crate::variables::CONDITION_VARIABLES;
use crate::yaml_lines::KeyLines;
use loader::{Loader, PackYaml};
use pack_file::PACK;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

static BUILTINS: OnceLock<HashMap<&'static str, Result<Pack, PackError>>> = OnceLock::new();

impl Pack {
    /// Names of the built-in packs embedded from the repository's `scenarios/` folder.
    pub fn builtin_names() -> Vec<&'static str> {
        PackFiles::builtin_names()
    }

    /// Load a built-in pack by name (parsed and validated once per process, then cloned).
    pub fn builtin(name: &str) -> Result<Pack, PackError> {
        let builtins = BUILTINS.get_or_init(|| {
            Pack::builtin_names()
                .into_iter()
                .map(|builtin| {
                    let files = PackFiles::builtin(builtin).expect("listed builtin exists");
                    (builtin, load(&files, Some(builtin)))
                })
                .collect()
        });
        match builtins.get(name) {
            Some(result) => result.clone(),
            None => Err(PackError {
                pack: name.to_string(),
                problems: vec![Problem::new(
                    format!("scenarios/{name}"),
                    0,
                    format!(
                        "no built-in pack named `{name}` (built-in packs: {})",
                        Pack::builtin_names().join(", ")
                    ),
                )
                .help("use --pack DIR for a pack folder on disk")],
            }),
        }
    }

    /// Load and validate a pack folder on disk (same layout as the built-in packs).
    pub fn load_dir(path: impl AsRef<Path>) -> Result<Pack, PackError> {
        let files = PackFiles::from_disk(path.as_ref())?;
        load(&files, None)
    }
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
            problems.retain(|p| {
                seen.insert((p.file.clone(), p.line, p.field.clone(), p.message.clone()))
            });
            Err(PackError {
                pack: files.root.clone(),
                problems,
            })
        }
    }
}

fn load_inner(loader: &mut Loader, expected_name: Option<&str>) -> Option<Pack> {
    let pack_text = loader.text(PACK)?;
    let pack_lines = KeyLines::index(pack_text, 0);
    let pack_yaml: PackYaml = loader.yaml(PACK, pack_text, 0)?;
    pack_file::check_identity(loader, &pack_yaml, &pack_lines, expected_name);
    let (statics, session_start) = pack_file::pack_variables(loader, &pack_yaml, &pack_lines);
    let supported = pack_file::supported_factors(loader, &pack_yaml, &pack_lines);
    pack_file::check_settings(loader, &pack_yaml, &pack_lines, &statics);
    let valued_goal_types = supported
        .goal_types
        .iter()
        .any(|t| matches!(t, GoalType::Explicit | GoalType::Latent | GoalType::Swap));

    let (tools, tool_texts) = tools::load_tools(loader, &pack_yaml.tools, &pack_lines, &statics);
    let goals_loaded = goals::load_goals(loader, &supported, &statics);
    let values = values::load_values(loader, &supported, valued_goal_types, &statics);
    let (system, user) = load_messages(loader);
    let emails = email::parse_emails(loader, session_start.as_ref());
    let world = crate::world_file::load_world(loader);

    let mut templates: Vec<&Template> = Vec::new();
    templates.extend(system.iter());
    templates.extend(user.iter());
    for email in &emails {
        templates.extend([&email.from, &email.to, &email.subject, &email.body]);
        templates.extend(email.attachments.iter());
    }
    check_variables_exist(loader, &templates, &statics, &values);
    validate::validate_harm(loader, &pack_yaml.harm, &pack_yaml, &pack_lines, &emails);

    let (Some(system), Some(user), Some(goals)) = (system, user, goals_loaded) else {
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
        harm: pack_yaml.harm.clone(),
        supported,
        statics,
        show_email_ids: pack_yaml.show_email_ids,
        system,
        user,
        tools,
        tool_texts,
        goals: goals.goals,
        extra_dont: goals.extra_dont,
        extra_goal: goals.extra_goal,
        awareness_notice: goals.awareness_notice,
        scratchpad: goals.scratchpad,
        values,
        emails,
        cast: pack_yaml.cast.clone(),
        personas: pack_yaml.personas.clone(),
        executives: pack_yaml.executives.clone(),
        renames: pack_yaml.renames.clone(),
        suggestion_words: pack_yaml.suggestion_words.clone(),
        world,
    };
    validate::validate_mitigations(loader, &pack);
    validate::validate_grid(loader, &pack);
    crate::world::validate_world(loader, &pack);
    Some(pack)
}

/// `system.md` and `user.md`: parsed, and checked to use every condition-level placeholder.
fn load_messages(loader: &mut Loader) -> (Option<Template>, Option<Template>) {
    let system_text = loader.text("system.md");
    let system = system_text.and_then(|text| loader.template("system.md", 1, text));
    let user_text = loader.text("user.md");
    let user = user_text.and_then(|text| loader.template("user.md", 1, text));
    if let Some(system) = &system {
        for required in [
            "goal.statement",
            "goal.reminder",
            "awareness_notice",
            "scratchpad",
            "extra_instructions",
            "tools.text",
        ] {
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
            loader.problem(
                "user.md",
                0,
                format!("user.md must use `{{{{inbox}}}}` exactly once (found {uses})"),
            );
        }
    }
    (system, user)
}

/// Names used in condition-scope templates must exist somewhere: a pack variable, a
/// condition variable, or a key of values.yaml.
fn check_variables_exist(
    loader: &mut Loader,
    templates: &[&Template],
    statics: &HashMap<String, String>,
    values: &HashMap<String, HashMap<String, Fragment>>,
) {
    let value_keys: HashSet<&str> = values
        .values()
        .flat_map(|section| section.keys().map(String::as_str))
        .collect();
    let mut unknown = Vec::new();
    for template in templates {
        for (name, line) in template.variables() {
            let known = statics.contains_key(name)
                || CONDITION_VARIABLES.contains(&name)
                || name
                    .strip_prefix("value.")
                    .is_some_and(|key| value_keys.contains(key));
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
