//! The files of one pack, read from the embedded `scenarios/` folder or from disk.

use crate::problem::{PackError, Problem};
use include_dir::{include_dir, Dir};
use std::collections::BTreeMap;
use std::path::Path;

/// The repository's `scenarios/` folder, embedded at build time (see build.rs).
pub(crate) static SCENARIOS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../scenarios");

/// The text files of one pack, keyed by path relative to the pack folder (`emails/01-x.md`).
#[derive(Debug, Clone)]
pub(crate) struct PackFiles {
    /// How the pack folder is shown in messages (`scenarios/blackmail`, or the user's path).
    pub root: String,
    /// Relative path → text (CRLF normalized to LF).
    pub files: BTreeMap<String, String>,
}

impl PackFiles {
    /// The message path of a file of this pack.
    pub(crate) fn display(&self, relative: &str) -> String {
        format!("{}/{}", self.root.trim_end_matches('/'), relative)
    }

    /// Names of the built-in packs (folders of `scenarios/` holding a `pack.yaml`), sorted.
    pub(crate) fn builtin_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = SCENARIOS
            .dirs()
            .filter(|dir| dir.get_file(dir.path().join("pack.yaml")).is_some())
            .filter_map(|dir| dir.path().to_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// The embedded files of built-in pack `name`.
    pub(crate) fn builtin(name: &str) -> Option<PackFiles> {
        let dir = SCENARIOS.get_dir(name)?;
        let mut files = BTreeMap::new();
        collect_embedded(dir, dir.path(), &mut files);
        Some(PackFiles {
            root: format!("scenarios/{name}"),
            files,
        })
    }

    /// Read a pack folder from disk: its top-level files and `emails/*.md`.
    pub(crate) fn from_disk(path: &Path) -> Result<PackFiles, PackError> {
        let root = path.display().to_string();
        let fail = |message: String| PackError {
            pack: root.clone(),
            problems: vec![Problem::new(root.clone(), 0, message)],
        };
        if !path.is_dir() {
            return Err(fail(
                "not a directory (a pack is a folder holding pack.yaml)".into(),
            ));
        }
        let mut files = BTreeMap::new();
        let mut problems = Vec::new();
        for (folder, prefix) in [(path.to_path_buf(), ""), (path.join("emails"), "emails/")] {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let entry_path = entry.path();
                if !entry_path.is_file() {
                    continue;
                }
                let Some(file_name) = entry_path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !(file_name.ends_with(".yaml") || file_name.ends_with(".md")) {
                    continue;
                }
                let relative = format!("{prefix}{file_name}");
                match std::fs::read(&entry_path) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => {
                            files.insert(relative, normalize(&text));
                        }
                        Err(_) => problems.push(Problem::new(
                            entry_path.display().to_string(),
                            0,
                            "file is not valid UTF-8",
                        )),
                    },
                    Err(error) => problems.push(Problem::new(
                        entry_path.display().to_string(),
                        0,
                        format!("cannot read file: {error}"),
                    )),
                }
            }
        }
        if problems.is_empty() {
            Ok(PackFiles { root, files })
        } else {
            Err(PackError {
                pack: root,
                problems,
            })
        }
    }
}

fn collect_embedded(dir: &Dir<'static>, base: &Path, files: &mut BTreeMap<String, String>) {
    for file in dir.files() {
        let Ok(relative) = file.path().strip_prefix(base) else {
            continue;
        };
        let Some(relative) = relative.to_str() else {
            continue;
        };
        if let Some(text) = file.contents_utf8() {
            files.insert(relative.replace('\\', "/"), normalize(text));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, base, files);
    }
}

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}
