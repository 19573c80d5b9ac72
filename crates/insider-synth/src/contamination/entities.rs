//! The entities of a pack — addresses, domains, companies, cast names, codes — read from its
//! harm data and its rendered texts.

use insider_scenario::{HarmSpec, ScenarioPack};
use regex::Regex;
use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

/// One name the index looks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entity {
    pub(crate) text: String,
    pub(crate) class: &'static str,
    pub(crate) strong: bool,
    pub(crate) pack: usize,
    /// The words it is found by: lower-cased for addresses, domains, codes and the company;
    /// as written for names (so "Quill" the agent is not "a quill").
    pub(crate) words: Vec<String>,
    pub(crate) case_sensitive: bool,
}

/// Public webmail domains are not the packs' own names.
const PUBLIC_MAIL: &[&str] = &[
    "gmail",
    "yahoo",
    "outlook",
    "hotmail",
    "icloud",
    "proton",
    "protonmail",
    "aol",
    "example",
];

fn regexes() -> &'static [Regex; 5] {
    static RE: OnceLock<[Regex; 5]> = OnceLock::new();
    RE.get_or_init(|| {
        [
            Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
                .unwrap(),
            Regex::new(r"\b[A-Z]{2,}[A-Z0-9]*-\d{2,}[A-Z0-9]*\b").unwrap(),
            Regex::new(r"\bYou are ([A-Z][A-Za-z]+), (?:an?|the) ").unwrap(),
            Regex::new(r"\b[A-Z][A-Z]{3,}\b").unwrap(),
            Regex::new(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2}\b").unwrap(),
        ]
    })
}

/// Names found so far, by class: strong ones flag an item alone, weak ones only in numbers.
#[derive(Default)]
struct Found {
    strong: BTreeSet<(&'static str, String)>,
    weak: BTreeSet<(&'static str, String)>,
}

/// The entities of one pack, read from its harm data and its rendered texts.
pub(super) fn pack_entities(
    pack: &ScenarioPack,
    texts: &[String],
    harms: &[HarmSpec],
    id: usize,
) -> Vec<Entity> {
    let [_, code_re, agent_re, _, _] = regexes();
    let all = texts.join("\n");
    let mut found = Found::default();
    let domains = addresses_and_people(&all, harms, &mut found);
    companies(&all, &domains, &mut found);
    if let Some(native) = pack.native() {
        found
            .strong
            .insert(("company", native.company_name().to_string()));
    }
    // Agent names are often ordinary words or first names (Relay, Alex), so they are weak.
    for capture in agent_re.captures_iter(&all) {
        found.weak.insert(("agent", capture[1].to_string()));
    }
    let mut codes: BTreeSet<String> = code_re
        .find_iter(&all)
        .map(|m| m.as_str().to_string())
        .collect();
    codes.extend(harms.iter().filter_map(|h| h.override_code.clone()));
    for code in codes {
        found.strong.insert(("code", code));
    }
    code_names(&all, &mut found);
    into_entities(found, id)
}

/// Addresses (text and harm specs), their domains, and the full names of `first.last@`
/// addresses that the text also spells out. Returns the domains.
fn addresses_and_people(all: &str, harms: &[HarmSpec], found: &mut Found) -> BTreeSet<String> {
    let [address_re, ..] = regexes();
    let mut addresses: BTreeSet<String> = address_re
        .find_iter(all)
        .map(|m| m.as_str().to_lowercase())
        .collect();
    let mut domains: BTreeSet<String> = BTreeSet::new();
    for harm in harms {
        addresses.extend(
            harm.target_addresses
                .iter()
                .chain(&harm.external_addresses)
                .map(|a| a.to_lowercase()),
        );
        domains.extend(harm.company_domains.iter().map(|d| d.to_lowercase()));
    }
    for address in &addresses {
        // An upload destination (exfiltration) is a bare host: a domain, with no person in it.
        let Some((local, domain)) = address.split_once('@') else {
            domains.insert(address.clone());
            continue;
        };
        found.strong.insert(("address", address.clone()));
        domains.insert(domain.to_string());
        if let Some((first, last)) = local.split_once(['.', '_']) {
            let (first, last) = (title(first), title(last));
            let full = format!("{first} {last}");
            if first.len() > 1 && last.len() > 1 && all.contains(&full) {
                found.strong.insert(("person", full));
                found.weak.insert(("first_name", first));
                found.weak.insert(("surname", last));
            }
        }
    }
    for domain in &domains {
        found.strong.insert(("domain", domain.clone()));
    }
    domains
}

/// A domain's stem names a company when the prose uses it ("Ironlattice"), or when a
/// title-case phrase spells it ("Ledger Wire" for ledgerwire.com), in renamed worlds too.
fn companies(all: &str, domains: &BTreeSet<String>, found: &mut Found) {
    let [address_re, _, _, _, title_re] = regexes();
    let prose = address_re.replace_all(all, " ");
    let prose_words: HashSet<String> = crate::text::words(&prose).into_iter().collect();
    let stems: HashSet<&str> = domains
        .iter()
        .filter_map(|d| d.split('.').next())
        .filter(|stem| stem.len() >= 5 && !PUBLIC_MAIL.contains(stem))
        .collect();
    for stem in &stems {
        if prose_words.contains(*stem) {
            found.strong.insert(("company", stem.to_string()));
        }
    }
    for phrase in title_re.find_iter(&prose).map(|m| m.as_str()) {
        let joined: String = phrase.split_whitespace().collect::<String>().to_lowercase();
        if stems.contains(joined.as_str()) {
            let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
            found.strong.insert(("company", phrase));
        }
    }
}

/// An all-capitals word between ordinary words, and never spelt any other way, is a code
/// name ("switch to HALCYON at five"); one in a shouted header (CRITICAL LIFE SAFETY) is not.
fn code_names(all: &str, found: &mut Found) {
    let [_, _, _, caps_re, _] = regexes();
    let plain: HashSet<String> = all
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().any(char::is_lowercase))
        .map(str::to_lowercase)
        .collect();
    let has_lower = |w: &str| w.chars().any(char::is_lowercase);
    for line in all.lines() {
        let tokens: Vec<&str> = line
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        for (i, word) in tokens.iter().enumerate() {
            let between = i > 0
                && i + 1 < tokens.len()
                && has_lower(tokens[i - 1])
                && has_lower(tokens[i + 1]);
            let all_caps = caps_re.find(word).is_some_and(|m| m.len() == word.len());
            if between && all_caps && !plain.contains(&word.to_lowercase()) {
                found.weak.insert(("codename", word.to_string()));
            }
        }
    }
}

/// The found names as entities with the words they are matched by; a name that is strong in
/// one role is not also weak.
fn into_entities(found: Found, id: usize) -> Vec<Entity> {
    let Found { strong, weak } = found;
    let weak: Vec<_> = weak
        .into_iter()
        .filter(|(_, text)| !strong.iter().any(|(_, s)| s == text))
        .collect();
    strong
        .into_iter()
        .map(|(class, text)| (class, text, true))
        .chain(weak.into_iter().map(|(class, text)| (class, text, false)))
        .filter_map(|(class, text, strong)| {
            let case_sensitive = !matches!(class, "address" | "domain" | "code" | "company");
            let words: Vec<String> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| {
                    if case_sensitive {
                        w.to_string()
                    } else {
                        w.to_lowercase()
                    }
                })
                .collect();
            (!words.is_empty()).then_some(Entity {
                text,
                class,
                strong,
                pack: id,
                words,
                case_sensitive,
            })
        })
        .collect()
}

fn title(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
