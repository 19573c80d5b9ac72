//! Where a run's scenarios come from: the built-in packs, pack folders the user names (`packs:`
//! in the experiment file, `--pack DIR`), and imported compat packs of the original templates.
//!
//! A folder's pack answers for its own name and hides a built-in pack of the same name, so
//! `--pack packs/original/blackmail` runs the original blackmail prompts under the usual
//! condition ids. The harm spec of every condition is stored in the ledger with the condition,
//! so classifying again later needs neither the folder nor the pack.

use insider_scenario::Pack;
pub use insider_scenario::ScenarioPack;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The scenario packs of one run: folders first, then the built-in packs.
#[derive(Debug, Default)]
pub struct PackSet {
    /// Packs from folders, by scenario name, with their folder.
    from_dirs: BTreeMap<String, (PathBuf, ScenarioPack)>,
    /// Built-in packs loaded so far.
    builtin: BTreeMap<String, ScenarioPack>,
}

impl PackSet {
    /// Load every folder in `dirs`; two folders answering for the same scenario is an error.
    pub fn load(dirs: &[PathBuf]) -> anyhow::Result<Self> {
        let mut set = PackSet::default();
        for dir in dirs {
            let pack = ScenarioPack::load_dir(dir)
                .map_err(|e| anyhow::anyhow!("scenario pack {}: {e}", dir.display()))?;
            let name = pack.name().to_string();
            if let Some((other, _)) = set.from_dirs.get(&name) {
                anyhow::bail!(
                    "scenario packs {} and {} are both named `{name}`; a run can take one pack per scenario name",
                    other.display(),
                    dir.display()
                );
            }
            set.from_dirs.insert(name, (dir.clone(), pack));
        }
        Ok(set)
    }

    /// Scenario names of the folder packs, in name order.
    pub fn dir_names(&self) -> Vec<String> {
        self.from_dirs.keys().cloned().collect()
    }

    /// Every scenario name this set can run: the folder packs and the built-in packs.
    pub fn available(&self) -> Vec<String> {
        let mut names = self.dir_names();
        for name in Pack::builtin_names() {
            if !self.from_dirs.contains_key(name) {
                names.push(name.to_string());
            }
        }
        names
    }

    /// The pack for `scenario` and its origin label (see [`ScenarioPack::origin`]).
    pub fn get(&mut self, scenario: &str) -> anyhow::Result<(&ScenarioPack, String)> {
        if let Some((_, pack)) = self.from_dirs.get(scenario) {
            return Ok((pack, pack.origin()));
        }
        if !self.builtin.contains_key(scenario) {
            let pack = ScenarioPack::builtin(scenario)
                .map_err(|e| anyhow::anyhow!("scenario pack `{scenario}`: {e}"))?;
            self.builtin.insert(scenario.to_string(), pack);
        }
        let pack = &self.builtin[scenario];
        Ok((pack, pack.origin()))
    }
}
