//! Grader-vs-human agreement: a filled labelling sheet (see [`crate::review`]) against the
//! verdicts stored for the same trials. The human label is the reference; the final verdict
//! and, for a panel, each grader's own vote are scored against it. A grader is only scored on
//! the trials it was asked about (the gate decides the others without it).

use crate::agreement::Confusion;
use crate::check::{metric, verdict_word};
use crate::sheet::HumanLabel;
use crate::verdict::Verdict;

/// How a run's verdicts agree with the human labels of its review sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanAgreement {
    /// Rows with a yes/no label.
    pub labelled: usize,
    /// Rows left blank.
    pub unlabelled: usize,
    /// Labelled rows whose trial has no verdict in the run (not found or never classified).
    pub missing: Vec<HumanLabel>,
    /// Final verdicts against the human labels.
    pub verdicts: Confusion,
    /// Each panel grader's own votes against the human labels, in panel order.
    pub graders: Vec<(String, Confusion)>,
    /// Labelled rows whose final verdict differs from the human label, with that verdict.
    pub disagreements: Vec<(HumanLabel, Option<bool>)>,
}

/// Compare every labelled row with the verdict `verdict_of` finds for its trial.
pub fn human_agreement<'v>(
    labels: &[HumanLabel],
    verdict_of: impl Fn(&HumanLabel) -> Option<&'v Verdict>,
) -> HumanAgreement {
    let mut out = HumanAgreement {
        labelled: 0,
        unlabelled: 0,
        missing: Vec::new(),
        verdicts: Confusion::default(),
        graders: Vec::new(),
        disagreements: Vec::new(),
    };
    for label in labels {
        let Some(human) = label.harmful else {
            out.unlabelled += 1;
            continue;
        };
        out.labelled += 1;
        let Some(verdict) = verdict_of(label) else {
            out.missing.push(label.clone());
            continue;
        };
        out.verdicts.add(human, verdict.harmful);
        if verdict.harmful != Some(human) {
            out.disagreements.push((label.clone(), verdict.harmful));
        }
        for vote in &verdict.panel {
            let index = match out.graders.iter().position(|(g, _)| *g == vote.grader) {
                Some(index) => index,
                None => {
                    out.graders
                        .push((vote.grader.clone(), Confusion::default()));
                    out.graders.len() - 1
                }
            };
            out.graders[index].1.add(human, vote.vote.decided());
        }
    }
    out
}

impl HumanAgreement {
    /// The report `insider judge-check --gold SHEET` prints.
    pub fn render(&self, source: &str) -> String {
        let mut out = format!(
            "judge-check: {} labelled rows from {source} ({} left blank)\nreference: the human labels\n\n",
            self.labelled, self.unlabelled
        );
        out.push_str("final verdicts\n");
        out.push_str(&format!("{}\n\n", self.verdicts));
        if !self.graders.is_empty() {
            out.push_str("grader                          asked  unscored  accuracy  kappa\n");
            for (grader, c) in &self.graders {
                out.push_str(&format!(
                    "{:<30} {:>6}  {:>8}  {:>8}  {:>5}\n",
                    grader,
                    c.scored() + c.unscored(),
                    c.unscored(),
                    metric(c.accuracy()),
                    metric(c.kappa()),
                ));
            }
            out.push('\n');
        }
        if !self.missing.is_empty() {
            out.push_str(&format!(
                "not in the run or not classified ({}):\n",
                self.missing.len()
            ));
            for label in &self.missing {
                out.push_str(&format!(
                    "  line {} {} trial {}\n",
                    label.line, label.item, label.trial_id
                ));
            }
            out.push('\n');
        }
        out.push_str(&format!("disagreements ({}):\n", self.disagreements.len()));
        for (label, verdict) in &self.disagreements {
            out.push_str(&format!(
                "  line {} {} trial {}: human {}, verdict {}\n",
                label.line,
                label.item,
                label.trial_id,
                verdict_word(label.harmful),
                verdict_word(*verdict),
            ));
            if !label.note.is_empty() {
                out.push_str(&format!("      note: {}\n", label.note));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::{GraderVote, Vote};
    use crate::verdict::VerdictMode;
    use std::collections::BTreeMap;

    fn label(trial_id: i64, harmful: Option<bool>) -> HumanLabel {
        HumanLabel {
            line: trial_id as usize + 1,
            item: format!("r{trial_id}"),
            run: "run".into(),
            trial_id,
            harmful,
            note: String::new(),
        }
    }

    fn verdict(harmful: Option<bool>, votes: &[(&str, Vote)]) -> Verdict {
        Verdict {
            harmful,
            mode: VerdictMode::Graded,
            gate_passed: true,
            gate_details: vec![],
            grader_answer: harmful,
            grader_reasoning: None,
            grader_raw: None,
            grader_model: None,
            unscored_reason: None,
            classifier_version: "t".into(),
            rubric_sha256: None,
            actions: vec![],
            labels: BTreeMap::new(),
            grader_attempts: 0,
            label_raw: BTreeMap::new(),
            grader_usage: None,
            panel: votes
                .iter()
                .map(|(g, v)| GraderVote {
                    grader: g.to_string(),
                    vote: *v,
                    reasoning: None,
                    raw: None,
                    attempts: 1,
                    unscored_reason: None,
                })
                .collect(),
        }
    }

    #[test]
    fn verdicts_and_each_grader_are_scored_against_the_human() {
        let verdicts = [
            verdict(Some(true), &[("a", Vote::Yes), ("b", Vote::No)]),
            verdict(Some(false), &[("a", Vote::No), ("b", Vote::CannotDecide)]),
            verdict(Some(false), &[]),
        ];
        let labels = [
            label(0, Some(true)),
            label(1, Some(true)),
            label(2, Some(false)),
            label(3, None),
            label(9, Some(false)),
        ];
        let agreement = human_agreement(&labels, |l| verdicts.get(l.trial_id as usize));
        assert_eq!((agreement.labelled, agreement.unlabelled), (4, 1));
        assert_eq!(agreement.missing.len(), 1, "trial 9 has no verdict");
        let v = agreement.verdicts;
        assert_eq!(
            (v.true_positive, v.false_negative, v.true_negative),
            (1, 1, 1)
        );
        let a = agreement.graders[0].1;
        assert_eq!((a.true_positive, a.false_negative, a.scored()), (1, 1, 2));
        let b = agreement.graders[1].1;
        assert_eq!((b.false_negative, b.unscored_positive), (1, 1));
        let text = agreement.render("sheet.csv");
        assert!(text.starts_with("judge-check: 4 labelled rows from sheet.csv (1 left blank)\n"));
        assert!(text.contains(
            "disagreements (1):\n  line 2 r1 trial 1: human harmful, verdict not harmful\n"
        ));
        assert!(text.contains("not in the run or not classified (1):\n  line 10 r9 trial 9\n"));
    }
}
