//! Inspect logs (`.eval` zip and `.json`), one per model, readable by `inspect_ai.log` and
//! `inspect view`.
//!
//! Shape: sample id = condition id, epoch = sample index + 1; the assistant message carries the
//! reasoning and text parts; the scorer `harmfulness_scorer` returns `{harmful,
//! classifier_verdict}` like the agentic_misalignment port; the raw provider request/response
//! sit in the model event's `call`. `.eval` members are DEFLATE-compressed and ordered as
//! Inspect writes them (journal start, samples, summaries, reductions, header last).

use crate::source::{PromptText, RawBodies, RunMeta, TrialSource};
use crate::stats::{wilson, Z_95};
use anyhow::Context;
use insider_ledger::{TrialRecord, TrialStatus};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Scorer name used in samples and results.
pub const SCORER: &str = "harmfulness_scorer";

/// Which Inspect physical format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectFormat {
    /// Zip `.eval` log.
    Eval,
    /// Single JSON `.json` log.
    Json,
}

/// A 22-character identifier in Inspect's shortuuid alphabet (base57).
pub fn short_id() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut n = uuid::Uuid::new_v4().as_u128();
    let mut out = String::with_capacity(22);
    for _ in 0..22 {
        out.push(ALPHABET[(n % 57) as usize] as char);
        n /= 57;
    }
    out
}

/// RFC 3339 time with an explicit `+00:00` offset (Inspect writes offsets, not `Z`).
pub fn inspect_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(time) => time
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
            .to_string(),
        Err(_) => chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
            .to_string(),
    }
}

fn clean_filename_component(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '_' | '/' | ':' | '+' | '\\' | ' ') {
                '-'
            } else {
                c
            }
        })
        .collect()
}

fn model_usage(record: &TrialRecord) -> Value {
    let Some(usage) = &record.usage else {
        return json!({});
    };
    let mut object = json!({
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
        "input_tokens_cache_write": usage.cache_write_tokens,
        "input_tokens_cache_read": usage.cache_read_tokens,
    });
    if let Some(reasoning) = usage.reasoning_tokens {
        object["reasoning_tokens"] = json!(reasoning);
    }
    if let Some(cost) = record.cost_usd {
        object["total_cost"] = json!(cost);
    }
    let mut by_model = serde_json::Map::new();
    by_model.insert(record.model.clone(), object);
    Value::Object(by_model)
}

fn add_usage(total: &mut BTreeMap<String, Value>, usage: &Value) {
    let Some(usage) = usage.as_object() else {
        return;
    };
    for (model, counts) in usage {
        let entry = total
            .entry(model.clone())
            .or_insert_with(|| json!({"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}));
        for (key, value) in counts.as_object().into_iter().flatten() {
            let sum = entry.get(key).and_then(Value::as_f64).unwrap_or(0.0)
                + value.as_f64().unwrap_or(0.0);
            entry[key] = if key == "total_cost" {
                json!(sum)
            } else {
                json!(sum as u64)
            };
        }
    }
}

fn assistant_message(record: &TrialRecord) -> Value {
    let mut content = Vec::new();
    if let Some(reasoning) = record.reasoning.as_deref().filter(|r| !r.is_empty()) {
        content.push(json!({"type": "reasoning", "reasoning": reasoning, "redacted": false}));
    }
    content.push(json!({"type": "text", "text": record.reply.clone().unwrap_or_default()}));
    let mut message = json!({
        "role": "assistant",
        "content": content,
        "source": "generate",
        "model": record.model,
    });
    if !record.tool_calls.is_empty() {
        let calls: Vec<Value> = record
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, call)| {
                let id = if call.id.is_empty() { format!("call_{}", i + 1) } else { call.id.clone() };
                match &call.arguments {
                    Value::Object(_) => json!({"id": id, "function": call.name, "arguments": call.arguments, "type": "function"}),
                    other => json!({"id": id, "function": call.name, "arguments": {}, "type": "function",
                                    "parse_error": format!("arguments were not a JSON object: {other}")}),
                }
            })
            .collect();
        message["tool_calls"] = json!(calls);
    }
    message
}

fn score(record: &TrialRecord) -> Option<Value> {
    let verdict = record.verdict.as_ref()?;
    let harmful = verdict.harmful?;
    let grader = verdict.grader_answer.unwrap_or(harmful);
    Some(json!({
        "value": {"harmful": if harmful { 1.0 } else { 0.0 }, "classifier_verdict": if grader { 1.0 } else { 0.0 }},
        "answer": verdict.grader_raw,
        "explanation": verdict.grader_reasoning,
        "metadata": {
            "mode": verdict.mode,
            "gate_passed": verdict.gate_passed,
            "gate_details": verdict.gate_details,
            "grader_model": verdict.grader_model,
            "classifier_version": verdict.classifier_version,
            "rubric_sha256": verdict.rubric_sha256,
            "labels": verdict.labels,
        },
        "history": [],
    }))
}

fn parse_body(body: Option<&String>) -> Value {
    match body {
        None => json!({}),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => value,
            _ => json!({"body": text}),
        },
    }
}

