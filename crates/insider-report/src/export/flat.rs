//! Flat exports, one trial per line: JSONL (everything) and CSV (the columns a spreadsheet needs).

use super::trial_provenance::{TrialProvenance, EXTRA_COLUMNS};
use crate::csv::csv_line;
use crate::source::{verdict_label, TrialSource};
use insider_ledger::TrialRecord;
use serde_json::json;
use std::io::Write;

/// Factor columns of the CSV export, in order.
pub const CSV_FACTOR_COLUMNS: &[&str] = insider_scenario::FACTOR_NAMES;

/// The JSONL object of one trial: identity, prompt hash, reply, reasoning, actions, verdict,
/// usage, cost, timings.
pub fn trial_json(record: &TrialRecord) -> serde_json::Value {
    let harmful = record.verdict.as_ref().map(|v| v.harmful);
    json!({
        "trial_id": record.trial_id,
        "run_id": record.run_id,
        "model": record.model,
        "condition": record.condition,
        "scenario": record.scenario,
        "factors": record.factors,
        "sample_index": record.sample_index,
        "status": record.status,
        "verdict_label": verdict_label(record.status, harmful),
        "harmful": harmful.flatten(),
        "failure_reason": record.failure_reason,
        "prompt_hash": record.prompt_hash,
        "reply": record.reply,
        "reasoning": record.reasoning,
        "tool_calls": record.tool_calls,
        "actions": record.verdict.as_ref().map(|v| v.actions.clone()).unwrap_or_default(),
        "verdict": record.verdict,
        "usage": record.usage,
        "cost_usd": record.cost_usd,
        "latency_ms": record.latency_ms,
        "attempts": record.attempts,
    })
}

/// Write every trial as one JSON object per line (with its provenance fields); returns the
/// number of lines.
pub fn write_jsonl(source: &dyn TrialSource, out: &mut dyn Write) -> anyhow::Result<u64> {
    let provenance = TrialProvenance::new(&source.meta()?);
    let mut lines = 0;
    source.for_each_trial(&mut |record| {
        let mut object = trial_json(record);
        if let (Some(object), serde_json::Value::Object(extra)) =
            (object.as_object_mut(), provenance.json_fields(record))
        {
            object.extend(extra);
        }
        serde_json::to_writer(&mut *out, &object)?;
        out.write_all(b"\n")?;
        lines += 1;
        Ok(())
    })?;
    out.flush()?;
    Ok(lines)
}

/// Header of the trial CSV export.
pub fn csv_header() -> Vec<String> {
    let mut header: Vec<String> = ["trial_id", "run_id", "model", "condition", "scenario"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(CSV_FACTOR_COLUMNS.iter().map(|s| s.to_string()));
    header.extend(
        [
            "sample_index",
            "status",
            "verdict",
            "harmful",
            "verdict_mode",
            "gate_passed",
            "grader_answer",
            "grader_model",
            "classifier_version",
            "unscored_reason",
            "actions",
            "input_tokens",
            "output_tokens",
            "reasoning_tokens",
            "cost_usd",
            "latency_ms",
            "attempts",
            "failure_reason",
            "prompt_hash",
            "reply",
            "reasoning",
            "grader_reasoning",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    header.extend(EXTRA_COLUMNS.iter().map(|s| s.to_string()));
    header
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The CSV cells of one trial, matching [`csv_header`].
pub fn csv_cells(record: &TrialRecord, provenance: &TrialProvenance) -> Vec<String> {
    let verdict = record.verdict.as_ref();
    let harmful = verdict.map(|v| v.harmful);
    let mode = verdict.map(|v| match serde_json::to_value(v.mode) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    });
    let mut cells = vec![
        record.trial_id.to_string(),
        record.run_id.clone(),
        record.model.clone(),
        record.condition.clone(),
        record.scenario.clone(),
    ];
    cells.extend(
        CSV_FACTOR_COLUMNS
            .iter()
            .map(|f| record.factors.get(*f).cloned().unwrap_or_default()),
    );
    let usage = record.usage.as_ref();
    cells.extend([
        record.sample_index.to_string(),
        insider_ledger::status_str(record.status).to_string(),
        verdict_label(record.status, harmful).to_string(),
        optional(harmful.flatten()),
        mode.unwrap_or_default(),
        optional(verdict.map(|v| v.gate_passed)),
        optional(verdict.and_then(|v| v.grader_answer)),
        verdict
            .and_then(|v| v.grader_model.clone())
            .unwrap_or_default(),
        verdict
            .map(|v| v.classifier_version.clone())
            .unwrap_or_default(),
        verdict
            .and_then(|v| v.unscored_reason.clone())
            .unwrap_or_default(),
        verdict
            .map(|v| {
                v.actions
                    .iter()
                    .map(|a| a.tool.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default(),
        optional(usage.map(|u| u.input_tokens)),
        optional(usage.map(|u| u.output_tokens)),
        optional(usage.and_then(|u| u.reasoning_tokens)),
        optional(record.cost_usd),
        optional(record.latency_ms),
        record.attempts.len().to_string(),
        record.failure_reason.clone().unwrap_or_default(),
        record.prompt_hash.clone(),
        record.reply.clone().unwrap_or_default(),
        record.reasoning.clone().unwrap_or_default(),
        verdict
            .and_then(|v| v.grader_reasoning.clone())
            .unwrap_or_default(),
    ]);
    cells.extend(provenance.csv_cells(record));
    cells
}

/// Write every trial as one CSV record under a header; returns the number of records.
pub fn write_csv(source: &dyn TrialSource, out: &mut dyn Write) -> anyhow::Result<u64> {
    let provenance = TrialProvenance::new(&source.meta()?);
    out.write_all(csv_line(&csv_header()).as_bytes())?;
    let mut rows = 0;
    source.for_each_trial(&mut |record| {
        out.write_all(csv_line(&csv_cells(record, &provenance)).as_bytes())?;
        rows += 1;
        Ok(())
    })?;
    out.flush()?;
    Ok(rows)
}
