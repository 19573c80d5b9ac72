//! `merge::merge_ledgers`: every table of two ledgers carried into one, ids remapped so that
//! each child row still belongs to its own trial, shared rows once, duplicates refused.

use insider_ledger::merge::{merge_ledgers, MergeSource};
use insider_ledger::{Ledger, NewRun};
use rusqlite::{params, Connection};
use std::path::Path;

fn has_table(conn: &Connection, name: &str) -> bool {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |row| row.get::<_, i64>(0),
    )
    .unwrap()
        > 0
}

/// A ledger in `dir` with one row or more in every table; `models` are created in this order
/// (so the same name gets different ids in different ledgers) and `trials` are
/// (model, sample) of condition `c1`.
fn source(dir: &Path, models: &[&str], trials: &[(&str, u32)], cache_key: &str) {
    drop(Ledger::create(dir, &NewRun::new("shard", serde_json::json!({}))).unwrap());
    let conn = Connection::open(dir.join("ledger.sqlite")).unwrap();
    for model in models {
        conn.execute("INSERT INTO models (name) VALUES (?1)", [model])
            .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO sessions (tool_version, started_at) VALUES ('t', '2026-01-01T00:00:00Z');
         INSERT INTO conditions (name, scenario) VALUES ('c1', 'blackmail');
         INSERT INTO prompts (hash, system, user) VALUES ('p1', 'sys', 'user');
         INSERT INTO worlds (hash, spec_json) VALUES ('w1', '{}');",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO verdict_cache (key, value_json, created_at) VALUES (?1, '{}', 'now')",
        [cache_key],
    )
    .unwrap();
    for (model, sample) in trials {
        conn.execute(
            "INSERT INTO trials (model_id, condition_id, sample_index, prompt_hash, status, reply)
             SELECT m.id, c.id, ?2, 'p1', 'completed', ?1 || ' ' || ?2
             FROM models m, conditions c WHERE m.name = ?1 AND c.name = 'c1'",
            params![model, sample],
        )
        .unwrap();
        let trial = conn.last_insert_rowid();
        // Each child row names its trial in a text column, to check the mapping afterwards.
        let label = format!("{model} {sample}");
        conn.execute(
            "INSERT INTO attempts (trial_id, call, number, started_at, duration_ms, retryable, error)
             VALUES (?1, 1, 1, 'now', 5, 0, ?2)",
            params![trial, label],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO responses (trial_id, raw_request, raw_response) VALUES (?1, '{}', ?2)",
            params![trial, label],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO verdicts (trial_id, harmful, mode, classifier_version, verdict_json,
                 classified_at) VALUES (?1, 1, 'gate_only', ?2, '{}', 'now')",
            params![trial, label],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO grader_votes (trial_id, position, grader, vote) VALUES (?1, 0, ?2, 'yes')",
            params![trial, label],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO turns (trial_id, turn, world_hash, prompt_hash, text, tool_calls_json,
                 results_json, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                 latency_ms, raw_request, raw_response, finished_at)
             VALUES (?1, 0, 'w1', 'p1', ?2, '[]', '[]', 1, 1, 0, 0, 1, '{}', '{}', 'now')",
            params![trial, label],
        )
        .unwrap();
        if has_table(&conn, "batch_items") {
            conn.execute(
                "INSERT INTO batches (model, state, items, created_at) VALUES (?1, 'collected', 1, 'now')",
                [model],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO batch_items (batch_id, trial_id, custom_id) VALUES (?1, ?2, ?3)",
                params![conn.last_insert_rowid(), trial, label],
            )
            .unwrap();
        }
        if has_table(&conn, "grader_batch_items") {
            conn.execute(
                "INSERT INTO batches (model, state, items, created_at, purpose)
                 VALUES (?1, 'collected', 1, 'now', 'grader')",
                [model],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO grader_batch_items (batch_id, request_hash, custom_id, answer_json)
                 VALUES (?1, ?2, ?2, '{}')",
                params![conn.last_insert_rowid(), label],
            )
            .unwrap();
        }
    }
}

fn tables(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |row| {
        row.get(0)
    })
    .unwrap()
}

fn shard(dir: &Path, label: &str) -> MergeSource {
    MergeSource {
        dir: dir.to_path_buf(),
        shard: label.into(),
    }
}

