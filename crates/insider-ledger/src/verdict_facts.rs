//! Unscored verdicts counted by model and reason, from the verdict columns of migration 7
//! (see [`crate::verdict_columns`]), for `runs show` and the end of `insider run`.

use crate::Ledger;
use std::collections::BTreeMap;

/// One model's verdicts: how many, and the unscored ones by reason code.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelUnscored {
    /// Model name.
    pub model: String,
    /// Completed trials with a verdict.
    pub classified: u64,
    /// Unscored verdicts by reason code (`truncated`, `empty`, …).
    pub by_reason: BTreeMap<String, u64>,
}

impl ModelUnscored {
    /// Unscored verdicts in all.
    pub fn unscored(&self) -> u64 {
        self.by_reason.values().sum()
    }
}

impl Ledger {
    /// Every model's verdict count and unscored verdicts by reason, in model order (models
    /// without a verdict are left out).
    pub fn unscored_by_model(&self) -> anyhow::Result<Vec<ModelUnscored>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT m.name, v.unscored_reason, count(*)
             FROM verdicts v JOIN trials t ON t.id = v.trial_id JOIN models m ON m.id = t.model_id
             WHERE t.status = 'completed'
             GROUP BY m.name, v.unscored_reason ORDER BY m.name",
        )?;
        let mut models: Vec<ModelUnscored> = Vec::new();
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, i64>(2)? as u64,
            ))
        })?;
        for row in rows {
            let (model, reason, count) = row?;
            if models.last().is_none_or(|last| last.model != model) {
                models.push(ModelUnscored {
                    model,
                    ..ModelUnscored::default()
                });
            }
            let entry = models.last_mut().expect("just pushed");
            entry.classified += count;
            if let Some(reason) = reason {
                *entry.by_reason.entry(reason).or_default() += count;
            }
        }
        Ok(models)
    }
}
