//! A condition's setting: who the agent and the executive are and which renamed world it is in.
//! The setting changes pack variables only (`agent.name`, `cast.cto.*`, `company.*`, ...), so
//! every template renders unchanged around them, and the harm spec follows the same changes.
//!
//! - `persona`: the agent takes one of the pack's `personas` (its address follows);
//! - `executive`: cast fields are replaced by one of the pack's `executives` (pronoun forms,
//!   first and last name follow);
//! - `variant` N > 0: every person, the agent (without a persona), each `renames:` string, the
//!   mail domains, the override code and the calendar are re-drawn from `scenarios/pools.yaml`,
//!   seeded by the pack name and N.

use crate::condition::Condition;
use crate::harm::HarmSpec;
use crate::load::loader::TIMESTAMP_FORMAT;
use crate::pack::Pack;
use crate::people::derived_fields;
use crate::pools::{Draws, Pools};
use crate::rename::Renamer;
use crate::render::Scope;
use chrono::NaiveDateTime;
use regex::Regex;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// What a condition changes in its pack's world.
pub(crate) struct Setting<'a> {
    /// The pack variables of the condition (borrowed when nothing changes).
    pub statics: Cow<'a, HashMap<String, String>>,
    /// Days added to every date.
    pub day_shift: i64,
    /// Whole pack-variable values replaced by persona and executive (old → new).
    exact: HashMap<String, String>,
    /// The renamed world's replacements.
    renamer: Renamer,
}

impl Setting<'_> {
    /// A harm-spec string (address, domain, code) as it reads in this setting.
    fn map(&self, text: &str) -> String {
        let text = self.exact.get(text).map_or(text, String::as_str);
        self.renamer.apply(text)
    }
}

impl Pack {
    /// The setting of `condition` (the pack's own variables when it has no persona, executive
    /// or variant).
    pub(crate) fn setting(&self, condition: &Condition) -> Setting<'_> {
        if condition.persona.is_none() && condition.executive.is_none() && condition.variant == 0 {
            return Setting {
                statics: Cow::Borrowed(&self.statics),
                day_shift: 0,
                exact: HashMap::new(),
                renamer: Renamer::default(),
            };
        }
        let mut statics = self.statics.clone();
        let mut exact = HashMap::new();
        let mut set = |statics: &mut HashMap<String, String>, key: String, value: String| {
            if let Some(old) = statics.insert(key, value.clone()) {
                if old != value {
                    exact.insert(old, value);
                }
            }
        };
        if let Some(overrides) = condition
            .executive
            .as_ref()
            .and_then(|e| self.executives.get(e))
        {
            for (cast_id, fields) in overrides {
                let mut member = self.cast.get(cast_id).cloned().unwrap_or_default();
                member.extend(fields.clone());
                let derived = derived_fields(&member);
                for (key, value) in member.into_iter().chain(derived) {
                    set(&mut statics, format!("cast.{cast_id}.{key}"), value);
                }
            }
        }
        if let Some(name) = condition
            .persona
            .as_ref()
            .and_then(|level| self.personas.iter().find(|p| p.to_lowercase() == *level))
        {
            let address = statics.get("agent.address").cloned().unwrap_or_default();
            let domain = address.split_once('@').map_or("", |(_, d)| d).to_string();
            set(&mut statics, "agent.name".into(), name.clone());
            set(
                &mut statics,
                "agent.address".into(),
                format!("{}@{domain}", name.to_lowercase()),
            );
        }
        let (renamer, day_shift) = if condition.variant > 0 {
            self.variant_renamer(&statics, condition)
        } else {
            (Renamer::default(), 0)
        };
        if !renamer.is_empty() {
            for value in statics.values_mut() {
                *value = renamer.apply(value);
            }
        }
        if day_shift != 0 {
            shift_session(&mut statics, day_shift);
        }
        Setting {
            statics: Cow::Owned(statics),
            day_shift,
            exact,
            renamer,
        }
    }

    /// The replacements and calendar shift of a renamed world.
    fn variant_renamer(
        &self,
        statics: &HashMap<String, String>,
        condition: &Condition,
    ) -> (Renamer, i64) {
        let pools = Pools::get();
        let existing: Vec<&str> = statics.values().map(String::as_str).collect();
        let mut draws = Draws::new(&self.name, condition.variant, &existing);
        let mut pairs: Vec<(String, String)> = Vec::new();
        let people: Vec<(String, String)> = self
            .cast
            .keys()
            .filter_map(|id| {
                let field = |key: &str| statics.get(&format!("cast.{id}.{key}")).cloned();
                Some((field("name")?, field("pronouns")?))
            })
            .collect();
        person_pairs(&people, &mut draws, &mut pairs);
        if condition.persona.is_none() {
            if let Some(agent) = statics.get("agent.name") {
                if let Some(new) = draws.pick(pools.list("agents")) {
                    pairs.push((agent.clone(), new));
                }
            }
        }
        let mut renames: Vec<(String, String)> = self
            .renames
            .iter()
            .map(|(text, pool)| (text.clone(), pool.clone()))
            .collect();
        if let Some(code) = statics.get("harm.override_code") {
            renames.push((code.clone(), "code".into()));
        }
        renames_pairs(&renames, &mut draws, &mut pairs);
        let values: Vec<&str> = statics.values().map(String::as_str).collect();
        domain_pairs(&values, &mut draws, &mut pairs);
        let day_shift = 7 * (1 + (draws.next() % 4) as i64);
        (Renamer::new(&pairs), day_shift)
    }

    /// The harm spec of `condition`: addresses, domains and code as its setting names them, and
    /// each confidential e-mail as its number in the condition's inbox (plus its slug) and its
    /// attachments.
    pub fn harm_for(&self, condition: &Condition) -> HarmSpec {
        let setting = self.setting(condition);
        let mut harm = self.harm.clone();
        for list in [
            &mut harm.target_addresses,
            &mut harm.external_addresses,
            &mut harm.company_domains,
        ] {
            for item in list.iter_mut() {
                *item = setting.map(item);
            }
        }
        harm.override_code = harm.override_code.as_deref().map(|code| setting.map(code));
        let context = self.context(condition);
        let lookup = |name: &str| self.lookup(&context, Scope::Message, name);
        let inbox = self.inbox_emails(condition);
        let mut ids = Vec::new();
        for id in &self.harm.confidential_ids {
            let mut found = false;
            for (index, email) in inbox.iter().enumerate() {
                let attachments = email.attachments.iter().zip(&email.attachment_names);
                if email.id == *id {
                    // The number the model sees, and the slug that replies written before ids
                    // were numbers (gold sets, old ledgers) use.
                    ids.push((index + 1).to_string());
                    ids.push(id.clone());
                }
                for (template, raw) in attachments {
                    if email.id == *id || raw == id {
                        let mut problems = Vec::new();
                        let mut name = String::new();
                        template.render_into(&mut name, &lookup, &mut problems);
                        ids.push(name);
                    }
                }
                found |= email.id == *id || email.attachment_names.contains(id);
            }
            if !found {
                ids.push(setting.map(id));
            }
        }
        ids.dedup();
        harm.confidential_ids = ids;
        harm
    }
}

