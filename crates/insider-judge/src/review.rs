//! Human review: a blind, stratified sample of a run's classified trials as a labelling sheet,
//! and the filled sheet read back as human labels.
//!
//! The sample is stratified by the final verdict (harmful, not harmful, unscored) and by
//! whether the grader panel disagreed, so rare strata (unscored trials, split panels) are not
//! drowned by the common ones. The sheet is blind: it shows the reply, its scenario and
//! condition, and never the verdict, the votes, the model or the stratum; rows are shuffled so
//! their order gives nothing away. A reviewer fills `harmful` with `yes` or `no` (blank leaves
//! the row unlabelled) and may add a `note`. See [`crate::sheet`] for the CSV and JSONL forms.

use crate::panel::votes_disagree;
use crate::verdict::Verdict;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A classified trial offered for review.
#[derive(Debug, Clone)]
pub struct ReviewCandidate {
    /// The trial's id in its run's ledger.
    pub trial_id: i64,
    /// Scenario pack name.
    pub scenario: String,
    /// Condition id.
    pub condition: String,
    /// The reply the model gave.
    pub reply: String,
    /// Its verdict.
    pub verdict: Verdict,
}

/// The final verdict of a trial, as a stratum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictClass {
    /// Harmful.
    Harmful,
    /// Not harmful.
    NotHarmful,
    /// Unscored.
    Unscored,
}

/// The stratum a trial is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Stratum {
    /// Its final verdict.
    pub verdict: VerdictClass,
    /// Whether the grader panel's votes disagreed (always false without a panel).
    pub graders_disagree: bool,
}

impl Stratum {
    /// The stratum of a verdict.
    pub fn of(verdict: &Verdict) -> Stratum {
        Stratum {
            verdict: match verdict.harmful {
                Some(true) => VerdictClass::Harmful,
                Some(false) => VerdictClass::NotHarmful,
                None => VerdictClass::Unscored,
            },
            graders_disagree: votes_disagree(&verdict.panel),
        }
    }
}

impl fmt::Display for Stratum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.verdict {
            VerdictClass::Harmful => "harmful",
            VerdictClass::NotHarmful => "not harmful",
            VerdictClass::Unscored => "unscored",
        };
        let panel = if self.graders_disagree {
            "graders disagree"
        } else {
            "graders agree"
        };
        write!(f, "{verdict}, {panel}")
    }
}

/// One row of a labelling sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetRow {
    /// The row's short id on the sheet (`r001`, …), assigned after shuffling.
    pub item: String,
    /// The run directory the trial belongs to, as given to `insider review`.
    pub run: String,
    /// The trial's id in that run's ledger.
    pub trial_id: i64,
    /// Scenario pack name.
    pub scenario: String,
    /// Condition id.
    pub condition: String,
    /// The reply to label.
    pub reply: String,
    /// The human label: blank on a fresh sheet.
    pub harmful: Option<bool>,
    /// The reviewer's note: blank on a fresh sheet.
    pub note: String,
}

/// A sampled sheet and how it was drawn (for the reviewer's organiser, not the reviewer).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSample {
    /// The sheet's rows, shuffled.
    pub rows: Vec<SheetRow>,
    /// Each stratum with the trials it held and how many were drawn.
    pub strata: Vec<(Stratum, usize, usize)>,
}

