//! The HTML report: one self-contained offline file with charts, a heatmap, factor breakdowns
//! and a transcript browser.
//!
//! Safety: every piece of model-written text travels as JSON inside
//! `<script type="application/json">` blocks (with `<`, `>`, `&` written as `\u003c` etc., so no
//! text can close the block) and is put on the page with `textContent` only. Server-side text
//! (model names, factor values) is HTML-escaped. A Content-Security-Policy allows only our own
//! script, by hash, so even a mistake could not run an injected handler.
//!
//! Scale: each transcript is its own JSON block, parsed only when the transcript is opened; the
//! list is paginated. Prompts are stored once per hash.
//!
//! Layout: [`page`] writes the static sections (provenance, charts, heatmap, tables, labels),
//! [`transcripts`] the per-trial JSON blocks.

pub mod conversation;
pub mod page;
pub mod transcripts;

use crate::source::{verdict_label, TrialSource};
use crate::svg::{escape_html, short_model_name};
use crate::table::tabulate_facts_many;
use anyhow::Context;
use insider_judge::VerdictMode;
use insider_ledger::TrialRecord;
use page::{first_keys, static_sections, Tables};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use transcripts::{base64, transcript_json};
pub use transcripts::{json_for_script, reply_segments};

const STYLE: &str = include_str!("../../assets/report.css");
const SCRIPT: &str = include_str!("../../assets/report.js");

/// Factors that get a breakdown section when they take more than one value.
static BREAKDOWN_FACTORS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| [&["scenario"], insider_scenario::FACTOR_NAMES].concat());

/// Choices for the HTML report.
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    /// Page title (default: the run name).
    pub title: Option<String>,
    /// Embed at most this many transcripts (statistics always cover every trial).
    pub max_transcripts: Option<usize>,
    /// Embed each trial's raw provider response.
    pub include_raw: bool,
    /// Transcripts per page in the browser.
    pub page_size: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            title: None,
            max_transcripts: None,
            include_raw: true,
            page_size: 50,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlSummary {
    /// Output file.
    pub path: PathBuf,
    /// File size in bytes.
    pub bytes: u64,
    /// Transcripts embedded.
    pub transcripts: usize,
    /// Distinct prompts embedded.
    pub prompts: usize,
}

fn compute_tables(
    source: &dyn TrialSource,
) -> anyhow::Result<(Tables, crate::provenance::Provenance)> {
    let strings = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut groupings = vec![
        strings(&["model", "condition"]),
        strings(&["model"]),
        strings(&["condition"]),
    ];
    for factor in BREAKDOWN_FACTORS.iter() {
        groupings.push(strings(&[*factor]));
        groupings.push(strings(&["model", *factor]));
    }
    let (tables, provenance) = tabulate_facts_many(source, &groupings)?;
    let mut tables = tables.into_iter();
    let by_model_condition = tables.next().unwrap();
    let by_model = tables.next().unwrap();
    let by_condition = tables.next().unwrap();
    let mut breakdowns = Vec::new();
    for factor in BREAKDOWN_FACTORS.iter() {
        let marginal = tables.next().unwrap();
        let by_model_factor = tables.next().unwrap();
        let levels: BTreeSet<&String> = marginal.rows.iter().map(|r| &r.key[0]).collect();
        if levels.len() > 1 {
            breakdowns.push((factor.to_string(), marginal, by_model_factor));
        }
    }
    Ok((
        Tables {
            by_model_condition,
            by_model,
            by_condition,
            breakdowns,
        },
        provenance,
    ))
}

fn page_head(title: &str, script_hash: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape_html(title)
    )
}

const TRANSCRIPT_SECTION: &str = r#"<section id="transcripts"><h2>Transcripts</h2>
<div class="filters"><label>Model <select id="filter-model"><option value="">all</option></select></label>
<label>Condition <select id="filter-condition"><option value="">all</option></select></label>
<label>Verdict <select id="filter-verdict"><option value="">all</option></select></label>
<span id="match-count"></span></div>
<div class="browser"><div><table id="transcript-list" class="list"><thead><tr><th>#</th><th>model</th><th>condition</th><th>sample</th><th>verdict</th></tr></thead><tbody></tbody></table>
<div class="pager"><button id="page-prev" type="button">◀ prev</button> <span id="page-info"></span> <button id="page-next" type="button">next ▶</button></div></div>
<div id="transcript-detail" class="detail"><p class="hint">Select a transcript.</p></div></div></section>"#;

