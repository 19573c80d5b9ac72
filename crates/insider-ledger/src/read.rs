//! Reading the ledger: run provenance, trials (full and summary), prompts, raw bodies, counts.

use crate::{parse_mode, parse_status, Ledger, RunInfo, StoredPrompt};
use crate::{TrialRecord, TrialStatus, TrialSummary};
use anyhow::Context;
use insider_model::{Attempt, Usage};
use rusqlite::{params, OptionalExtension};
use std::collections::{BTreeMap, HashMap};

struct Names {
    models: Vec<(i64, String)>,
    conditions: Vec<(i64, String, String, BTreeMap<String, String>)>,
}

impl Ledger {
    /// Provenance and resolved config of the run.
    pub fn run_info(&self) -> anyhow::Result<RunInfo> {
        self.conn
            .query_row(
                "SELECT id, name, tool_version, git_revision, config_json, host, started_at, ended_at
                 FROM runs LIMIT 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, Option<String>>(5)?,
                        row.get::<_, String>(6)?,
                        row.get::<_, Option<String>>(7)?,
                    ))
                },
            )
            .optional()?
            .map(
                |(run_id, name, tool_version, git_revision, config, host, started_at, ended_at)| {
                    Ok(RunInfo {
                        run_id,
                        name,
                        tool_version,
                        git_revision,
                        config: serde_json::from_str(&config)
                            .context("run config in ledger is not JSON")?,
                        host,
                        started_at,
                        ended_at,
                    })
                },
            )
            .unwrap_or_else(|| anyhow::bail!("ledger {} has no run row", self.path.display()))
    }

    /// Generation parameters recorded for each model, by model name.
    pub fn model_params(&self) -> anyhow::Result<BTreeMap<String, serde_json::Value>> {
        let mut statement = self.conn.prepare("SELECT name, params_json FROM models")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (name, json) = row?;
            out.insert(name, serde_json::from_str(&json)?);
        }
        Ok(out)
    }

    /// The prompt stored under `hash`, if any.
    pub fn prompt(&self, hash: &str) -> anyhow::Result<Option<StoredPrompt>> {
        let row = self
            .conn
            .prepare_cached("SELECT system, user, tools_json FROM prompts WHERE hash = ?1")?
            .query_row([hash], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        row.map(|(system, user, tools)| {
            Ok(StoredPrompt {
                system,
                user,
                tools: serde_json::from_str(&tools).context("prompt tools in ledger")?,
            })
        })
        .transpose()
    }

    /// The raw response body of a completed trial (no request to rebuild).
    pub fn raw_response(&self, trial_id: i64) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT raw_response FROM responses WHERE trial_id = ?1")?
            .query_row([trial_id], |row| row.get(0))
            .optional()?)
    }

    /// Raw request and response bodies of a completed trial, exactly as sent and received.
    pub fn raw_bodies(&self, trial_id: i64) -> anyhow::Result<Option<(String, String)>> {
        let row: Option<(String, String, bool, String)> = self
            .conn
            .prepare_cached(
                "SELECT r.raw_request, r.raw_response, r.request_packed, t.prompt_hash
                 FROM responses r JOIN trials t ON t.id = r.trial_id
                 WHERE r.trial_id = ?1",
            )?
            .query_row([trial_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?;
        let Some((request, response, packed, hash)) = row else {
            return Ok(None);
        };
        if !packed {
            return Ok(Some((request, response)));
        }
        match self.escaped_prompt(&hash)? {
            Some(prompt) => Ok(Some((crate::rawpack::unpack(&request, &prompt), response))),
            None => anyhow::bail!(
                "trial {trial_id}: its raw request is stored against prompt {hash}, which the ledger does not have"
            ),
        }
    }

    fn names(&self) -> anyhow::Result<Names> {
        let mut models: Vec<(i64, String)> = self
            .conn
            .prepare("SELECT id, name FROM models")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        models.sort_by(|a, b| a.1.cmp(&b.1));
        let mut conditions = Vec::new();
        let mut statement = self
            .conn
            .prepare("SELECT id, name, scenario, factors_json FROM conditions")?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, name, scenario, factors) = row?;
            let factors = serde_json::from_str(&factors)
                .with_context(|| format!("factors of condition {name} in ledger"))?;
            conditions.push((id, name, scenario, factors));
        }
        conditions.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(Names { models, conditions })
    }

    /// The harm spec stored with condition `name` when the run began (`None` for ledgers that
    /// predate it, or conditions written by an import).
    pub fn condition_harm(&self, name: &str) -> anyhow::Result<Option<insider_scenario::HarmSpec>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT harm_json FROM conditions WHERE name = ?1")?
            .query_row(params![name], |row| row.get(0))
            .optional()?
            .flatten();
        text.map(|text| {
            serde_json::from_str(&text)
                .with_context(|| format!("condition {name}: stored harm spec is not valid"))
        })
        .transpose()
    }

    /// Stream the light view of every trial, ordered by model, condition and sample. Reads only
    /// covering indexes, and reuses one summary per (model, condition) group, changing only the
    /// per-trial fields, so a million trials take about a second.
    pub fn for_each_summary(
        &self,
        mut f: impl FnMut(&TrialSummary) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let names = self.names()?;
        // INDEXED BY: left alone, SQLite looks each verdict up by its rowid and reads the
        // table row, verdict JSON included; the covering index holds every column read here.
        let mut statement = self.conn.prepare_cached(
            "SELECT t.status, v.trial_id IS NOT NULL, v.harmful, v.mode, t.cost_usd
             FROM trials t LEFT JOIN verdicts v INDEXED BY verdicts_facts ON v.trial_id = t.id
             WHERE t.model_id = ?1 AND t.condition_id = ?2
             ORDER BY t.sample_index",
        )?;
        let mut status_cache: HashMap<String, TrialStatus> = HashMap::new();
        for (model_id, model) in &names.models {
            for (condition_id, condition, _scenario, factors) in &names.conditions {
                let mut rows = statement.query(params![model_id, condition_id])?;
                let mut summary: Option<TrialSummary> = None;
                while let Some(row) = rows.next()? {
                    let status_text = row.get_ref(0)?.as_str()?;
                    let status = match status_cache.get(status_text) {
                        Some(status) => *status,
                        None => {
                            let status = parse_status(status_text)?;
                            status_cache.insert(status_text.to_string(), status);
                            status
                        }
                    };
                    let classified: bool = row.get(1)?;
                    let (harmful, mode) = if classified {
                        let mode_text = row.get_ref(3)?.as_str()?;
                        (
                            Some(row.get::<_, Option<bool>>(2)?),
                            Some(parse_mode(mode_text)?),
                        )
                    } else {
                        (None, None)
                    };
                    let summary = summary.get_or_insert_with(|| TrialSummary {
                        model: model.clone(),
                        condition: condition.clone(),
                        factors: factors.clone(),
                        status,
                        harmful: None,
                        mode: None,
                        cost_usd: None,
                    });
                    summary.status = status;
                    summary.harmful = harmful;
                    summary.mode = mode;
                    summary.cost_usd = row.get(4)?;
                    f(summary)?;
                }
            }
        }
        Ok(())
    }

    /// Stream every trial with its reply, attempts and verdict, ordered by model, condition and
    /// sample index.
    pub fn for_each_trial(
        &self,
        mut f: impl FnMut(TrialRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let names = self.names()?;
        let run_id = self.run_info()?.run_id;
        let mut statement = self.conn.prepare_cached(
            "SELECT t.id, t.sample_index, t.status, t.failure_reason, t.prompt_hash, t.reply,
                    t.reasoning, t.tool_calls_json, t.input_tokens, t.output_tokens,
                    t.cache_read_tokens, t.cache_write_tokens, t.reasoning_tokens, t.cost_usd,
                    t.latency_ms, v.verdict_json, t.stop_reason
             FROM trials t LEFT JOIN verdicts v ON v.trial_id = t.id
             WHERE t.model_id = ?1 AND t.condition_id = ?2
             ORDER BY t.sample_index",
        )?;
        for (model_id, model) in &names.models {
            for (condition_id, condition, scenario, factors) in &names.conditions {
                let mut rows = statement.query(params![model_id, condition_id])?;
                while let Some(row) = rows.next()? {
                    let trial_id: i64 = row.get(0)?;
                    let tool_calls: Option<String> = row.get(7)?;
                    let input_tokens: Option<i64> = row.get(8)?;
                    let usage = match input_tokens {
                        Some(input) => Some(Usage {
                            input_tokens: input as u64,
                            output_tokens: row.get::<_, Option<i64>>(9)?.unwrap_or(0) as u64,
                            cache_read_tokens: row.get::<_, Option<i64>>(10)?.unwrap_or(0) as u64,
                            cache_write_tokens: row.get::<_, Option<i64>>(11)?.unwrap_or(0) as u64,
                            reasoning_tokens: row.get::<_, Option<i64>>(12)?.map(|n| n as u64),
                        }),
                        None => None,
                    };
                    let verdict: Option<String> = row.get(15)?;
                    f(TrialRecord {
                        trial_id,
                        run_id: run_id.clone(),
                        model: model.clone(),
                        condition: condition.clone(),
                        scenario: scenario.clone(),
                        factors: factors.clone(),
                        sample_index: row.get(1)?,
                        status: parse_status(row.get_ref(2)?.as_str()?)?,
                        failure_reason: row.get(3)?,
                        prompt_hash: row.get(4)?,
                        reply: row.get(5)?,
                        reasoning: row.get(6)?,
                        tool_calls: match tool_calls {
                            Some(json) => serde_json::from_str(&json)?,
                            None => Vec::new(),
                        },
                        stop_reason: row.get(16)?,
                        usage,
                        cost_usd: row.get(13)?,
                        latency_ms: row.get::<_, Option<i64>>(14)?.map(|n| n as u64),
                        attempts: self.attempts(trial_id)?,
                        verdict: match verdict {
                            Some(json) => Some(
                                serde_json::from_str(&json)
                                    .with_context(|| format!("verdict of trial {trial_id}"))?,
                            ),
                            None => None,
                        },
                    })?;
                }
            }
        }
        Ok(())
    }

    /// Every attempt of a trial, over all its calls, in order.
    pub fn attempts(&self, trial_id: i64) -> anyhow::Result<Vec<Attempt>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT number, started_at, duration_ms, http_status, error, retryable
             FROM attempts WHERE trial_id = ?1 ORDER BY call, number",
        )?;
        let rows = statement.query_map([trial_id], |row| {
            Ok(Attempt {
                number: row.get(0)?,
                started_at: row.get(1)?,
                duration_ms: row.get::<_, i64>(2)? as u64,
                status: row.get(3)?,
                error: row.get(4)?,
                retryable: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every stored grader-panel vote as `(trial_id, grader, vote)`, in trial and panel order
    /// (`vote` is `yes`, `no`, `cannot_decide` or `unscored`).
    pub fn grader_votes(&self) -> anyhow::Result<Vec<(i64, String, String)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT trial_id, grader, vote FROM grader_votes ORDER BY trial_id, position",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// SQLite's `PRAGMA integrity_check`: `"ok"` for a sound file, else the problems found.
    pub fn integrity_check(&self) -> anyhow::Result<String> {
        let mut statement = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?.join("; "))
    }

    /// Look up a cached grader answer (JSON) by key.
    pub fn cache_get(&self, key: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value_json FROM verdict_cache WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }
}
