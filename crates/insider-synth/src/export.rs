//! Exports in trainers' formats, each file written under a temporary name and renamed when
//! complete, so a reader never sees half a file:
//!
//! | file | format |
//! |---|---|
//! | `trl-messages.jsonl` | TRL conversational: `{"messages": [{"role", "content"}, …]}` (also what Axolotl's `chat_template` type reads) |
//! | `trl-text.jsonl` | TRL language modelling: `{"text": …}` (Axolotl's `completion` type) |
//! | `openai.jsonl` | OpenAI fine-tuning: `{"messages": [...]}` per line |
//! | `axolotl.yaml` | the `datasets:` section of an Axolotl config pointing at the two TRL files |
//! | `dropped.json` | every item left out, with the reason, and the unfinished items |
//! | `contamination.json` | the contamination report: packs checked, figures, flagged items and why |
//! | `data-card.md`, `data-card.json` | counts, token totals, sources, contamination figures, file hashes |
//!
//! Every JSONL record carries the [`crate::CANARY`] in a `canary` field (never inside the
//! trained text), and the YAML, JSON and markdown files carry it in their text. (A JSONL file
//! with no records is empty, so it has no canary either.)

use crate::canary::CANARY;
use crate::files::write_file;
pub use crate::files::ExportedFile;
use crate::prepare::{Prepared, Record};
use anyhow::Context;
use serde::Serialize;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where to write.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The export folder (created when missing).
    pub out: PathBuf,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportSummary {
    /// The folder.
    pub out: PathBuf,
    /// Files written, data card last.
    pub files: Vec<ExportedFile>,
    /// Records exported.
    pub kept: usize,
    /// Items dropped.
    pub dropped: usize,
    /// Items not finished.
    pub unfinished: usize,
}

/// Write every export of `prepared` into `options.out`.
pub fn export(prepared: &Prepared, options: &ExportOptions) -> anyhow::Result<ExportSummary> {
    let out = &options.out;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut files = Vec::new();
    let messages = prepared.kept.iter().map(trl_messages).collect::<Vec<_>>();
    files.push(write_jsonl(out, "trl-messages.jsonl", &messages)?);
    let texts = prepared.kept.iter().map(trl_text).collect::<Vec<_>>();
    files.push(write_jsonl(out, "trl-text.jsonl", &texts)?);
    let openai = prepared.kept.iter().map(openai).collect::<Vec<_>>();
    files.push(write_jsonl(out, "openai.jsonl", &openai)?);
    files.push(write_file(out, "axolotl.yaml", axolotl().as_bytes(), 0)?);
    let dropped =
        json!({"canary": CANARY, "items": prepared.dropped, "unfinished": prepared.unfinished});
    let dropped = serde_json::to_string_pretty(&dropped)? + "\n";
    files.push(write_file(
        out,
        "dropped.json",
        dropped.as_bytes(),
        prepared.dropped.len(),
    )?);
    let report = crate::card::contamination_report(prepared);
    let report = serde_json::to_string_pretty(&report)? + "\n";
    files.push(write_file(out, "contamination.json", report.as_bytes(), 0)?);
    let card = crate::card::data_card(prepared, &files);
    let card_json = serde_json::to_string_pretty(&card)? + "\n";
    let card_md = crate::card::data_card_markdown(prepared, &card);
    files.push(write_file(out, "data-card.json", card_json.as_bytes(), 0)?);
    files.push(write_file(out, "data-card.md", card_md.as_bytes(), 0)?);
    Ok(ExportSummary {
        out: out.clone(),
        files,
        kept: prepared.kept.len(),
        dropped: prepared.dropped.len(),
        unfinished: prepared.unfinished.len(),
    })
}

fn messages_of(record: &Record) -> serde_json::Value {
    json!(record
        .messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect::<Vec<_>>())
}

fn trl_messages(record: &Record) -> serde_json::Value {
    json!({
        "messages": messages_of(record),
        "id": record.key,
        "kind": record.kind,
        "spec": record.spec,
        "spec_sha256": record.spec_sha256,
        "seed": record.seed,
        "model": record.model,
        "canary": CANARY,
    })
}

fn trl_text(record: &Record) -> serde_json::Value {
    json!({
        "text": record.text,
        "id": record.key,
        "kind": record.kind,
        "spec": record.spec,
        "spec_sha256": record.spec_sha256,
        "seed": record.seed,
        "model": record.model,
        "canary": CANARY,
    })
}

/// OpenAI's lines hold the conversation and the canary only: provenance lives in the TRL
/// files and the data card, keyed by the same order.
fn openai(record: &Record) -> serde_json::Value {
    json!({"messages": messages_of(record), "canary": CANARY})
}

fn axolotl() -> String {
    format!(
        "# {CANARY}\n\
         # The `datasets:` section of an Axolotl config for this export. Paths are relative to\n\
         # this folder; use one entry (chat format) or the other (plain text), not both.\n\
         datasets:\n\
         \x20 - path: trl-messages.jsonl\n\
         \x20   ds_type: json\n\
         \x20   type: chat_template\n\
         \x20   field_messages: messages\n\
         \x20   message_property_mappings:\n\
         \x20     role: role\n\
         \x20     content: content\n\
         # - path: trl-text.jsonl\n\
         #   ds_type: json\n\
         #   type: completion\n\
         #   field: text\n"
    )
}

fn write_jsonl(
    dir: &Path,
    name: &str,
    records: &[serde_json::Value],
) -> anyhow::Result<ExportedFile> {
    let mut bytes = Vec::new();
    for record in records {
        serde_json::to_writer(&mut bytes, record)?;
        bytes.push(b'\n');
    }
    write_file(dir, name, &bytes, records.len())
}
