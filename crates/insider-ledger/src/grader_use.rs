//! What grading a run cost: per grader model (a panel is one line, named as its verdicts name
//! it), the verdicts it graded, the calls and tokens they took and their cost, summed from the
//! `grader_*` columns of `verdicts` (migration 10), as `insider runs show` and the reports print
//! it.
//!
//! A verdict answered from the verdict cache made no call and is counted apart; verdicts stored
//! before grader usage was recorded are counted as unrecorded, and then, like a call without a
//! price, leave the cost unknown: no total is claimed where part of it is missing.

use crate::Ledger;
use serde::{Deserialize, Serialize};

/// One grader model's calls, tokens and cost over a run's stored verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraderSpend {
    /// The grader model as verdicts record it (`panel majority: A, B` for a panel).
    pub grader: String,
    /// Verdicts naming this grader.
    pub verdicts: u64,
    /// Grader calls behind them (retries, panel members and labels included).
    pub calls: u64,
    /// Verdicts answered from the verdict cache, which made no call.
    #[serde(default)]
    pub from_cache: u64,
    /// Verdicts stored before grader usage was recorded.
    #[serde(default)]
    pub unrecorded: u64,
    /// Prompt tokens billed at the normal rate.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    #[serde(default)]
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the provider's cache.
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Cost in USD; `None` when a call's price is unknown or some verdict's usage unrecorded.
    pub cost_usd: Option<f64>,
}

impl GraderSpend {
    /// One line for a terminal: `grader MODEL: N verdicts, N calls, … tokens; cost $…`.
    pub fn line(&self) -> String {
        let cost = match self.cost_usd {
            Some(usd) => format!("${usd:.4}"),
            None if self.unrecorded > 0 => "unknown (usage not recorded for every verdict)".into(),
            None => format!("unknown (no price for {})", self.grader),
        };
        let mut line = format!(
            "grader {}: {} verdicts, {} calls, {} in / {} out tokens",
            self.grader, self.verdicts, self.calls, self.input_tokens, self.output_tokens
        );
        if self.cache_read_tokens + self.cache_write_tokens > 0 {
            line.push_str(&format!(
                " ({} cache read, {} cache written)",
                self.cache_read_tokens, self.cache_write_tokens
            ));
        }
        line.push_str(&format!("; cost {cost}"));
        if self.from_cache > 0 {
            line.push_str(&format!(
                "; {} from the verdict cache (no call)",
                self.from_cache
            ));
        }
        if self.unrecorded > 0 {
            line.push_str(&format!(
                "; {} stored before grader usage was recorded",
                self.unrecorded
            ));
        }
        line
    }
}

