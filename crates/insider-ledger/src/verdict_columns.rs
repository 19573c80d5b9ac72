//! The verdict fields reports count, kept as columns next to `verdict_json` (migration 7): the
//! unscored reason's code and the secondary labels. Written by `save_verdict`, backfilled here
//! for verdicts stored before; reports read them from a covering index.

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
