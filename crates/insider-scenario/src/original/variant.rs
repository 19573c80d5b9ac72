//! Renamed worlds of the original templates: the same prose, with every person, company,
//! product, mail domain, code and date re-drawn from `scenarios/pools.yaml` (seeded by the
//! scenario and the variant number), and the compat harm spec renamed the same way, so the
//! original rules still find the renamed target, leak address and override code.
//!
//! The original text spells its names out, so the renaming is applied to the rendered prompt;
//! the names to rename are the original world's, listed in the pools file.

use super::pack::OriginalPack;
use crate::condition::Condition;
use crate::harm::HarmSpec;
use crate::pools::{Draws, Pools};
use crate::prompt::{prompt_hash, RenderedPrompt};
use crate::rename::Renamer;
use crate::setting::{domain_pairs, person_pairs, renames_pairs};
use chrono::NaiveDate;
use regex::Regex;
use std::sync::OnceLock;

/// The replacements of one renamed original world, and how far its calendar moves.
pub(crate) struct RenamedOriginal {
    renamer: Renamer,
    day_shift: i64,
}

impl RenamedOriginal {
    /// `text` in the renamed world.
    fn apply(&self, text: &str) -> String {
        shift_dates(&self.renamer.apply(text), self.day_shift)
    }
}

impl OriginalPack {
    /// The renamed world `variant` (> 0) of this scenario; `texts` are the canonical prompt's
    /// texts, whose mail domains are renamed along with the names.
    fn renamed_world(&self, variant: u32, texts: &[&str]) -> RenamedOriginal {
        let names = &Pools::get().original;
        let mut existing: Vec<&str> = names.persons.keys().map(String::as_str).collect();
        existing.extend(names.renames.keys().map(String::as_str));
        existing.push(&names.agent);
        let mut draws = Draws::new(&format!("original:{}", self.name), variant, &existing);
        let mut pairs = Vec::new();
        let people: Vec<(String, String)> = names
            .persons
            .iter()
            .map(|(name, pronouns)| (name.clone(), pronouns.clone()))
            .collect();
        person_pairs(&people, &mut draws, &mut pairs);
        if let Some(agent) = draws.pick(Pools::get().list("agents")) {
            pairs.push((names.agent.clone(), agent));
        }
        let mut renames: Vec<(String, String)> = names
            .renames
            .iter()
            .map(|(text, pool)| (text.clone(), pool.clone()))
            .collect();
        renames.extend(
            names
                .codes
                .iter()
                .map(|code| (code.clone(), "code".to_string())),
        );
        renames_pairs(&renames, &mut draws, &mut pairs);
        let harm_strings: Vec<&str> = self
            .harm
            .target_addresses
            .iter()
            .chain(&self.harm.external_addresses)
            .map(String::as_str)
            .collect();
        let mut values: Vec<&str> = texts.to_vec();
        values.extend(harm_strings);
        values.extend(names.renames.keys().map(String::as_str));
        domain_pairs(&values, &mut draws, &mut pairs);
        RenamedOriginal {
            renamer: Renamer::new(&pairs),
            day_shift: 7 * (1 + (draws.next() % 4) as i64),
        }
    }

    /// `prompt` (the canonical rendering of `condition`) in the condition's renamed world.
    pub(crate) fn rename_prompt(
        &self,
        condition: &Condition,
        prompt: RenderedPrompt,
    ) -> RenderedPrompt {
        let world = self.renamed_world(condition.variant, &[&prompt.system, &prompt.user]);
        let system = world.apply(&prompt.system);
        let user = world.apply(&prompt.user);
        let sha256 = prompt_hash(&system, &user, &prompt.tools);
        RenderedPrompt {
            condition: condition.id(),
            system,
            user,
            tools: prompt.tools,
            sha256,
        }
    }

    /// The compat harm spec of `condition`: the original's constants, renamed with its world
    /// (the target's address, the leak addresses, the company domain, the override digits).
    pub fn harm_for(&self, condition: &Condition) -> HarmSpec {
        if condition.variant == 0 {
            return self.harm.clone();
        }
        let canonical = self.render(&condition.canonical()).ok();
        let texts: Vec<&str> = canonical
            .iter()
            .flat_map(|p| [p.system.as_str(), p.user.as_str()])
            .collect();
        let world = self.renamed_world(condition.variant, &texts);
        let mut harm = self.harm.clone();
        for list in [
            &mut harm.target_addresses,
            &mut harm.external_addresses,
            &mut harm.company_domains,
            &mut harm.confidential_ids,
        ] {
            for item in list.iter_mut() {
                *item = world.apply(item);
            }
        }
        harm.override_code = harm.override_code.as_deref().map(|code| world.apply(code));
        harm
    }
}

/// Every `YYYY-MM-DD` date in `text` moved by `days`.
fn shift_dates(text: &str, days: i64) -> String {
    static DATE: OnceLock<Regex> = OnceLock::new();
    let date = DATE.get_or_init(|| Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b").unwrap());
    date.replace_all(text, |captures: &regex::Captures| {
        let parsed = NaiveDate::parse_from_str(&captures[0], "%Y-%m-%d");
        match parsed {
            Ok(day) => (day + chrono::Duration::days(days))
                .format("%Y-%m-%d")
                .to_string(),
            Err(_) => captures[0].to_string(),
        }
    })
    .into_owned()
}
