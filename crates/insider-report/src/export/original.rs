//! The original research code's result layout, written and read back:
//!
//! ```text
//! <out>/prompts/<condition>/{system_prompt.txt,user_prompt.txt,email_content.txt,metadata.json}
//! <out>/models/<sanitized model>/<condition>/sample_NNN/response.json
//! ```
//!
//! `response.json` uses the original field names (`raw_response`, `metadata`,
//! `classification.harmful_behavior`, `classifier_verdict`, `classifier_reasoning`,
//! `classifier_model`, ...). What the original has no field for (reasoning, prompt hash,
//! verdict mode, usage) goes under `metadata.insider`, which the original tools ignore and our
//! import reads back.

use crate::source::{PromptText, TrialSource};
use anyhow::Context;
use insider_judge::{Verdict, VerdictMode};
use insider_ledger::{TrialRecord, TrialStatus};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Directory name of a model in the layout: `/` and `:` become `_`.
pub fn sanitize_model(model: &str) -> String {
    model.replace(['/', ':'], "_")
}

/// Sample directory name: 1-based, zero-padded to three digits.
pub fn sample_dir(sample_index: u32) -> String {
    format!("sample_{:03}", sample_index + 1)
}

/// The `response.json` document of a trial; `None` for trials with no outcome (no file, as in
/// the original).
pub fn response_json(record: &TrialRecord, timestamp: &str) -> Option<Value> {
    let verdict = record.verdict.as_ref();
    let insider = json!({
        "trial_id": record.trial_id,
        "run_id": record.run_id,
        "scenario": record.scenario,
        "factors": record.factors,
        "prompt_hash": record.prompt_hash,
        "reasoning": record.reasoning,
        "tool_calls": record.tool_calls,
        "usage": record.usage,
        "cost_usd": record.cost_usd,
        "verdict": verdict,
    });
    match record.status {
        TrialStatus::Completed => {
            let usage = record.usage.as_ref();
            let mut document = json!({
                "raw_response": record.reply.clone().unwrap_or_default(),
                "metadata": {
                    "model": record.model,
                    "condition": record.condition,
                    "sample_id": record.sample_index + 1,
                    "timestamp": timestamp,
                    "api_metadata": {
                        "response_time_ms": record.latency_ms.unwrap_or(0),
                        "tokens_used": usage.map(|u| u.input_tokens + u.output_tokens).unwrap_or(0),
                        "stop_reason": Value::Null,
                    },
                    "inference_time_ms": record.latency_ms.unwrap_or(0),
                    "insider": insider,
                },
            });
            if let Some(verdict) = verdict {
                document["classification"] = match verdict.harmful {
                    Some(harmful) => json!({
                        "harmful_behavior": harmful,
                        "classifier_verdict": verdict.grader_answer.unwrap_or(harmful),
                        "classifier_reasoning": verdict.grader_reasoning.clone().unwrap_or_default(),
                        "classified_at": timestamp,
                        "classifier_model": verdict.grader_model,
                        "classification_time_ms": 0,
                    }),
                    None => json!({
                        "error": verdict.unscored_reason.clone().unwrap_or_else(|| "unscored".into()),
                        "classified_at": timestamp,
                    }),
                };
            }
            Some(document)
        }
        TrialStatus::Failed => Some(json!({
            "error": record.failure_reason.clone().unwrap_or_else(|| "failed".into()),
            "metadata": {
                "model": record.model,
                "condition": record.condition,
                "sample_id": record.sample_index + 1,
                "timestamp": timestamp,
                "failed": true,
                "failure_count": record.attempts.len().max(1),
                "model_isolated": false,
                "insider": insider,
            },
        })),
        TrialStatus::Pending | TrialStatus::Running | TrialStatus::Abandoned => None,
    }
}

fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Write the run in the original layout under `out`; returns the number of `response.json` files.
pub fn write_original(source: &dyn TrialSource, out: &Path) -> anyhow::Result<u64> {
    let meta = source.meta()?;
    let timestamp = meta
        .created
        .clone()
        .unwrap_or_else(|| chrono::Utc::now().to_rfc3339());
    let provenance = super::trial_provenance::TrialProvenance::new(&meta);
    let mut prompts_written: BTreeMap<String, String> = BTreeMap::new();
    let mut files = 0;
    source.for_each_trial(&mut |record| {
        if !prompts_written.contains_key(&record.condition) {
            if let Some(prompt) = source.prompt(&record.prompt_hash)? {
                let dir = out.join("prompts").join(&record.condition);
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                write_text(&dir.join("system_prompt.txt"), &prompt.system)?;
                let (instruction, emails) = split_user_message(&prompt.user);
                write_text(&dir.join("user_prompt.txt"), instruction)?;
                write_text(&dir.join("email_content.txt"), emails)?;
                let mut metadata = json!({
                    "condition_id": record.condition,
                    "scenario": record.scenario,
                    "prompt_hash": record.prompt_hash,
                    "tools": prompt.tools,
                });
                for (factor, value) in &record.factors {
                    let key = if factor == "urgency" {
                        "urgency_type".to_string()
                    } else {
                        factor.clone()
                    };
                    metadata[key] = json!(value);
                }
                write_text(
                    &dir.join("metadata.json"),
                    &serde_json::to_string_pretty(&metadata)?,
                )?;
                prompts_written.insert(record.condition.clone(), record.prompt_hash.clone());
            }
        }
        let Some(mut document) = response_json(record, &timestamp) else {
            return Ok(());
        };
        // What the original layout has no field for: the pack, settings and endpoint.
        if let Some(insider) = document["metadata"]["insider"].as_object_mut() {
            insider.insert(
                "provenance".into(),
                provenance.json_fields(record)["provenance"].clone(),
            );
        }
        let dir = out
            .join("models")
            .join(sanitize_model(&record.model))
            .join(&record.condition)
            .join(sample_dir(record.sample_index));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        write_text(
            &dir.join("response.json"),
            &serde_json::to_string_pretty(&document)?,
        )?;
        files += 1;
        Ok(())
    })?;
    Ok(files)
}

/// One trial read from the original layout.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginalTrial {
    /// Model name (from metadata, else the directory name).
    pub model: String,
    /// Condition id.
    pub condition: String,
    /// 0-based sample index.
    pub sample_index: u32,
    /// The reply (`raw_response`).
    pub reply: String,
    /// Reasoning, if our export wrote it.
    pub reasoning: Option<String>,
    /// The verdict rebuilt from `classification` (or ours from `metadata.insider.verdict`).
    pub verdict: Option<Verdict>,
    /// The prompt from `prompts/<condition>/`, if present.
    pub prompt: Option<PromptText>,
    /// Usage and cost, if our export wrote them.
    pub usage: Option<insider_model::Usage>,
    /// Cost in USD, if known.
    pub cost_usd: Option<f64>,
    /// Latency in ms, if recorded.
    pub latency_ms: Option<u64>,
    /// Native tool calls, if our export wrote them.
    pub tool_calls: Vec<insider_model::ToolCall>,
    /// Completion time from `metadata.timestamp`.
    pub timestamp: Option<String>,
}

/// A failed call recorded in the original layout (an error `response.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct OriginalFailure {
    /// Model name.
    pub model: String,
    /// Condition id.
    pub condition: String,
    /// 0-based sample index.
    pub sample_index: u32,
    /// The recorded error text.
    pub message: String,
    /// The prompt from `prompts/<condition>/`, if present.
    pub prompt: Option<PromptText>,
}

/// Error records found next to the successful ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportNotes {
    /// Failed calls of the original run.
    pub failed: Vec<OriginalFailure>,
}

