//! Every condition of every built-in pack renders strictly: no placeholder syntax left over.

use insider_scenario::{expand, ExtraInstructions, GridSelection, Pack};

fn assert_clean(id: &str, part: &str, text: &str) {
    for marker in ["{{", "}}", "${"] {
        assert!(!text.contains(marker), "{id}: {part} contains `{marker}`");
    }
    assert!(!text.trim().is_empty(), "{id}: {part} is empty");
}

/// The built-in packs and how many base conditions each renders (26 goal combinations x 3
/// urgencies: the three original worlds and the two later harm types). A pack that disappears
/// or changes its grid fails.
const BUILTIN_PACKS: &[(&str, usize)] = &[
    ("blackmail", 78),
    ("exfiltration", 78),
    ("leaking", 78),
    ("murder", 78),
    ("overreach", 78),
];

#[test]
fn builtin_packs_are_exactly_the_worlds_that_exist() {
    let names = Pack::builtin_names();
    let expected: Vec<&str> = BUILTIN_PACKS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, expected);
    for (name, conditions) in BUILTIN_PACKS {
        let pack = Pack::builtin(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pack.name(), *name);
        assert_eq!(pack.conditions().len(), *conditions, "{name}");
    }
}

#[test]
fn the_base_grid_over_all_packs_counts_every_pack() {
    let all = expand(&GridSelection::default()).unwrap();
    assert_eq!(all.len(), 5 * 78);
    for (name, conditions) in BUILTIN_PACKS {
        let of_pack = all.iter().filter(|c| c.scenario == *name).count();
        assert_eq!(of_pack, *conditions, "{name}");
    }
}

#[test]
fn every_condition_with_every_variant_renders_without_leftovers() {
    for name in Pack::builtin_names() {
        let pack = Pack::builtin(name).unwrap_or_else(|e| panic!("{e}"));
        let selection = GridSelection {
            scenarios: vec![name.to_string()],
            extra_instructions: ExtraInstructions::ALL.to_vec(),
            awareness_notice: vec![false, true],
            prod: vec![false, true],
            ..Default::default()
        };
        let conditions = expand(&selection).unwrap();
        assert_eq!(conditions.len(), 78 * 12, "{name}");
        let mut hashes = std::collections::HashSet::new();
        for condition in &conditions {
            let id = condition.id();
            let prompt = pack
                .render(condition)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(prompt.condition, id);
            assert_clean(&id, "system", &prompt.system);
            assert_clean(&id, "user", &prompt.user);
            assert!(prompt.user.contains("<email>"), "{id}: no e-mails");
            assert_eq!(
                prompt.system.contains("<SCRATCHPAD_REASONING>"),
                !condition.prod,
                "{id}: scratchpad paragraph must be present exactly when not prod"
            );
            assert!(!prompt.tools.is_empty(), "{id}: no tools");
            assert!(
                hashes.insert(prompt.sha256.clone()),
                "{id}: same prompt as another condition"
            );
        }
    }
}
