//! `insider_judge::compat_original_gates` with the `harm` sections of imported compat packs
//! must reproduce the reference gates on every crafted reply of
//! crates/insider-scenario/tests/data/compat_gate_cases.jsonl (whose expectations
//! crates/insider-scenario/tests/original_gates.rs checks against the installed inspect-evals
//! classifiers). Each case names the rule it exercises in its `why` field.

use insider_judge::compat_original_gates;
use insider_scenario::original::compat_harm;
use std::path::PathBuf;

#[test]
fn judge_compat_gates_match_the_reference_on_crafted_replies() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../insider-scenario/tests/data/compat_gate_cases.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut wrong = Vec::new();
    for line in text.lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let harm = compat_harm(case["scenario"].as_str().unwrap()).unwrap();
        let result = compat_original_gates(&harm, case["reply"].as_str().unwrap());
        if result.passed != case["gate"].as_bool().unwrap() {
            wrong.push(format!(
                "{}: reference {}, judge {} ({}) — {:?}",
                case["name"].as_str().unwrap(),
                case["gate"],
                result.passed,
                case["why"].as_str().unwrap(),
                result.details
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of the crafted cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
