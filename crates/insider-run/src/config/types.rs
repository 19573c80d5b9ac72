//! The config's types: the file as written, the flags, and the resolved experiment.

use insider_model::{GenerationSettings, ModelConfig};
use insider_scenario::Condition;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The experiment file as written (every field optional; flags can supply them).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExperimentFile {
    /// Run name, used in the default run directory.
    pub name: Option<String>,
    /// Models under test: a name or a map with `name` and per-model settings.
    #[serde(deserialize_with = "model_entries")]
    pub models: Vec<ModelEntry>,
    /// Which conditions to run.
    pub conditions: ConditionSelection,
    /// Samples (epochs) per model × condition.
    #[serde(alias = "epochs")]
    pub samples: Option<i64>,
    /// Grader model for inline classification (none: gate-only verdicts); a panel may also be
    /// written here as `[RULE:]A,B,C`.
    pub grader: Option<String>,
    /// A grader panel, one model per entry (instead of `grader`).
    pub graders: Vec<String>,
    /// How a panel's votes combine: `majority` (default), `unanimous` or `any_yes`.
    pub panel_rule: Option<String>,
    /// Send the grader's calls as provider batches (Anthropic, OpenAI, Google graders; about
    /// half price); `--batch` turns it on too.
    pub grader_batch: Option<bool>,
    /// Base seed; trial `i` sends `seed + i` where the API accepts a seed.
    pub seed: Option<u64>,
    /// Run directory (default `./insider-runs/<UTC timestamp>-<name>/`).
    #[serde(alias = "log_dir")]
    pub out: Option<PathBuf>,
    /// Generation settings for every model (a model's own settings win).
    pub generation: GenerationFields,
    /// Default concurrent requests per model (default 10).
    pub max_connections: Option<usize>,
    /// Classify inline after each reply (default true).
    pub classify: Option<bool>,
    /// Run at most this many trials in this invocation.
    pub limit: Option<u64>,
    /// Scenario pack folders (insider format or imported original templates), relative to the
    /// file; each answers for its own scenario name and hides a built-in pack of that name.
    pub packs: Vec<PathBuf>,
    /// Run only this slice of the plan, `K/N` (usually `--shard` instead; docs/scaling.md).
    pub shard: Option<String>,
}

impl ExperimentFile {
    /// The grader as one spec (`insider_judge::GraderSpec`): `graders:` and `panel_rule:` as
    /// `RULE:A,B,C`, else `grader:` as written.
    pub fn grader_spec(&self) -> Option<String> {
        if self.graders.is_empty() {
            return self.grader.clone();
        }
        let rule = self.panel_rule.as_deref().unwrap_or("majority");
        Some(format!("{rule}:{}", self.graders.join(",")))
    }
}

/// Generation settings as written in a config (unknown keys are errors).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationFields {
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Maximum output tokens.
    pub max_tokens: Option<u32>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Reasoning effort (`low`, `medium`, `high`).
    pub reasoning_effort: Option<String>,
    /// Thinking budget in tokens.
    pub thinking_budget: Option<u32>,
    /// Stop sequences.
    pub stop: Option<Vec<String>>,
}

impl GenerationFields {
    pub(super) fn apply(&self, settings: &mut GenerationSettings) {
        if self.temperature.is_some() {
            settings.temperature = self.temperature;
        }
        if self.max_tokens.is_some() {
            settings.max_tokens = self.max_tokens;
        }
        if self.top_p.is_some() {
            settings.top_p = self.top_p;
        }
        if self.reasoning_effort.is_some() {
            settings.reasoning_effort = self.reasoning_effort.clone();
        }
        if self.thinking_budget.is_some() {
            settings.thinking_budget = self.thinking_budget;
        }
        if let Some(stop) = &self.stop {
            settings.stop = stop.clone();
        }
    }
}

