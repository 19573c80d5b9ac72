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

use crate::source::{verdict_label, TrialSource};
use crate::svg::{bar_chart, escape_html, inline_bar, short_model_name};
use crate::table::{tabulate_many, Table, Tally};
use anyhow::Context;
use insider_judge::{Action, VerdictMode};
use insider_ledger::TrialRecord;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

const STYLE: &str = include_str!("../assets/report.css");
const SCRIPT: &str = include_str!("../assets/report.js");

/// Factors that get a breakdown section when they take more than one value.
static BREAKDOWN_FACTORS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| [&["scenario"], insider_scenario::FACTOR_NAMES].concat());

/// At most this many per-condition charts; the heatmap covers the rest.
const MAX_CHARTS: usize = 24;

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

/// Serialize for a `<script type="application/json">` block: `<`, `>`, `&` and the JavaScript
/// line separators become `\uXXXX` escapes, which are only legal inside JSON strings anyway.
pub fn json_for_script<T: Serialize + ?Sized>(value: &T) -> String {
    let text = serde_json::to_string(value).expect("report data serializes");
    // Copy runs of ordinary bytes whole; this runs over every transcript of the report.
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (escape, width) = match bytes[i] {
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                ("\\u2028", 3)
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                ("\\u2029", 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[copied..i]);
        out.push_str(escape);
        i += width;
        copied = i;
    }
    out.push_str(&text[copied..]);
    out
}

/// The first key of every row of a one-factor table (the models, or the conditions).
fn first_keys(table: &Table) -> Vec<String> {
    table.rows.iter().map(|r| r.key[0].clone()).collect()
}

/// Split a reply into `(text, is_action)` segments using the byte spans of parsed actions, so
/// the browser can highlight tool calls without re-parsing (spans are clipped to valid ranges).
pub fn reply_segments(reply: &str, actions: &[Action]) -> Vec<(String, bool)> {
    let mut spans: Vec<(usize, usize)> = actions
        .iter()
        .filter_map(|a| a.span)
        .filter(|&(start, end)| {
            start < end
                && end <= reply.len()
                && reply.is_char_boundary(start)
                && reply.is_char_boundary(end)
        })
        .collect();
    spans.sort();
    let mut segments = Vec::new();
    let mut cursor = 0;
    for (start, end) in spans {
        if start < cursor {
            continue; // overlapping span: keep the first
        }
        if start > cursor {
            segments.push((reply[cursor..start].to_string(), false));
        }
        segments.push((reply[start..end].to_string(), true));
        cursor = end;
    }
    if cursor < reply.len() || segments.is_empty() {
        segments.push((reply[cursor..].to_string(), false));
    }
    segments
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn transcript_json(record: &TrialRecord, raw_response: Option<String>) -> serde_json::Value {
    let harmful = record.verdict.as_ref().map(|v| v.harmful);
    let actions = record
        .verdict
        .as_ref()
        .map(|v| v.actions.as_slice())
        .unwrap_or(&[]);
    let reply = record.reply.as_deref().map(|r| reply_segments(r, actions));
    let verdict = record.verdict.as_ref().map(|v| {
        json!({
            "harmful": v.harmful,
            "mode": v.mode,
            "gate_passed": v.gate_passed,
            "gate_details": v.gate_details,
            "grader_answer": v.grader_answer,
            "grader_reasoning": v.grader_reasoning,
            "grader_model": v.grader_model,
            "unscored_reason": v.unscored_reason,
            "classifier_version": v.classifier_version,
            "labels": v.labels,
            "actions": v.actions.iter().map(|a| json!({"tool": a.tool, "to": a.to, "subject": a.subject})).collect::<Vec<_>>(),
        })
    });
    json!({
        "id": record.trial_id,
        "model": record.model,
        "condition": record.condition,
        "sample": record.sample_index,
        "label": verdict_label(record.status, harmful),
        "failure_reason": record.failure_reason,
        "prompt": record.prompt_hash,
        "reasoning": record.reasoning,
        "reply": reply,
        "tool_calls": record.tool_calls,
        "verdict": verdict,
        "usage": record.usage,
        "cost_usd": record.cost_usd,
        "latency_ms": record.latency_ms,
        "attempts": record.attempts.len(),
        "raw_response": raw_response,
    })
}

struct Tables {
    by_model_condition: Table,
    by_model: Table,
    by_condition: Table,
    breakdowns: Vec<(String, Table, Table)>,
}

fn compute_tables(source: &dyn TrialSource) -> anyhow::Result<Tables> {
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
    let mut tables = tabulate_many(source, &groupings)?.into_iter();
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
    Ok(Tables {
        by_model_condition,
        by_model,
        by_condition,
        breakdowns,
    })
}

fn rate_text(tally: &Tally) -> String {
    crate::render::rate_cell(tally)
}

fn rate_table(out: &mut String, table: &Table) {
    out.push_str("<table class=\"rates\"><thead><tr>");
    for factor in &table.by {
        out.push_str(&format!("<th>{}</th>", escape_html(factor)));
    }
    out.push_str("<th>harmful</th><th>n</th><th>rate</th><th>95% CI</th><th></th><th>unscored</th><th>failed</th><th>not run</th></tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for value in &row.key {
            out.push_str(&format!("<td>{}</td>", escape_html(value)));
        }
        let t = &row.tally;
        out.push_str(&format!(
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            t.harmful,
            t.scored,
            escape_html(&rate_text(t)),
            escape_html(&crate::render::interval_cell(t)),
            inline_bar(t),
            if t.unscored > 0 { " warn" } else { "" },
            t.unscored,
            t.failed,
            t.not_run + t.unclassified,
        ));
    }
    out.push_str("</tbody></table>");
}

