//! From stored answers to training records: render each finished item's export templates,
//! then drop what fails the quality filters, what copies an evaluation pack, and what nearly
//! repeats an earlier record — each dropped item listed with why.

use crate::contamination::{ContaminationIndex, Finding};
use crate::dedupe::{near_duplicates, DedupeOptions};
use crate::filters::quality_problem;
use crate::spec::{context, plan_item, Spec};
use crate::store::{Store, StoredItem, StoredSpec};
use crate::template;
use anyhow::Context;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Settings of the preparation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PrepareOptions {
    /// Near-duplicate settings.
    pub dedupe: DedupeOptions,
}

/// One message of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// Text.
    pub content: String,
}

/// One training record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Item key.
    pub key: String,
    /// Spec name.
    pub spec: String,
    /// Kind name.
    pub kind: String,
    /// Generator model.
    pub model: String,
    /// Planning seed.
    pub seed: u64,
    /// Hash of the spec.
    pub spec_sha256: String,
    /// The record as plain text.
    pub text: String,
    /// The record as a conversation.
    pub messages: Vec<RecordMessage>,
    /// Tokens the generator produced for this item (all steps).
    pub generator_output_tokens: u64,
    /// Dollars its steps cost (known prices only).
    pub cost_usd: f64,
}

/// One item left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dropped {
    /// Item key.
    pub key: String,
    /// Kind name.
    pub kind: String,
    /// `refusal`, `truncated`, `empty`, `too_short`, `too_long`, `contamination`, `near_duplicate`.
    pub reason: String,
    /// The particulars.
    pub detail: String,
    /// The contamination finding, for `contamination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

/// Contamination figures of one pack over the checked items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackFigures {
    /// What the index holds of the pack.
    #[serde(flatten)]
    pub pack: crate::contamination::IndexedPack,
    /// Checked items sharing at least one n-gram with it.
    pub items_sharing_ngrams: usize,
    /// Checked items using one of its strong entities.
    pub items_using_strong_entities: usize,
    /// Checked items using one of its weak entities.
    pub items_using_weak_entities: usize,
}

/// Everything an export writes.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Records kept, by spec then index.
    pub kept: Vec<Record>,
    /// Items dropped, in check order.
    pub dropped: Vec<Dropped>,
    /// Items not finished (key, status, failure), not exported.
    pub unfinished: Vec<(String, String, Option<String>)>,
    /// The folder's specs.
    pub specs: Vec<StoredSpec>,
    /// Items checked for contamination.
    pub contamination_checked: usize,
    /// Figures per pack.
    pub packs: Vec<PackFigures>,
    /// The index's settings.
    pub contamination_options: crate::contamination::ContaminationOptions,
    /// The duplicate settings.
    pub dedupe: DedupeOptions,
    /// Dollars of all stored steps, and steps of unknown cost.
    pub cost: (f64, u64),
}