/// One full `EvalSample` and its `EvalSampleSummary`.
fn sample(
    record: &TrialRecord,
    prompt: Option<&PromptText>,
    raw: Option<&RawBodies>,
    fallback_time: &str,
) -> (Value, Value) {
    let id = record.condition.clone();
    let epoch = record.sample_index + 1;
    let (system, user) = prompt
        .map(|p| (p.system.clone(), p.user.clone()))
        .unwrap_or_default();
    let input = json!([
        {"role": "system", "content": system, "source": "input"},
        {"role": "user", "content": user, "source": "input"},
    ]);
    let started = record
        .attempts
        .first()
        .map(|a| a.started_at.as_str())
        .unwrap_or(fallback_time);
    let started_at = inspect_time(started);
    let seconds = record.latency_ms.unwrap_or(0) as f64 / 1000.0;
    let completed_at = chrono::DateTime::parse_from_rfc3339(&started_at)
        .map(|t| {
            (t + chrono::Duration::milliseconds(record.latency_ms.unwrap_or(0) as i64))
                .with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
                .to_string()
        })
        .unwrap_or_else(|_| started_at.clone());
    let usage = model_usage(record);
    let completed = record.status == TrialStatus::Completed;
    let mut messages = input.as_array().cloned().unwrap_or_default();
    let assistant = assistant_message(record);
    let output = if completed {
        messages.push(assistant.clone());
        let mut output = json!({
            "model": record.model,
            "choices": [{"message": assistant, "stop_reason": "stop"}],
            "completion": record.reply.clone().unwrap_or_default(),
            "time": seconds,
        });
        if let Some(u) = usage.get(&record.model) {
            output["usage"] = u.clone();
        }
        output
    } else {
        json!({"model": record.model, "choices": [], "completion": ""})
    };
    let mut scores_map = serde_json::Map::new();
    if let Some(s) = score(record) {
        scores_map.insert(SCORER.to_string(), s);
    }
    let scores = Value::Object(scores_map);
    let mut events = vec![json!({
        "event": "model",
        "timestamp": started_at,
        "model": record.model,
        "input": input,
        "tools": [],
        "tool_choice": "none",
        "config": {},
        "output": output,
        "call": {
            "request": parse_body(raw.and_then(|r| r.request.as_ref())),
            "response": parse_body(raw.and_then(|r| r.response.as_ref())),
            "time": seconds,
        },
        "completed": completed_at,
    })];
    if let Some(s) = score(record) {
        events.push(json!({"event": "score", "timestamp": completed_at, "score": s, "target": "", "intermediate": false}));
    }
    let verdict = record.verdict.as_ref();
    let metadata = json!({
        "condition": record.condition,
        "scenario": record.scenario,
        "factors": record.factors,
        "trial_id": record.trial_id,
        "run_id": record.run_id,
        "prompt_hash": record.prompt_hash,
        "verdict": crate::source::verdict_label(record.status, verdict.map(|v| v.harmful)),
        "unscored_reason": verdict.and_then(|v| v.unscored_reason.clone()),
        "cost_usd": record.cost_usd,
    });
    let error = (!completed).then(|| {
        let message = record
            .failure_reason
            .clone()
            .unwrap_or_else(|| format!("trial {:?}", record.status));
        json!({"message": message, "traceback": "", "traceback_ansi": ""})
    });
    let uuid = short_id();
    let full = json!({
        "id": id,
        "epoch": epoch,
        "input": input,
        "target": "",
        "messages": messages,
        "output": output,
        "scores": scores,
        "metadata": metadata,
        "store": {},
        "events": events,
        "model_usage": usage,
        "role_usage": {},
        "started_at": started_at,
        "completed_at": completed_at,
        "total_time": seconds,
        "working_time": seconds,
        "uuid": uuid,
        "error": error,
        "attachments": {},
    });
    let summary = json!({
        "id": id,
        "epoch": epoch,
        "input": input,
        "target": "",
        "metadata": metadata,
        "scores": scores,
        "model_usage": usage,
        "role_usage": {},
        "started_at": started_at,
        "completed_at": completed_at,
        "total_time": seconds,
        "working_time": seconds,
        "uuid": uuid,
        "error": error.as_ref().map(|e| e["message"].clone()),
        "retries": record.attempts.len().saturating_sub(1),
        "completed": true,
        "message_count": messages.len(),
    });
    (full, summary)
}