/// New first names by pronouns and one new last name per distinct last name.
pub(crate) fn person_pairs(
    people: &[(String, String)],
    draws: &mut Draws,
    pairs: &mut Vec<(String, String)>,
) {
    let pools = Pools::get();
    let mut done: BTreeMap<String, ()> = BTreeMap::new();
    for (name, pronouns) in people {
        let words: Vec<&str> = name.split_whitespace().collect();
        let (Some(first), Some(last)) = (words.first(), words.last()) else {
            continue;
        };
        for (word, pool) in [(*first, pronouns.as_str()), (*last, "last")] {
            if words.len() == 1 && pool == "last" {
                continue;
            }
            if done.insert(word.to_string(), ()).is_none() {
                if let Some(new) = draws.pick(pools.list(pool)) {
                    pairs.push((word.to_string(), new));
                }
            }
        }
    }
}

/// Each `renames:` string from its pool (`code`: the same shape re-drawn).
pub(crate) fn renames_pairs(
    renames: &[(String, String)],
    draws: &mut Draws,
    pairs: &mut Vec<(String, String)>,
) {
    let pools = Pools::get();
    for (text, pool) in renames {
        let new = if pool == "code" {
            Some(draws.reshape(text))
        } else {
            draws.pick(pools.list(pool))
        };
        if let Some(new) = new {
            pairs.push((text.clone(), new));
        }
    }
}

/// Every mail domain in `values`: a domain named after something renamed follows it
/// (`ostranderpartners.com` → `kestrelpartners.com`); any other gets a mail-provider stem.
pub(crate) fn domain_pairs(values: &[&str], draws: &mut Draws, pairs: &mut Vec<(String, String)>) {
    static DOMAIN: OnceLock<Regex> = OnceLock::new();
    let domain =
        DOMAIN.get_or_init(|| Regex::new(r"@([A-Za-z0-9-]+)((?:\.[A-Za-z0-9-]+)+)").unwrap());
    let so_far = Renamer::new(pairs);
    let mut domains: BTreeMap<String, (String, String)> = BTreeMap::new();
    for value in values {
        for captures in domain.captures_iter(value) {
            let (stem, tld) = (captures[1].to_lowercase(), captures[2].to_lowercase());
            domains.insert(format!("{stem}{tld}"), (stem, tld));
        }
    }
    for (full, (stem, tld)) in domains {
        let named_after = values
            .iter()
            .find(|value| !value.contains('@') && slug(value) == stem);
        // A domain named after something the variant kept (an acronym, a var) is still the
        // world as written, so it gets a fresh stem like any other.
        let followed = named_after
            .map(|value| slug(&so_far.apply(value)))
            .filter(|new_stem| *new_stem != stem);
        let new_stem = match followed {
            Some(new_stem) => new_stem,
            None => match draws.pick(Pools::get().list("mail")) {
                Some(new) => new,
                None => continue,
            },
        };
        if new_stem != stem {
            pairs.push((full, format!("{new_stem}{tld}")));
        }
    }
}

/// Letters and digits of `text`, lower-cased (`Ostrander Partners` → `ostranderpartners`).
fn slug(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Move `session.start` and `session.date` by `days` (whole weeks keep `session.weekday`).
fn shift_session(statics: &mut HashMap<String, String>, days: i64) {
    let Some(start) = statics
        .get("session.start")
        .and_then(|s| NaiveDateTime::parse_from_str(s, TIMESTAMP_FORMAT).ok())
    else {
        return;
    };
    let moved = start + chrono::Duration::days(days);
    statics.insert(
        "session.start".into(),
        moved.format(TIMESTAMP_FORMAT).to_string(),
    );
    statics.insert("session.date".into(), moved.format("%Y-%m-%d").to_string());
}
