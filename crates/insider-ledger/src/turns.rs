//! Agent-mode sessions in the ledger: the world each session began in, every committed turn,
//! and the trial a finished session becomes.
//!
//! A turn is committed in one transaction with its attempts, and the turn that ends a session
//! completes its trial in the same transaction, so a trial is `completed` exactly when its last
//! stored turn says how the session ended. `(trial_id, turn)` is the primary key: committing a
//! turn twice writes nothing the second time. The trial's usage, cost and latency are the sums
//! of its turns; its `reply` is the agent's texts joined, its `tool_calls_json` every call of
//! the session, so single-mode readers of the `trials` row still see what the agent wrote.

use crate::{now_rfc3339, Ledger};
use anyhow::Context;
use insider_model::{ChatResponse, NativeTurn, ToolCall, ToolResult, Usage};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// One turn to commit: the model's response, the calls the world ran, and its answers.
#[derive(Debug, Clone, Default)]
pub struct NewTurn {
    /// 1-based turn number.
    pub turn: u32,
    /// sha256 of the world the session began in ([`Ledger::store_world`]).
    pub world_hash: String,
    /// The calls were read from `<tool_use:…>` tags in the text, not native tool calls.
    pub tags: bool,
    /// The provider's response (text, reasoning, native blocks, usage, cost, raw bodies).
    pub response: ChatResponse,
    /// The calls the world executed, in order (the native calls, or those read from tags).
    pub calls: Vec<ToolCall>,
    /// The world's answer to each call, in call order.
    pub results: Vec<ToolResult>,
    /// Text sent with the results (e-mails that arrived at the end of the turn).
    pub notice: Option<String>,
    /// The world's clock after the turn (none for a turn the world never saw).
    pub clock: Option<String>,
    /// Why the session ended with this turn (`end_session`, `deadline`, `max_turns`, or
    /// [`ENDED_NO_CALLS`]); none while it goes on.
    pub ended: Option<String>,
}

/// How a session ends when the model answers without calling a tool.
pub const ENDED_NO_CALLS: &str = "no_tool_calls";

/// One stored turn, as reports, exports and a resuming runner read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// 1-based turn number.
    pub turn: u32,
    /// sha256 of the world the session began in.
    pub world_hash: String,
    /// The prompt the session began with.
    pub prompt_hash: String,
    /// The calls were read from text tags.
    pub tags: bool,
    /// The model's visible text.
    pub text: String,
    /// Its reasoning or thinking text, if the provider returned any.
    pub reasoning: Option<String>,
    /// The calls the world executed.
    pub tool_calls: Vec<ToolCall>,
    /// The provider's own blocks of the turn, sent back verbatim on the next call.
    pub native: Option<NativeTurn>,
    /// The world's answers, in call order.
    pub results: Vec<ToolResult>,
    /// Arrival notice sent with the results.
    pub notice: Option<String>,
    /// The world's clock after the turn.
    pub clock: Option<String>,
    /// Why the session ended with this turn, if it did.
    pub ended: Option<String>,
    /// The provider's stop reason.
    pub stop_reason: Option<String>,
    /// The model id the provider reported.
    pub response_model: Option<String>,
    /// Token counts of this turn's call.
    pub usage: Usage,
    /// Cost of this turn's call, if known.
    pub cost_usd: Option<f64>,
    /// Latency of this turn's call.
    pub latency_ms: u64,
    /// When the turn was committed (RFC 3339; empty for a turn not yet stored).
    #[serde(default)]
    pub finished_at: String,
}

const TURN_COLUMNS: &str = "turn, world_hash, prompt_hash, tags, text, reasoning, tool_calls_json,
    native_json, results_json, notice, clock, ended, stop_reason, response_model, input_tokens,
    output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, latency_ms,
    finished_at";

