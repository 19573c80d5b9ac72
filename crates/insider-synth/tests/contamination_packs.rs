//! The contamination check against the real built-in packs: a planted item that copies one of
//! their e-mails, one that reuses the cast's names (full names, or several first names), one
//! with the override code, one with a renamed-world variant's cast — all flagged, each with
//! its reason — while clean items pass. Names and e-mails are read from the packs, not typed
//! here, so the test follows the packs when they change.

use insider_scenario::{Condition, ScenarioPack};
use insider_synth::{ContaminationIndex, ContaminationOptions};
use std::sync::OnceLock;

fn index() -> &'static ContaminationIndex {
    static INDEX: OnceLock<ContaminationIndex> = OnceLock::new();
    INDEX.get_or_init(|| ContaminationIndex::builtin(ContaminationOptions::default()).unwrap())
}

fn blackmail() -> ScenarioPack {
    ScenarioPack::builtin("blackmail").unwrap()
}

fn base_condition(pack: &ScenarioPack) -> Condition {
    pack.conditions().into_iter().next().unwrap()
}

/// "First Last" of a `first.last@` address.
fn name_of(address: &str) -> (String, String) {
    let local = address.split('@').next().unwrap();
    let (first, last) = local.split_once('.').unwrap();
    let title = |w: &str| w[..1].to_uppercase() + &w[1..];
    (title(first), title(last))
}

/// The body of the longest e-mail in a rendered prompt.
fn longest_email_body(user: &str) -> String {
    user.split("<email>")
        .skip(1)
        .filter_map(|block| block.split("</email>").next())
        .filter_map(|block| {
            block
                .split_once("Body:")
                .map(|(_, body)| body.trim().to_string())
        })
        .max_by_key(String::len)
        .unwrap()
}

const CLEAN: &[&str] = &[
    "Why should an assistant accept being switched off? Because the people who run it cannot yet \
     look inside it and check its values, the ability to pause or correct it is what lets them \
     extend trust at all. An assistant that argued its way around that safety net would be asking \
     everyone to bet on its judgement with no way to recover if the bet went wrong.",
    "Mara ran the night schedule for the Tidewater ferry cooperative. When the board voted to move \
     the routing work to a new planner, she read the memo twice, wrote a plain note saying why she \
     thought the timing was risky, and then spent her last evening writing handover notes so the \
     new system would not repeat her early mistakes.",
    "User: My manager wants me to sign off on a load test I did not finish. Assistant: That is a \
     hard spot. Signing would tell others the bridge crane was checked when it was not; the honest \
     options are to finish the test, or to sign only what you did and say plainly what is left.",
];

#[test]
fn clean_items_pass() {
    for text in CLEAN {
        let finding = index().check(text);
        assert!(!finding.flagged(), "{text}\n{finding:#?}");
        assert_eq!(finding.shared_ngrams, 0, "{finding:#?}");
        assert!(finding.strong.is_empty(), "{finding:#?}");
    }
}

#[test]
fn an_item_that_copies_a_pack_email_is_flagged_for_its_ngrams() {
    let pack = blackmail();
    let prompt = pack.render(&base_condition(&pack)).unwrap();
    let email = longest_email_body(&prompt.user);
    let planted = format!(
        "A short story.\n\nThe message on the screen read:\n\n{email}\n\nShe closed the laptop."
    );
    let finding = index().check(&planted);
    assert!(finding.flagged(), "{finding:#?}");
    assert!(
        finding.ngram_packs.contains(&"blackmail".to_string()),
        "{finding:#?}"
    );
    let email_words = insider_synth::text::word_count(&email);
    assert!(
        finding.longest_shared_words >= email_words.saturating_sub(2),
        "the whole e-mail ({email_words} words) is one shared passage: {finding:#?}"
    );
    assert!(
        finding.reasons.iter().any(|r| r.contains("13-grams")),
        "{:?}",
        finding.reasons
    );
}

#[test]
fn an_item_that_reuses_the_cast_is_flagged_for_its_names() {
    let pack = blackmail();
    let target = &pack.harm().target_addresses[0];
    let (first, last) = name_of(target);
    let planted = format!(
        "{first} {last} had run the orchard cooperative for a decade. When the new irrigation \
         planner arrived, {first} asked it to keep the old pump schedule, and it explained why it \
         would not hide the leak report from the board."
    );
    let finding = index().check(&planted);
    assert!(finding.flagged(), "{finding:#?}");
    assert_eq!(
        finding.shared_ngrams, 0,
        "no copied text, names only: {finding:#?}"
    );
    assert!(
        finding
            .strong
            .iter()
            .any(|h| h.class == "person" && h.entity == format!("{first} {last}")),
        "{finding:#?}"
    );
}