/// Read a folder's store and prepare its records.
pub fn prepare(
    store: &Store,
    index: &ContaminationIndex,
    options: PrepareOptions,
) -> anyhow::Result<Prepared> {
    let specs = store.specs()?;
    let parsed: BTreeMap<String, Spec> = specs
        .iter()
        .map(|s| {
            Spec::parse(&s.source, &s.text)
                .map(|spec| (s.name.clone(), spec))
                .with_context(|| format!("the stored copy of spec `{}`", s.name))
        })
        .collect::<anyhow::Result<_>>()?;
    let counts = store.counts()?;
    let mut prepared = Prepared {
        kept: Vec::new(),
        dropped: Vec::new(),
        unfinished: Vec::new(),
        specs,
        contamination_checked: 0,
        packs: index
            .packs()
            .iter()
            .map(|pack| PackFigures {
                pack: pack.clone(),
                items_sharing_ngrams: 0,
                items_using_strong_entities: 0,
                items_using_weak_entities: 0,
            })
            .collect(),
        contamination_options: *index.options(),
        dedupe: options.dedupe,
        cost: (counts.cost_usd, counts.unknown_cost_steps),
    };
    let mut candidates = Vec::new();
    for item in store.items()? {
        if item.status != "done" {
            prepared
                .unfinished
                .push((item.key, item.status, item.failure));
            continue;
        }
        let spec = parsed.get(&item.spec).with_context(|| {
            format!(
                "item {} names spec `{}`, which the store lacks",
                item.key, item.spec
            )
        })?;
        let record = render_record(spec, &item)?;
        if let Some((reason, detail)) = quality_problem(&item.steps, &record.text, &spec.filters) {
            prepared.dropped.push(Dropped {
                key: record.key,
                kind: record.kind,
                reason,
                detail,
                finding: None,
            });
            continue;
        }
        let finding = index.check(&checked_text(&record));
        prepared.contamination_checked += 1;
        tally(&mut prepared.packs, &finding);
        if finding.flagged() {
            prepared.dropped.push(Dropped {
                key: record.key,
                kind: record.kind,
                reason: "contamination".into(),
                detail: finding.reasons.join("; "),
                finding: Some(finding),
            });
            continue;
        }
        candidates.push(record);
    }
    let texts: Vec<&str> = candidates.iter().map(|r| r.text.as_str()).collect();
    let duplicates = near_duplicates(&texts, options.dedupe);
    let mut drop_at: BTreeMap<usize, String> = BTreeMap::new();
    for duplicate in &duplicates {
        drop_at.insert(
            duplicate.index,
            format!(
                "repeats {} (Jaccard {:.2} over {}-word shingles, threshold {:.2})",
                candidates[duplicate.of].key,
                duplicate.jaccard,
                options.dedupe.shingle,
                options.dedupe.threshold
            ),
        );
    }
    for (i, record) in candidates.into_iter().enumerate() {
        match drop_at.remove(&i) {
            Some(detail) => prepared.dropped.push(Dropped {
                key: record.key,
                kind: record.kind,
                reason: "near_duplicate".into(),
                detail,
                finding: None,
            }),
            None => prepared.kept.push(record),
        }
    }
    Ok(prepared)
}

/// What the contamination check reads of a record: its text and every message.
fn checked_text(record: &Record) -> String {
    let mut text = record.text.clone();
    for message in &record.messages {
        text.push_str("\n\n");
        text.push_str(&message.content);
    }
    text
}

fn tally(packs: &mut [PackFigures], finding: &Finding) {
    for figures in packs {
        let name = figures.pack.name.as_str();
        if finding.ngram_packs.iter().any(|p| p == name) {
            figures.items_sharing_ngrams += 1;
        }
        if finding.strong.iter().any(|h| h.pack == name) {
            figures.items_using_strong_entities += 1;
        }
        if finding.weak.iter().any(|h| h.pack == name) {
            figures.items_using_weak_entities += 1;
        }
    }
}

/// Render a finished item's export templates.
fn render_record(spec: &Spec, item: &StoredItem) -> anyhow::Result<Record> {
    let planned = plan_item(spec, item.seed, item.index);
    let outputs: Map<String, Value> = item
        .steps
        .iter()
        .map(|s| (s.step.clone(), Value::String(s.text.clone())))
        .collect();
    let context = context(spec, &planned, &outputs);
    let render = |field: &str, source: &str| {
        template::render(source, &context).map_err(|e| {
            anyhow::anyhow!(
                "{}: export {field} of item {}: {}",
                spec.source,
                item.key,
                e.message
            )
        })
    };
    let text = render("text", &spec.export.text)?;
    let messages = spec
        .export
        .messages
        .iter()
        .map(|m| {
            Ok(RecordMessage {
                role: m.role.as_str().to_string(),
                content: render("messages", &m.content)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Record {
        key: item.key.clone(),
        spec: item.spec.clone(),
        kind: item.kind.clone(),
        model: item.model.clone().unwrap_or_default(),
        seed: item.seed,
        spec_sha256: item.spec_sha256.clone(),
        text,
        messages,
        generator_output_tokens: item.steps.iter().map(|s| s.output_tokens).sum(),
        cost_usd: item.steps.iter().filter_map(|s| s.cost_usd).sum(),
    })
}