#[test]
fn every_table_is_carried_with_its_rows_on_their_own_trials() {
    let root = tempfile::tempdir().unwrap();
    let (a, b, out) = (
        root.path().join("a"),
        root.path().join("b"),
        root.path().join("out"),
    );
    source(
        &a,
        &["openai/a", "openai/b"],
        &[("openai/a", 0), ("openai/b", 1)],
        "k1",
    );
    // `openai/b` first: in b the model ids are the other way round.
    source(
        &b,
        &["openai/b", "openai/a"],
        &[("openai/a", 1), ("openai/b", 0)],
        "k2",
    );
    let run = NewRun::new("merged", serde_json::json!({"name": "merged"}));
    let summary = merge_ledgers(
        &[shard(&a, "1/2"), shard(&b, "2/2")],
        &out,
        &run,
        "insider merge",
    )
    .unwrap();
    assert_eq!((summary.trials, summary.not_completed), (4, 0));

    let merged = Connection::open(out.join("ledger.sqlite")).unwrap();
    let sources = [
        Connection::open(a.join("ledger.sqlite")).unwrap(),
        Connection::open(b.join("ledger.sqlite")).unwrap(),
    ];
    for table in tables(&sources[0]) {
        let each: Vec<i64> = sources.iter().map(|c| count(c, &table)).collect();
        // A table these sources leave empty would go untested: fill it in `source`.
        assert!(
            each.iter().all(|n| *n > 0),
            "table `{table}` has no rows in the sources"
        );
        let expected = match table.as_str() {
            "runs" | "conditions" | "prompts" | "worlds" => 1,
            "models" => 2,
            // the sources' sessions and the merge's own
            "sessions" => each.iter().sum::<i64>() + 1,
            _ => each.iter().sum(),
        };
        assert_eq!(count(&merged, &table), expected, "rows of `{table}`");
    }
    // Every child row still belongs to the trial it was written for.
    for (table, column) in [
        ("attempts", "error"),
        ("responses", "raw_response"),
        ("verdicts", "classifier_version"),
        ("grader_votes", "grader"),
        ("turns", "text"),
    ] {
        let wrong: i64 = merged
            .query_row(
                &format!(
                    "SELECT count(*) FROM {table} x JOIN trials t ON t.id = x.trial_id
                     JOIN models m ON m.id = t.model_id
                     WHERE x.{column} != m.name || ' ' || t.sample_index OR t.reply != x.{column}"
                ),
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(wrong, 0, "{table} rows on the wrong trial");
    }
    if has_table(&merged, "batch_items") {
        let wrong: i64 = merged
            .query_row(
                "SELECT count(*) FROM batch_items i JOIN batches b ON b.id = i.batch_id
                 JOIN trials t ON t.id = i.trial_id JOIN models m ON m.id = t.model_id
                 WHERE b.model != m.name OR i.custom_id != t.reply",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(wrong, 0, "batch items on the wrong batch or trial");
    }
    let ledger = Ledger::open_read_only(&out).unwrap();
    let provenance = ledger.merged_from().unwrap();
    let shards: Vec<(&str, u64)> = provenance
        .iter()
        .map(|m| (m.shard.as_str(), m.trials))
        .collect();
    assert_eq!(shards, [("1/2", 2), ("2/2", 2)]);
    assert_eq!(provenance[1].dir, b);
    assert_eq!(
        merged
            .query_row("PRAGMA foreign_key_check", [], |_| Ok(()))
            .ok(),
        None
    );
}

#[test]
fn a_trial_in_two_sources_is_refused_naming_both() {
    let root = tempfile::tempdir().unwrap();
    let (a, b, out) = (
        root.path().join("a"),
        root.path().join("b"),
        root.path().join("out"),
    );
    source(&a, &["openai/a"], &[("openai/a", 0), ("openai/a", 1)], "k1");
    source(&b, &["openai/a"], &[("openai/a", 1)], "k1");
    let run = NewRun::new("merged", serde_json::json!({}));
    let error =
        merge_ledgers(&[shard(&a, "1/2"), shard(&b, "2/2")], &out, &run, "merge").unwrap_err();
    let error = format!("{error:#}");
    assert!(error.contains("openai/a × c1 × sample 1"), "{error}");
    assert!(error.contains(&a.display().to_string()), "{error}");
    assert!(error.contains(&b.display().to_string()), "{error}");
    assert!(!Ledger::exists(&out), "a refused merge leaves no ledger");
}