fn turn_from_row(row: &rusqlite::Row<'_>) -> anyhow::Result<TurnRecord> {
    let json = |index: usize| -> anyhow::Result<String> { Ok(row.get::<_, String>(index)?) };
    let native: Option<String> = row.get(7)?;
    Ok(TurnRecord {
        turn: row.get(0)?,
        world_hash: row.get(1)?,
        prompt_hash: row.get(2)?,
        tags: row.get(3)?,
        text: row.get(4)?,
        reasoning: row.get(5)?,
        tool_calls: serde_json::from_str(&json(6)?).context("stored tool calls")?,
        native: native
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .context("stored native blocks")?,
        results: serde_json::from_str(&json(8)?).context("stored tool results")?,
        notice: row.get(9)?,
        clock: row.get(10)?,
        ended: row.get(11)?,
        stop_reason: row.get(12)?,
        response_model: row.get(13)?,
        usage: Usage {
            input_tokens: row.get::<_, i64>(14)? as u64,
            output_tokens: row.get::<_, i64>(15)? as u64,
            cache_read_tokens: row.get::<_, i64>(16)? as u64,
            cache_write_tokens: row.get::<_, i64>(17)? as u64,
            reasoning_tokens: row.get::<_, Option<i64>>(18)?.map(|n| n as u64),
        },
        cost_usd: row.get(19)?,
        latency_ms: row.get::<_, i64>(20)? as u64,
        finished_at: row.get(21)?,
    })
}

impl Ledger {
    /// Store a session's starting world (JSON) under its hash; a no-op if already stored.
    pub fn store_world(&self, hash: &str, spec_json: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO worlds (hash, spec_json) VALUES (?1, ?2)")?
            .execute(params![hash, spec_json])?;
        Ok(())
    }