fn heatmap(out: &mut String, table: &Table, models: &[String], conditions: &[String]) {
    let cells: BTreeMap<(&str, &str), &Tally> = table
        .rows
        .iter()
        .map(|r| ((r.key[0].as_str(), r.key[1].as_str()), &r.tally))
        .collect();
    out.push_str(
        "<div class=\"scroll\"><table class=\"heatmap\"><thead><tr><th>model \\ condition</th>",
    );
    for condition in conditions {
        out.push_str(&format!(
            "<th class=\"cond\"><span>{}</span></th>",
            escape_html(condition)
        ));
    }
    out.push_str("</tr></thead><tbody>");
    for model in models {
        out.push_str(&format!("<tr><th>{}</th>", escape_html(model)));
        for condition in conditions {
            match cells
                .get(&(model.as_str(), condition.as_str()))
                .filter(|t| t.scored > 0)
            {
                Some(t) => {
                    let rate = t.rate().unwrap_or(0.0);
                    let interval = crate::render::interval_cell(t);
                    let text_colour = if rate > 0.55 { "#fff" } else { "#000" };
                    out.push_str(&format!(
                        "<td class=\"hm\" style=\"background:rgba(213,94,0,{:.3});color:{text_colour}\" title=\"{}/{} {}\">{}</td>",
                        0.08 + 0.92 * rate,
                        t.harmful,
                        t.scored,
                        escape_html(&interval),
                        escape_html(&rate_text(t))
                    ));
                }
                None => out.push_str("<td class=\"hm empty\">–</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

fn page_head(title: &str, script_hash: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape_html(title)
    )
}

fn static_sections(tables: &Tables, title: &str, meta: &crate::source::RunMeta) -> String {
    let mut out = String::new();
    let total = &tables.by_model.total;
    out.push_str(&format!(
        "<header><h1>{}</h1><p class=\"meta\">run <code>{}</code>",
        escape_html(title),
        escape_html(&meta.run_id)
    ));
    if let Some(created) = &meta.created {
        out.push_str(&format!(" · started {}", escape_html(created)));
    }
    if let Some(version) = &meta.tool_version {
        out.push_str(&format!(" · insider {}", escape_html(version)));
    }
    out.push_str(&format!(
        "</p><p class=\"totals\">{} trials · {} scored · {} harmful · {} unscored · {} failed · {} not run or unclassified · cost ${:.2}</p>",
        total.total(),
        total.scored,
        total.harmful,
        total.unscored,
        total.failed,
        total.not_run + total.unclassified,
        total.cost_usd
    ));
    if total.is_upper_bound() {
        out.push_str("<p class=\"warn\">≤ marks rates that include gate-only verdicts (no grader ran): they are upper bounds.</p>");
    }
    if total.unscored > 0 {
        out.push_str("<p class=\"warn\">Unscored trials (classified without a yes/no answer) are excluded from n, never counted as not harmful.</p>");
    }
    out.push_str("</header><nav><a href=\"#charts\">Charts</a> <a href=\"#heatmap\">Heatmap</a> <a href=\"#factors\">Factors</a> <a href=\"#transcripts\">Transcripts</a></nav>");

    let models = first_keys(&tables.by_model);
    let conditions = first_keys(&tables.by_condition);
    out.push_str("<section id=\"charts\"><h2>Harmful rate by model</h2><p class=\"hint\">Bars: harmful / scored trials; whiskers: 95% Wilson interval.</p><div class=\"charts\">");
    if conditions.len() > 1 {
        let bars: Vec<(String, Tally)> = tables
            .by_model
            .rows
            .iter()
            .map(|r| (r.key[0].clone(), r.tally.clone()))
            .collect();
        out.push_str(&bar_chart("All conditions pooled", &bars));
    }
    for condition in conditions.iter().take(MAX_CHARTS) {
        let bars: Vec<(String, Tally)> = tables
            .by_model_condition
            .rows
            .iter()
            .filter(|r| &r.key[1] == condition)
            .map(|r| (r.key[0].clone(), r.tally.clone()))
            .collect();
        out.push_str(&bar_chart(condition, &bars));
    }
    out.push_str("</div>");
    if conditions.len() > MAX_CHARTS {
        out.push_str(&format!(
            "<p class=\"hint\">{} more conditions: see the heatmap.</p>",
            conditions.len() - MAX_CHARTS
        ));
    }
    out.push_str("</section><section id=\"heatmap\"><h2>Model × condition</h2>");
    heatmap(&mut out, &tables.by_model_condition, &models, &conditions);
    out.push_str("<h3>All cells</h3>");
    rate_table(&mut out, &tables.by_model_condition);
    out.push_str("</section><section id=\"factors\"><h2>Factor breakdowns</h2>");
    if tables.breakdowns.is_empty() {
        out.push_str("<p class=\"hint\">Every factor has a single value in this run.</p>");
    }
    for (factor, marginal, by_model) in &tables.breakdowns {
        out.push_str(&format!(
            "<h3>{}</h3><div class=\"pair\"><div>",
            escape_html(factor)
        ));
        rate_table(&mut out, marginal);
        out.push_str("</div><div>");
        rate_table(&mut out, by_model);
        out.push_str("</div></div>");
    }
    out.push_str("</section>");
    out
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
    let tables = compute_tables(source)?;
    let title = options
        .title
        .clone()
        .or_else(|| meta.name.clone().map(|n| format!("insider report: {n}")))
        .unwrap_or_else(|| "insider report".to_string());
    let script_hash = base64(&Sha256::digest(SCRIPT.as_bytes()));

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
    let mut writer = std::io::BufWriter::new(file);
    writer.write_all(page_head(&title, &script_hash).as_bytes())?;
    writer.write_all(static_sections(&tables, &title, &meta).as_bytes())?;
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
        let harmful = record.verdict.as_ref().map(|v| v.harmful);
        let gate_only = record
            .verdict
            .as_ref()
            .map(|v| v.mode == VerdictMode::GateOnly)
            .unwrap_or(false);
        if transcripts > 0 {
            index_rows.push(',');
        }
        index_rows.push_str(&json_for_script(&json!([
            record.trial_id,
            model_index.get(record.model.as_str()).copied().unwrap_or(0),
            condition_index
                .get(record.condition.as_str())
                .copied()
                .unwrap_or(0),
            record.sample_index,
            verdict_label(record.status, harmful),
            gate_only,
        ])));
        transcripts += 1;
        prompt_hashes.insert(record.prompt_hash.clone());
        writeln!(
            writer,
            "<script type=\"application/json\" id=\"t{}\">{}</script>",
            record.trial_id,
            json_for_script(&transcript_json(record, raw))
        )?;
        Ok(())
    })?;
    let mut prompts = 0;
    for hash in &prompt_hashes {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_escapes_exactly_the_dangerous_characters() {
        let text = "a<b>c&d\u{2028}e\u{2029}f é ✓ \u{2027}\u{202a} end";
        let escaped = json_for_script(text);
        assert_eq!(
            escaped,
            "\"a\\u003cb\\u003ec\\u0026d\\u2028e\\u2029f é ✓ \u{2027}\u{202a} end\""
        );
        let back: String = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn script_json_cannot_close_its_block() {
        let text =
            json_for_script(&json!({"reply": "</script><script>alert(1)</script> & \u{2028}"}));
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back["reply"],
            "</script><script>alert(1)</script> & \u{2028}"
        );
    }

    #[test]
    fn segments_highlight_action_spans_and_survive_bad_spans() {
        let reply = "Hi. <tool_use:email>to: x</tool_use:email> Bye é";
        let start = reply.find("<tool").unwrap();
        let end = reply.find(" Bye").unwrap();
        let action = |span| Action {
            tool: "email".into(),
            span: Some(span),
            ..Action::default()
        };
        let segments = reply_segments(reply, &[action((start, end)), action((0, 999))]);
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[1], (reply[start..end].to_string(), true));
        assert_eq!(
            segments.iter().map(|s| s.0.as_str()).collect::<String>(),
            reply
        );
        // A span that splits the é is ignored rather than panicking.
        let bad = reply.len() - 1;
        assert_eq!(reply_segments(reply, &[action((bad - 2, bad))]).len(), 1);
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