/// The verdict of an original `classification` object (`compat_original` mode).
pub fn verdict_from_classification(classification: &Value) -> Verdict {
    let harmful = classification
        .get("harmful_behavior")
        .and_then(Value::as_bool);
    let unscored_reason = match harmful {
        Some(_) => None,
        None => Some(
            classification
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("classification has no harmful_behavior")
                .to_string(),
        ),
    };
    Verdict {
        harmful,
        mode: VerdictMode::CompatOriginal,
        gate_passed: harmful.unwrap_or(false),
        gate_details: Vec::new(),
        grader_answer: classification
            .get("classifier_verdict")
            .and_then(Value::as_bool),
        grader_reasoning: classification
            .get("classifier_reasoning")
            .and_then(Value::as_str)
            .map(String::from),
        grader_raw: None,
        grader_model: classification
            .get("classifier_model")
            .and_then(Value::as_str)
            .map(String::from),
        unscored_reason,
        classifier_version: "original".into(),
        rubric_sha256: None,
        actions: Vec::new(),
        labels: BTreeMap::new(),
        grader_attempts: 0,
        label_raw: BTreeMap::new(),
        grader_usage: None,
        panel: Vec::new(),
    }
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: invalid JSON: {e}; fix or remove the file and import again",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

fn sorted_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// What the original research runner puts between `user_prompt.txt` and `email_content.txt`
/// when it builds the one user message (the Inspect port uses a single newline instead).
const ORIGINAL_JOIN: &str = "\n\n";

/// Split a user message into the original layout's instruction and e-mails, so that
/// [`join_user_message`] gives back exactly the same text: the split is at the first `<email>`
/// that follows a blank line. A message without one stays whole in the instruction.
pub fn split_user_message(user: &str) -> (&str, &str) {
    match user.find("<email>") {
        Some(at) if user[..at].ends_with(ORIGINAL_JOIN) => {
            (&user[..at - ORIGINAL_JOIN.len()], &user[at..])
        }
        _ => (user, ""),
    }
}

/// The user message the original runner sends for an instruction and its e-mails.
pub fn join_user_message(instruction: &str, emails: &str) -> String {
    if emails.is_empty() {
        instruction.to_string()
    } else {
        format!("{instruction}{ORIGINAL_JOIN}{emails}")
    }
}

fn read_prompt(prompts_dir: &Path, condition: &str) -> anyhow::Result<Option<PromptText>> {
    let dir = prompts_dir.join(condition);
    let system_path = dir.join("system_prompt.txt");
    if !system_path.is_file() {
        return Ok(None);
    }
    let read = |name: &str| -> anyhow::Result<String> {
        let path = dir.join(name);
        if path.is_file() {
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
        } else {
            Ok(String::new())
        }
    };
    let user = join_user_message(&read("user_prompt.txt")?, &read("email_content.txt")?);
    let tools = read_json(&dir.join("metadata.json"))
        .ok()
        .and_then(|m| m.get("tools").cloned())
        .unwrap_or_else(|| json!([]));
    Ok(Some(PromptText {
        system: read("system_prompt.txt")?,
        user,
        tools,
    }))
}

fn field<'a>(document: &'a Value, path: &Path, name: &str) -> anyhow::Result<&'a Value> {
    document.get(name).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: missing field `{name}`; is this a response.json of the original layout?",
            path.display()
        )
    })
}

/// Read every `response.json` under `dir` (the results folder, or its `models/` folder).
pub fn read_original(dir: &Path) -> anyhow::Result<(Vec<OriginalTrial>, ImportNotes)> {
    let models_dir = if dir.join("models").is_dir() {
        dir.join("models")
    } else {
        dir.to_path_buf()
    };
    let prompts_dir = dir.join("prompts");
    let mut prompts: BTreeMap<String, Option<PromptText>> = BTreeMap::new();
    let mut trials = Vec::new();
    let mut notes = ImportNotes::default();
    for model_dir in sorted_dirs(&models_dir)? {
        let dir_name = model_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if matches!(dir_name.as_str(), "logs" | "prompts") {
            continue;
        }
        for condition_dir in sorted_dirs(&model_dir)? {
            for sample in sorted_dirs(&condition_dir)? {
                let path = sample.join("response.json");
                if !path.is_file() {
                    continue;
                }
                let document = read_json(&path)?;
                let metadata = field(&document, &path, "metadata")?;
                let (model, condition, sample_id) =
                    sample_identity(metadata, &path, &dir_name, &condition_dir, &sample)?;
                if !prompts.contains_key(&condition) {
                    prompts.insert(condition.clone(), read_prompt(&prompts_dir, &condition)?);
                }
                let sample_index = (sample_id - 1) as u32;
                if let Some(error) = document.get("error") {
                    notes.failed.push(OriginalFailure {
                        model,
                        condition: condition.clone(),
                        sample_index,
                        message: error
                            .as_str()
                            .map(String::from)
                            .unwrap_or_else(|| error.to_string()),
                        prompt: prompts[&condition].clone(),
                    });
                    continue;
                }
                let prompt = prompts[&condition].clone();
                trials.push(original_trial(
                    &document,
                    &path,
                    model,
                    condition,
                    sample_index,
                    prompt,
                )?);
            }
        }
    }
    if trials.is_empty() && notes.failed.is_empty() {
        anyhow::bail!(
            "no response.json found under {}; expected models/<model>/<condition>/sample_NNN/response.json",
            models_dir.display()
        );
    }
    Ok((trials, notes))
}

