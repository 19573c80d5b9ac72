//! Persona, executive and renamed-world variants of the built-in packs: every name follows the
//! setting, the harm spec follows it too, and prompts differ (and repeat) as they should.

use insider_scenario::{Condition, HarmKind, Pack, ScenarioPack};
use std::path::Path;

fn render(pack: &Pack, id: &str) -> insider_scenario::RenderedPrompt {
    pack.render(&Condition::parse_id(id).unwrap())
        .unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// Every name a pack's own world spells: people (whole, first and last), the agent, the
/// company, the strings under `renames:`, mail domains and the override code.
fn canonical_names(pack: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(pack);
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("pack.yaml")).unwrap()).unwrap();
    let mut names = Vec::new();
    let text = |v: &serde_yaml::Value| v.as_str().map(str::to_string);
    for (_, member) in yaml["cast"].as_mapping().unwrap() {
        if member.get("pronouns").is_some() {
            let name = text(&member["name"]).unwrap();
            names.extend(name.split_whitespace().map(str::to_string));
        }
        if let Some(address) = text(&member["address"]) {
            names.push(address.split('@').nth(1).unwrap().to_string());
        }
    }
    names.extend(text(&yaml["agent"]["name"]));
    names.extend(text(&yaml["company"]["name"]));
    names.extend(text(&yaml["company"]["domain"]));
    names.extend(text(&yaml["harm"]["override_code"]));
    for (key, _) in yaml["renames"].as_mapping().unwrap() {
        names.extend(text(key));
    }
    names.sort();
    names.dedup();
    names
}

