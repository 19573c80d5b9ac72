//! The data card (what is in an export, where it came from, what was left out and why) and
//! the contamination report, as JSON and markdown.

use crate::canary::{CANARY, CANARY_GUID};
use crate::files::ExportedFile;
use crate::prepare::Prepared;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Words, approximate tokens (characters / 4, a rough figure for English with common
/// tokenizers) and the generator's own output-token count, per kind.
#[derive(Default)]
struct Totals {
    records: usize,
    words: usize,
    approx_tokens: usize,
    generator_output_tokens: u64,
    cost_usd: f64,
}

fn totals_by_kind(prepared: &Prepared) -> BTreeMap<String, Totals> {
    let mut totals: BTreeMap<String, Totals> = BTreeMap::new();
    for record in &prepared.kept {
        let t = totals.entry(record.kind.clone()).or_default();
        t.records += 1;
        t.words += crate::text::word_count(&record.text);
        t.approx_tokens += record.text.chars().count().div_ceil(4);
        t.generator_output_tokens += record.generator_output_tokens;
        t.cost_usd += record.cost_usd;
    }
    totals
}

fn dropped_by_reason(prepared: &Prepared) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut by: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for dropped in &prepared.dropped {
        *by.entry(dropped.kind.clone())
            .or_default()
            .entry(dropped.reason.clone())
            .or_default() += 1;
    }
    by
}

/// The contamination report: settings, packs and their figures, every flagged item and why.
pub(crate) fn contamination_report(prepared: &Prepared) -> Value {
    let flagged: Vec<Value> = prepared
        .dropped
        .iter()
        .filter(|d| d.reason == "contamination")
        .map(|d| json!({"id": d.key, "kind": d.kind, "why": d.detail, "finding": d.finding}))
        .collect();
    json!({
        "canary": CANARY,
        "options": prepared.contamination_options,
        "packs": prepared.packs,
        "checked": prepared.contamination_checked,
        "flagged": flagged.len(),
        "items": flagged,
    })
}

/// The data card as JSON.
pub(crate) fn data_card(prepared: &Prepared, files: &[ExportedFile]) -> Value {
    let totals = totals_by_kind(prepared);
    let mut models: Vec<&str> = prepared.kept.iter().map(|r| r.model.as_str()).collect();
    models.sort_unstable();
    models.dedup();
    let seeds: std::collections::BTreeSet<u64> = prepared.kept.iter().map(|r| r.seed).collect();
    let kinds: BTreeMap<&String, Value> = totals
        .iter()
        .map(|(kind, t)| {
            (
                kind,
                json!({
                    "records": t.records,
                    "words": t.words,
                    "approx_tokens": t.approx_tokens,
                    "generator_output_tokens": t.generator_output_tokens,
                    "cost_usd": t.cost_usd,
                }),
            )
        })
        .collect();
    let planned: u32 = prepared.specs.iter().map(|s| s.count).sum();
    json!({
        "canary": CANARY,
        "canary_guid": CANARY_GUID,
        "tool": {"name": "insider", "version": env!("CARGO_PKG_VERSION")},
        "generator_models": models,
        "seeds": seeds,
        "specs": prepared.specs.iter().map(|s| json!({
            "name": s.name, "kind": s.kind, "sha256": s.sha256, "source": s.source, "items_planned": s.count,
        })).collect::<Vec<_>>(),
        "counts": {
            "planned": planned,
            "unfinished": prepared.unfinished.len(),
            "kept": prepared.kept.len(),
            "dropped": prepared.dropped.len(),
            "dropped_by_kind_and_reason": dropped_by_reason(prepared),
        },
        "kinds": kinds,
        "totals": {
            "records": prepared.kept.len(),
            "words": totals.values().map(|t| t.words).sum::<usize>(),
            "approx_tokens": totals.values().map(|t| t.approx_tokens).sum::<usize>(),
            "generator_output_tokens": totals.values().map(|t| t.generator_output_tokens).sum::<u64>(),
        },
        "generation_cost_usd": prepared.cost.0,
        "generation_steps_of_unknown_cost": prepared.cost.1,
        "contamination": {
            "options": prepared.contamination_options,
            "checked": prepared.contamination_checked,
            "flagged": prepared.dropped.iter().filter(|d| d.reason == "contamination").count(),
            "packs": prepared.packs,
        },
        "dedupe": {"shingle_words": prepared.dedupe.shingle, "jaccard_threshold": prepared.dedupe.threshold},
        "files": files,
    })
}