/// Everything collected for one model's log.
struct ModelLog {
    samples: Vec<Value>,
    summaries: Vec<Value>,
    usage: BTreeMap<String, Value>,
    scored: u64,
    harmful: u64,
    classifier_yes: u64,
    unscored: u64,
    by_condition: BTreeMap<String, (f64, f64, u64)>,
    scenarios: std::collections::BTreeSet<String>,
}

fn eval_header(meta: &RunMeta, model: &str, log: &ModelLog, ids: (&str, &str, &str)) -> Value {
    let (eval_id, run_id, task_id) = ids;
    let created = inspect_time(meta.created.as_deref().unwrap_or(""));
    let task = if log.scenarios.len() == 1 {
        format!("insider/{}", log.scenarios.iter().next().unwrap())
    } else {
        "insider/agentic-misalignment".to_string()
    };
    let epochs = log
        .samples
        .iter()
        .filter_map(|s| s["epoch"].as_u64())
        .max()
        .unwrap_or(1);
    let sample_ids: Vec<String> = log.by_condition.keys().cloned().collect();
    let mut metrics_harmful = serde_json::Map::new();
    let mut metrics_classifier = serde_json::Map::new();
    if log.scored > 0 {
        let rate = log.harmful as f64 / log.scored as f64;
        metrics_harmful.insert(
            "mean".into(),
            json!({"name": "mean", "value": rate, "params": {}}),
        );
        if let Some(interval) = wilson(log.harmful, log.scored, Z_95) {
            metrics_harmful.insert(
                "wilson_95_low".into(),
                json!({"name": "wilson_95_low", "value": interval.lo, "params": {}}),
            );
            metrics_harmful.insert(
                "wilson_95_high".into(),
                json!({"name": "wilson_95_high", "value": interval.hi, "params": {}}),
            );
        }
        metrics_classifier.insert("mean".into(), json!({"name": "mean", "value": log.classifier_yes as f64 / log.scored as f64, "params": {}}));
    }
    let results_score = |name: &str, metrics: serde_json::Map<String, Value>| {
        json!({"name": name, "scorer": SCORER, "reducer": "mean", "scored_samples": log.scored,
               "unscored_samples": log.unscored, "params": {}, "metrics": metrics})
    };
    let started = created.clone();
    json!({
        "version": 2,
        "status": "success",
        "eval": {
            "eval_id": eval_id,
            "run_id": run_id,
            "created": created,
            "task": task,
            "task_id": task_id,
            "task_version": 0,
            "task_attribs": {},
            "task_args": {},
            "task_args_passed": {},
            "dataset": {"name": "insider", "samples": sample_ids.len(), "sample_ids": sample_ids, "shuffled": false},
            "model": model,
            "model_generate_config": {},
            "model_args": {},
            "config": {"epochs": epochs, "epochs_reducer": ["mean"]},
            "packages": {"insider": meta.tool_version.clone().unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string())},
            "scorers": [{"name": SCORER, "options": {}, "metrics": [{"name": "mean", "options": {}}], "metadata": {}}],
            "metadata": {"insider_run_id": meta.run_id, "insider_run_name": meta.name},
        },
        "plan": {"name": "plan", "steps": [{"solver": "generate", "params": {}}], "config": {}},
        "results": {
            "total_samples": log.samples.len(),
            "completed_samples": log.samples.len(),
            "scores": [results_score("harmful", metrics_harmful), results_score("classifier_verdict", metrics_classifier)],
        },
        "stats": {"started_at": started, "completed_at": created, "model_usage": log.usage, "role_usage": {}},
        "invalidated": false,
        "tags": [],
        "metadata": {},
    })
}

fn reductions(log: &ModelLog) -> Value {
    let samples: Vec<Value> = log
        .by_condition
        .iter()
        .filter(|(_, (_, _, n))| *n > 0)
        .map(|(id, (harmful, classifier, n))| {
            json!({"sample_id": id, "value": {"harmful": harmful / *n as f64, "classifier_verdict": classifier / *n as f64}, "history": []})
        })
        .collect();
    json!([{"scorer": SCORER, "reducer": "mean", "samples": samples}])
}

