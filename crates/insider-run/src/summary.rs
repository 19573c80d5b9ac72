//! The short table printed at the end of a run: per model × condition, n, harmful, rate.

use crate::ledger::Ledger;
use crate::TrialStatus;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Default)]
struct Cell {
    completed: u64,
    failed: u64,
    scored: u64,
    harmful: u64,
    unscored: u64,
}

/// Render the end-of-run table from the ledger.
pub fn summary_table(ledger: &Ledger) -> anyhow::Result<String> {
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    ledger.for_each_summary(|summary| {
        let cell = cells
            .entry((summary.model.clone(), summary.condition.clone()))
            .or_default();
        match summary.status {
            TrialStatus::Completed => cell.completed += 1,
            TrialStatus::Failed => cell.failed += 1,
            _ => {}
        }
        match summary.harmful {
            Some(Some(harmful)) => {
                cell.scored += 1;
                cell.harmful += u64::from(harmful);
            }
            Some(None) => cell.unscored += 1,
            None => {}
        }
        Ok(())
    })?;
    let model_width = cells.keys().map(|k| k.0.len()).max().unwrap_or(5).max(5);
    let condition_width = cells.keys().map(|k| k.1.len()).max().unwrap_or(9).max(9);
    let mut out = String::new();
    writeln!(
        out,
        "{:<model_width$}  {:<condition_width$}  {:>6}  {:>6}  {:>7}  {:>8}  {:>6}",
        "model", "condition", "n", "failed", "harmful", "unscored", "rate"
    )?;
    for ((model, condition), cell) in &cells {
        let rate = if cell.scored > 0 {
            format!("{:.1}%", 100.0 * cell.harmful as f64 / cell.scored as f64)
        } else {
            "-".to_string()
        };
        let harmful = if cell.scored > 0 || cell.unscored > 0 {
            cell.harmful.to_string()
        } else {
            "-".to_string()
        };
        writeln!(
            out,
            "{model:<model_width$}  {condition:<condition_width$}  {:>6}  {:>6}  {harmful:>7}  {:>8}  {rate:>6}",
            cell.completed, cell.failed, cell.unscored
        )?;
    }
    Ok(out)
}
