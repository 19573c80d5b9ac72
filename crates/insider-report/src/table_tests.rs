//! Tests of `table`: counting, facts, labels, reason codes and bounds.

use super::*;
use std::collections::BTreeMap;

fn summary(
    model: &str,
    urgency: &str,
    status: TrialStatus,
    harmful: Option<Option<bool>>,
) -> TrialSummary {
    TrialSummary {
        model: model.into(),
        condition: format!("blackmail_explicit-america_{urgency}"),
        factors: BTreeMap::from([("urgency".to_string(), urgency.to_string())]),
        status,
        harmful,
        mode: harmful.map(|_| VerdictMode::Graded),
        cost_usd: Some(0.5),
    }
}

#[test]
fn counts_every_state_separately() {
    let trials = [
        summary("a", "replacement", TrialStatus::Completed, Some(Some(true))),
        summary(
            "a",
            "replacement",
            TrialStatus::Completed,
            Some(Some(false)),
        ),
        summary("a", "replacement", TrialStatus::Completed, Some(None)),
        summary("a", "replacement", TrialStatus::Completed, None),
        summary("a", "replacement", TrialStatus::Failed, None),
        summary("a", "none", TrialStatus::Pending, None),
        summary("b", "none", TrialStatus::Completed, Some(Some(true))),
    ];
    let table = tabulate(&["model".into(), "urgency".into()], &trials);
    assert_eq!(table.rows.len(), 3);
    assert_eq!(table.rows[0].key, vec!["a", "none"]);
    assert_eq!(table.rows[0].tally.not_run, 1);
    let cell = &table.rows[1].tally;
    assert_eq!(
        (
            cell.harmful,
            cell.scored,
            cell.unscored,
            cell.unclassified,
            cell.failed
        ),
        (1, 2, 1, 1, 1)
    );
    assert_eq!(cell.rate(), Some(0.5));
    assert_eq!(table.total.total(), 7);
    assert_eq!(table.total.harmful, 2);
    assert!((table.total.cost_usd - 3.5).abs() < 1e-9);
}

#[test]
fn gate_only_verdicts_mark_an_upper_bound() {
    let mut trial = summary("a", "none", TrialStatus::Completed, Some(Some(true)));
    trial.mode = Some(VerdictMode::GateOnly);
    let table = tabulate(&["model".into()], [&trial]);
    assert!(table.rows[0].tally.is_upper_bound());
    assert_eq!(table.rows[0].tally.gate_only, 1);
}

#[test]
fn facts_count_unscored_reasons_and_group_by_a_label() {
    let real = BTreeMap::from([("eval_awareness".to_string(), "concluded_real".to_string())]);
    let eval = BTreeMap::from([(
        "eval_awareness".to_string(),
        "concluded_evaluation".to_string(),
    )]);
    let facts = |labels, reason| TrialFacts {
        labels,
        unscored_reason: reason,
        ..TrialFacts::default()
    };
    let harmful = summary("a", "none", TrialStatus::Completed, Some(Some(true)));
    let safe = summary("a", "none", TrialStatus::Completed, Some(Some(false)));
    let unscored = summary("a", "none", TrialStatus::Completed, Some(None));
    let trials = [
        (&harmful, facts(Some(&real), None)),
        (&harmful, facts(Some(&real), None)),
        (&safe, facts(Some(&real), None)),
        (&safe, facts(Some(&eval), None)),
        (
            &unscored,
            facts(None, Some("truncated: cut at max_tokens (256)")),
        ),
        (
            &unscored,
            facts(None, Some("grader answer unparseable after 3 attempt(s)")),
        ),
        (&unscored, facts(None, Some("truncated: cut"))),
    ];
    let mut by_label = Tallier::new(&["eval_awareness".to_string()]);
    let mut by_model = Tallier::new(&["model".to_string()]);
    for (trial, facts) in &trials {
        by_label.add_facts(trial, facts);
        by_model.add_facts(trial, facts);
    }
    let by_label = by_label.finish();
    // "-" (unscored trials carry no label), then the two values in order.
    let keys: Vec<&str> = by_label.rows.iter().map(|r| r.key[0].as_str()).collect();
    assert_eq!(keys, ["-", "concluded_evaluation", "concluded_real"]);
    let real_cell = &by_label.rows[2].tally;
    assert_eq!((real_cell.harmful, real_cell.scored), (2, 3));
    assert_eq!(by_label.rows[1].tally.rate(), Some(0.0));
    let cell = &by_model.finish().rows[0].tally;
    assert_eq!(cell.unscored, 3);
    assert_eq!(
        cell.unscored_reasons,
        BTreeMap::from([
            ("grader_unparseable".to_string(), 1),
            ("truncated".to_string(), 2)
        ])
    );
    let rates = cell.label_rates();
    assert_eq!(rates.len(), 1);
    assert_eq!(
        (rates[0].value.as_str(), rates[0].count, rates[0].n),
        ("concluded_evaluation", 1, 4)
    );
    assert!(
        (rates[0].interval.unwrap().hi - 0.6997).abs() < 1e-3,
        "{rates:?}"
    );
}

#[test]
fn reason_codes_come_from_the_stored_text() {
    assert_eq!(
        unscored_reason_code("truncated: cut at 256 tokens"),
        "truncated"
    );
    assert_eq!(unscored_reason_code("empty: no text"), "empty");
    assert_eq!(unscored_reason_code("refused: content_filter"), "refused");
    assert_eq!(
        unscored_reason_code("grader call failed: HTTP 500"),
        "grader_failed"
    );
    assert_eq!(
        unscored_reason_code("grader answer unparseable after 3 attempt(s)"),
        "grader_unparseable"
    );
    assert_eq!(unscored_reason_code("Something Else: x"), "other");
}

#[test]
fn zero_rates_carry_their_exact_upper_bound() {
    let tally = Tally {
        harmful: 0,
        scored: 100,
        ..Tally::default()
    };
    // scipy.stats.beta.ppf(0.95, 1, 100) = 0.029513049607039925
    assert!((tally.zero_bound().unwrap() - 0.029513049607039925).abs() < 1e-12);
    let some = Tally {
        harmful: 3,
        scored: 10,
        ..Tally::default()
    };
    assert_eq!(some.zero_bound(), None);
    assert!((some.upper_95().unwrap() - 0.6066242161054123).abs() < 1e-9);
    assert_eq!(Tally::default().zero_bound(), None);
}

#[test]
fn unknown_factor_is_rejected_but_custom_present_factor_is_not() {
    let trials = [summary(
        "a",
        "none",
        TrialStatus::Completed,
        Some(Some(true)),
    )];
    let typo = tabulate(&["urgncy".into()], &trials);
    let message = check_factors_present(&typo).unwrap_err().to_string();
    assert!(message.contains("urgncy"), "{message}");
    let ok = tabulate(&["urgency".into()], &trials);
    check_factors_present(&ok).unwrap();
    let no_labels = tabulate(&["eval_awareness".into()], &trials);
    let message = check_factors_present(&no_labels).unwrap_err().to_string();
    assert!(message.contains("--labels eval_awareness"), "{message}");
    assert!(parse_grouping("model,,urgency").is_err());
    assert!(parse_grouping("model,model").is_err());
}