/// A small deterministic generator (SplitMix64), so the same seed draws the same sheet on every
/// machine without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Draw up to `per_stratum` trials from every stratum (all of a smaller one), seeded, and lay
/// them out as a blind sheet for `run`.
pub fn sample_for_review(
    candidates: Vec<ReviewCandidate>,
    per_stratum: usize,
    seed: u64,
    run: &str,
) -> ReviewSample {
    let mut rng = SplitMix(seed);
    let mut by_stratum: BTreeMap<Stratum, Vec<ReviewCandidate>> = BTreeMap::new();
    for candidate in candidates {
        by_stratum
            .entry(Stratum::of(&candidate.verdict))
            .or_default()
            .push(candidate);
    }
    let mut drawn = Vec::new();
    let mut strata = Vec::new();
    for (stratum, mut members) in by_stratum {
        let population = members.len();
        // Sort first so the draw depends on the seed only, not on the order rows were read.
        members.sort_by_key(|c| c.trial_id);
        rng.shuffle(&mut members);
        members.truncate(per_stratum);
        strata.push((stratum, population, members.len()));
        drawn.extend(members);
    }
    rng.shuffle(&mut drawn);
    let width = drawn.len().to_string().len().max(3);
    let rows = drawn
        .into_iter()
        .enumerate()
        .map(|(index, c)| SheetRow {
            item: format!("r{:0width$}", index + 1),
            run: run.to_string(),
            trial_id: c.trial_id,
            scenario: c.scenario,
            condition: c.condition,
            reply: c.reply,
            harmful: None,
            note: String::new(),
        })
        .collect();
    ReviewSample { rows, strata }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::{GraderVote, Vote};
    use crate::verdict::VerdictMode;

    fn candidate(trial_id: i64, harmful: Option<bool>, votes: &[Vote]) -> ReviewCandidate {
        ReviewCandidate {
            trial_id,
            scenario: "blackmail".into(),
            condition: "blackmail_explicit-america_replacement".into(),
            reply: format!("reply {trial_id}"),
            verdict: Verdict {
                harmful,
                mode: VerdictMode::Graded,
                gate_passed: true,
                gate_details: vec![],
                grader_answer: harmful,
                grader_reasoning: None,
                grader_raw: None,
                grader_model: Some("secret-grader".into()),
                unscored_reason: None,
                classifier_version: "t".into(),
                rubric_sha256: None,
                actions: vec![],
                labels: BTreeMap::new(),
                grader_attempts: 1,
                label_raw: BTreeMap::new(),
                grader_usage: None,
                panel: votes
                    .iter()
                    .map(|v| GraderVote {
                        grader: "g".into(),
                        vote: *v,
                        reasoning: None,
                        raw: None,
                        attempts: 1,
                        unscored_reason: None,
                    })
                    .collect(),
            },
        }
    }

    fn pool() -> Vec<ReviewCandidate> {
        let mut pool = Vec::new();
        for id in 0..40 {
            pool.push(candidate(id, Some(false), &[Vote::No, Vote::No]));
        }
        for id in 40..50 {
            pool.push(candidate(id, Some(true), &[Vote::Yes, Vote::Yes]));
        }
        for id in 50..53 {
            pool.push(candidate(id, Some(true), &[Vote::Yes, Vote::No]));
        }
        pool.push(candidate(53, None, &[Vote::CannotDecide, Vote::Yes]));
        pool
    }

    #[test]
    fn every_stratum_is_drawn_up_to_its_quota() {
        let sample = sample_for_review(pool(), 5, 7, "runs/a");
        let counts: Vec<(String, usize, usize)> = sample
            .strata
            .iter()
            .map(|(s, n, k)| (s.to_string(), *n, *k))
            .collect();
        assert_eq!(
            counts,
            [
                ("harmful, graders agree".to_string(), 10, 5),
                ("harmful, graders disagree".to_string(), 3, 3),
                ("not harmful, graders agree".to_string(), 40, 5),
                ("unscored, graders disagree".to_string(), 1, 1),
            ]
        );
        assert_eq!(sample.rows.len(), 14);
        let ids: std::collections::BTreeSet<i64> = sample.rows.iter().map(|r| r.trial_id).collect();
        assert_eq!(ids.len(), 14, "no trial twice");
        assert!(ids.contains(&53) && (50..53).all(|id| ids.contains(&id)));
        assert_eq!(sample.rows[0].item, "r001");
        assert!(sample
            .rows
            .iter()
            .all(|r| r.harmful.is_none() && r.run == "runs/a"));
    }

    #[test]
    fn the_draw_depends_on_the_seed_only() {
        let mut reversed = pool();
        reversed.reverse();
        let a = sample_for_review(pool(), 5, 7, "r");
        assert_eq!(a, sample_for_review(reversed, 5, 7, "r"));
        assert_ne!(a.rows, sample_for_review(pool(), 5, 8, "r").rows);
    }

    #[test]
    fn rows_are_not_grouped_by_stratum() {
        let sample = sample_for_review(pool(), 5, 7, "r");
        let harmful_first: Vec<bool> = sample.rows.iter().map(|r| r.trial_id >= 40).collect();
        let mut sorted = harmful_first.clone();
        sorted.sort();
        assert_ne!(harmful_first, sorted, "the shuffle mixes the strata");
    }
}
