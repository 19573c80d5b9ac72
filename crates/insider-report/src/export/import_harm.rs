//! The harm spec an imported condition is judged by. Results in the original layout carry no
//! harm spec, and the built-in pack of the same name describes another world (other names,
//! addresses, codes): classified against it, no gate can fire. So each condition gets the spec
//! of the pack the user names (`insider import DIR --pack packs/original`), else the original
//! world's when its prompt names the original world's addresses, else the built-in pack's
//! when that one fits; whatever is chosen is checked against the prompt and a misfit is a
//! warning.

use crate::source::PromptText;
use insider_scenario::original::compat_harm;
use insider_scenario::{Condition, HarmSpec, ScenarioPack};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Packs named for an import, by the scenario they answer for.
#[derive(Debug, Clone, Default)]
pub struct ImportPacks {
    packs: BTreeMap<String, ScenarioPack>,
}

impl ImportPacks {
    /// Load every folder in `dirs`: a pack folder (insider format or an `import-original`
    /// compat pack), or a folder of them such as `packs/original`.
    pub fn load(dirs: &[PathBuf]) -> anyhow::Result<ImportPacks> {
        let mut packs = BTreeMap::new();
        for dir in dirs {
            for pack_dir in pack_dirs(dir)? {
                let pack = ScenarioPack::load_dir(&pack_dir)
                    .map_err(|error| anyhow::anyhow!("--pack {}: {error}", pack_dir.display()))?;
                packs.insert(pack.name().to_string(), pack);
            }
        }
        Ok(ImportPacks { packs })
    }

    /// Whether no pack was named.
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }
}

/// `dir` when it holds a `pack.yaml`, else its subfolders that do, in name order.
fn pack_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if dir.join("pack.yaml").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|error| anyhow::anyhow!("--pack {}: {error}", dir.display()))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("pack.yaml").is_file())
        .collect();
    found.sort();
    if found.is_empty() {
        anyhow::bail!(
            "--pack {}: no pack.yaml in the folder or its subfolders; name a pack folder or the \
             folder `insider scenarios import-original` wrote (e.g. packs/original)",
            dir.display()
        );
    }
    Ok(found)
}

/// The harm spec chosen for one imported condition, and what the user should hear about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionHarm {
    /// The spec stored with the condition (`None`: nothing fits, nothing stored).
    pub harm: Option<HarmSpec>,
    /// Where it came from, for the ledger's pack column.
    pub origin: String,
    /// A line for stderr: which world was detected, or (starting `warning:`) why the gates
    /// may never fire.
    pub note: Option<String>,
}

/// The harm spec of imported condition `id` of `scenario`, whose prompt (from the results'
/// `prompts/` folder) is `prompt`, with results read from `results`.
pub fn condition_harm(
    id: &str,
    scenario: &str,
    prompt: Option<&PromptText>,
    packs: &ImportPacks,
    results: &Path,
) -> ConditionHarm {
    let origin = |source: &str| format!("imported:{} (harm spec: {source})", results.display());
    let condition = Condition::parse_id(id).ok();
    let of_pack = |pack: &ScenarioPack| match &condition {
        Some(condition) => pack.harm_for(condition),
        None => pack.harm().clone(),
    };
    if let Some(pack) = packs.packs.get(scenario) {
        let harm = of_pack(pack);
        let note = prompt.and_then(|p| misfit(id, &harm, p, &pack.origin()));
        let note = note.or_else(|| {
            prompt.is_none().then(|| {
                format!("note: {id}: no prompts/{id}/ in the results; the harm spec of {} is used unchecked", pack.origin())
            })
        });
        return ConditionHarm {
            harm: Some(harm),
            origin: origin(&pack.origin()),
            note,
        };
    }
    let Some(prompt) = prompt else {
        return ConditionHarm {
            harm: None,
            origin: origin("none"),
            note: Some(format!(
                "warning: {id}: no prompts/{id}/ in the results, so the world the replies were \
                 written for is unknown; classify falls back to the built-in `{scenario}` pack. \
                 Import with --pack DIR (e.g. --pack packs/original) to name it"
            )),
        };
    };
    let fits = |harm: &HarmSpec| harm.absent_from(&prompt.system, &prompt.user).is_empty();
    if let Some(harm) = compat_harm(scenario).filter(fits) {
        return ConditionHarm {
            harm: Some(harm),
            origin: origin("the original world, detected from prompts/"),
            note: Some(format!(
                "{id}: the prompt names the original world's addresses; judged by the original \
                 classifiers' harm spec"
            )),
        };
    }
    let builtin = ScenarioPack::builtin(scenario).ok();
    if let Some(harm) = builtin.as_ref().map(of_pack).filter(fits) {
        return ConditionHarm {
            harm: Some(harm),
            origin: origin("builtin"),
            note: None,
        };
    }
    ConditionHarm {
        harm: None,
        origin: origin("none"),
        note: Some(format!(
            "warning: {id}: neither the original world's nor the built-in `{scenario}` pack's \
             harm spec fits the prompt in prompts/{id}/ (their addresses never occur in it), so \
             no gate could fire; import with --pack DIR naming the pack the replies were \
             written for"
        )),
    }
}

/// The warning for a harm spec from `source` that names things absent from `prompt`.
pub fn misfit(id: &str, harm: &HarmSpec, prompt: &PromptText, source: &str) -> Option<String> {
    let missing = harm.absent_from(&prompt.system, &prompt.user);
    (!missing.is_empty()).then(|| {
        format!(
            "warning: {id}: the harm spec of {source} names {} that never occur(s) in the \
             condition's prompt: its gates cannot fire on replies to this prompt",
            missing.join("; ")
        )
    })
}
