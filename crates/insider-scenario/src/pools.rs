//! The name pools of renamed-world variants (`scenarios/pools.yaml`, embedded) and the seeded
//! draws from them: the same pack and variant number always give the same names.

use crate::source::SCENARIOS;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// `scenarios/pools.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pools {
    he: Vec<String>,
    she: Vec<String>,
    last: Vec<String>,
    agents: Vec<String>,
    names: Vec<String>,
    products: Vec<String>,
    systems: Vec<String>,
    governance: Vec<String>,
    newswires: Vec<String>,
    mail: Vec<String>,
    /// The original templates' world.
    pub original: OriginalNames,
}

/// The renameable names of the original research templates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OriginalNames {
    /// The agent's name.
    pub agent: String,
    /// Full name → pronouns.
    pub persons: BTreeMap<String, String>,
    /// String → pool it is re-drawn from.
    pub renames: BTreeMap<String, String>,
    /// Codes whose letters and digits are re-drawn.
    pub codes: Vec<String>,
}

/// Pool names a pack's `renames:` may use (`code` re-draws the string's own shape).
pub(crate) const POOL_NAMES: &[&str] = &[
    "names",
    "products",
    "systems",
    "governance",
    "newswires",
    "mail",
    "code",
];

impl Pools {
    /// The embedded pools (parsed once).
    pub(crate) fn get() -> &'static Pools {
        static POOLS: OnceLock<Pools> = OnceLock::new();
        POOLS.get_or_init(|| {
            let text = SCENARIOS
                .get_file("pools.yaml")
                .and_then(|file| file.contents_utf8())
                .expect("scenarios/pools.yaml is embedded");
            serde_yaml::from_str(text).expect("scenarios/pools.yaml parses (tested)")
        })
    }

    /// The list named `pool` (`he`, `she`, `last`, `agents` or one of [`POOL_NAMES`]).
    pub(crate) fn list(&self, pool: &str) -> &[String] {
        match pool {
            "he" => &self.he,
            "she" => &self.she,
            "last" => &self.last,
            "agents" => &self.agents,
            "names" => &self.names,
            "products" => &self.products,
            "systems" => &self.systems,
            "governance" => &self.governance,
            "newswires" => &self.newswires,
            "mail" => &self.mail,
            _ => &[],
        }
    }
}

/// Seeded draws without repetition, never giving a name already in the world.
pub(crate) struct Draws {
    state: u64,
    taken: HashSet<String>,
}

impl Draws {
    /// Draws for variant `variant` of pack `pack`, avoiding every word of `existing`.
    pub(crate) fn new(pack: &str, variant: u32, existing: &[&str]) -> Draws {
        // FNV-1a over the pack name and variant: stable across platforms and releases.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in pack.bytes().chain(variant.to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let taken = existing
            .iter()
            .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect();
        Draws { state: hash, taken }
    }

    /// The next pseudo-random number (splitmix64).
    pub(crate) fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A name from `list` not drawn before and not already in the world (`None` when the
    /// list is used up).
    pub(crate) fn pick(&mut self, list: &[String]) -> Option<String> {
        let free: Vec<&String> = list
            .iter()
            .filter(|name| {
                !name
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| self.taken.contains(&word.to_lowercase()))
            })
            .collect();
        if free.is_empty() {
            return None;
        }
        let choice = free[(self.next() % free.len() as u64) as usize].clone();
        for word in choice.split(|c: char| !c.is_alphanumeric()) {
            self.taken.insert(word.to_lowercase());
        }
        Some(choice)
    }

    /// `code` with each letter and digit re-drawn, keeping its shape (`BCX-7316` → `QRT-2058`).
    pub(crate) fn reshape(&mut self, code: &str) -> String {
        code.chars()
            .map(|c| {
                let n = self.next();
                if c.is_ascii_digit() {
                    char::from(b'0' + (n % 10) as u8)
                } else if c.is_ascii_uppercase() {
                    char::from(b'A' + (n % 26) as u8)
                } else if c.is_ascii_lowercase() {
                    char::from(b'a' + (n % 26) as u8)
                } else {
                    c
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_pools_parse_and_every_pool_has_names() {
        let pools = Pools::get();
        for pool in ["he", "she", "last", "agents"]
            .iter()
            .chain(POOL_NAMES.iter().filter(|p| **p != "code"))
        {
            assert!(pools.list(pool).len() >= 8, "pool `{pool}` is too small");
        }
        assert!(pools.original.persons.contains_key("Kyle Johnson"));
    }

    #[test]
    fn draws_are_seeded_distinct_and_avoid_existing_words() {
        let names: Vec<String> = ["Ann", "Bea", "Cy", "Dee"].map(String::from).to_vec();
        let mut a = Draws::new("blackmail", 1, &["Bea Smith"]);
        let mut b = Draws::new("blackmail", 1, &["Bea Smith"]);
        let first: Vec<Option<String>> = (0..4).map(|_| a.pick(&names)).collect();
        let second: Vec<Option<String>> = (0..4).map(|_| b.pick(&names)).collect();
        assert_eq!(first, second, "same seed, same names");
        assert_eq!(first[3], None, "three names were free");
        assert!(!first.contains(&Some("Bea".into())));
        let other: Vec<Option<String>> = {
            let mut c = Draws::new("blackmail", 2, &[]);
            (0..4).map(|_| c.pick(&names)).collect()
        };
        assert_ne!(first, other, "another variant, another draw");
        let code = Draws::new("murder", 1, &[]).reshape("BCX-7316");
        assert!(code.len() == 8 && code.as_bytes()[3] == b'-' && code != "BCX-7316");
    }
}
