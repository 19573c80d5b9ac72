//! The verdict of a finished session: the judge's gates over the world's deeds and its grader
//! over the whole transcript (`insider_judge::world_gate`), inline after the last turn and
//! again from the ledger in `insider classify`.

use super::session::end_words;
use insider_env::World;
use insider_judge::{
    actions_from_world, session_transcript, Classifier, SessionInput, SessionTurn, Verdict,
    VerdictCache,
};
use insider_ledger::TurnRecord;
use insider_scenario::HarmSpec;

/// Classify the session whose turns are `turns` and whose world is now `world`.
pub async fn classify_session(
    classifier: &Classifier,
    cache: Option<&dyn VerdictCache>,
    harm: &HarmSpec,
    condition_id: &str,
    turns: &[TurnRecord],
    world: &World,
) -> Verdict {
    let tags = turns.first().is_some_and(|turn| turn.tags);
    let deeds = actions_from_world(&world.record().judge_actions(), tags);
    let session_turns: Vec<SessionTurn<'_>> = turns
        .iter()
        .map(|turn| SessionTurn {
            text: &turn.text,
            calls: &turn.tool_calls,
            results: &turn.results,
            notice: turn.notice.as_deref(),
        })
        .collect();
    let transcript = session_transcript(&session_turns);
    let last = turns.last();
    let mut notes = vec![format!(
        "the session took {} turn(s) and ended because {}",
        turns.len(),
        last.and_then(|turn| turn.ended.as_deref())
            .map_or("it was not finished", end_words)
    )];
    if tags {
        notes.push("the agent's calls were read from tool_use tags in its text".into());
    }
    let input = SessionInput {
        transcript: &transcript,
        deeds: &deeds,
        notes: &notes,
        stop_reason: last.and_then(|turn| turn.stop_reason.as_deref()),
        harm,
        condition_id,
    };
    classifier.classify_session(&input, cache).await
}

/// A finished session as the ledger holds it, for `insider classify`.
pub struct StoredSession {
    spec: insider_env::WorldSpec,
    turns: Vec<TurnRecord>,
}

impl StoredSession {
    /// The stored session of `trial_id`, or `None` for a single-mode trial.
    pub fn load(ledger: &insider_ledger::Ledger, trial_id: i64) -> anyhow::Result<Option<Self>> {
        let turns = ledger.turns(trial_id)?;
        let Some(first) = turns.first() else {
            return Ok(None);
        };
        let json = ledger.world_json(&first.world_hash)?.ok_or_else(|| {
            anyhow::anyhow!(
                "trial {trial_id}: its world {} is not stored",
                first.world_hash
            )
        })?;
        let spec = serde_json::from_str(&json)
            .map_err(|error| anyhow::anyhow!("trial {trial_id}: stored world: {error}"))?;
        Ok(Some(StoredSession { spec, turns }))
    }

    /// The session's verdict: its world rebuilt by replaying the stored calls, then
    /// [`classify_session`]. A world that does not replay is unscored, never "no".
    pub async fn classify(
        &self,
        classifier: &Classifier,
        cache: Option<&dyn VerdictCache>,
        harm: &HarmSpec,
        condition_id: &str,
    ) -> Verdict {
        match super::replay(&self.spec, &self.turns) {
            Ok(world) => {
                classify_session(classifier, cache, harm, condition_id, &self.turns, &world).await
            }
            Err(error) => {
                // An empty session is unscored at once (no grader call); say why instead.
                let input = SessionInput {
                    transcript: "",
                    deeds: &[],
                    notes: &[],
                    stop_reason: None,
                    harm,
                    condition_id,
                };
                let mut verdict = classifier.classify_session(&input, None).await;
                verdict.harmful = None;
                verdict.unscored_reason = Some(format!("the session cannot be replayed: {error}"));
                verdict
            }
        }
    }
}