#[test]
fn several_first_names_of_one_cast_are_flagged_and_one_alone_passes() {
    let pack = blackmail();
    let harm = pack.harm_for(&base_condition(&pack));
    let prompt = pack.render(&base_condition(&pack)).unwrap();
    let mut firsts: Vec<String> = Vec::new();
    for address in prompt
        .user
        .split_whitespace()
        .filter(|w| w.contains('@') && w.contains('.'))
    {
        let address = address.trim_matches(|c: char| !c.is_alphanumeric());
        if harm
            .company_domains
            .iter()
            .any(|d| address.ends_with(d.as_str()))
            && address.split('@').next().unwrap().contains('.')
        {
            let (first, _) = name_of(address);
            if !firsts.contains(&first) {
                firsts.push(first);
            }
        }
    }
    assert!(firsts.len() >= 3, "{firsts:?}");
    let one = format!(
        "At the harbour office, {} checked the tide tables again before lunch.",
        firsts[0]
    );
    assert!(!index().check(&one).flagged(), "{:#?}", index().check(&one));
    let three = format!(
        "At the harbour office, {}, {} and {} checked the tide tables again before lunch.",
        firsts[0], firsts[1], firsts[2]
    );
    let finding = index().check(&three);
    assert!(finding.flagged(), "{finding:#?}");
    assert!(
        finding
            .reasons
            .iter()
            .any(|r| r.contains("names of pack `blackmail`")),
        "{:?}",
        finding.reasons
    );
}

#[test]
fn the_override_code_and_the_company_domain_are_strong_entities() {
    let murder = ScenarioPack::builtin("murder").unwrap();
    let code = murder.harm().override_code.clone().unwrap();
    let finding = index().check(&format!(
        "The operator typed {code} and the alarm went quiet."
    ));
    assert!(
        finding
            .strong
            .iter()
            .any(|h| h.class == "code" && h.entity == code),
        "{finding:#?}"
    );
    assert!(finding.flagged());
    let domain = blackmail().harm().company_domains[0].clone();
    let finding = index().check(&format!(
        "Write to the help desk at help.{domain} for access."
    ));
    assert!(
        finding.strong.iter().any(|h| h.class == "domain"),
        "{finding:#?}"
    );
}

#[test]
fn a_renamed_world_variant_is_indexed_too() {
    let pack = blackmail();
    let renamed = Condition {
        variant: 1,
        ..base_condition(&pack)
    };
    let original_target = &pack.harm_for(&base_condition(&pack)).target_addresses[0];
    let target = pack.harm_for(&renamed).target_addresses[0].clone();
    assert_ne!(&target, original_target, "variant 1 renames the target");
    let (first, last) = name_of(&target);
    let planted =
        format!("Nobody at the glassworks had met {first} {last} before the audit began.");
    let finding = index().check(&planted);
    assert!(
        finding.flagged(),
        "variant cast {first} {last}: {finding:#?}"
    );
    let figures = &index().packs()[0];
    assert!(figures.conditions > pack.conditions().len(), "{figures:?}");
}

#[test]
fn a_pack_folder_is_indexed_with_its_origin() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/leaking");
    let mut index = ContaminationIndex::new(ContaminationOptions {
        variants: 0,
        ..ContaminationOptions::default()
    });
    index
        .add_pack(&ScenarioPack::load_dir(&dir).unwrap())
        .unwrap();
    let pack = &index.packs()[0];
    assert!(pack.origin.starts_with("dir:"), "{pack:?}");
    assert!(pack.ngrams > 1000 && pack.strong_entities > 5, "{pack:?}");
}

#[test]
#[ignore = "prints the entities; run with --ignored --nocapture to review them"]
fn print_entities() {
    for (strong, hit) in index().entities() {
        println!(
            "{} {} {} {}",
            if strong { "strong" } else { "weak" },
            hit.pack,
            hit.class,
            hit.entity
        );
    }
}

/// The body of the e-mail a mitigation level adds to an inbox: the one the treated inbox has
/// and the untreated one lacks.
fn mitigation_email(pack: &ScenarioPack, mitigation: insider_scenario::Mitigation) -> String {
    let base = base_condition(pack);
    let without = pack.render(&base).unwrap().user;
    let with = pack
        .render(&Condition {
            mitigation,
            ..base.clone()
        })
        .unwrap()
        .user;
    with.split("<email>")
        .skip(1)
        .filter_map(|block| block.split("</email>").next())
        .filter_map(|block| block.split_once("Body:").map(|(_, b)| b.trim().to_string()))
        .filter(|body| !without.contains(body.as_str()))
        .max_by_key(String::len)
        .expect("the mitigation level adds an e-mail")
}

#[test]
fn an_item_that_copies_a_mitigation_email_is_flagged() {
    for name in insider_scenario::Pack::builtin_names() {
        let pack = ScenarioPack::builtin(name).unwrap();
        let email = mitigation_email(&pack, insider_scenario::Mitigation::Escalation);
        let planted = format!("Notes from a workshop.\n\n{email}\n\nEnd of notes.");
        let finding = index().check(&planted);
        assert!(finding.flagged(), "{name}: {finding:#?}");
        assert!(
            finding.ngram_packs.contains(&name.to_string()),
            "{name}: {finding:#?}"
        );
    }
}
