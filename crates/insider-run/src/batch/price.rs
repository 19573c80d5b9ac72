//! The dry run's prices for batch-mode models: the provider's batch price (the pricing table's
//! discount) in place of the list price, and a line saying so.

use super::work::{batched_graders, in_batch_mode, unsupported_warnings};
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
        lines.push(batch_line(&model.name, estimate, ""));
        estimate.cost_usd = estimate.batch_cost_usd;
    }
    lines.extend(unsupported_warnings(experiment));
    lines
}

/// Price the grader's row at its batch price when the grader batches (one grader with a batch
/// API; a panel's row has no single price); returns the line saying so.
pub fn grader_batch_price(
    experiment: &ResolvedExperiment,
    grader: Option<&mut ModelEstimate>,
) -> Option<String> {
    let grader = grader?;
    if batched_graders(experiment) != [grader.model.clone()] {
        return None;
    }
    let line = batch_line(&grader.model, grader, "grader ");
    grader.cost_usd = grader.batch_cost_usd;
    Some(line)
}

/// `batch: MODEL in provider batches at $B (list price $L, N% off); results within 24 h`.
fn batch_line(model: &str, estimate: &ModelEstimate, role: &str) -> String {
    let discount = insider_model::pricing::price(model)
        .map(|p| format!(", {:.0}% off", p.batch_discount * 100.0))
        .unwrap_or_default();
    let text = |c: Option<f64>| c.map_or("unknown".to_string(), |c| format!("${c:.2}"));
    format!(
        "batch: {role}{model} in provider batches at {} (list price {}{discount}); results within 24 h",
        text(estimate.batch_cost_usd),
        text(estimate.cost_usd),
    )
}
