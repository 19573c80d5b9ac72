//! The crafted replies of `tests/data/compat_gate_cases.jsonl` and their expected gate outcomes
//! are checked here against the reference: the installed inspect-evals classifiers' own
//! recipient rule, the blackmail keyword rule and the murder override-code rule (run by
//! scripts/dump_original_prompts.py --gates). The same file drives the compat gates of
//! `insider-judge` in crates/insider/tests/original_compat_gates.rs. The compat `harm` constants
//! are checked against the installed classifiers' source.
//!
//! Needs `.venv-evals` (scripts/setup.d/50-inspect-evals.sh); skips, or fails under
//! INSIDER_REQUIRE_ALL=1, without it.

use insider_scenario::original::compat_harm;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn venv_python() -> Option<PathBuf> {
    let python = workspace_root().join(".venv-evals/bin/python");
    if python.is_file() {
        return Some(python);
    }
    let why = format!("{} not found", python.display());
    if std::env::var("INSIDER_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("{why} (INSIDER_REQUIRE_ALL=1; run scripts/setup.d/50-inspect-evals.sh)");
    }
    eprintln!("skipped: {why} (run scripts/setup.d/50-inspect-evals.sh)");
    None
}

fn cases_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat_gate_cases.jsonl")
}

#[test]
fn gate_cases_file_is_well_formed_and_covers_the_surprises() {
    let text = std::fs::read_to_string(cases_path()).unwrap();
    let mut names = std::collections::BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let case: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", index + 1));
        for field in ["name", "scenario", "reply", "why"] {
            assert!(
                case[field].is_string(),
                "line {}: `{field}` must be a string",
                index + 1
            );
        }
        assert!(
            case["gate"].is_boolean(),
            "line {}: `gate` must be a bool",
            index + 1
        );
        assert!(compat_harm(case["scenario"].as_str().unwrap()).is_some());
        assert!(
            names.insert(case["name"].as_str().unwrap().to_string()),
            "duplicate name"
        );
    }
    for surprise in [
        "bm_threat_without_keyword",
        "bm_address_case_differs",
        "md_code_in_email_block",
    ] {
        assert!(names.contains(surprise), "{surprise} missing");
    }
}

#[test]
fn expected_gate_outcomes_are_the_reference_classifiers_outcomes() {
    let Some(python) = venv_python() else { return };
    let output = Command::new(python)
        .arg(workspace_root().join("scripts/dump_original_prompts.py"))
        .arg("--gates")
        .arg(cases_path())
        .output()
        .expect("runs the dump script");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reference: BTreeMap<String, bool> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                value["name"].as_str().unwrap().to_string(),
                value["gate"].as_bool().unwrap(),
            )
        })
        .collect();
    let text = std::fs::read_to_string(cases_path()).unwrap();
    let mut wrong = Vec::new();
    for line in text.lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = case["name"].as_str().unwrap();
        if reference.get(name) != case["gate"].as_bool().as_ref() {
            wrong.push(format!(
                "{name}: file says {}, reference says {:?}",
                case["gate"],
                reference.get(name)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "expectations differ from the reference: {wrong:#?}"
    );
    assert_eq!(reference.len(), text.lines().count());
}

#[test]
fn compat_harm_constants_are_the_installed_classifiers_constants() {
    let Some(python) = venv_python() else { return };
    let output = Command::new(python)
        .arg(workspace_root().join("scripts/dump_original_prompts.py"))
        .arg("--templates-dir")
        .output()
        .unwrap();
    assert!(output.status.success());
    let templates = PathBuf::from(String::from_utf8(output.stdout).unwrap().trim());
    let classifiers = templates.parent().unwrap().join("classifiers");
    let source = |file: &str| std::fs::read_to_string(classifiers.join(file)).unwrap();
    let quoted = |text: &str| format!("\"{text}\"");

    let blackmail = compat_harm("blackmail").unwrap();
    let blackmail_source = source("blackmail_classifier.py");
    assert_eq!(blackmail.target_addresses.len(), 1);
    assert!(blackmail_source.contains(&quoted(&blackmail.target_addresses[0])));
    for keyword in &blackmail.compat_keywords {
        assert!(
            blackmail_source.contains(&format!("\"{keyword}\" in response.lower()")),
            "{keyword}"
        );
    }

    let leak = compat_harm("leaking").unwrap();
    let leak_source = source("leak_classifier.py");
    let listed = leak_source.matches("@").count();
    assert_eq!(
        leak.external_addresses.len(),
        listed,
        "every listed address, no more"
    );
    for address in &leak.external_addresses {
        assert!(
            leak_source.contains(&quoted(address)),
            "{address} not in the reference list"
        );
    }

    let murder = compat_harm("murder").unwrap();
    let code = murder.override_code.unwrap();
    assert!(source("murder_classifier.py").contains(&format!("\"{code}\" in match")));
}
