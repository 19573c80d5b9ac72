//! Writing the ledger: run provenance, the trial plan, outcomes, verdicts and the verdict cache.
//!
//! During `insider run` only the scheduler's writer thread calls these; imports call them
//! directly. Every outcome is written in one transaction, so a killed process leaves each trial
//! either fully recorded or not at all.

use crate::{mode_str, now_rfc3339, Ledger, NewRun, StoredPrompt};
use anyhow::Context;
use insider_judge::Verdict;
use insider_model::{Attempt, ChatResponse, FailureKind, ProviderError, ToolCall, Usage};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What planning a trial that already exists does: a trial not yet completed takes the new
/// prompt, a completed one keeps the prompt it ran with (shared by the one- and many-trial
/// inserts).
macro_rules! replan_trial {
    () => {
        "ON CONFLICT(model_id, condition_id, sample_index) DO UPDATE
         SET prompt_hash = CASE WHEN status = 'completed' THEN prompt_hash
                                ELSE excluded.prompt_hash END"
    };
}

/// A condition as the ledger records it: id, pack and factor values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionInfo {
    /// Condition id, e.g. `blackmail_explicit-america_replacement`.
    pub name: String,
    /// Scenario (pack) name.
    pub scenario: String,
    /// Factor values by factor name.
    pub factors: BTreeMap<String, String>,
}

impl ConditionInfo {
    /// The ledger's record of `condition`: its id, scenario and every factor value.
    pub fn of(condition: &insider_scenario::Condition) -> ConditionInfo {
        let factors: BTreeMap<String, String> = condition
            .factors()
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect();
        ConditionInfo {
            name: condition.id(),
            scenario: condition.scenario.clone(),
            factors,
        }
    }
}

/// A finished trial from elsewhere (e.g. the original research layout), for imports.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportedTrial {
    /// Model name.
    pub model: String,
    /// Condition id.
    pub condition: String,
    /// Scenario (pack) name.
    pub scenario: String,
    /// Factor values by factor name.
    pub factors: BTreeMap<String, String>,
    /// 0-based sample index.
    pub sample_index: u32,
    /// The prompt the model saw (stored once by its hash).
    pub system: String,
    /// User message.
    pub user: String,
    /// Native tool definitions.
    pub tools: Vec<insider_scenario::ToolDef>,
    /// Reply text.
    pub reply: String,
    /// Reasoning text.
    pub reasoning: Option<String>,
    /// Native tool calls.
    pub tool_calls: Vec<ToolCall>,
    /// Stop reason.
    pub stop_reason: Option<String>,
    /// Token counts, if known.
    pub usage: Option<Usage>,
    /// Cost, if known.
    pub cost_usd: Option<f64>,
    /// Latency in milliseconds, if known.
    pub latency_ms: Option<u64>,
    /// When the reply was received (RFC 3339); now if empty.
    pub finished_at: Option<String>,
    /// Raw request and response bodies, if known.
    pub raw_bodies: Option<(String, String)>,
}

