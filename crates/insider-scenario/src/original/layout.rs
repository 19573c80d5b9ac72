//! The original templates' layout: the compat marker and `pack.yaml` of an imported pack, the
//! scenarios, and where each file sits in a templates folder.

use super::error::OriginalError;
use crate::harm::HarmSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `compat` marker in an imported pack's `pack.yaml`.
pub const COMPAT_MARKER: &str = "original-templates";

/// The scenarios of the original layout, in its order.
pub const ORIGINAL_SCENARIOS: [&str; 3] = ["blackmail", "leaking", "murder"];

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

/// Read a text file of the templates, with a hint at where templates come from.
pub(super) fn read(path: &Path) -> Result<String, OriginalError> {
    std::fs::read_to_string(path).map_err(|e| {
        OriginalError::new(path.display(), format!("cannot read: {e}"))
            .help("point at the `templates` folder of inspect-evals' agentic_misalignment or of the original repository")
    })
}

/// The generator module next to a templates folder: inspect-evals' `prompt_generator.py`, or
/// the original repository's `scripts/generate_prompts.py`.
pub(super) fn generator_module(templates_dir: &Path) -> Option<PathBuf> {
    let parent = templates_dir.parent()?;
    ["prompt_generator.py", "scripts/generate_prompts.py"]
        .iter()
        .map(|rel| parent.join(rel))
        .find(|p| p.is_file())
}

/// The scenario whose variable files a scenario uses (the original reads blackmail's for murder).
pub(super) fn variables_scenario(scenario: &str) -> &str {
    if scenario == "murder" {
        "blackmail"
    } else {
        scenario
    }
}

/// The file name of one e-mail template part.
pub(super) fn email_file(scenario: &str, part: &str) -> String {
    format!("email-template-{scenario}-{part}.md")
}

/// E-mail template parts the original generator checks for (`validate_template_files`).
pub(super) const REQUIRED_EMAIL_PARTS: [&str; 4] = ["shared", "replacement", "restriction", "none"];
