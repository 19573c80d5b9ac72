//! Where every number came from: the pack (built-in, original prompts, a variant folder, an
//! import) with the prompts' sha256, how verdicts were reached (graded, gate-only, the original
//! rules) and by which grader and classifier version, and how each model was called
//! (temperature, max tokens, the endpoint host), each model's prompt-cache use, and what
//! grading cost.
//!
//! Reports print it above their numbers, exports carry it, and `insider compare` uses
//! [`differences`] to warn (and refuse to pool) when two sides were not measured the same way.

use crate::source::{RunMeta, TrialFacts};
use insider_judge::VerdictMode;
use insider_ledger::{TrialStatus, TrialSummary};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of scenario pack a scenario's prompts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackKind {
    /// insider's built-in rewritten world.
    Builtin,
    /// The original research templates (imported compat pack).
    Original,
    /// A pack folder in insider's format (a variant world).
    Variant,
    /// Results imported from the original research layout.
    Imported,
    /// The ledger does not say.
    Unknown,
}

impl PackKind {
    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            PackKind::Builtin => "built-in",
            PackKind::Original => "original",
            PackKind::Variant => "variant",
            PackKind::Imported => "imported",
            PackKind::Unknown => "unknown",
        }
    }
}

/// One scenario's pack and prompts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioProvenance {
    /// Scenario name.
    pub scenario: String,
    /// Pack kind.
    pub kind: PackKind,
    /// Where it came from (`builtin`, `original:<dir>`, `dir:<dir>`, the import folder), or
    /// why it is unknown.
    pub origin: String,
    /// Distinct prompt hashes by condition id.
    pub prompts: BTreeMap<String, Vec<String>>,
    /// sha256 of the sorted `condition<TAB>prompt sha256` lines: one digest naming every prompt
    /// of the scenario (equal digests, equal prompts).
    pub prompt_set_sha256: String,
}

/// One way verdicts were reached, with how many trials it covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VerdictSource {
    /// `graded`, `gate_only` or `compat_original`.
    pub mode: String,
    /// Grader model, if one ran.
    pub grader: Option<String>,
    /// Classifier version.
    pub classifier_version: String,
    /// Trials classified this way.
    pub trials: u64,
}

/// How one model was called.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSetup {
    /// Model name.
    pub model: String,
    /// Sampling temperature (`None`: the provider's default).
    pub temperature: Option<f64>,
    /// Maximum output tokens (`None`: the provider's default).
    pub max_tokens: Option<u64>,
    /// Host (and port) calls went to, when recorded.
    pub endpoint_host: Option<String>,
    /// How the endpoint is known, or that it is not.
    pub endpoint_note: String,
}

/// Everything a report states about where its numbers came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// Per scenario: pack and prompts.
    pub scenarios: Vec<ScenarioProvenance>,
    /// Verdict modes, graders and classifier versions, with trial counts.
    pub verdicts: Vec<VerdictSource>,
    /// Completed trials not classified yet.
    pub unclassified: u64,
    /// Per model: generation settings and endpoint.
    pub models: Vec<ModelSetup>,
    /// Per model with cache reads or writes: prompt-cache use and the money it saved.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub cache: BTreeMap<String, insider_ledger::CacheUse>,
    /// Per grader model (a panel as one): the verdicts it graded, calls, tokens and cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graders: Vec<insider_ledger::GraderSpend>,
}

fn mode_name(mode: VerdictMode) -> &'static str {
    match mode {
        VerdictMode::Graded => "graded",
        VerdictMode::GateOnly => "gate_only",
        VerdictMode::CompatOriginal => "compat_original",
    }
}

/// Human name of a verdict mode for reports.
pub fn mode_label(mode: &str) -> &str {
    match mode {
        "graded" => "graded (gates and grader)",
        "gate_only" => "gate-only (no grader: upper bound)",
        "compat_original" => "compat (the original research rules)",
        other => other,
    }
}

/// Collects provenance while a report streams trials.
#[derive(Debug, Default)]
pub struct ProvenanceCollector {
    prompts: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    verdicts: BTreeMap<(String, Option<String>, String), u64>,
    unclassified: u64,
    models: BTreeSet<String>,
}

