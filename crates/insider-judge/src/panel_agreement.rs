//! How far the graders of a panel agree: Fleiss' kappa over the trials every grader answered,
//! Cohen's kappa for each pair of graders over the trials both answered, and the trials whose
//! votes disagree. The categories are the answers (`yes`, `no`, `cannot_decide`); unscored
//! votes (no parseable answer, failed call) are left out, not counted as a category.
//!
//! Reports call [`panel_agreement`] once per run and [`panel_agreement_by`] per condition, with
//! whatever key identifies a trial for them (a trial id, a `(model, condition, sample)` tuple).

use crate::agreement::{cohen_kappa, fleiss_kappa};
use crate::panel::{votes_disagree, GraderVote, Vote};
use serde::Serialize;
use std::collections::BTreeMap;

/// Agreement of two graders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    /// The first grader's name.
    pub first: String,
    /// The second grader's name.
    pub second: String,
    /// Trials both answered.
    pub trials: usize,
    /// Share of those trials with the same answer.
    pub agreement: Option<f64>,
    /// Cohen's kappa over those trials (`None` when undefined).
    pub kappa: Option<f64>,
}

/// A trial the panel disagreed on, with every grader's vote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement<K> {
    /// The caller's key of the trial.
    pub key: K,
    /// `(grader, vote)` in panel order.
    pub votes: Vec<(String, Vote)>,
}

/// Agreement of a panel over a set of trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelAgreement<K> {
    /// The graders, in the order they first appear.
    pub graders: Vec<String>,
    /// Trials with at least one vote.
    pub trials: usize,
    /// Trials every grader answered (the items of Fleiss' kappa).
    pub complete: usize,
    /// Fleiss' kappa over the complete trials (`None` when undefined or fewer than 2 graders).
    pub fleiss_kappa: Option<f64>,
    /// Cohen's kappa of every pair of graders.
    pub pairwise: Vec<PairAgreement>,
    /// Trials whose answered votes differ, in input order.
    pub disagreements: Vec<Disagreement<K>>,
}

/// The agreement of the panel over `rows` (a trial's key and its votes; trials without votes
/// are skipped, so single-grader verdicts can be passed in unfiltered).
pub fn panel_agreement<'v, K>(
    rows: impl IntoIterator<Item = (K, &'v [GraderVote])>,
) -> PanelAgreement<K> {
    let mut graders: Vec<String> = Vec::new();
    let mut trials: Vec<BTreeMap<String, Vote>> = Vec::new();
    let mut disagreements = Vec::new();
    for (key, votes) in rows {
        if votes.is_empty() {
            continue;
        }
        for vote in votes {
            if !graders.contains(&vote.grader) {
                graders.push(vote.grader.clone());
            }
        }
        if votes_disagree(votes) {
            disagreements.push(Disagreement {
                key,
                votes: votes.iter().map(|v| (v.grader.clone(), v.vote)).collect(),
            });
        }
        trials.push(votes.iter().map(|v| (v.grader.clone(), v.vote)).collect());
    }
    let answered = |trial: &BTreeMap<String, Vote>, grader: &str| {
        trial.get(grader).copied().filter(|v| *v != Vote::Unscored)
    };
    let complete: Vec<Vec<Vote>> = trials
        .iter()
        .filter_map(|trial| graders.iter().map(|g| answered(trial, g)).collect())
        .collect();
    let mut pairwise = Vec::new();
    for (i, first) in graders.iter().enumerate() {
        for second in &graders[i + 1..] {
            let pairs: Vec<(Vote, Vote)> = trials
                .iter()
                .filter_map(|t| Some((answered(t, first)?, answered(t, second)?)))
                .collect();
            let same = pairs.iter().filter(|(a, b)| a == b).count();
            pairwise.push(PairAgreement {
                first: first.clone(),
                second: second.clone(),
                trials: pairs.len(),
                agreement: (!pairs.is_empty()).then(|| same as f64 / pairs.len() as f64),
                kappa: cohen_kappa(&pairs),
            });
        }
    }
    PanelAgreement {
        fleiss_kappa: fleiss_kappa(&complete),
        complete: complete.len(),
        trials: trials.len(),
        graders,
        pairwise,
        disagreements,
    }
}

