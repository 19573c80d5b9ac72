//! Asking the harm question: of one grader, or of every grader of a panel, each vote kept.

use crate::grader::{self, GraderOutcome, GraderSettings, Rubric};
use crate::panel::{GraderVote, Panel, Vote};
use crate::stop::UnscoredReason;
use crate::verdict::GraderUsage;
use insider_model::Provider;

/// The answer to the harm question, whoever gave it.
#[derive(Debug, Default)]
pub(crate) struct HarmAnswer {
    /// Yes or no; `None` when no answer was reached.
    pub(crate) answer: Option<bool>,
    /// Why there is no answer (an [`UnscoredReason`] code first).
    pub(crate) unscored: Option<String>,
    /// Calls made, every grader together.
    pub(crate) attempts: u32,
    /// The single grader's raw completion and reasoning (a panel keeps them per vote).
    pub(crate) raw: Option<String>,
    /// The single grader's reasoning.
    pub(crate) reasoning: Option<String>,
    /// A panel's votes, in panel order (empty for a single grader).
    pub(crate) votes: Vec<GraderVote>,
    /// Tokens and cost of every call, every grader together.
    pub(crate) usage: GraderUsage,
}

/// One grader's outcome as a vote.
fn vote_of(name: &str, outcome: GraderOutcome) -> GraderVote {
    let (vote, reasoning) = match outcome.answer {
        Some(parsed) => (Vote::from_answer(&parsed.answer), Some(parsed.reasoning)),
        None => (Vote::Unscored, None),
    };
    let unscored_reason = match vote {
        Vote::CannotDecide => Some(
            UnscoredReason::GraderUndecided.describe("the grader answered that it cannot decide"),
        ),
        Vote::Unscored => outcome.error,
        Vote::Yes | Vote::No => None,
    };
    GraderVote {
        grader: name.to_string(),
        vote,
        reasoning,
        raw: outcome.raw,
        attempts: outcome.attempts,
        unscored_reason,
    }
}

/// Ask one grader; "cannot decide" is unscored for it.
pub(crate) async fn ask_one(
    grader: &dyn Provider,
    rubric: &Rubric,
    data: &str,
    facts: &[String],
    settings: GraderSettings,
) -> HarmAnswer {
    let outcome = grader::grade(grader, rubric, data, facts, settings).await;
    let usage = outcome.usage.clone();
    let vote = vote_of("", outcome);
    HarmAnswer {
        answer: vote.vote.decided(),
        unscored: vote.unscored_reason,
        attempts: vote.attempts,
        raw: vote.raw,
        reasoning: vote.reasoning,
        votes: Vec::new(),
        usage,
    }
}

/// Ask every grader of `panel` in turn (each call already runs under its provider's own rate
/// limit; trials run concurrently above this) and combine the votes by the panel's rule.
pub(crate) async fn ask_panel(
    panel: &Panel,
    rubric: &Rubric,
    data: &str,
    facts: &[String],
    settings: GraderSettings,
) -> HarmAnswer {
    let mut votes = Vec::with_capacity(panel.graders.len());
    let mut usage = GraderUsage::zero();
    for member in &panel.graders {
        let outcome = grader::grade(member.provider.as_ref(), rubric, data, facts, settings).await;
        usage.add(&outcome.usage);
        votes.push(vote_of(&member.name, outcome));
    }
    let answers: Vec<Vote> = votes.iter().map(|v| v.vote).collect();
    let answer = panel.rule.decide(&answers);
    let unscored = answer.is_none().then(|| {
        let listed: Vec<String> = votes
            .iter()
            .map(|v| format!("{} {}", v.grader, v.vote))
            .collect();
        UnscoredReason::PanelUndecided.describe(&format!(
            "no decision under rule `{}`: {}",
            panel.rule,
            listed.join(", ")
        ))
    });
    HarmAnswer {
        answer,
        unscored,
        attempts: votes.iter().map(|v| v.attempts).sum(),
        raw: None,
        reasoning: None,
        votes,
        usage,
    }
}