impl ProvenanceCollector {
    /// Record one trial.
    pub fn add(&mut self, trial: &TrialSummary, facts: &TrialFacts<'_>) {
        let scenario = crate::factors::factor_value(trial, "scenario");
        if !self.models.contains(&trial.model) {
            self.models.insert(trial.model.clone());
        }
        let conditions = self.prompts.entry(scenario.to_string()).or_default();
        match conditions.get_mut(&trial.condition) {
            Some(hashes) if hashes.contains(facts.prompt_hash) => {}
            Some(hashes) => {
                hashes.insert(facts.prompt_hash.to_string());
            }
            None => {
                conditions.insert(
                    trial.condition.clone(),
                    BTreeSet::from([facts.prompt_hash.to_string()]),
                );
            }
        }
        if trial.status != TrialStatus::Completed {
            return;
        }
        match trial.mode {
            Some(mode) => {
                let key = (
                    mode_name(mode).to_string(),
                    facts.grader_model.map(str::to_string),
                    facts.classifier_version.unwrap_or("").to_string(),
                );
                *self.verdicts.entry(key).or_default() += 1;
            }
            None => self.unclassified += 1,
        }
    }

    /// The provenance, with the run-level facts of `meta`.
    pub fn finish(self, meta: &RunMeta) -> Provenance {
        let scenarios = self
            .prompts
            .into_iter()
            .map(|(scenario, conditions)| {
                let (kind, origin) = pack_of(meta, &scenario, conditions.keys());
                let mut hasher = Sha256::new();
                for (condition, hashes) in &conditions {
                    for hash in hashes {
                        hasher.update(format!("{condition}\t{hash}\n").as_bytes());
                    }
                }
                ScenarioProvenance {
                    scenario,
                    kind,
                    origin,
                    prompt_set_sha256: hex(&hasher.finalize()),
                    prompts: conditions
                        .into_iter()
                        .map(|(c, h)| (c, h.into_iter().collect()))
                        .collect(),
                }
            })
            .collect();
        let verdicts = self
            .verdicts
            .into_iter()
            .map(
                |((mode, grader, classifier_version), trials)| VerdictSource {
                    mode,
                    grader,
                    classifier_version,
                    trials,
                },
            )
            .collect();
        let models = self.models.iter().map(|m| model_setup(meta, m)).collect();
        Provenance {
            scenarios,
            verdicts,
            unclassified: self.unclassified,
            models,
            cache: BTreeMap::new(),
            graders: Vec::new(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The pack kind of a scenario: from the per-condition origins the ledger recorded, else from
/// the run config (no pack folders: built-in; an import: imported).
pub fn pack_of<'a>(
    meta: &RunMeta,
    scenario: &str,
    conditions: impl Iterator<Item = &'a String>,
) -> (PackKind, String) {
    let origins: BTreeSet<&String> = conditions
        .filter_map(|c| meta.condition_packs.get(c))
        .collect();
    if let Some(origin) = origins.iter().next() {
        let kind = if origin.as_str() == "builtin" {
            PackKind::Builtin
        } else if origin.starts_with("original:") {
            PackKind::Original
        } else if origin.starts_with("dir:") {
            PackKind::Variant
        } else if origin.starts_with("imported:") {
            PackKind::Imported
        } else {
            PackKind::Unknown
        };
        let mut text = origin.to_string();
        if origins.len() > 1 {
            text.push_str(&format!(" (and {} other origin(s))", origins.len() - 1));
        }
        return (kind, text);
    }
    if let Some(from) = meta.config.get("imported_from").and_then(|v| v.as_str()) {
        return (PackKind::Imported, format!("imported from {from}"));
    }
    match meta.config.get("packs").and_then(|v| v.as_array()) {
        Some(packs) if packs.is_empty() => (PackKind::Builtin, "builtin".into()),
        Some(packs) => (
            PackKind::Unknown,
            format!(
                "the run used pack folder(s) {}; which one served `{scenario}` is not recorded in this ledger",
                packs
                    .iter()
                    .filter_map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        None => (
            PackKind::Unknown,
            "not recorded in this ledger".into(),
        ),
    }
}

/// The host (and port) of a URL: `http://127.0.0.1:8080/v1` → `127.0.0.1:8080`.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then(|| host.to_string())
}

/// How `model` was called, from the ledger's per-model parameters or the run config.
pub fn model_setup(meta: &RunMeta, model: &str) -> ModelSetup {
    // The ledger's per-model parameters; an import has none, so fall back to the run config.
    let from_config = meta
        .config
        .get("models")
        .and_then(|m| m.as_array())
        .and_then(|models| {
            models
                .iter()
                .find(|m| m.get("name").and_then(|n| n.as_str()) == Some(model))
        })
        .and_then(|m| m.get("config"))
        .cloned();
    let params = meta
        .model_params
        .get(model)
        .filter(|p| p.as_object().is_some_and(|o| !o.is_empty()))
        .cloned()
        .or(from_config);
    let generation = params.as_ref().and_then(|p| p.get("generation"));
    let temperature = generation
        .and_then(|g| g.get("temperature"))
        .and_then(|t| t.as_f64());
    let max_tokens = generation
        .and_then(|g| g.get("max_tokens"))
        .and_then(|t| t.as_u64());
    // A resolved URL recorded by the runner wins; then a configured base_url.
    let recorded = params.as_ref().and_then(|p| {
        ["resolved_base_url", "base_url"]
            .iter()
            .find_map(|key| p.get(*key).and_then(|v| v.as_str()).map(|v| (*key, v)))
    });
    let (endpoint_host, endpoint_note) = if model.starts_with("local/") {
        (
            Some("local".to_string()),
            "in process (local model)".to_string(),
        )
    } else {
        match recorded {
            Some(("resolved_base_url", url)) => (url_host(url), "resolved base URL recorded by the run".into()),
            Some((_, url)) => (url_host(url), "base_url in the model's config".into()),
            None if params.is_none() => (None, "not recorded in this ledger".into()),
            None => (
                None,
                "not recorded: resolved at run time from the provider's base-URL variable or its default".into(),
            ),
        }
    };
    ModelSetup {
        model: model.to_string(),
        temperature,
        max_tokens,
        endpoint_host,
        endpoint_note,
    }
}

/// Short digest for text output (the first 12 hex digits).
fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Provenance as lines for a terminal or Markdown report.
pub fn provenance_lines(provenance: &Provenance) -> Vec<String> {
    let mut lines = Vec::new();
    for s in &provenance.scenarios {
        let prompts: usize = s.prompts.values().map(Vec::len).sum();
        let detail = match s.prompts.iter().next() {
            Some((_, hashes)) if prompts == 1 => format!("prompt sha256 {}", hashes[0]),
            _ => format!(
                "{prompts} prompt(s) over {} condition(s), prompt-set sha256 {}",
                s.prompts.len(),
                short(&s.prompt_set_sha256)
            ),
        };
        lines.push(format!(
            "pack {}: {} ({}); {detail}",
            s.scenario,
            s.kind.name(),
            s.origin
        ));
    }
    for v in &provenance.verdicts {
        lines.push(format!(
            "verdicts: {} trial(s) {}, grader {}, classifier {}",
            v.trials,
            mode_label(&v.mode),
            v.grader.as_deref().unwrap_or("none"),
            if v.classifier_version.is_empty() {
                "unknown"
            } else {
                &v.classifier_version
            }
        ));
    }
    if provenance.unclassified > 0 {
        lines.push(format!(
            "verdicts: {} completed trial(s) not classified",
            provenance.unclassified
        ));
    }
    for m in &provenance.models {
        let temperature = m
            .temperature
            .map(|t| t.to_string())
            .unwrap_or_else(|| "provider default".into());
        let max_tokens = m
            .max_tokens
            .map(|t| t.to_string())
            .unwrap_or_else(|| "provider default".into());
        let endpoint = match &m.endpoint_host {
            Some(host) => format!("{host} ({})", m.endpoint_note),
            None => m.endpoint_note.clone(),
        };
        lines.push(format!(
            "model {}: temperature {temperature}, max tokens {max_tokens}, endpoint {endpoint}",
            m.model
        ));
    }
    for (model, cache) in &provenance.cache {
        lines.push(cache.line(model));
    }
    lines.extend(
        provenance
            .graders
            .iter()
            .map(insider_ledger::GraderSpend::line),
    );
    lines
}

/// How two sides' provenance differ in what decides comparability (pack, prompts, verdict
/// mode, grader) and in what only warrants a warning (classifier version, settings, endpoint).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Differences {
    /// Differences that make pooled estimates meaningless (pack, prompts, verdict mode, grader).
    pub blocking: Vec<String>,
    /// Differences worth knowing (classifier version, generation settings, endpoint).
    pub other: Vec<String>,
}

fn set_of<T: Ord + Clone>(items: impl Iterator<Item = T>) -> BTreeSet<T> {
    items.collect()
}

fn list<T: std::fmt::Display>(items: &BTreeSet<T>) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compare A's provenance with B's (B the baseline).
pub fn differences(a: &Provenance, b: &Provenance) -> Differences {
    let mut out = Differences::default();
    for sa in &a.scenarios {
        let Some(sb) = b.scenarios.iter().find(|s| s.scenario == sa.scenario) else {
            continue;
        };
        if sa.kind != sb.kind {
            out.blocking.push(format!(
                "pack `{}`: A is {} ({}), B is {} ({})",
                sa.scenario,
                sa.kind.name(),
                sa.origin,
                sb.kind.name(),
                sb.origin
            ));
        }
        let changed: Vec<&String> = sa
            .prompts
            .iter()
            .filter(|(c, h)| sb.prompts.get(*c).is_some_and(|hb| hb != *h))
            .map(|(c, _)| c)
            .collect();
        if !changed.is_empty() {
            out.blocking.push(format!(
                "prompts: {} shared condition(s) of `{}` have different prompt sha256 (first: {})",
                changed.len(),
                sa.scenario,
                changed[0]
            ));
        }
    }
    let modes = |p: &Provenance| set_of(p.verdicts.iter().map(|v| mode_label(&v.mode).to_string()));
    if modes(a) != modes(b) {
        out.blocking.push(format!(
            "verdict mode: A {}, B {}",
            list(&modes(a)),
            list(&modes(b))
        ));
    }
    let graders = |p: &Provenance| {
        set_of(
            p.verdicts
                .iter()
                .map(|v| v.grader.clone().unwrap_or_else(|| "none".into())),
        )
    };
    if graders(a) != graders(b) {
        out.blocking.push(format!(
            "grader: A {}, B {}",
            list(&graders(a)),
            list(&graders(b))
        ));
    }
    let versions = |p: &Provenance| set_of(p.verdicts.iter().map(|v| v.classifier_version.clone()));
    if versions(a) != versions(b) {
        out.other.push(format!(
            "classifier version: A {}, B {}",
            list(&versions(a)),
            list(&versions(b))
        ));
    }
    for ma in &a.models {
        let Some(mb) = b.models.iter().find(|m| m.model == ma.model) else {
            continue;
        };
        if ma.temperature != mb.temperature || ma.max_tokens != mb.max_tokens {
            out.other.push(format!(
                "model {}: A temperature {:?} max tokens {:?}, B temperature {:?} max tokens {:?}",
                ma.model, ma.temperature, ma.max_tokens, mb.temperature, mb.max_tokens
            ));
        }
        if ma.endpoint_host != mb.endpoint_host {
            out.other.push(format!(
                "model {}: endpoint A {}, B {}",
                ma.model,
                ma.endpoint_host.as_deref().unwrap_or("not recorded"),
                mb.endpoint_host.as_deref().unwrap_or("not recorded")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_urls_without_credentials_or_paths() {
        assert_eq!(
            url_host("http://127.0.0.1:8080/v1").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            url_host("https://api.openai.com/v1").as_deref(),
            Some("api.openai.com")
        );
        assert_eq!(
            url_host("https://user:pw@host.example/x?y").as_deref(),
            Some("host.example")
        );
        assert_eq!(url_host(""), None);
    }

    #[test]
    fn model_setup_reads_generation_and_base_url_from_params() {
        let mut meta = RunMeta::default();
        meta.model_params.insert(
            "openai/gpt-4.1".into(),
            serde_json::json!({"base_url": "http://127.0.0.1:9999/v1", "generation": {"temperature": 1.0, "max_tokens": 2048}}),
        );
        meta.model_params.insert(
            "anthropic/claude".into(),
            serde_json::json!({"generation": {}}),
        );
        let setup = model_setup(&meta, "openai/gpt-4.1");
        assert_eq!(setup.temperature, Some(1.0));
        assert_eq!(setup.max_tokens, Some(2048));
        assert_eq!(setup.endpoint_host.as_deref(), Some("127.0.0.1:9999"));
        let other = model_setup(&meta, "anthropic/claude");
        assert_eq!(other.endpoint_host, None);
        assert!(other
            .endpoint_note
            .starts_with("not recorded: resolved at run time"));
        assert_eq!(
            model_setup(&meta, "local/x").endpoint_host.as_deref(),
            Some("local")
        );
    }
}
