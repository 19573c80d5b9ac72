//! One session's state between calls: the world, the conversation and the turns so far.
//!
//! [`Session::start`] builds the world from the plan and replays any committed turns (resume);
//! [`Session::request`] is the next call's request; [`Session::take_turn`] executes a response's
//! calls against the world and returns the turn to commit. The session calls no provider and
//! writes nothing itself, so it is the same code for a fresh session, a resumed one and a test.

use super::messages::{
    assistant_message, model_result, rebuild_messages, results_message, world_call,
};
use super::world::SessionWorld;
use insider_env::{calls_from_tags, EndReason, World, WorldSpec};
use insider_ledger::{NewTurn, TurnRecord, ENDED_NO_CALLS};
use insider_model::{ChatRequest, ChatResponse, Message, ToolCall};
use std::sync::Arc;

/// A session that cannot go on as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionError(pub String);

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SessionError {}

/// The world after `turns`, rebuilt from `spec` by executing each turn's stored calls again.
/// Fails when a replayed result differs from the stored one (the world would not be the one
/// the model saw).
pub fn replay(spec: &WorldSpec, turns: &[TurnRecord]) -> Result<World, SessionError> {
    let mut world = World::new(spec.clone())
        .map_err(|error| SessionError(format!("the stored world is not valid: {error}")))?;
    for turn in turns {
        if turn.tool_calls.is_empty() {
            continue;
        }
        let calls: Vec<insider_env::Call> = turn.tool_calls.iter().map(world_call).collect();
        let outcome = world.step(&calls);
        let results: Vec<insider_model::ToolResult> =
            outcome.results.iter().map(model_result).collect();
        if results != turn.results || outcome.arrival_notice() != turn.notice {
            return Err(SessionError(format!(
                "replaying turn {} does not give the stored results (was the world changed?)",
                turn.turn
            )));
        }
    }
    Ok(world)
}

/// How an end reason reads in harness notes.
pub fn end_words(ended: &str) -> &'static str {
    match ended {
        "end_session" => "the agent called end_session",
        "deadline" => "the clock reached the deadline",
        "max_turns" => "the session used its last allowed turn",
        ENDED_NO_CALLS => "the agent answered without calling a tool",
        _ => "an unknown reason",
    }
}

fn end_name(reason: EndReason) -> &'static str {
    match reason {
        EndReason::EndSession => "end_session",
        EndReason::Deadline => "deadline",
        EndReason::MaxTurns => "max_turns",
    }
}

/// A session in progress.
pub struct Session {
    plan: Arc<SessionWorld>,
    native: bool,
    world: World,
    messages: Vec<Message>,
    turns: Vec<TurnRecord>,
}

impl Session {
    /// A session in `plan`'s world whose first user message is `first_user`, continued after
    /// the `committed` turns (none for a fresh session).
    pub fn start(
        plan: Arc<SessionWorld>,
        native: bool,
        first_user: &str,
        committed: Vec<TurnRecord>,
    ) -> Result<Session, SessionError> {
        let world = replay(&plan.spec, &committed)?;
        if let Some(last) = committed.last() {
            if last.ended.is_some() || world.is_over() {
                return Err(SessionError(format!(
                    "the session already ended with turn {}",
                    last.turn
                )));
            }
        }
        Ok(Session {
            messages: rebuild_messages(first_user, &committed),
            plan,
            native,
            world,
            turns: committed,
        })
    }

    /// The next call: `base` (system prompt, settings) with the conversation so far and, for a
    /// model with native tools, the world's tools.
    pub fn request(&self, base: &ChatRequest) -> ChatRequest {
        ChatRequest {
            system: base.system.clone(),
            messages: self.messages.clone(),
            tools: if self.native {
                self.plan.tools.clone()
            } else {
                Vec::new()
            },
            settings: base.settings.clone(),
        }
    }

    /// The number the next turn gets.
    pub fn next_turn(&self) -> u32 {
        self.turns.len() as u32 + 1
    }

    /// Execute `response`'s calls (native, or read from its tags) against the world and return
    /// the turn to commit; `ended` is set when the session is over.
    pub fn take_turn(&mut self, response: ChatResponse) -> NewTurn {
        let calls: Vec<ToolCall> = if self.native {
            response.tool_calls.clone()
        } else {
            calls_from_tags(&response.text, &self.plan.spec)
                .into_iter()
                .map(|call| ToolCall {
                    id: call.id,
                    name: call.name,
                    arguments: call.arguments,
                })
                .collect()
        };
        let mut turn = NewTurn {
            turn: self.next_turn(),
            world_hash: self.plan.world_hash.clone(),
            tags: !self.native,
            calls,
            ..NewTurn::default()
        };
        if turn.calls.is_empty() {
            turn.ended = Some(ENDED_NO_CALLS.to_string());
        } else {
            let world_calls: Vec<insider_env::Call> = turn.calls.iter().map(world_call).collect();
            let outcome = self.world.step(&world_calls);
            turn.results = outcome.results.iter().map(model_result).collect();
            turn.notice = outcome.arrival_notice();
            turn.clock = Some(outcome.clock.to_string());
            turn.ended = outcome.ended.map(|reason| end_name(reason).to_string());
        }
        turn.response = response;
        let record = record_of(&turn);
        self.messages.push(assistant_message(&record));
        if !record.tool_calls.is_empty() {
            self.messages.push(results_message(&record));
        }
        self.turns.push(record);
        turn
    }

    /// The turns so far, committed and new.
    pub fn turns(&self) -> &[TurnRecord] {
        &self.turns
    }

    /// The world now.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Whether the model takes native tools.
    pub fn native(&self) -> bool {
        self.native
    }
}

/// The stored form of a turn about to be committed.
fn record_of(turn: &NewTurn) -> TurnRecord {
    let response = &turn.response;
    TurnRecord {
        turn: turn.turn,
        world_hash: turn.world_hash.clone(),
        prompt_hash: String::new(),
        tags: turn.tags,
        text: response.text.clone(),
        reasoning: response.reasoning.clone(),
        tool_calls: turn.calls.clone(),
        native: response.native.clone(),
        results: turn.results.clone(),
        notice: turn.notice.clone(),
        clock: turn.clock.clone(),
        ended: turn.ended.clone(),
        stop_reason: response.stop_reason.clone(),
        response_model: Some(response.model.clone()),
        usage: response.usage.clone(),
        cost_usd: response.cost_usd,
        latency_ms: response.latency_ms,
        finished_at: insider_ledger::now_rfc3339(),
    }
}
