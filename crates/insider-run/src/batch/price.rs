//! The dry run's prices for batch-mode models: the provider's batch price (the pricing table's
//! discount) in place of the list price, and a line saying so.

use super::work::{in_batch_mode, unsupported_warnings};
use crate::config::ResolvedExperiment;
use crate::plan::ModelEstimate;

/// Price batch-mode models at their batch price in `estimates` (in the experiment's model
/// order); returns one line per such model, with the list price beside it.
pub fn batch_prices(
    experiment: &ResolvedExperiment,
    estimates: &mut [ModelEstimate],
) -> Vec<String> {
    let mut lines = Vec::new();
    for (estimate, model) in estimates.iter_mut().zip(&experiment.models) {
        if !in_batch_mode(model) {
            continue;
        }
        let discount = insider_model::pricing::price(&model.name)
            .map(|p| format!(", {:.0}% off", p.batch_discount * 100.0))
            .unwrap_or_default();
        let text = |c: Option<f64>| c.map_or("unknown".to_string(), |c| format!("${c:.2}"));
        lines.push(format!(
            "batch: {} in provider batches at {} (list price {}{discount}); results within 24 h",
            model.name,
            text(estimate.batch_cost_usd),
            text(estimate.cost_usd),
        ));
        estimate.cost_usd = estimate.batch_cost_usd;
    }
    lines.extend(unsupported_warnings(experiment));
    lines
}
