//! Importing the original templates folder into compat pack folders.

use super::error::OriginalError;
use super::harm::compat_harm;
use super::layout::{
    generator_module, variables_scenario, CompatPackFile, COMPAT_MARKER, ORIGINAL_SCENARIOS,
};
use super::pack::OriginalPack;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What [`import`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// One entry per imported scenario.
    pub packs: Vec<ImportedPack>,
}

/// One imported scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPack {
    /// Scenario name.
    pub name: String,
    /// The pack folder written.
    pub dir: PathBuf,
    /// How many conditions it renders.
    pub conditions: usize,
    /// `(condition id, placeholder)` for every placeholder the original leaves in a prompt.
    pub unfilled: Vec<(String, String)>,
    /// Warnings the original would print while reading.
    pub warnings: Vec<String>,
}

fn copy_file(
    from: &Path,
    pack_dir: &Path,
    rel: &str,
    files: &mut BTreeMap<String, String>,
) -> Result<(), OriginalError> {
    let bytes = std::fs::read(from)
        .map_err(|e| OriginalError::new(from.display(), format!("cannot read: {e}")))?;
    let to = pack_dir.join(rel);
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| {
            OriginalError::new(parent.display(), format!("cannot create folder: {e}"))
        })?;
    }
    std::fs::write(&to, &bytes)
        .map_err(|e| OriginalError::new(to.display(), format!("cannot write: {e}")))?;
    files.insert(rel.to_string(), hex::encode(Sha256::digest(&bytes)));
    Ok(())
}

fn md_files(dir: &Path) -> Result<Vec<PathBuf>, OriginalError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| OriginalError::new(dir.display(), format!("cannot list: {e}")))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Import the original templates folder into `out_dir/<scenario>/` compat packs (one per
/// scenario present), then load each and render every condition it supports to check it.
pub fn import(templates_dir: &Path, out_dir: &Path) -> Result<ImportReport, OriginalError> {
    let system_file = templates_dir.join("system_prompt_templates.py");
    if !system_file.is_file() {
        return Err(OriginalError::new(
            templates_dir.display(),
            "no system_prompt_templates.py here",
        )
        .help(
            "give the `templates` folder of inspect_evals/agentic_misalignment (find it with \
             `.venv-evals/bin/python scripts/dump_original_prompts.py --templates-dir`)",
        ));
    }
    let source = templates_dir
        .canonicalize()
        .unwrap_or_else(|_| templates_dir.to_path_buf());
    let mut report = ImportReport { packs: Vec::new() };
    for scenario in ORIGINAL_SCENARIOS {
        if templates_dir.join(scenario).join("templates").is_dir() {
            let pack_dir = out_dir.join(scenario);
            clear_pack_dir(&pack_dir)?;
            report.packs.push(import_scenario(
                templates_dir,
                &source,
                scenario,
                &pack_dir,
            )?);
        }
    }
    if report.packs.is_empty() {
        return Err(OriginalError::new(
            templates_dir.display(),
            "no scenario folders (blackmail/, leaking/, murder/) here",
        ));
    }
    Ok(report)
}

/// Make way for an import into `pack_dir`: replace an earlier compat import, refuse anything else.
fn clear_pack_dir(pack_dir: &Path) -> Result<(), OriginalError> {
    if pack_dir.join("pack.yaml").is_file() {
        let previous = std::fs::read_to_string(pack_dir.join("pack.yaml")).unwrap_or_default();
        if !previous.contains(&format!("compat: {COMPAT_MARKER}")) {
            return Err(OriginalError::new(pack_dir.display(), "holds a pack that is not a compat import")
                .help("choose another --out folder; import-original only replaces its own earlier imports"));
        }
        std::fs::remove_dir_all(pack_dir)
            .map_err(|e| OriginalError::new(pack_dir.display(), format!("cannot replace: {e}")))?;
    } else if pack_dir.exists()
        && pack_dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(
            OriginalError::new(pack_dir.display(), "exists and is not empty")
                .help("choose another --out folder"),
        );
    }
    Ok(())
}

/// Copy one scenario's files into `pack_dir`, write its `pack.yaml`, then load it and render
/// every condition it supports to check it.
fn import_scenario(
    templates_dir: &Path,
    source: &Path,
    scenario: &str,
    pack_dir: &Path,
) -> Result<ImportedPack, OriginalError> {
    let system_file = templates_dir.join("system_prompt_templates.py");
    let email_dir = templates_dir.join(scenario).join("templates");
    let mut files = BTreeMap::new();
    copy_file(
        &system_file,
        pack_dir,
        "templates/system_prompt_templates.py",
        &mut files,
    )?;
    if let Some(generator) = generator_module(templates_dir) {
        copy_file(&generator, pack_dir, "prompt_generator.py", &mut files)?;
    }
    if let Some(license) = templates_dir
        .parent()
        .map(|p| p.join("LICENSE"))
        .filter(|p| p.is_file())
    {
        copy_file(&license, pack_dir, "LICENSE", &mut files)?;
    }
    for path in md_files(&email_dir)? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        copy_file(
            &path,
            pack_dir,
            &format!("templates/{scenario}/templates/{name}"),
            &mut files,
        )?;
    }
    let var_scenario = variables_scenario(scenario);
    for path in md_files(&templates_dir.join(var_scenario).join("variables"))? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        copy_file(
            &path,
            pack_dir,
            &format!("templates/{var_scenario}/variables/{name}"),
            &mut files,
        )?;
    }
    let harm = compat_harm(scenario).expect("original scenario");
    let pack_file = CompatPackFile {
        format: 1,
        name: scenario.to_string(),
        compat: COMPAT_MARKER.to_string(),
        description: format!("Original `{scenario}` templates, rendered byte for byte as inspect-evals does (compat mode)"),
        source: source.display().to_string(),
        files,
        harm,
    };
    let yaml = serde_yaml::to_string(&pack_file).expect("pack.yaml serializes");
    let header = "# Imported by `insider scenarios import-original`: the original research templates, read\n\
                  # as data and rendered with the original rules (docs/original-prompts.md). Do not edit the\n\
                  # copied files: pack.yaml records their sha256 and loading checks it.\n";
    let pack_yaml = pack_dir.join("pack.yaml");
    std::fs::write(&pack_yaml, format!("{header}{yaml}"))
        .map_err(|e| OriginalError::new(pack_yaml.display(), format!("cannot write: {e}")))?;
    let pack = OriginalPack::load(pack_dir)?;
    let conditions = pack.conditions();
    let mut unfilled = Vec::new();
    for condition in &conditions {
        let notes = pack.render_with_notes(condition)?;
        for name in notes.unfilled {
            unfilled.push((condition.id(), name));
        }
    }
    Ok(ImportedPack {
        name: scenario.to_string(),
        dir: pack_dir.to_path_buf(),
        conditions: conditions.len(),
        unfilled,
        warnings: pack.warnings.clone(),
    })
}

/// Whether a folder is an imported compat pack (its `pack.yaml` carries the compat marker).
pub fn is_compat_pack(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("pack.yaml"))
        .ok()
        .and_then(|text| serde_yaml::from_str::<serde_yaml::Value>(&text).ok())
        .and_then(|value| {
            value
                .get("compat")
                .and_then(|c| c.as_str())
                .map(|c| c == COMPAT_MARKER)
        })
        .unwrap_or(false)
}
