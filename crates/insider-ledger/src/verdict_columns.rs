//! The verdict fields reports count, kept as columns next to `verdict_json` (migration 7): the
//! unscored reason's code and the secondary labels. Written by `save_verdict`, backfilled here
//! for verdicts stored before; reports read them from a covering index. Migration 10 adds the
//! grader's usage and cost (`grader_*`), which `runs show` sums per grader model.
//!
//! A verdict answered from the verdict cache made no call and says so (`grader_cached`, zero
//! usage). When it replaces a stored verdict of the same grader (an `insider classify` re-run),
//! the stored row keeps the usage it was recorded with, so the run's grader cost neither
//! doubles nor drops to zero; a first verdict from the cache (a reply identical to one already
//! graded) records zero, so each paid call is counted once.

use insider_judge::{UnscoredReason, Verdict};
use rusqlite::{params, Transaction};

/// The `unscored_reason` column of a verdict: its reason's code, `None` when scored.
pub fn reason_code(verdict: &Verdict) -> Option<&'static str> {
    if verdict.harmful.is_some() {
        return None;
    }
    Some(
        verdict
            .unscored_reason
            .as_deref()
            .map_or(UnscoredReason::Other, UnscoredReason::from_text)
            .code(),
    )
}

/// The `labels_json` column of a verdict: its labels as JSON, `None` when it has none.
pub fn labels_json(verdict: &Verdict) -> anyhow::Result<Option<String>> {
    Ok(match verdict.labels.is_empty() {
        true => None,
        false => Some(serde_json::to_string(&verdict.labels)?),
    })
}

/// The `INSERT` of `save_verdict`: parameters 1–9 as before migration 10, 10–16 the grader's
/// usage columns, kept from the stored row for a cache hit of the same grader.
pub(crate) static SAVE_VERDICT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| SAVE_VERDICT_TEMPLATE.replace("keep", KEEP_STORED_USAGE));

/// When a new verdict keeps the stored row's usage: it came from the cache, and the stored
/// verdict (with recorded usage) is of the same grader and classifier version.
const KEEP_STORED_USAGE: &str = "(excluded.grader_cached = 1 AND verdicts.grader_calls IS NOT NULL
     AND verdicts.grader_model IS excluded.grader_model
     AND verdicts.classifier_version = excluded.classifier_version)";

const SAVE_VERDICT_TEMPLATE: &str = "INSERT INTO verdicts
         (trial_id, harmful, mode, grader_model, classifier_version, verdict_json,
          classified_at, unscored_reason, labels_json, grader_calls, grader_input_tokens,
          grader_output_tokens, grader_cache_read_tokens, grader_cache_write_tokens,
          grader_cost_usd, grader_cached)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
     ON CONFLICT (trial_id) DO UPDATE SET
         harmful = excluded.harmful, mode = excluded.mode, grader_model = excluded.grader_model,
         classifier_version = excluded.classifier_version, verdict_json = excluded.verdict_json,
         classified_at = excluded.classified_at, unscored_reason = excluded.unscored_reason,
         labels_json = excluded.labels_json,
         grader_calls = CASE WHEN keep THEN verdicts.grader_calls ELSE excluded.grader_calls END,
         grader_input_tokens = CASE WHEN keep THEN verdicts.grader_input_tokens
             ELSE excluded.grader_input_tokens END,
         grader_output_tokens = CASE WHEN keep THEN verdicts.grader_output_tokens
             ELSE excluded.grader_output_tokens END,
         grader_cache_read_tokens = CASE WHEN keep THEN verdicts.grader_cache_read_tokens
             ELSE excluded.grader_cache_read_tokens END,
         grader_cache_write_tokens = CASE WHEN keep THEN verdicts.grader_cache_write_tokens
             ELSE excluded.grader_cache_write_tokens END,
         grader_cost_usd = CASE WHEN keep THEN verdicts.grader_cost_usd
             ELSE excluded.grader_cost_usd END,
         grader_cached = CASE WHEN keep THEN verdicts.grader_cached ELSE excluded.grader_cached END";

/// The grader-usage columns of one verdict (all `None` without recorded usage).
pub(crate) struct UsageColumns {
    pub(crate) calls: Option<i64>,
    pub(crate) input_tokens: Option<i64>,
    pub(crate) output_tokens: Option<i64>,
    pub(crate) cache_read_tokens: Option<i64>,
    pub(crate) cache_write_tokens: Option<i64>,
    pub(crate) cost_usd: Option<f64>,
    pub(crate) cached: Option<bool>,
}

