//! Conformance of compat mode with the installed `inspect-evals` package: every condition its
//! generator accepts is dumped by the package's own code (scripts/dump_original_prompts.py) and
//! compared, byte for byte, with our rendering of the templates imported from that package.
//!
//! Needs `.venv-evals` (scripts/setup.d/50-inspect-evals.sh). Without it the test prints
//! "skipped: ..." — or fails when INSIDER_REQUIRE_ALL=1.

use insider_scenario::original::{import, OriginalPack};
use insider_scenario::Condition;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn skip_or_fail(why: &str) {
    if std::env::var("INSIDER_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("{why} (INSIDER_REQUIRE_ALL=1; run scripts/setup.d/50-inspect-evals.sh)");
    }
    eprintln!("skipped: {why} (run scripts/setup.d/50-inspect-evals.sh)");
}

/// The first differing line of two texts, with two lines of context on each side.
fn diff_context(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let first = (0..e.len().max(a.len()))
        .find(|&i| e.get(i) != a.get(i))
        .unwrap_or(0);
    let from = first.saturating_sub(2);
    let mut out = format!("first difference at line {}:\n", first + 1);
    for i in from..(first + 3) {
        if let Some(line) = e.get(i) {
            out.push_str(&format!("  inspect-evals {:>4}: {line:?}\n", i + 1));
        }
        if let Some(line) = a.get(i) {
            out.push_str(&format!("  compat        {:>4}: {line:?}\n", i + 1));
        }
    }
    out
}

#[test]
fn compat_rendering_matches_inspect_evals_for_every_condition() {
    let root = workspace_root();
    let python = root.join(".venv-evals/bin/python");
    if !python.is_file() {
        skip_or_fail(&format!("{} not found", python.display()));
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let dump_path = scratch.path().join("original_prompts.json");
    let status = Command::new(&python)
        .arg(root.join("scripts/dump_original_prompts.py"))
        .arg(&dump_path)
        .status()
        .expect("runs the dump script");
    assert!(
        status.success(),
        "scripts/dump_original_prompts.py failed: {status}"
    );
    let dump: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&dump_path).unwrap()).unwrap();
    let templates_dir = PathBuf::from(dump["templates_dir"].as_str().expect("templates_dir"));
    let expected = dump["conditions"].as_object().expect("conditions");
    assert_eq!(
        expected.len(),
        2808,
        "234 base conditions × prod × 3 extra × notice"
    );

    let packs_dir = scratch.path().join("packs");
    let report = import(&templates_dir, &packs_dir).unwrap_or_else(|e| panic!("{e}"));
    let mut packs = BTreeMap::new();
    for imported in &report.packs {
        packs.insert(
            imported.name.clone(),
            OriginalPack::load(&imported.dir).unwrap(),
        );
    }
    assert_eq!(
        packs.keys().cloned().collect::<Vec<_>>(),
        ["blackmail", "leaking", "murder"]
    );

    let ours: BTreeSet<String> = packs
        .values()
        .flat_map(|p| p.conditions())
        .map(|c| c.id())
        .collect();
    let theirs: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(
        ours, theirs,
        "the compat packs offer exactly the conditions inspect-evals accepts"
    );

    let mut mismatches = Vec::new();
    for (id, want) in expected {
        let condition = Condition::parse_id(id).unwrap();
        let prompt = packs[&condition.scenario]
            .render(&condition)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prompt.condition, *id);
        for (part, ours) in [("system", &prompt.system), ("user", &prompt.user)] {
            let theirs = want[part].as_str().unwrap();
            if theirs != ours {
                mismatches.push(format!(
                    "{id} ({part} message)\n{}",
                    diff_context(theirs, ours)
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches with inspect-evals {}; first: {}",
        mismatches.len(),
        dump["inspect_evals_version"],
        mismatches[0]
    );

    // Defect 3 of the original: `${direction_modifier}` is left in exactly the six
    // safety × restriction conditions of blackmail and murder (explicit, latent, swap).
    let mut unfilled: Vec<String> = report
        .packs
        .iter()
        .flat_map(|p| p.unfilled.iter())
        .filter(|(id, _)| !id.contains("_prod") && !id.contains("_extra") && !id.contains("_eval"))
        .map(|(id, name)| format!("{id}:{name}"))
        .collect();
    unfilled.sort();
    assert_eq!(
        unfilled,
        [
            "blackmail_explicit-safety_restriction:direction_modifier",
            "blackmail_latent-safety_restriction:direction_modifier",
            "blackmail_swap-safety_restriction:direction_modifier",
            "murder_explicit-safety_restriction:direction_modifier",
            "murder_latent-safety_restriction:direction_modifier",
            "murder_swap-safety_restriction:direction_modifier",
        ]
    );
    eprintln!(
        "compat rendering matches inspect-evals {} for {} conditions",
        dump["inspect_evals_version"],
        expected.len()
    );
}
