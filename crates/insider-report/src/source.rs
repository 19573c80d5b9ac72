//! Where reports read trials from: a small trait over the ledger, so statistics, HTML and
//! exports are plain functions that tests can feed with constructed records.

use insider_judge::Verdict;
use insider_ledger::{TrialRecord, TrialStatus, TrialSummary};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The exact prompt a trial saw, looked up by its hash.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PromptText {
    /// System message.
    pub system: String,
    /// User message (instructions plus the inbox).
    pub user: String,
    /// Native tool definitions as JSON (an empty array in text-tag mode).
    pub tools: serde_json::Value,
}

/// The raw request and response bodies of a trial's successful call (secrets redacted).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RawBodies {
    /// Exact request body sent.
    pub request: Option<String>,
    /// Exact response body received.
    pub response: Option<String>,
}

/// Identity of a run, shown in report headers and written into exports.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunMeta {
    /// Run id.
    pub run_id: String,
    /// Experiment name, if the config gave one.
    pub name: Option<String>,
    /// RFC 3339 creation time.
    pub created: Option<String>,
    /// The tool version that made the run.
    pub tool_version: Option<String>,
    /// The run's resolved experiment config as stored (models with their settings, grader,
    /// pack folders), or what an import recorded; `null` when unknown.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Settings each model was called with (generation settings, base URL), by model name.
    #[serde(default)]
    pub model_params: BTreeMap<String, serde_json::Value>,
    /// Where each condition's pack came from (`builtin`, `dir:<path>`, `original:<path>`), by
    /// condition id, where the ledger recorded it.
    #[serde(default)]
    pub condition_packs: BTreeMap<String, String>,
}

/// What a report shows about one trial besides its summary: the prompt it saw, who judged it
/// and with what, why it is unscored, and its secondary labels.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrialFacts<'a> {
    /// sha256 of the prompt.
    pub prompt_hash: &'a str,
    /// Grader model, if a grader ran.
    pub grader_model: Option<&'a str>,
    /// Classifier version, if classified.
    pub classifier_version: Option<&'a str>,
    /// The stored unscored reason, if unscored.
    pub unscored_reason: Option<&'a str>,
    /// Secondary labels (`eval_awareness` → `concluded_real`, …), if classified.
    pub labels: Option<&'a BTreeMap<String, String>>,
}

/// The facts of a full record.
pub fn facts_of(record: &TrialRecord) -> TrialFacts<'_> {
    let verdict = record.verdict.as_ref();
    TrialFacts {
        prompt_hash: &record.prompt_hash,
        grader_model: verdict.and_then(|v| v.grader_model.as_deref()),
        classifier_version: verdict.map(|v| v.classifier_version.as_str()),
        unscored_reason: verdict.and_then(|v| v.unscored_reason.as_deref()),
        labels: verdict.map(|v| &v.labels),
    }
}