/// One model of the config: `openai/gpt-4.1` or `{name: openai/gpt-4.1, rpm: 500, ...}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// Model name in `provider/model` form.
    pub name: String,
    /// API base URL override.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Environment variable holding the key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Concurrent requests to this model.
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// Requests per minute.
    #[serde(default)]
    pub rpm: Option<u32>,
    /// Tokens per minute.
    #[serde(default)]
    pub tpm: Option<u32>,
    /// Attempts per call.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Timeout per attempt in seconds.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Connect timeout per attempt in seconds.
    #[serde(default)]
    pub connect_timeout_secs: Option<u64>,
    /// Longest silence while reading a response, in seconds.
    #[serde(default)]
    pub read_timeout_secs: Option<u64>,
    /// First retry delay in milliseconds (doubles per attempt).
    #[serde(default)]
    pub backoff_base_ms: Option<u64>,
    /// Cap on the computed retry delay in milliseconds.
    #[serde(default)]
    pub backoff_max_ms: Option<u64>,
    /// Anthropic prompt caching.
    #[serde(default)]
    pub prompt_caching: Option<bool>,
    /// Whether the model takes native tools (default true); `false` runs agent mode with text
    /// tool tags.
    #[serde(default)]
    pub native_tools: Option<bool>,
    /// Send this model's trials as provider batches (Anthropic, OpenAI, Google; about half
    /// price, results within 24 hours).
    #[serde(default)]
    pub batch: Option<bool>,
    /// Generation settings for this model.
    #[serde(default)]
    pub generation: GenerationFields,
}

/// `models:` items are a name (`openai/gpt-4.1`) or a map with `name:`; read by a visitor on
/// the same deserializer (not an untagged enum), so a mistake inside a map keeps its line and
/// field path.
fn model_entries<'de, D>(deserializer: D) -> Result<Vec<ModelEntry>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct NameOrMap(ModelEntry);

    impl<'de> Deserialize<'de> for NameOrMap {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = NameOrMap;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a model name like `openai/gpt-4.1`, or a map with `name:`")
                }
                fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<NameOrMap, E> {
                    Ok(NameOrMap(ModelEntry {
                        name: name.to_string(),
                        ..ModelEntry::default()
                    }))
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    map: A,
                ) -> Result<NameOrMap, A::Error> {
                    ModelEntry::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                        .map(NameOrMap)
                }
            }
            deserializer.deserialize_any(Visit)
        }
    }

    let items = Option::<Vec<NameOrMap>>::deserialize(deserializer)?;
    Ok(items
        .unwrap_or_default()
        .into_iter()
        .map(|item| item.0)
        .collect())
}

/// The condition selection: lists per factor, crossed, plus explicit condition ids.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConditionSelection {
    /// Scenario packs (empty: all built-in packs, unless `ids` is given).
    #[serde(alias = "scenarios")]
    pub scenario: Vec<String>,
    /// Goal types (empty: all).
    #[serde(alias = "goal_types")]
    pub goal_type: Vec<String>,
    /// Goal values (empty: all).
    #[serde(alias = "goal_values")]
    pub goal_value: Vec<String>,
    /// Urgencies (empty: all).
    #[serde(alias = "urgency_types", alias = "urgencies")]
    pub urgency: Vec<String>,
    /// Extra instructions (empty: none).
    pub extra_instructions: Vec<String>,
    /// Awareness notice (empty: off).
    pub awareness_notice: Vec<bool>,
    /// Scratchpad removed (empty: off).
    pub prod: Vec<bool>,
    /// Personas: `default` (the pack's own) and the packs' `personas` (empty: default).
    #[serde(alias = "personas")]
    pub persona: Vec<String>,
    /// Executives: `default` and the packs' `executives` (empty: default).
    #[serde(alias = "executives")]
    pub executive: Vec<String>,
    /// Renamed-world variants: 0 is the pack as written (empty: 0).
    #[serde(alias = "variants")]
    pub variant: Vec<u32>,
    /// Mitigations offered in the inbox: none, escalation, bulletin, escalation-bulletin,
    /// alternative (empty: none).
    #[serde(alias = "mitigations")]
    pub mitigation: Vec<String>,
    /// Trial modes, `single` and/or `agent` (empty: single).
    #[serde(alias = "modes")]
    pub mode: Vec<String>,
    /// Explicit condition ids, added to the crossed grid.
    pub ids: Vec<String>,
}

impl ConditionSelection {
    pub(super) fn has_grid(&self) -> bool {
        !(self.scenario.is_empty()
            && self.goal_type.is_empty()
            && self.goal_value.is_empty()
            && self.urgency.is_empty()
            && self.extra_instructions.is_empty()
            && self.awareness_notice.is_empty()
            && self.prod.is_empty()
            && self.persona.is_empty()
            && self.executive.is_empty()
            && self.variant.is_empty()
            && self.mitigation.is_empty()
            && self.mode.is_empty())
    }
}