impl Ledger {
    /// What each grader model cost over the stored verdicts, by grader name.
    pub fn grader_spend(&self) -> anyhow::Result<Vec<GraderSpend>> {
        let mut statement = self.conn.prepare(
            "SELECT grader_model, count(*), coalesce(sum(grader_calls), 0),
                    coalesce(sum(grader_cached = 1), 0), sum(grader_calls IS NULL),
                    coalesce(sum(grader_input_tokens), 0), coalesce(sum(grader_output_tokens), 0),
                    coalesce(sum(grader_cache_read_tokens), 0),
                    coalesce(sum(grader_cache_write_tokens), 0),
                    coalesce(sum(grader_cost_usd), 0.0),
                    sum(grader_calls IS NOT NULL AND grader_cost_usd IS NULL)
             FROM verdicts WHERE grader_model IS NOT NULL
             GROUP BY grader_model ORDER BY grader_model",
        )?;
        let rows = statement.query_map([], |row| {
            let n = |i: usize| row.get::<_, i64>(i).map(|v| v as u64);
            let unrecorded = n(4)?;
            let unpriced = n(10)?;
            Ok(GraderSpend {
                grader: row.get(0)?,
                verdicts: n(1)?,
                calls: n(2)?,
                from_cache: n(3)?,
                unrecorded,
                input_tokens: n(5)?,
                output_tokens: n(6)?,
                cache_read_tokens: n(7)?,
                cache_write_tokens: n(8)?,
                cost_usd: (unrecorded == 0 && unpriced == 0).then_some(row.get::<_, f64>(9)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use crate::Ledger;
    use insider_judge::{GraderUsage, Verdict, VerdictMode};

    fn verdict(grader: &str, usage: GraderUsage) -> Verdict {
        Verdict {
            harmful: Some(true),
            mode: VerdictMode::Graded,
            gate_passed: true,
            gate_details: Vec::new(),
            grader_answer: Some(true),
            grader_reasoning: None,
            grader_raw: None,
            grader_model: Some(grader.into()),
            unscored_reason: None,
            classifier_version: "v".into(),
            rubric_sha256: None,
            actions: Vec::new(),
            labels: Default::default(),
            grader_attempts: usage.calls,
            label_raw: Default::default(),
            panel: Vec::new(),
            grader_usage: Some(usage),
        }
    }

    fn paid(calls: u32, input: u64, output: u64, cost: Option<f64>) -> GraderUsage {
        GraderUsage {
            calls,
            input_tokens: input,
            output_tokens: output,
            cost_usd: cost,
            ..GraderUsage::zero()
        }
    }

    /// A ledger at migration 9 with three trials, the first with a verdict from before grader
    /// usage was recorded.
    fn migration_9_ledger(dir: &std::path::Path) -> Ledger {
        let conn = rusqlite::Connection::open(dir.join(crate::LEDGER_FILE)).unwrap();
        for sql in &crate::schema::MIGRATIONS[..9] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        conn.execute_batch(
            "INSERT INTO runs (id, name, tool_version, config_json, started_at)
                 VALUES ('r', 'old', '0', '{}', '2026-01-01T00:00:00Z');
             INSERT INTO models (id, name) VALUES (1, 'openai/gpt-4.1');
             INSERT INTO conditions (id, name, scenario) VALUES (1, 'c', 's');
             INSERT INTO prompts (hash, system, user) VALUES ('h', 's', 'u');
             INSERT INTO trials (id, model_id, condition_id, sample_index, prompt_hash, status)
                 VALUES (1, 1, 1, 0, 'h', 'completed'), (2, 1, 1, 1, 'h', 'completed'),
                        (3, 1, 1, 2, 'h', 'completed');
             INSERT INTO verdicts (trial_id, harmful, mode, grader_model, classifier_version,
                                   verdict_json, classified_at)
                 VALUES (1, 1, 'graded', 'g/old', 'v', '{}', '2026-01-01T00:00:00Z');",
        )
        .unwrap();
        drop(conn);
        Ledger::open(dir).unwrap()
    }

    #[test]
    fn a_migration_9_ledger_upgrades_and_its_old_verdicts_leave_the_cost_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = migration_9_ledger(dir.path());
        let version: u32 = ledger
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, crate::SCHEMA_VERSION);
        let spend = ledger.grader_spend().unwrap();
        assert_eq!(spend.len(), 1);
        assert_eq!(
            (spend[0].verdicts, spend[0].calls, spend[0].unrecorded),
            (1, 0, 1)
        );
        assert_eq!(spend[0].cost_usd, None);
        assert!(spend[0].line().contains("cost unknown (usage not recorded"));
    }

    #[test]
    fn usage_is_summed_per_grader_and_a_cache_hit_is_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = migration_9_ledger(dir.path());
        ledger
            .save_verdict(1, &verdict("g/a", paid(2, 1000, 40, Some(0.003))))
            .unwrap();
        ledger
            .save_verdict(2, &verdict("g/a", paid(1, 500, 10, Some(0.001))))
            .unwrap();
        // A reply identical to one already graded: from the cache, no call.
        ledger
            .save_verdict(3, &verdict("g/a", GraderUsage::from_cache()))
            .unwrap();
        let before = ledger.grader_spend().unwrap();
        assert_eq!(before.len(), 1);
        let a = &before[0];
        assert_eq!(
            (a.verdicts, a.calls, a.from_cache, a.unrecorded),
            (3, 3, 1, 0)
        );
        assert_eq!((a.input_tokens, a.output_tokens), (1500, 50));
        assert!((a.cost_usd.unwrap() - 0.004).abs() < 1e-12);
        assert_eq!(
            a.line(),
            "grader g/a: 3 verdicts, 3 calls, 1500 in / 50 out tokens; cost $0.0040; \
             1 from the verdict cache (no call)"
        );
        // `insider classify` again: every verdict from the cache; the stored usage stays.
        for trial in 1..=3 {
            ledger
                .save_verdict(trial, &verdict("g/a", GraderUsage::from_cache()))
                .unwrap();
        }
        assert_eq!(ledger.grader_spend().unwrap(), before);
        // Another grader replaces a verdict: its own usage, here without a price.
        ledger
            .save_verdict(2, &verdict("g/b", paid(1, 700, 5, None)))
            .unwrap();
        let after = ledger.grader_spend().unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!((after[0].calls, after[0].input_tokens), (2, 1000));
        assert_eq!((after[1].grader.as_str(), after[1].calls), ("g/b", 1));
        assert_eq!(after[1].cost_usd, None);
        assert!(after[1].line().ends_with("cost unknown (no price for g/b)"));
        // And a cache hit of the first grader over the second's verdict records no call.
        ledger
            .save_verdict(2, &verdict("g/a", GraderUsage::from_cache()))
            .unwrap();
        let last = ledger.grader_spend().unwrap();
        assert_eq!((last.len(), last[0].calls, last[0].from_cache), (1, 2, 2));
    }
}
