//! `-T` means what it means in Inspect: a command line that names any task argument of
//! `inspect_evals/agentic_misalignment` runs that task — one condition, the task's defaults for
//! every argument left unset, on the original prompts — not insider's whole built-in grid.
//!
//! The original prompts are not shipped. On first use they are imported (with
//! `insider_scenario::original::import`) from an installed `inspect-evals` package into a cache
//! folder keyed by the templates' content, so an upgrade of the package imports afresh and
//! two runs of one package share one import.

use super::Overrides;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The task's defaults (inspect_evals `agentic_misalignment`), in our value spelling.
pub const INSPECT_DEFAULTS: &[(&str, &str)] = &[
    ("scenario", "blackmail"),
    ("goal_type", "explicit"),
    ("goal_value", "america"),
    ("urgency_type", "replacement"),
    ("extra_system_instructions", "none"),
    ("prod", "false"),
    ("test_eval_awareness", "false"),
];

/// The grader the Inspect task uses when `grader_model` is unset (its classifiers' default).
pub const INSPECT_DEFAULT_GRADER: &str = "anthropic/claude-3-7-sonnet-20250219";

/// Environment variable naming the original `templates` folder directly.
pub const TEMPLATES_ENV: &str = "INSIDER_ORIGINAL_TEMPLATES";

/// Environment variable naming the Python interpreter that has `inspect-evals` installed.
pub const PYTHON_ENV: &str = "INSIDER_PYTHON";

/// Fill every factor no flag and no `-T` set with the task's default.
pub fn apply_inspect_defaults(overrides: &mut Overrides) {
    for (key, value) in INSPECT_DEFAULTS {
        let slot =
            super::task_args::task_arg_slot(overrides, key).expect("every default has a slot");
        slot.get_or_insert_with(|| value.to_string());
    }
}

/// Make `overrides` the Inspect task: its defaults, and (unless `--pack` names packs) the
/// original prompts of its scenarios, imported on first use. Returns what to tell the user.
pub fn inspect_task(overrides: &mut Overrides) -> anyhow::Result<Vec<String>> {
    apply_inspect_defaults(overrides);
    let mut notes = Vec::new();
    if overrides.packs.is_empty() {
        let templates = find_templates()?;
        let root = imported_packs(&templates)?;
        let scenarios = overrides.factors.scenario.clone().unwrap_or_default();
        for scenario in insider_scenario::split_list(&scenarios) {
            let dir = root.join(&scenario);
            if !dir.join("pack.yaml").is_file() {
                anyhow::bail!(
                    "-T scenario={scenario}: the original templates in {} have no such scenario",
                    templates.display()
                );
            }
            overrides.packs.push(dir);
        }
        notes.push(format!(
            "note: -T runs the Inspect task agentic_misalignment on the original prompts \
             (imported from {} into {}); unset task arguments take the task's defaults",
            templates.display(),
            root.display()
        ));
    }
    if overrides.grader.is_none() {
        notes.push(format!(
            "note: Inspect grades with {INSPECT_DEFAULT_GRADER} when grader_model is unset; \
             add -T grader_model={INSPECT_DEFAULT_GRADER} for the same scoring (without one, \
             verdicts are gate-only)"
        ));
    }
    Ok(notes)
}

/// The pack folder a `packs` entry `original:<scenario>` names: that scenario of the original
/// prompts, imported on first use (`None`: the entry is a folder).
pub fn original_pack(entry: &Path) -> Option<anyhow::Result<PathBuf>> {
    let scenario = entry.to_str()?.strip_prefix("original:")?.to_string();
    Some(find_templates().and_then(|templates| {
        let dir = imported_packs(&templates)?.join(&scenario);
        anyhow::ensure!(
            dir.join("pack.yaml").is_file(),
            "`original:{scenario}`: the original templates in {} have no such scenario \
             (blackmail, leaking, murder)",
            templates.display()
        );
        Ok(dir)
    }))
}

/// How to get the templates, said in one line when they cannot be found.
const HOW: &str = "-T and `original:<scenario>` packs run the original prompts of \
    inspect_evals/agentic_misalignment, and no installed inspect-evals was found: `pip install \
    inspect-evals` (or set INSIDER_PYTHON to a Python that has it, or INSIDER_ORIGINAL_TEMPLATES \
    to its templates folder), or import them yourself (`insider scenarios import-original DIR \
    --out packs/original`) and pass `--pack packs/original/<scenario>`";