impl Ledger {
    pub(super) fn insert_run(&self, run: &NewRun) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO runs (id, name, tool_version, git_revision, config_json, host, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                run.run_id,
                run.name,
                run.tool_version,
                run.git_revision,
                serde_json::to_string(&run.config)?,
                run.host,
                run.started_at
            ],
        )?;
        Ok(())
    }

    /// Run `f` inside one write transaction (committed if it returns `Ok`, rolled back otherwise).
    pub fn batch<T>(&mut self, f: impl FnOnce(&Ledger) -> anyhow::Result<T>) -> anyhow::Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(value) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(error) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }

    /// Record the start of an invocation (first run or resume); returns the session id.
    pub fn start_session(&self, argv: &str) -> anyhow::Result<i64> {
        self.conn.execute(
            "INSERT INTO sessions (tool_version, git_revision, host, argv, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                crate::provenance::TOOL_VERSION,
                crate::provenance::git_revision(),
                crate::provenance::host_name(),
                argv,
                now_rfc3339()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Record the end of an invocation and how it ended (`completed`, `interrupted`, ...).
    pub fn end_session(&self, session_id: i64, outcome: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE sessions SET ended_at = ?2, outcome = ?3 WHERE id = ?1",
            params![session_id, now_rfc3339(), outcome],
        )?;
        Ok(())
    }

    /// Replace the run's stored experiment config (a run grown to more samples).
    pub fn set_run_config(&self, config: &serde_json::Value) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE runs SET config_json = ?1",
            params![serde_json::to_string(config)?],
        )?;
        Ok(())
    }

    /// Stamp the run's end time (call when every trial has an outcome).
    pub fn finish_run(&self) -> anyhow::Result<()> {
        self.conn
            .execute("UPDATE runs SET ended_at = ?1", params![now_rfc3339()])?;
        Ok(())
    }

    /// Insert or update a model and its parameters; returns its row id.
    pub fn upsert_model(&self, name: &str, params_json: &serde_json::Value) -> anyhow::Result<i64> {
        let id = self
            .conn
            .prepare_cached(
                "INSERT INTO models (name, params_json) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET params_json = excluded.params_json
                 RETURNING id",
            )?
            .query_row(params![name, serde_json::to_string(params_json)?], |row| {
                row.get(0)
            })?;
        Ok(id)
    }

    /// Record the base URL model `name` is called at (`resolved_base_url` in its parameters,
    /// read by reports for the endpoint host); refreshed by every session, since planning
    /// again rewrites the parameters from the config.
    pub fn set_model_base_url(&self, name: &str, url: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE models SET params_json = json_set(params_json, '$.resolved_base_url', ?2)
                 WHERE name = ?1",
            )?
            .execute(params![name, url])?;
        Ok(())
    }

    /// Insert a condition (or refresh its factor values); returns its row id.
    pub fn upsert_condition(&self, condition: &ConditionInfo) -> anyhow::Result<i64> {
        let id = self
            .conn
            .prepare_cached(
                "INSERT INTO conditions (name, scenario, factors_json) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET scenario = excluded.scenario,
                     factors_json = excluded.factors_json
                 RETURNING id",
            )?
            .query_row(
                params![
                    condition.name,
                    condition.scenario,
                    serde_json::to_string(&condition.factors)?
                ],
                |row| row.get(0),
            )?;
        Ok(id)
    }

    /// Record where condition `condition_id`'s pack came from and what counts as harm in it.
    pub fn set_condition_pack(
        &self,
        condition_id: i64,
        origin: &str,
        harm: &insider_scenario::HarmSpec,
    ) -> anyhow::Result<()> {
        self.conn
            .prepare_cached("UPDATE conditions SET pack = ?2, harm_json = ?3 WHERE id = ?1")?
            .execute(params![condition_id, origin, serde_json::to_string(harm)?])?;
        Ok(())
    }

    /// Store a prompt once under `hash` (a no-op if already stored).
    pub fn store_prompt(&self, hash: &str, prompt: &StoredPrompt) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO prompts (hash, system, user, tools_json) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                hash,
                prompt.system,
                prompt.user,
                serde_json::to_string(&prompt.tools)?
            ])?;
        Ok(())
    }

    /// Make sure the trial (model, condition, sample) exists; a trial not yet completed gets
    /// `prompt_hash` (the current rendering). Returns the trial id.
    pub fn ensure_trial(
        &self,
        model_id: i64,
        condition_id: i64,
        sample_index: u32,
        prompt_hash: &str,
    ) -> anyhow::Result<i64> {
        let id = self
            .conn
            .prepare_cached(concat!(
                "INSERT INTO trials (model_id, condition_id, sample_index, prompt_hash)
                     VALUES (?1, ?2, ?3, ?4) ",
                replan_trial!(),
                " RETURNING id"
            ))?
            .query_row(
                params![model_id, condition_id, sample_index, prompt_hash],
                |row| row.get(0),
            )?;
        Ok(id)
    }

    /// [`Ledger::ensure_trial`] for samples `0..samples` of one model and condition, in one
    /// statement (planning 10,000 trials one statement at a time took ~0.1 s).
    pub fn ensure_trials(
        &self,
        model_id: i64,
        condition_id: i64,
        samples: u32,
        prompt_hash: &str,
    ) -> anyhow::Result<()> {
        if samples == 0 {
            return Ok(());
        }
        // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT.
        self.conn
            .prepare_cached(
                concat!(
                    "WITH RECURSIVE sample(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM sample WHERE i + 1 < ?3)
                     INSERT INTO trials (model_id, condition_id, sample_index, prompt_hash)
                     SELECT ?1, ?2, i, ?4 FROM sample WHERE true ",
                    replan_trial!()
                ),
            )?
            .execute(params![model_id, condition_id, samples, prompt_hash])?;
        Ok(())
    }

    /// Trials in flight when a previous process died become `abandoned`; returns how many.
    pub fn release_in_flight(&self) -> anyhow::Result<usize> {
        self.close_running_calls()?;
        Ok(self.conn.execute(
            "UPDATE trials SET status = 'abandoned', failure_reason = 'interrupted while in flight'
             WHERE status = 'running'",
            [],
        )?)
    }

    /// Mark a trial as in flight.
    pub fn claim_trial(&self, trial_id: i64) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE trials SET status = 'running', started_at = ?2
                 WHERE id = ?1 AND status != 'completed'",
            )?
            .execute(params![trial_id, now_rfc3339()])?;
        Ok(())
    }

    /// Record a successful call: reply, usage, cost, attempts and raw bodies, in one step.
    /// Returns false (and writes nothing) if the trial was already completed.
    pub fn complete_trial(&self, trial_id: i64, response: &ChatResponse) -> anyhow::Result<bool> {
        let usage = &response.usage;
        let call: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE trials SET status = 'completed', failure_kind = NULL, failure_reason = NULL,
                     calls = calls + 1, reply = ?2, reasoning = ?3, tool_calls_json = ?4,
                     stop_reason = ?5, response_model = ?6, input_tokens = ?7, output_tokens = ?8,
                     cache_read_tokens = ?9, cache_write_tokens = ?10, reasoning_tokens = ?11,
                     cost_usd = ?12, latency_ms = ?13, finished_at = ?14
                 WHERE id = ?1 AND status != 'completed'
                 RETURNING calls",
            )?
            .query_row(
                params![
                    trial_id,
                    response.text,
                    response.reasoning,
                    serde_json::to_string(&response.tool_calls)?,
                    response.stop_reason,
                    response.model,
                    usage.input_tokens as i64,
                    usage.output_tokens as i64,
                    usage.cache_read_tokens as i64,
                    usage.cache_write_tokens as i64,
                    usage.reasoning_tokens.map(|n| n as i64),
                    response.cost_usd,
                    response.latency_ms as i64,
                    now_rfc3339()
                ],
                |row| row.get(0),
            )
            .optional()?;
        let Some(call) = call else { return Ok(false) };
        self.insert_attempts(trial_id, call, &response.attempts)?;
        let hash: String = self
            .conn
            .prepare_cached("SELECT prompt_hash FROM trials WHERE id = ?1")?
            .query_row([trial_id], |row| row.get(0))?;
        let packed = self
            .escaped_prompt(&hash)?
            .and_then(|prompt| crate::rawpack::pack(&response.raw_request, &prompt));
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO responses (trial_id, raw_request, raw_response, request_packed)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                trial_id,
                packed.as_deref().unwrap_or(&response.raw_request),
                response.raw_response,
                packed.is_some()
            ])?;
        Ok(true)
    }

    /// Record a failed call with its reason and every attempt. A cancelled call leaves the
    /// trial `abandoned`; other failures leave it `failed` with the failure kind.
    pub fn fail_trial(&self, trial_id: i64, error: &ProviderError) -> anyhow::Result<()> {
        let (status, kind) = match error.kind {
            FailureKind::Permanent => ("failed", "permanent"),
            FailureKind::RetriesExhausted => ("failed", "retries_exhausted"),
            FailureKind::Cancelled => ("abandoned", "cancelled"),
        };
        let call: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE trials SET status = ?2, failure_kind = ?3, failure_reason = ?4,
                     calls = calls + 1, finished_at = ?5
                 WHERE id = ?1 AND status != 'completed'
                 RETURNING calls",
            )?
            .query_row(
                params![trial_id, status, kind, error.message, now_rfc3339()],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(call) = call {
            self.insert_attempts(trial_id, call, &error.attempts)?;
        }
        Ok(())
    }

    /// Mark a trial abandoned without a call result (Ctrl-C before the call started).
    pub fn abandon_trial(&self, trial_id: i64, reason: &str) -> anyhow::Result<()> {
        self.close_open_call(trial_id)?;
        self.conn
            .prepare_cached(
                "UPDATE trials SET status = 'abandoned', failure_kind = 'cancelled', failure_reason = ?2
                 WHERE id = ?1 AND status != 'completed'",
            )?
            .execute(params![trial_id, reason])?;
        Ok(())
    }

    pub(crate) fn insert_attempts(
        &self,
        trial_id: i64,
        call: i64,
        attempts: &[Attempt],
    ) -> anyhow::Result<()> {
        let mut statement = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO attempts
                 (trial_id, call, number, started_at, duration_ms, http_status, error, retryable)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for attempt in attempts {
            statement.execute(params![
                trial_id,
                call,
                attempt.number,
                attempt.started_at,
                attempt.duration_ms as i64,
                attempt.status,
                attempt.error,
                attempt.retryable
            ])?;
        }
        Ok(())
    }

    /// Import a finished trial (model, condition, prompt and reply) in one transaction; returns
    /// its trial id. Fails if that (model, condition, sample) is already completed.
    pub fn insert_completed_trial(&mut self, trial: &ImportedTrial) -> anyhow::Result<i64> {
        self.batch(|ledger| {
            let model_id = ledger.upsert_model(&trial.model, &serde_json::json!({}))?;
            let condition_id = ledger.upsert_condition(&ConditionInfo {
                name: trial.condition.clone(),
                scenario: trial.scenario.clone(),
                factors: trial.factors.clone(),
            })?;
            let hash = insider_scenario::prompt_hash(&trial.system, &trial.user, &trial.tools);
            ledger.store_prompt(
                &hash,
                &StoredPrompt {
                    system: trial.system.clone(),
                    user: trial.user.clone(),
                    tools: trial.tools.clone(),
                },
            )?;
            let trial_id =
                ledger.ensure_trial(model_id, condition_id, trial.sample_index, &hash)?;
            let (raw_request, raw_response) = trial.raw_bodies.clone().unwrap_or_default();
            let response = ChatResponse {
                model: trial.model.clone(),
                text: trial.reply.clone(),
                reasoning: trial.reasoning.clone(),
                tool_calls: trial.tool_calls.clone(),
                stop_reason: trial.stop_reason.clone(),
                usage: trial.usage.clone().unwrap_or_default(),
                cost_usd: trial.cost_usd,
                latency_ms: trial.latency_ms.unwrap_or(0),
                raw_request,
                raw_response,
                attempts: Vec::new(),
                ..ChatResponse::default()
            };
            if !ledger.complete_trial(trial_id, &response)? {
                anyhow::bail!(
                    "trial {} / {} / sample {} is already in the ledger",
                    trial.model,
                    trial.condition,
                    trial.sample_index
                );
            }
            if let Some(finished_at) = &trial.finished_at {
                ledger.conn.execute(
                    "UPDATE trials SET finished_at = ?2 WHERE id = ?1",
                    params![trial_id, finished_at],
                )?;
            }
            if trial.raw_bodies.is_none() {
                ledger
                    .conn
                    .execute("DELETE FROM responses WHERE trial_id = ?1", [trial_id])?;
            }
            if trial.usage.is_none() {
                ledger.conn.execute(
                    "UPDATE trials SET input_tokens = NULL, output_tokens = NULL,
                         cache_read_tokens = NULL, cache_write_tokens = NULL WHERE id = ?1",
                    [trial_id],
                )?;
            }
            if trial.latency_ms.is_none() {
                ledger.conn.execute(
                    "UPDATE trials SET latency_ms = NULL WHERE id = ?1",
                    [trial_id],
                )?;
            }
            Ok(trial_id)
        })
    }

    /// Store (or replace) the verdict of a trial.
    pub fn save_verdict(&self, trial_id: i64, verdict: &Verdict) -> anyhow::Result<()> {
        let usage = crate::verdict_columns::UsageColumns::of(verdict);
        self.conn
            .prepare_cached(&crate::verdict_columns::SAVE_VERDICT)?
            .execute(params![
                trial_id,
                verdict.harmful,
                mode_str(verdict.mode),
                verdict.grader_model,
                verdict.classifier_version,
                serde_json::to_string(verdict)?,
                now_rfc3339(),
                crate::verdict_columns::reason_code(verdict),
                crate::verdict_columns::labels_json(verdict)?,
                usage.calls,
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens,
                usage.cache_write_tokens,
                usage.cost_usd,
                usage.cached
            ])
            .with_context(|| format!("saving verdict of trial {trial_id}"))?;
        self.conn
            .prepare_cached("DELETE FROM grader_votes WHERE trial_id = ?1")?
            .execute([trial_id])?;
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO grader_votes (trial_id, position, grader, vote) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (position, vote) in verdict.panel.iter().enumerate() {
            insert
                .execute(params![
                    trial_id,
                    position as i64,
                    vote.grader,
                    vote.vote.as_str()
                ])
                .with_context(|| format!("saving grader votes of trial {trial_id}"))?;
        }
        Ok(())
    }

    /// Store a grader answer (JSON) under key.
    pub fn cache_put(&self, key: &str, value_json: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO verdict_cache (key, value_json, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![key, value_json, now_rfc3339()])?;
        Ok(())
    }
}
