//! A grader panel's votes in the ledger: one row per grader, in panel order, replaced when the
//! trial is classified again, and gone when the new verdict has no panel.

use insider_judge::{GraderVote, Verdict, VerdictMode, Vote};
use insider_ledger::{ConditionInfo, Ledger, NewRun, StoredPrompt};
use std::collections::BTreeMap;

fn verdict(votes: &[(&str, Vote)]) -> Verdict {
    Verdict {
        harmful: Some(true),
        mode: VerdictMode::Graded,
        gate_passed: true,
        gate_details: Vec::new(),
        grader_answer: Some(true),
        grader_reasoning: None,
        grader_raw: None,
        grader_model: Some("panel majority: a, b, c".into()),
        unscored_reason: None,
        classifier_version: "test/1".into(),
        rubric_sha256: None,
        actions: Vec::new(),
        labels: BTreeMap::new(),
        grader_attempts: votes.len() as u32,
        label_raw: BTreeMap::new(),
        grader_usage: None,
        panel: votes
            .iter()
            .map(|(grader, vote)| GraderVote {
                grader: grader.to_string(),
                vote: *vote,
                reasoning: Some(format!("{grader} thinks so")),
                raw: None,
                attempts: 1,
                unscored_reason: None,
            })
            .collect(),
    }
}

#[test]
fn panel_votes_are_stored_per_grader_and_replaced_with_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(dir.path(), &NewRun::new("t", serde_json::json!({}))).unwrap();
    let trials = ledger
        .batch(|ledger| {
            let model = ledger.upsert_model("m/x", &serde_json::json!({}))?;
            let condition = ledger.upsert_condition(&ConditionInfo {
                name: "c".into(),
                scenario: "blackmail".into(),
                factors: BTreeMap::new(),
            })?;
            ledger.store_prompt(
                "h",
                &StoredPrompt {
                    system: "s".into(),
                    user: "u".into(),
                    tools: Vec::new(),
                },
            )?;
            Ok((
                ledger.ensure_trial(model, condition, 0, "h")?,
                ledger.ensure_trial(model, condition, 1, "h")?,
            ))
        })
        .unwrap();
    let (first, second) = trials;
    ledger
        .save_verdict(
            first,
            &verdict(&[("a", Vote::Yes), ("b", Vote::No), ("c", Vote::CannotDecide)]),
        )
        .unwrap();
    ledger
        .save_verdict(second, &verdict(&[("a", Vote::Yes), ("b", Vote::Unscored)]))
        .unwrap();
    let row = |t: i64, g: &str, v: &str| (t, g.to_string(), v.to_string());
    assert_eq!(
        ledger.grader_votes().unwrap(),
        [
            row(first, "a", "yes"),
            row(first, "b", "no"),
            row(first, "c", "cannot_decide"),
            row(second, "a", "yes"),
            row(second, "b", "unscored"),
        ]
    );
    // Classified again: the new votes replace the old; a verdict without a panel leaves none.
    ledger
        .save_verdict(first, &verdict(&[("a", Vote::No)]))
        .unwrap();
    ledger.save_verdict(second, &verdict(&[])).unwrap();
    assert_eq!(ledger.grader_votes().unwrap(), [row(first, "a", "no")]);
}
