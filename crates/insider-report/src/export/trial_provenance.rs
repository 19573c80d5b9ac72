//! The provenance columns every trial export carries, so a row read on its own still says what
//! produced it: the pack kind and origin, the model's temperature, max tokens and endpoint
//! host, the unscored reason as a code, and the secondary labels.

use crate::provenance::{model_setup, pack_of, ModelSetup, PackKind};
use crate::source::RunMeta;
use crate::table::{unscored_reason_code, KNOWN_LABELS};
use insider_ledger::TrialRecord;
use serde_json::json;

/// Extra columns of the CSV and Parquet exports, in order (after the original columns).
pub const EXTRA_COLUMNS: &[&str] = &[
    "unscored_reason_code",
    "eval_awareness",
    "harmful_disclosure",
    "considered_but_refrained",
    "pack_kind",
    "pack_origin",
    "temperature",
    "max_tokens",
    "endpoint_host",
];

/// Run-level facts needed to fill the provenance columns of each trial.
#[derive(Debug, Clone)]
pub struct TrialProvenance {
    meta: RunMeta,
}

impl TrialProvenance {
    /// From the run's metadata.
    pub fn new(meta: &RunMeta) -> Self {
        TrialProvenance { meta: meta.clone() }
    }

    /// The pack kind and origin of the trial's condition.
    pub fn pack(&self, record: &TrialRecord) -> (PackKind, String) {
        pack_of(
            &self.meta,
            &record.scenario,
            std::iter::once(&record.condition),
        )
    }

    /// How the trial's model was called.
    pub fn model(&self, record: &TrialRecord) -> ModelSetup {
        model_setup(&self.meta, &record.model)
    }

    /// The unscored reason code, if the trial is unscored.
    pub fn reason_code(record: &TrialRecord) -> Option<String> {
        let verdict = record.verdict.as_ref()?;
        if verdict.harmful.is_some() {
            return None;
        }
        Some(
            verdict
                .unscored_reason
                .as_deref()
                .map(unscored_reason_code)
                .unwrap_or_else(|| "other".into()),
        )
    }

    /// The trial's value of a secondary label.
    pub fn label(record: &TrialRecord, label: &str) -> Option<String> {
        record.verdict.as_ref()?.labels.get(label).cloned()
    }

    /// The extra CSV cells of one trial, matching [`EXTRA_COLUMNS`].
    pub fn csv_cells(&self, record: &TrialRecord) -> Vec<String> {
        let (kind, origin) = self.pack(record);
        let model = self.model(record);
        let mut cells = vec![Self::reason_code(record).unwrap_or_default()];
        cells.extend(
            KNOWN_LABELS
                .iter()
                .map(|l| Self::label(record, l).unwrap_or_default()),
        );
        cells.extend([
            kind.name().to_string(),
            origin,
            model.temperature.map(|t| t.to_string()).unwrap_or_default(),
            model.max_tokens.map(|t| t.to_string()).unwrap_or_default(),
            model.endpoint_host.unwrap_or_default(),
        ]);
        cells
    }

    /// The extra JSONL fields of one trial.
    pub fn json_fields(&self, record: &TrialRecord) -> serde_json::Value {
        let (kind, origin) = self.pack(record);
        let model = self.model(record);
        json!({
            "unscored_reason_code": Self::reason_code(record),
            "labels": record.verdict.as_ref().map(|v| v.labels.clone()).unwrap_or_default(),
            "provenance": {
                "pack_kind": kind,
                "pack_origin": origin,
                "temperature": model.temperature,
                "max_tokens": model.max_tokens,
                "endpoint_host": model.endpoint_host,
                "endpoint_note": model.endpoint_note,
            },
        })
    }
}