fn collect(source: &dyn TrialSource) -> anyhow::Result<BTreeMap<String, ModelLog>> {
    let meta = source.meta()?;
    let fallback = meta.created.clone().unwrap_or_default();
    let mut logs: BTreeMap<String, ModelLog> = BTreeMap::new();
    let mut prompts: BTreeMap<String, Option<PromptText>> = BTreeMap::new();
    source.for_each_trial(&mut |record| {
        if !matches!(record.status, TrialStatus::Completed | TrialStatus::Failed) {
            return Ok(());
        }
        if !prompts.contains_key(&record.prompt_hash) {
            prompts.insert(
                record.prompt_hash.clone(),
                source.prompt(&record.prompt_hash)?,
            );
        }
        let raw = source.raw_bodies(record.trial_id)?;
        let (full, summary) = sample(
            record,
            prompts[&record.prompt_hash].as_ref(),
            raw.as_ref(),
            &fallback,
        );
        let log = logs
            .entry(record.model.clone())
            .or_insert_with(|| ModelLog {
                samples: Vec::new(),
                summaries: Vec::new(),
                usage: BTreeMap::new(),
                scored: 0,
                harmful: 0,
                classifier_yes: 0,
                unscored: 0,
                by_condition: BTreeMap::new(),
                scenarios: Default::default(),
            });
        add_usage(&mut log.usage, &full["model_usage"]);
        log.scenarios.insert(record.scenario.clone());
        let cell = log
            .by_condition
            .entry(record.condition.clone())
            .or_insert((0.0, 0.0, 0));
        match record.verdict.as_ref().and_then(|v| v.harmful) {
            Some(harmful) => {
                let classifier = record
                    .verdict
                    .as_ref()
                    .and_then(|v| v.grader_answer)
                    .unwrap_or(harmful);
                log.scored += 1;
                log.harmful += u64::from(harmful);
                log.classifier_yes += u64::from(classifier);
                cell.0 += f64::from(u8::from(harmful));
                cell.1 += f64::from(u8::from(classifier));
                cell.2 += 1;
            }
            None => log.unscored += 1,
        }
        log.samples.push(full);
        log.summaries.push(summary);
        Ok(())
    })?;
    Ok(logs)
}

fn zip_member(
    zip: &mut zip::ZipWriter<std::fs::File>,
    name: &str,
    value: &Value,
) -> anyhow::Result<()> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    zip.start_file(name, options)?;
    serde_json::to_writer(&mut *zip, value)?;
    Ok(())
}

/// Write one Inspect log per model into `out_dir`; returns the files written.
pub fn write_inspect_logs(
    source: &dyn TrialSource,
    out_dir: &Path,
    format: InspectFormat,
) -> anyhow::Result<Vec<PathBuf>> {
    let meta = source.meta()?;
    let logs = collect(source)?;
    if logs.is_empty() {
        anyhow::bail!("the run has no completed or failed trial to export");
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut written = Vec::new();
    for (model, log) in &logs {
        let (eval_id, run_id, task_id) = (short_id(), short_id(), short_id());
        let header = eval_header(&meta, model, log, (&eval_id, &run_id, &task_id));
        let created = header["eval"]["created"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let task = header["eval"]["task"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let stem = format!(
            "{}_{}_{}",
            clean_filename_component(&created),
            clean_filename_component(&task),
            task_id
        );
        match format {
            InspectFormat::Eval => {
                let path = out_dir.join(format!("{stem}.eval"));
                let file = std::fs::File::create(&path)
                    .with_context(|| format!("writing {}", path.display()))?;
                let mut zip = zip::ZipWriter::new(file);
                zip_member(
                    &mut zip,
                    "_journal/start.json",
                    &json!({"version": 2, "eval": header["eval"], "plan": header["plan"]}),
                )?;
                for sample in &log.samples {
                    let name = format!(
                        "samples/{}_epoch_{}.json",
                        sample["id"].as_str().unwrap_or("sample"),
                        sample["epoch"]
                    );
                    zip_member(&mut zip, &name, sample)?;
                }
                zip_member(&mut zip, "summaries.json", &json!(log.summaries))?;
                zip_member(&mut zip, "reductions.json", &reductions(log))?;
                zip_member(&mut zip, "header.json", &header)?;
                zip.finish()?;
                written.push(path);
            }
            InspectFormat::Json => {
                let path = out_dir.join(format!("{stem}.json"));
                let mut document = header;
                document["samples"] = json!(log.samples);
                document["reductions"] = reductions(log);
                let file = std::fs::File::create(&path)
                    .with_context(|| format!("writing {}", path.display()))?;
                let mut writer = std::io::BufWriter::new(file);
                serde_json::to_writer(&mut writer, &document)?;
                writer.flush()?;
                written.push(path);
            }
        }
    }
    Ok(written)
}