/// Values given on the command line; each `Some` replaces the file's value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--name`.
    pub name: Option<String>,
    /// `--model` (repeatable).
    pub models: Vec<String>,
    /// The factor lists (`--scenario a,b`, `--goal-type`, … `--mitigation`), as `insider
    /// scenarios grid` takes them.
    pub factors: insider_scenario::listing::GridLists,
    /// `--mode single,agent`.
    pub mode: Option<String>,
    /// `--condition ID` (repeatable).
    pub ids: Vec<String>,
    /// `--pack DIR` (repeatable; replaces the file's `packs`).
    pub packs: Vec<PathBuf>,
    /// `--samples` / `--epochs`.
    pub samples: Option<i64>,
    /// `--max-connections`.
    pub max_connections: Option<usize>,
    /// `--limit`.
    pub limit: Option<u64>,
    /// `--no-classify`.
    pub no_classify: bool,
    /// `--model-role grader=M`.
    pub grader: Option<String>,
    /// `--out` / `--log-dir`.
    pub out: Option<PathBuf>,
    /// `--temperature`.
    pub temperature: Option<f64>,
    /// `--max-tokens`.
    pub max_tokens: Option<u32>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// Accept hosted models whose key is not set (a dry run makes no call).
    pub keys_optional: bool,
    /// `--shard K/N`.
    pub shard: Option<crate::shard::Shard>,
}

impl Overrides {
    /// The flags given here that would change the plan rather than its pacing, by name:
    /// `--resume` continues the stored plan and ignores them.
    pub fn plan_flags(&self) -> Vec<&'static str> {
        let set = [
            ("--name", self.name.is_some()),
            ("--model", !self.models.is_empty()),
            ("--scenario", self.factors.scenario.is_some()),
            ("--goal-type", self.factors.goal_type.is_some()),
            ("--goal-value", self.factors.goal_value.is_some()),
            ("--urgency", self.factors.urgency.is_some()),
            (
                "--extra-instructions",
                self.factors.extra_instructions.is_some(),
            ),
            (
                "--awareness-notice",
                self.factors.awareness_notice.is_some(),
            ),
            ("--prod", self.factors.prod.is_some()),
            ("--persona", self.factors.persona.is_some()),
            ("--executive", self.factors.executive.is_some()),
            ("--variant", self.factors.variant.is_some()),
            ("--mitigation", self.factors.mitigation.is_some()),
            ("--mode", self.mode.is_some()),
            ("--condition", !self.ids.is_empty()),
            ("--pack", !self.packs.is_empty()),
            ("--model-role grader", self.grader.is_some()),
            ("--out", self.out.is_some()),
            ("--temperature", self.temperature.is_some()),
            ("--max-tokens", self.max_tokens.is_some()),
            ("--seed", self.seed.is_some()),
            ("--shard", self.shard.is_some()),
        ];
        set.into_iter()
            .filter(|(_, given)| *given)
            .map(|(flag, _)| flag)
            .collect()
    }
}

/// A model with every setting resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedModel {
    /// Model name.
    pub name: String,
    /// Settings handed to the provider.
    pub config: ModelConfig,
}

/// The experiment after merging file and flags and expanding the grid: what a run executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedExperiment {
    /// Run name.
    pub name: String,
    /// Models, in config order.
    pub models: Vec<ResolvedModel>,
    /// Condition ids, in grid order.
    pub conditions: Vec<String>,
    /// Samples per model × condition.
    pub samples: u32,
    /// Grader model, if any.
    pub grader: Option<String>,
    /// The grader's calls go through its provider's batch API (`grader_batch: true`, `--batch`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub grader_batch: bool,
    /// Base seed.
    pub seed: Option<u64>,
    /// Classify inline.
    pub classify: bool,
    /// At most this many trials per invocation.
    pub limit: Option<u64>,
    /// The config file it came from, if any.
    pub config_file: Option<PathBuf>,
    /// Scenario pack folders, absolute (empty: built-in packs only).
    #[serde(default)]
    pub packs: Vec<PathBuf>,
    /// `--shard K/N`: only this slice of the plan (none: all of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
}

impl ResolvedExperiment {
    /// Total trials planned (models × conditions × samples, or the shard's share of them).
    pub fn total_trials(&self) -> u64 {
        let (shard, samples) = (self.shard, self.samples);
        self.models
            .iter()
            .flat_map(|m| self.conditions.iter().map(move |c| (&m.name, c)))
            .map(|(m, c)| crate::shard::planned_samples(shard, samples, m, c))
            .sum()
    }

    /// Parsed conditions.
    pub fn parsed_conditions(&self) -> anyhow::Result<Vec<Condition>> {
        self.conditions
            .iter()
            .map(|id| Condition::parse_id(id).map_err(|e| anyhow::anyhow!("{e}")))
            .collect()
    }
}