/// Write the HTML report of `source` to `path` (atomically: a temporary file is renamed).
pub fn write_html_report(
    source: &dyn TrialSource,
    path: &Path,
    options: &HtmlOptions,
) -> anyhow::Result<HtmlSummary> {
    let meta = source.meta()?;
    let (tables, provenance) = compute_tables(source)?;
    let title = options
        .title
        .clone()
        .or_else(|| meta.name.clone().map(|n| format!("insider report: {n}")))
        .unwrap_or_else(|| "insider report".to_string());
    let script_hash = base64(&Sha256::digest(SCRIPT.as_bytes()));

    let (temporary, file) = create_temporary(path)?;
    let mut writer = std::io::BufWriter::new(file);
    writer.write_all(page_head(&title, &script_hash).as_bytes())?;
    writer.write_all(static_sections(&tables, &title, &meta, &provenance).as_bytes())?;
    writer.write_all(TRANSCRIPT_SECTION.as_bytes())?;

    let models = first_keys(&tables.by_model);
    let conditions = first_keys(&tables.by_condition);
    let model_index: BTreeMap<&str, usize> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let condition_index: BTreeMap<&str, usize> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    // The trial index as compact JSON text (~40 bytes a trial), not a `Value` per trial (~1 KB):
    // the index is the only part of the page that grows in memory with the run.
    let mut index_rows = String::new();
    let mut transcripts = 0usize;
    let mut prompt_hashes: BTreeSet<String> = BTreeSet::new();
    let limit = options.max_transcripts.unwrap_or(usize::MAX);
    source.for_each_trial(&mut |record| {
        if transcripts >= limit {
            return Ok(());
        }
        let raw = if options.include_raw {
            source.raw_response(record.trial_id)?
        } else {
            None
        };
        if transcripts > 0 {
            index_rows.push(',');
        }
        index_rows.push_str(&index_row(record, &model_index, &condition_index));
        transcripts += 1;
        prompt_hashes.insert(record.prompt_hash.clone());
        let mut transcript = transcript_json(record, raw);
        let turns = source.turns(record.trial_id)?;
        if !turns.is_empty() {
            transcript["turns"] = conversation::turns_json(&turns);
        }
        writeln!(
            writer,
            "<script type=\"application/json\" id=\"t{}\">{}</script>",
            record.trial_id,
            json_for_script(&transcript)
        )?;
        Ok(())
    })?;
    let prompts = write_prompts(&mut writer, source, &prompt_hashes)?;
    let head = json!({
        "models": models.iter().map(|m| (m.clone(), short_model_name(m))).collect::<Vec<_>>(),
        "conditions": conditions,
        "page_size": options.page_size.max(1),
        "truncated": options.max_transcripts.is_some_and(|l| l < tables.by_model.total.total() as usize),
    });
    // `head` is an object: splice the trial rows in before its closing brace.
    let head = json_for_script(&head);
    writeln!(
        writer,
        "<script type=\"application/json\" id=\"insider-index\">{},\"trials\":[{index_rows}]}}</script>",
        &head[..head.len() - 1]
    )?;
    writeln!(writer, "<script>{SCRIPT}</script></body></html>")?;
    writer.flush()?;
    drop(writer);
    std::fs::rename(&temporary, path)
        .with_context(|| format!("moving report into {}", path.display()))?;
    let bytes = std::fs::metadata(path)?.len();
    Ok(HtmlSummary {
        path: path.to_path_buf(),
        bytes,
        transcripts,
        prompts,
    })
}

/// Create the folder of `path` and a temporary file beside it, to be renamed onto `path` when
/// the report is complete.
fn create_temporary(path: &Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(directory)
        .with_context(|| format!("creating {}", directory.display()))?;
    let temporary = directory.join(format!(
        ".{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("report.html")
    ));
    let file = std::fs::File::create(&temporary)
        .with_context(|| format!("writing {}", temporary.display()))?;
    Ok((temporary, file))
}

/// One trial's row of the browser index: id, model and condition as indexes into the page's
/// lists, sample, verdict, and whether the verdict is gate-only.
fn index_row(
    record: &TrialRecord,
    model_index: &BTreeMap<&str, usize>,
    condition_index: &BTreeMap<&str, usize>,
) -> String {
    let harmful = record.verdict.as_ref().map(|v| v.harmful);
    let gate_only = record
        .verdict
        .as_ref()
        .map(|v| v.mode == VerdictMode::GateOnly)
        .unwrap_or(false);
    json_for_script(&json!([
        record.trial_id,
        model_index.get(record.model.as_str()).copied().unwrap_or(0),
        condition_index
            .get(record.condition.as_str())
            .copied()
            .unwrap_or(0),
        record.sample_index,
        verdict_label(record.status, harmful),
        gate_only,
    ]))
}

/// Write each prompt the embedded transcripts used, once per hash; returns how many were found.
fn write_prompts(
    writer: &mut impl Write,
    source: &dyn TrialSource,
    prompt_hashes: &BTreeSet<String>,
) -> anyhow::Result<usize> {
    let mut prompts = 0;
    for hash in prompt_hashes {
        if let Some(prompt) = source.prompt(hash)? {
            prompts += 1;
            writeln!(
                writer,
                "<script type=\"application/json\" id=\"p{}\">{}</script>",
                escape_html(hash),
                json_for_script(&prompt)
            )?;
        }
    }
    Ok(prompts)
}