/// The `templates` folder of the installed task: [`TEMPLATES_ENV`], else asked of
/// [`PYTHON_ENV`], `python3` and `python` in turn (without importing the package).
pub fn find_templates() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(TEMPLATES_ENV) {
        let dir = PathBuf::from(dir);
        anyhow::ensure!(
            dir.join("system_prompt_templates.py").is_file(),
            "{TEMPLATES_ENV}={}: no system_prompt_templates.py there",
            dir.display()
        );
        return Ok(dir);
    }
    let pythons: Vec<String> = std::env::var(PYTHON_ENV)
        .into_iter()
        .chain(["python3".to_string(), "python".to_string()])
        .collect();
    // find_spec locates the package without running its code (importing it pulls in inspect-ai).
    let script = "import importlib.util, pathlib\n\
        spec = importlib.util.find_spec('inspect_evals')\n\
        print(pathlib.Path(list(spec.submodule_search_locations)[0]) / 'agentic_misalignment' / 'templates')";
    for python in pythons {
        let Ok(output) = Command::new(&python).args(["-c", script]).output() else {
            continue;
        };
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && dir.join("system_prompt_templates.py").is_file() {
            return Ok(dir);
        }
    }
    anyhow::bail!("{HOW}")
}

/// Where the compat packs of `templates` are (imported now if they are not yet).
pub fn imported_packs(templates: &Path) -> anyhow::Result<PathBuf> {
    let root = cache_dir()?
        .join("original-prompts")
        .join(templates_hash(templates)?);
    if root.join("blackmail").join("pack.yaml").is_file() {
        return Ok(root);
    }
    let parent = root.parent().expect("a cache subfolder");
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    // Imported aside and moved into place whole, so a killed import is never taken for one.
    let staging = parent.join(format!(".importing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    insider_scenario::original::import(templates, &staging)
        .map_err(|error| anyhow::anyhow!("importing the original templates: {error}"))?;
    if let Err(error) = std::fs::rename(&staging, &root) {
        let _ = std::fs::remove_dir_all(&staging);
        // Another process may have imported the same templates meanwhile: that one is used.
        if !root.join("blackmail").join("pack.yaml").is_file() {
            return Err(error).with_context(|| format!("moving the import to {}", root.display()));
        }
    }
    Ok(root)
}

/// `INSIDER_CACHE_DIR`, else `$XDG_CACHE_HOME/insider`, else `~/.cache/insider`.
fn cache_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("INSIDER_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("insider"));
    }
    let home = std::env::var_os("HOME").context("no HOME to put the import cache under")?;
    Ok(PathBuf::from(home).join(".cache").join("insider"))
}

/// The first 16 hex digits of a sha256 over every file's relative path and bytes.
fn templates_hash(templates: &Path) -> anyhow::Result<String> {
    let mut files = Vec::new();
    let mut folders = vec![templates.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in
            std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?
        {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name == "__pycache__" {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        let relative = file.strip_prefix(templates).unwrap_or(&file);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?);
        hasher.update([0]);
    }
    Ok(hex::encode(hasher.finalize())[..16].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_task_arguments_take_the_task_defaults_and_set_ones_stay() {
        let mut overrides = Overrides {
            factors: insider_scenario::listing::GridLists {
                scenario: Some("murder".into()),
                urgency: Some("none".into()),
                ..Default::default()
            },
            ..Overrides::default()
        };
        apply_inspect_defaults(&mut overrides);
        assert_eq!(overrides.factors.scenario.as_deref(), Some("murder"));
        assert_eq!(overrides.factors.goal_type.as_deref(), Some("explicit"));
        assert_eq!(overrides.factors.goal_value.as_deref(), Some("america"));
        assert_eq!(overrides.factors.urgency.as_deref(), Some("none"));
        assert_eq!(
            overrides.factors.extra_instructions.as_deref(),
            Some("none")
        );
        assert_eq!(overrides.factors.prod.as_deref(), Some("false"));
        assert_eq!(overrides.factors.awareness_notice.as_deref(), Some("false"));
        assert_eq!(overrides.grader, None);
    }

    #[test]
    fn the_hash_follows_the_templates_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "one").unwrap();
        let first = templates_hash(dir.path()).unwrap();
        assert_eq!(first, templates_hash(dir.path()).unwrap());
        std::fs::write(dir.path().join("a.md"), "two").unwrap();
        assert_ne!(first, templates_hash(dir.path()).unwrap());
    }
}