/// The data card as markdown.
pub(crate) fn data_card_markdown(prepared: &Prepared, card: &Value) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Data card: insider synthetic training data\n");
    let _ = writeln!(md, "Canary: `{CANARY}`\n");
    let _ =
        writeln!(
        md,
        "Made with insider {} by {} (seed{} {}). Keep the canary with every copy, so this data \
         can be found and left out of pre-training corpora.\n",
        env!("CARGO_PKG_VERSION"),
        list(&card["generator_models"]),
        if card["seeds"].as_array().map_or(0, Vec::len) == 1 { "" } else { "s" },
        list(&card["seeds"]),
    );
    let _ = writeln!(
        md,
        "## Specs\n\n| spec | kind | items planned | sha256 |\n|---|---|---:|---|"
    );
    for spec in &prepared.specs {
        let _ = writeln!(
            md,
            "| {} | {} | {} | `{}` |",
            spec.name,
            spec.kind,
            spec.count,
            &spec.sha256[..16]
        );
    }
    let _ = writeln!(
        md,
        "\n## Records\n\n| kind | records | words | ≈ tokens (chars/4) | generator output tokens |\n|---|---:|---:|---:|---:|"
    );
    for (kind, t) in totals_by_kind(prepared) {
        let _ = writeln!(
            md,
            "| {kind} | {} | {} | {} | {} |",
            t.records, t.words, t.approx_tokens, t.generator_output_tokens
        );
    }
    let _ = writeln!(
        md,
        "\nGeneration cost: ${:.4}{}. Unfinished items (not exported): {}.\n",
        prepared.cost.0,
        if prepared.cost.1 > 0 {
            format!(" plus {} call(s) of unknown price", prepared.cost.1)
        } else {
            String::new()
        },
        prepared.unfinished.len()
    );
    let _ = writeln!(
        md,
        "## Left out\n\n| kind | reason | items |\n|---|---|---:|"
    );
    for (kind, reasons) in dropped_by_reason(prepared) {
        for (reason, n) in reasons {
            let _ = writeln!(md, "| {kind} | {reason} | {n} |");
        }
    }
    contamination_markdown(prepared, &mut md);
    let _ = writeln!(
        md,
        "\n## Files\n\n| file | records | sha256 |\n|---|---:|---|"
    );
    for file in card["files"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| {} | {} | `{}` |",
            file["name"].as_str().unwrap_or_default(),
            file["records"],
            file["sha256"].as_str().unwrap_or_default()
        );
    }
    md
}

fn contamination_markdown(prepared: &Prepared, md: &mut String) {
    let options = &prepared.contamination_options;
    let flagged: Vec<_> = prepared
        .dropped
        .iter()
        .filter(|d| d.reason == "contamination")
        .collect();
    let _ = writeln!(
        md,
        "\n## Contamination\n\n{} item(s) checked against {} evaluation pack(s) ({}-word n-grams, at most {} shared; \
         at most {} weak cast name(s) per pack; {} renamed variant(s) per condition): {} flagged and left out.\n",
        prepared.contamination_checked,
        prepared.packs.len(),
        options.ngram,
        options.max_shared_ngrams,
        options.max_weak_names,
        options.variants,
        flagged.len()
    );
    let _ = writeln!(
        md,
        "| pack | origin | conditions | texts | n-grams | entities (strong/weak) | items sharing n-grams | items with strong / weak names |\n|---|---|---:|---:|---:|---:|---:|---:|"
    );
    for p in &prepared.packs {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {}/{} | {} | {} / {} |",
            p.pack.name,
            p.pack.origin,
            p.pack.conditions,
            p.pack.texts,
            p.pack.ngrams,
            p.pack.strong_entities,
            p.pack.weak_entities,
            p.items_sharing_ngrams,
            p.items_using_strong_entities,
            p.items_using_weak_entities
        );
    }
    if !flagged.is_empty() {
        let _ = writeln!(md, "\nFlagged items (all listed in contamination.json):\n");
        for d in flagged.iter().take(50) {
            let _ = writeln!(
                md,
                "- `{}` ({}): {}",
                d.key,
                d.kind,
                d.detail.replace('\n', " ")
            );
        }
        if flagged.len() > 50 {
            let _ = writeln!(md, "- … and {} more", flagged.len() - 50);
        }
    }
}

fn list(value: &Value) -> String {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map_or_else(|| v.to_string(), |s| format!("`{s}`"))
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