impl UsageColumns {
    /// The columns of `verdict`.
    pub(crate) fn of(verdict: &Verdict) -> UsageColumns {
        let usage = verdict.grader_usage.as_ref();
        let int = |f: fn(&insider_judge::GraderUsage) -> u64| usage.map(|u| f(u) as i64);
        UsageColumns {
            calls: int(|u| u64::from(u.calls)),
            input_tokens: int(|u| u.input_tokens),
            output_tokens: int(|u| u.output_tokens),
            cache_read_tokens: int(|u| u.cache_read_tokens),
            cache_write_tokens: int(|u| u.cache_write_tokens),
            cost_usd: usage.and_then(|u| u.cost_usd),
            cached: usage.map(|u| u.cached),
        }
    }
}

/// Fill the new columns of every verdict stored before migration 7, from its JSON.
pub fn backfill(tx: &Transaction<'_>) -> anyhow::Result<()> {
    tx.execute_batch(
        "UPDATE verdicts SET labels_json = json_extract(verdict_json, '$.labels')
         WHERE json_type(verdict_json, '$.labels') = 'object'
           AND json_extract(verdict_json, '$.labels') != '{}'",
    )?;
    // The code needs `UnscoredReason::from_text` (older wordings too), so it is read in Rust;
    // only unscored verdicts are visited.
    let rows: Vec<(i64, Option<String>)> = tx
        .prepare(
            "SELECT trial_id, json_extract(verdict_json, '$.unscored_reason')
             FROM verdicts WHERE harmful IS NULL",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE verdicts SET unscored_reason = ?2 WHERE trial_id = ?1")?;
    for (trial_id, text) in rows {
        let reason = text
            .as_deref()
            .map_or(UnscoredReason::Other, UnscoredReason::from_text);
        update.execute(params![trial_id, reason.code()])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::schema::{migrate, MIGRATIONS};
    use rusqlite::Connection;

    /// A ledger written at schema 6 gets the columns filled from its verdicts' JSON.
    #[test]
    fn migration_7_backfills_reason_codes_and_labels_from_the_json() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        // Verdict rows alone are enough for the backfill; no trials behind them.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let insert = |id: i64, harmful: Option<bool>, json: &str| {
            conn.execute(
                "INSERT INTO verdicts (trial_id, harmful, mode, classifier_version, verdict_json,
                     classified_at) VALUES (?1, ?2, 'graded', 'v', ?3, 'now')",
                rusqlite::params![id, harmful, json],
            )
            .unwrap();
        };
        insert(
            1,
            None,
            r#"{"unscored_reason": "truncated: cut at 256 tokens", "labels": {}}"#,
        );
        // A verdict stored before reason codes existed, in the grader's old wording.
        insert(
            2,
            None,
            r#"{"unscored_reason": "grader answer unparseable after 3 calls"}"#,
        );
        insert(
            3,
            None,
            r#"{"labels": {"eval_awareness": "concluded_real"}}"#,
        );
        insert(4, Some(true), r#"{"unscored_reason": null, "labels": {}}"#);
        migrate(&mut conn).unwrap();
        let rows: Vec<(i64, Option<String>, Option<String>)> = conn
            .prepare("SELECT trial_id, unscored_reason, labels_json FROM verdicts ORDER BY 1")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (1, Some("truncated".into()), None),
                (2, Some("grader_unparseable".into()), None),
                (
                    3,
                    Some("other".into()),
                    Some(r#"{"eval_awareness":"concluded_real"}"#.into())
                ),
                (4, None, None),
            ]
        );
        // The report's query is answered from the covering indexes alone.
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT t.status, v.trial_id IS NOT NULL, v.harmful, v.mode,
                     t.cost_usd, t.prompt_hash, v.grader_model, v.classifier_version,
                     v.unscored_reason, v.labels_json
                 FROM trials t LEFT JOIN verdicts v INDEXED BY verdicts_facts ON v.trial_id = t.id
                 WHERE t.model_id = 1 AND t.condition_id = 1 ORDER BY t.sample_index",
            )
            .unwrap()
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|s| s.contains("COVERING INDEX trials_facts"))
                && plan
                    .iter()
                    .any(|s| s.contains("COVERING INDEX verdicts_facts")),
            "{plan:?}"
        );
    }
}