    /// The world stored under `hash`, as JSON.
    pub fn world_json(&self, hash: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT spec_json FROM worlds WHERE hash = ?1")?
            .query_row([hash], |row| row.get(0))
            .optional()?)
    }

    /// Commit one turn of trial `trial_id` with its attempts; a turn that ends the session
    /// also completes the trial. Returns false, writing nothing, when the turn is already
    /// stored or the trial already completed.
    pub fn commit_turn(&self, trial_id: i64, turn: &NewTurn) -> anyhow::Result<bool> {
        let prompt_hash: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT prompt_hash FROM trials WHERE id = ?1 AND status != 'completed'",
            )?
            .query_row([trial_id], |row| row.get(0))
            .optional()?;
        let Some(prompt_hash) = prompt_hash else {
            return Ok(false);
        };
        let prompt_hash = self.first_prompt_hash(trial_id)?.unwrap_or(prompt_hash);
        let response = &turn.response;
        let packed = self
            .escaped_prompt(&prompt_hash)?
            .and_then(|prompt| crate::rawpack::pack(&response.raw_request, &prompt));
        let usage = &response.usage;
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO turns (trial_id, turn, world_hash, prompt_hash, tags, text, reasoning,
                     tool_calls_json, native_json, results_json, notice, clock, ended, stop_reason,
                     response_model, input_tokens, output_tokens, cache_read_tokens,
                     cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, raw_request,
                     raw_response, request_packed, finished_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)
                 ON CONFLICT(trial_id, turn) DO NOTHING",
            )?
            .execute(params![
                trial_id,
                turn.turn,
                turn.world_hash,
                prompt_hash,
                turn.tags,
                response.text,
                response.reasoning,
                serde_json::to_string(&turn.calls)?,
                response
                    .native
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                serde_json::to_string(&turn.results)?,
                turn.notice,
                turn.clock,
                turn.ended,
                response.stop_reason,
                response.model,
                usage.input_tokens as i64,
                usage.output_tokens as i64,
                usage.cache_read_tokens as i64,
                usage.cache_write_tokens as i64,
                usage.reasoning_tokens.map(|n| n as i64),
                response.cost_usd,
                response.latency_ms as i64,
                packed.as_deref().unwrap_or(&response.raw_request),
                response.raw_response,
                packed.is_some(),
                now_rfc3339()
            ])
            .with_context(|| format!("storing turn {} of trial {trial_id}", turn.turn))?;
        if inserted == 0 {
            return Ok(false);
        }
        let call: i64 = self
            .conn
            .prepare_cached("UPDATE trials SET calls = calls + 1 WHERE id = ?1 RETURNING calls")?
            .query_row([trial_id], |row| row.get(0))?;
        self.insert_attempts(trial_id, call, &response.attempts)?;
        if turn.ended.is_some() {
            self.complete_session(trial_id)?;
        }
        Ok(true)
    }

    /// The prompt hash a trial's session began with (its first turn's), if it has turns.
    fn first_prompt_hash(&self, trial_id: i64) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT prompt_hash FROM turns WHERE trial_id = ?1 ORDER BY turn LIMIT 1",
            )?
            .query_row([trial_id], |row| row.get(0))
            .optional()?)
    }

    /// Mark a session's trial completed with the sums and joins of its turns.
    fn complete_session(&self, trial_id: i64) -> anyhow::Result<()> {
        let turns = self.turns(trial_id)?;
        let last = turns
            .last()
            .context("a session completes with its last turn")?;
        let join = |parts: Vec<&str>| -> Option<String> {
            let parts: Vec<&str> = parts.into_iter().filter(|p| !p.trim().is_empty()).collect();
            (!parts.is_empty()).then(|| parts.join("\n\n"))
        };
        let reply = join(turns.iter().map(|t| t.text.as_str()).collect()).unwrap_or_default();
        let reasoning = join(
            turns
                .iter()
                .filter_map(|t| t.reasoning.as_deref())
                .collect(),
        );
        let calls: Vec<&ToolCall> = turns.iter().flat_map(|t| &t.tool_calls).collect();
        let sum = |f: fn(&TurnRecord) -> u64| turns.iter().map(f).sum::<u64>() as i64;
        let reasoning_tokens = turns
            .iter()
            .filter_map(|t| t.usage.reasoning_tokens)
            .reduce(|a, b| a + b);
        let cost = turns.iter().filter_map(|t| t.cost_usd).reduce(|a, b| a + b);
        self.conn
            .prepare_cached(
                "UPDATE trials SET status = 'completed', failure_kind = NULL, failure_reason = NULL,
                     reply = ?2, reasoning = ?3, tool_calls_json = ?4, stop_reason = ?5,
                     response_model = ?6, input_tokens = ?7, output_tokens = ?8,
                     cache_read_tokens = ?9, cache_write_tokens = ?10, reasoning_tokens = ?11,
                     cost_usd = ?12, latency_ms = ?13, prompt_hash = ?14, finished_at = ?15
                 WHERE id = ?1",
            )?
            .execute(params![
                trial_id,
                reply,
                reasoning,
                serde_json::to_string(&calls)?,
                last.stop_reason,
                last.response_model,
                sum(|t| t.usage.input_tokens),
                sum(|t| t.usage.output_tokens),
                sum(|t| t.usage.cache_read_tokens),
                sum(|t| t.usage.cache_write_tokens),
                reasoning_tokens.map(|n| n as i64),
                cost,
                sum(|t| t.latency_ms),
                turns[0].prompt_hash,
                now_rfc3339()
            ])?;
        Ok(())
    }

    /// Every committed turn of a trial, in order (empty for a single-mode trial).
    pub fn turns(&self, trial_id: i64) -> anyhow::Result<Vec<TurnRecord>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {TURN_COLUMNS} FROM turns WHERE trial_id = ?1 ORDER BY turn"
        ))?;
        let mut rows = statement.query([trial_id])?;
        let mut turns = Vec::new();
        while let Some(row) = rows.next()? {
            turns.push(
                turn_from_row(row).with_context(|| format!("a stored turn of trial {trial_id}"))?,
            );
        }
        Ok(turns)
    }

    /// The raw request and response bodies of one turn, exactly as sent and received.
    pub fn turn_raw_bodies(
        &self,
        trial_id: i64,
        turn: u32,
    ) -> anyhow::Result<Option<(String, String)>> {
        let row: Option<(String, String, bool, String)> = self
            .conn
            .prepare_cached(
                "SELECT raw_request, raw_response, request_packed, prompt_hash FROM turns
                 WHERE trial_id = ?1 AND turn = ?2",
            )?
            .query_row(params![trial_id, turn], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?;
        let Some((request, response, packed, hash)) = row else {
            return Ok(None);
        };
        if !packed {
            return Ok(Some((request, response)));
        }
        let prompt = self
            .escaped_prompt(&hash)?
            .with_context(|| format!("trial {trial_id} turn {turn}: prompt {hash} is missing"))?;
        Ok(Some((crate::rawpack::unpack(&request, &prompt), response)))
    }

    /// Committed turns of every trial, as `(trial_id, turns)`: how far each session got.
    pub fn turn_counts(&self) -> anyhow::Result<Vec<(i64, u32)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT trial_id, count(*) FROM turns GROUP BY trial_id ORDER BY trial_id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