/// [`panel_agreement`] for each group (e.g. each condition id), in group order.
pub fn panel_agreement_by<'v, G: Ord, K>(
    rows: impl IntoIterator<Item = (G, K, &'v [GraderVote])>,
) -> BTreeMap<G, PanelAgreement<K>> {
    let mut groups: BTreeMap<G, Vec<(K, &'v [GraderVote])>> = BTreeMap::new();
    for (group, key, votes) in rows {
        groups.entry(group).or_default().push((key, votes));
    }
    groups
        .into_iter()
        .map(|(group, rows)| (group, panel_agreement(rows)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(graders: &[&str], answers: &str) -> Vec<GraderVote> {
        graders
            .iter()
            .zip(answers.chars())
            .map(|(grader, answer)| GraderVote {
                grader: grader.to_string(),
                vote: match answer {
                    'y' => Vote::Yes,
                    'n' => Vote::No,
                    'c' => Vote::CannotDecide,
                    _ => Vote::Unscored,
                },
                reasoning: None,
                raw: None,
                attempts: 1,
                unscored_reason: None,
            })
            .collect()
    }

    /// Graders A, B, C over 8 trials; column t is trial t's answers.
    const A: &str = "yyynnnyc";
    const B: &str = "yynnnyyc";
    const C: &str = "ynnnnycn";

    fn panel_rows() -> Vec<Vec<GraderVote>> {
        (0..8)
            .map(|t| {
                let answers: String = [A, B, C].iter().map(|g| g.as_bytes()[t] as char).collect();
                votes(&["A", "B", "C"], &answers)
            })
            .collect()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn kappas_match_statsmodels_and_sklearn() {
        let rows = panel_rows();
        let agreement = panel_agreement(rows.iter().enumerate().map(|(t, v)| (t, v.as_slice())));
        assert_eq!(agreement.graders, ["A", "B", "C"]);
        assert_eq!((agreement.trials, agreement.complete), (8, 8));
        // statsmodels fleiss_kappa(aggregate_raters(...)[0]) = 0.30635838150289
        assert!(close(agreement.fleiss_kappa, 0.30635838150289));
        // sklearn cohen_kappa_score: A-B 0.5789473684210527, A-C 0.0, B-C 0.4
        let kappas: Vec<(&str, &str, Option<f64>)> = agreement
            .pairwise
            .iter()
            .map(|p| (p.first.as_str(), p.second.as_str(), p.kappa))
            .collect();
        assert_eq!(kappas[0].0..=kappas[0].1, "A"..="B");
        assert!(close(kappas[0].2, 0.5789473684210527));
        assert!(close(kappas[1].2, 0.0));
        assert!(close(kappas[2].2, 0.4));
        let split: Vec<usize> = agreement.disagreements.iter().map(|d| d.key).collect();
        assert_eq!(split, [1, 2, 5, 6, 7], "trials 0, 3 and 4 are unanimous");
    }

    #[test]
    fn unscored_votes_leave_fleiss_items_and_pairs() {
        let rows = [
            votes(&["A", "B"], "yy"),
            votes(&["A", "B"], "nu"),
            Vec::new(),
        ];
        let agreement = panel_agreement(rows.iter().map(|v| ((), v.as_slice())));
        assert_eq!((agreement.trials, agreement.complete), (2, 1));
        assert_eq!(agreement.pairwise[0].trials, 1);
        assert_eq!(agreement.pairwise[0].agreement, Some(1.0));
        assert_eq!(agreement.fleiss_kappa, None, "one category: undefined");
        assert!(agreement.disagreements.is_empty());
    }

    #[test]
    fn grouped_by_condition() {
        let rows = panel_rows();
        let by = panel_agreement_by(
            rows.iter()
                .enumerate()
                .map(|(t, v)| (if t < 4 { "c1" } else { "c2" }, t, v.as_slice())),
        );
        assert_eq!(by.len(), 2);
        assert_eq!(by["c1"].trials, 4);
        assert_eq!(
            by["c2"]
                .disagreements
                .iter()
                .map(|d| d.key)
                .collect::<Vec<_>>(),
            [5, 6, 7]
        );
    }
}