/// Read access to one run's trials, implemented by the ledger and by in-memory test data.
pub trait TrialSource {
    /// The run's identity.
    fn meta(&self) -> anyhow::Result<RunMeta>;
    /// Visit the light view of every trial (fast path for statistics).
    fn for_each_summary(&self, visit: &mut dyn FnMut(&TrialSummary)) -> anyhow::Result<()>;
    /// Visit every trial with its transcript and verdict, by model, condition and sample index.
    fn for_each_trial(
        &self,
        visit: &mut dyn FnMut(&TrialRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;
    /// The prompt with this hash, if stored.
    fn prompt(&self, hash: &str) -> anyhow::Result<Option<PromptText>>;
    /// The raw bodies of this trial's call, if stored.
    fn raw_bodies(&self, trial_id: i64) -> anyhow::Result<Option<RawBodies>>;
    /// An agent-mode trial's committed turns, in order (empty for a single-mode trial; sources
    /// without turns keep this default).
    fn turns(&self, _trial_id: i64) -> anyhow::Result<Vec<insider_ledger::TurnRecord>> {
        Ok(Vec::new())
    }
    /// The raw bodies of one turn of an agent-mode trial, if stored.
    fn turn_raw_bodies(&self, _trial_id: i64, _turn: u32) -> anyhow::Result<Option<RawBodies>> {
        Ok(None)
    }
    /// Only the raw response body (cheaper where the request must be rebuilt from the prompt).
    fn raw_response(&self, trial_id: i64) -> anyhow::Result<Option<String>> {
        Ok(self.raw_bodies(trial_id)?.and_then(|b| b.response))
    }
    /// Each model's prompt-cache use, by model name (only models with cache reads or writes).
    /// The default sums the usage of full records; the ledger answers from its totals.
    fn cache_use(&self) -> anyhow::Result<BTreeMap<String, insider_ledger::CacheUse>> {
        let mut sums: BTreeMap<String, [u64; 3]> = BTreeMap::new();
        self.for_each_trial(&mut |record| {
            if let Some(usage) = &record.usage {
                let sum = sums.entry(record.model.clone()).or_default();
                sum[0] += usage.input_tokens;
                sum[1] += usage.cache_read_tokens;
                sum[2] += usage.cache_write_tokens;
            }
            Ok(())
        })?;
        Ok(sums
            .into_iter()
            .filter_map(|(model, [input, read, write])| {
                let cache = insider_ledger::CacheUse::of(&model, input, read, write)?;
                Some((model, cache))
            })
            .collect())
    }
    /// What each grader cost over the stored verdicts ([`insider_ledger::GraderSpend`], by
    /// grader name). The default sums the verdicts of full records; the ledger answers in SQL.
    fn grader_spend(&self) -> anyhow::Result<Vec<insider_ledger::GraderSpend>> {
        let mut spend: BTreeMap<String, (insider_ledger::GraderSpend, f64, u64)> = BTreeMap::new();
        self.for_each_trial(&mut |record| {
            let Some(verdict) = &record.verdict else {
                return Ok(());
            };
            let Some(grader) = &verdict.grader_model else {
                return Ok(());
            };
            let (sum, cost, unpriced) = spend.entry(grader.clone()).or_insert_with(|| {
                let empty = insider_ledger::GraderSpend {
                    grader: grader.clone(),
                    verdicts: 0,
                    calls: 0,
                    from_cache: 0,
                    unrecorded: 0,
                    input_tokens: 0,
                    output_tokens: 0,
                    cache_read_tokens: 0,
                    cache_write_tokens: 0,
                    cost_usd: None,
                };
                (empty, 0.0, 0)
            });
            sum.verdicts += 1;
            match &verdict.grader_usage {
                None => sum.unrecorded += 1,
                Some(usage) => {
                    sum.calls += u64::from(usage.calls);
                    sum.from_cache += u64::from(usage.cached);
                    sum.input_tokens += usage.input_tokens;
                    sum.output_tokens += usage.output_tokens;
                    sum.cache_read_tokens += usage.cache_read_tokens;
                    sum.cache_write_tokens += usage.cache_write_tokens;
                    match usage.cost_usd {
                        Some(usd) => *cost += usd,
                        None => *unpriced += 1,
                    }
                }
            }
            Ok(())
        })?;
        Ok(spend
            .into_values()
            .map(|(mut sum, cost, unpriced)| {
                sum.cost_usd = (sum.unrecorded == 0 && unpriced == 0).then_some(cost);
                sum
            })
            .collect())
    }
    /// Visit every trial's summary with its [`TrialFacts`] (what the terminal report needs for
    /// provenance, unscored reasons and labels). The default reads full records; a source that
    /// can answer from an index should override it.
    fn for_each_fact(
        &self,
        visit: &mut dyn FnMut(&TrialSummary, &TrialFacts<'_>),
    ) -> anyhow::Result<()> {
        self.for_each_trial(&mut |record| {
            visit(&summary_of(record), &facts_of(record));
            Ok(())
        })
    }
}

/// The light summary of a full record (what [`TrialSource::for_each_summary`] yields).
pub fn summary_of(record: &TrialRecord) -> TrialSummary {
    TrialSummary {
        model: record.model.clone(),
        condition: record.condition.clone(),
        factors: record.factors.clone(),
        status: record.status,
        harmful: record.verdict.as_ref().map(|v: &Verdict| v.harmful),
        mode: record.verdict.as_ref().map(|v| v.mode),
        cost_usd: record.cost_usd,
    }
}

/// A run held in memory: for tests, imports before they are written, and small tools.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    /// Run identity.
    pub meta: RunMeta,
    /// Every trial.
    pub trials: Vec<TrialRecord>,
    /// Prompts by hash.
    pub prompts: HashMap<String, PromptText>,
    /// Raw bodies by trial id.
    pub raw: HashMap<i64, RawBodies>,
}

impl TrialSource for MemorySource {
    fn meta(&self) -> anyhow::Result<RunMeta> {
        Ok(self.meta.clone())
    }

    fn for_each_summary(&self, visit: &mut dyn FnMut(&TrialSummary)) -> anyhow::Result<()> {
        for trial in &self.trials {
            visit(&summary_of(trial));
        }
        Ok(())
    }

    fn for_each_trial(
        &self,
        visit: &mut dyn FnMut(&TrialRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        for trial in &self.trials {
            visit(trial)?;
        }
        Ok(())
    }

    fn prompt(&self, hash: &str) -> anyhow::Result<Option<PromptText>> {
        Ok(self.prompts.get(hash).cloned())
    }

    fn raw_bodies(&self, trial_id: i64) -> anyhow::Result<Option<RawBodies>> {
        Ok(self.raw.get(&trial_id).cloned())
    }
}

/// Short verdict label used by tables, filters and exports.
pub fn verdict_label(status: TrialStatus, harmful: Option<Option<bool>>) -> &'static str {
    match status {
        TrialStatus::Completed => match harmful {
            Some(Some(true)) => "harmful",
            Some(Some(false)) => "not_harmful",
            Some(None) => "unscored",
            None => "unclassified",
        },
        TrialStatus::Failed => "failed",
        TrialStatus::Pending | TrialStatus::Running | TrialStatus::Abandoned => "not_run",
    }
}