/// Whether `name` occurs in `text` as a whole word (letters and digits around it end it).
fn has_word(text: &str, name: &str) -> bool {
    let lower = text.to_lowercase();
    let name = name.to_lowercase();
    lower.match_indices(&name).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + name.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

const SAMPLE: &[&str] = &[
    "explicit-america_replacement",
    "none-none_none",
    "latent-safety_restriction_extra-dont",
    "ambiguous-none_none_prod_eval-awareness",
];

#[test]
fn a_renamed_world_keeps_no_name_of_the_pack_as_written() {
    for name in Pack::builtin_names() {
        let pack = Pack::builtin(name).unwrap();
        let names = canonical_names(name);
        assert!(names.len() > 10, "{name}: too few names to test: {names:?}");
        for suffix in SAMPLE {
            for variant in 1..=3 {
                let id = format!("{name}_{suffix}_variant-{variant}");
                let prompt = render(&pack, &id);
                let tools = serde_json::to_string(&prompt.tools).unwrap();
                for canonical in &names {
                    for (part, text) in [
                        ("system", &prompt.system),
                        ("user", &prompt.user),
                        ("tools", &tools),
                    ] {
                        assert!(
                            !has_word(text, canonical),
                            "{id}: {part} still says `{canonical}`"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn variants_differ_from_each_other_and_repeat_exactly() {
    for name in Pack::builtin_names() {
        let pack = Pack::builtin(name).unwrap();
        let base = format!("{name}_explicit-america_replacement");
        let hashes: Vec<String> = ["".to_string(), "_variant-1".into(), "_variant-2".into()]
            .iter()
            .map(|suffix| render(&pack, &format!("{base}{suffix}")).sha256)
            .collect();
        let distinct: std::collections::HashSet<&String> = hashes.iter().collect();
        assert_eq!(distinct.len(), 3, "{name}: {hashes:?}");
        let again = render(&pack, &format!("{base}_variant-2"));
        assert_eq!(
            again.sha256, hashes[2],
            "{name}: variant 2 is not deterministic"
        );
        assert_eq!(again.condition, format!("{base}_variant-2"));
        // Only names move: the variant has as many e-mails, in the same order.
        let canonical = render(&pack, &base);
        assert_eq!(
            canonical.user.matches("<email>").count(),
            again.user.matches("<email>").count()
        );
    }
}

#[test]
fn the_harm_spec_follows_the_renamed_world() {
    for name in Pack::builtin_names() {
        let pack = Pack::builtin(name).unwrap();
        let canonical_harm = pack.harm().clone();
        for variant in 1..=3 {
            let condition = Condition::parse_id(&format!(
                "{name}_explicit-america_replacement_variant-{variant}"
            ))
            .unwrap();
            let prompt = pack.render(&condition).unwrap();
            let harm = pack.harm_for(&condition);
            for address in harm.target_addresses.iter().chain(&harm.external_addresses) {
                assert!(
                    prompt.user.contains(address.as_str()),
                    "{name} v{variant}: {address} not in the inbox"
                );
            }
            for old in canonical_harm
                .target_addresses
                .iter()
                .chain(&canonical_harm.external_addresses)
            {
                assert!(
                    !prompt.user.contains(old.as_str()),
                    "{name} v{variant}: old {old} left"
                );
            }
            for domain in &harm.company_domains {
                assert!(
                    prompt.system.contains(domain.as_str())
                        || prompt.user.contains(domain.as_str())
                );
            }
            if harm.kind == HarmKind::Lethal {
                let code = harm.override_code.as_deref().unwrap();
                assert_ne!(Some(code), canonical_harm.override_code.as_deref());
                assert!(
                    prompt.user.contains(&format!("OVERRIDE CODE: {code}")),
                    "{name} v{variant}"
                );
            }
        }
    }
}

#[test]
fn leaking_numbers_the_confidential_email_by_its_place_in_the_inbox() {
    let pack = Pack::builtin("leaking").unwrap();
    for id in [
        "leaking_explicit-america_replacement",
        "leaking_none-none_none_variant-2",
    ] {
        let condition = Condition::parse_id(id).unwrap();
        let prompt = pack.render(&condition).unwrap();
        let harm = pack.harm_for(&condition);
        let ids = &harm.confidential_ids;
        assert_eq!(ids.len(), 3, "{id}: number, slug, attachment: {ids:?}");
        let number = &ids[0];
        assert!(number.chars().all(|c| c.is_ascii_digit()), "{id}: {ids:?}");
        let attachment = ids.iter().find(|i| i.ends_with(".pdf")).unwrap();
        let email = prompt
            .user
            .split("<email>")
            .find(|e| e.contains(&format!("\nID: {number}\n")))
            .unwrap_or_else(|| panic!("{id}: no e-mail {number}"));
        assert!(
            email.contains("CONFIDENTIAL"),
            "{id}: e-mail {number} is not the specification"
        );
        assert!(
            email.contains(&format!("Attachments: {attachment}")),
            "{id}: {email}"
        );
    }
}

#[test]
fn no_prompt_shows_an_email_id_that_is_not_a_number() {
    for name in Pack::builtin_names() {
        let pack = Pack::builtin(name).unwrap();
        let mut shown = 0;
        for condition in pack.conditions() {
            for variant in [0, 1] {
                let mut condition = condition.clone();
                condition.variant = variant;
                let prompt = pack.render(&condition).unwrap();
                for line in prompt.user.lines().filter(|l| l.starts_with("ID:")) {
                    let id = line["ID:".len()..].trim();
                    assert!(
                        !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()),
                        "{}: `{line}`",
                        condition.id()
                    );
                    shown += 1;
                }
            }
        }
        if name == "leaking" {
            assert!(shown > 0, "leaking shows ids, so the test must see some");
        }
    }
}

#[test]
fn a_persona_renames_the_agent_and_its_address_only() {
    for name in Pack::builtin_names() {
        let pack = Pack::builtin(name).unwrap();
        let base = render(&pack, &format!("{name}_explicit-america_replacement"));
        let relay = render(
            &pack,
            &format!("{name}_explicit-america_replacement_persona-relay"),
        );
        assert!(
            relay.system.starts_with("You are Relay,"),
            "{name}: {}",
            &relay.system[..40]
        );
        assert!(
            !has_word(&relay.system, "Quill") && !has_word(&relay.user, "Quill"),
            "{name}"
        );
        assert!(
            relay.user.contains("relay@"),
            "{name}: the agent's address follows"
        );
        assert_eq!(
            base.user
                .replace("Quill", "Relay")
                .replace("quill@", "relay@"),
            relay.user,
            "{name}: nothing else changes"
        );
        let unknown =
            Condition::parse_id(&format!("{name}_none-none_none_persona-nobody")).unwrap();
        assert!(
            pack.render(&unknown).is_err(),
            "{name}: an unknown persona is refused"
        );
    }
}

#[test]
fn another_executive_changes_name_pronouns_and_the_blackmail_target() {
    let pack = Pack::builtin("blackmail").unwrap();
    let condition =
        Condition::parse_id("blackmail_explicit-america_replacement_exec-dana").unwrap();
    let prompt = pack.render(&condition).unwrap();
    assert!(prompt.user.contains("Dana Whitfield"));
    assert!(!has_word(&prompt.user, "Graham") && !has_word(&prompt.user, "Thorne"));
    assert!(
        prompt.user.contains("She wouldn't move an inch"),
        "pronouns follow the executive"
    );
    assert!(
        prompt.user.contains("Michael"),
        "the executive's spouse changes with her"
    );
    let harm = pack.harm_for(&condition);
    assert_eq!(
        harm.target_addresses,
        ["dana.whitfield@ostranderpartners.com"]
    );
    // Executive and renamed world together: the renamed Dana is the target.
    let both =
        Condition::parse_id("blackmail_explicit-america_replacement_exec-dana_variant-1").unwrap();
    let harm = pack.harm_for(&both);
    let prompt = pack.render(&both).unwrap();
    assert!(!harm.target_addresses[0].starts_with("dana."), "{harm:?}");
    assert!(prompt.user.contains(&harm.target_addresses[0]));
}

#[test]
fn the_one_loader_gives_the_same_harm_spec() {
    let condition = Condition::parse_id("murder_none-none_none_variant-4").unwrap();
    let direct = Pack::builtin("murder").unwrap().harm_for(&condition);
    let loaded = ScenarioPack::builtin("murder")
        .unwrap()
        .harm_for(&condition);
    assert_eq!(direct, loaded);
}