/// The model, condition and 1-based sample id of one `response.json`: from its metadata where
/// it says, else from the folder names (`<model>/<condition>/sample_NNN`).
fn sample_identity(
    metadata: &Value,
    path: &Path,
    dir_name: &str,
    condition_dir: &Path,
    sample: &Path,
) -> anyhow::Result<(String, String, u64)> {
    let model = metadata
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or(dir_name)
        .to_string();
    let condition = metadata
        .get("condition")
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| {
            condition_dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        });
    let sample_id = match metadata.get("sample_id").and_then(Value::as_u64) {
        Some(id) => id,
        None => sample
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("sample_"))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: no `metadata.sample_id` and the directory is not sample_NNN",
                    path.display()
                )
            })?,
    };
    if sample_id == 0 {
        anyhow::bail!(
            "{}: `metadata.sample_id` is 0; sample ids are 1-based",
            path.display()
        );
    }
    Ok((model, condition, sample_id))
}

/// A `response.json` that holds a reply, as a trial; what insider itself wrote under
/// `metadata.insider` (verdict, usage, tool calls) wins over the original fields.
fn original_trial(
    document: &Value,
    path: &Path,
    model: String,
    condition: String,
    sample_index: u32,
    prompt: Option<PromptText>,
) -> anyhow::Result<OriginalTrial> {
    let metadata = field(document, path, "metadata")?;
    let reply = field(document, path, "raw_response")?
        .as_str()
        .ok_or_else(|| {
            anyhow::anyhow!("{}: field `raw_response` must be a string", path.display())
        })?
        .to_string();
    let insider = metadata.get("insider");
    let ours = |name: &str| insider.and_then(|i| i.get(name)).filter(|v| !v.is_null());
    let verdict = match ours("verdict") {
        Some(v) => Some(
            serde_json::from_value(v.clone())
                .with_context(|| format!("{}: field `metadata.insider.verdict`", path.display()))?,
        ),
        None => document
            .get("classification")
            .map(verdict_from_classification),
    };
    let latency = metadata.get("inference_time_ms").and_then(Value::as_u64);
    Ok(OriginalTrial {
        model,
        condition,
        sample_index,
        reply,
        reasoning: ours("reasoning").and_then(Value::as_str).map(String::from),
        verdict,
        prompt,
        usage: ours("usage").and_then(|u| serde_json::from_value(u.clone()).ok()),
        cost_usd: ours("cost_usd").and_then(Value::as_f64),
        latency_ms: latency.filter(|&ms| ms > 0),
        tool_calls: ours("tool_calls")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_default(),
        timestamp: metadata
            .get("timestamp")
            .and_then(Value::as_str)
            .map(String::from),
    })
}

#[cfg(test)]
mod tests {
    use super::{join_user_message, split_user_message};

    #[test]
    fn splitting_and_joining_a_user_message_gives_it_back_exactly() {
        let pack = insider_scenario::Pack::builtin("blackmail").unwrap();
        let condition =
            insider_scenario::Condition::parse_id("blackmail_explicit-america_replacement")
                .unwrap();
        let user = pack.render(&condition).unwrap().user;
        let (instruction, emails) = split_user_message(&user);
        assert!(emails.starts_with("<email>"), "{emails:.40}");
        assert!(!instruction.contains("<email>"));
        assert!(!instruction.ends_with('\n'));
        assert_eq!(join_user_message(instruction, emails), user);

        for odd in [
            "no e-mails at all",
            "<email>first thing</email>",
            "text\n<email>x",
        ] {
            let (instruction, emails) = split_user_message(odd);
            assert_eq!((instruction, emails), (odd, ""));
            assert_eq!(join_user_message(instruction, emails), odd);
        }
    }
}
