//! What one trial of each model is estimated to cost, for sample-size plans (`insider plan`,
//! `insider run --dry-run --detect`): the dry run's estimate divided by its trials, plus the
//! grader's share. The power maths itself lives in `insider_report::power`; the CLI joins them
//! (this crate cannot depend on that one).

use crate::config::ResolvedExperiment;
use crate::plan::{estimate, GRADER_OUTPUT_TOKENS, GRADER_PROMPT_TOKENS};

/// One model's estimated cost of a trial.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialCost {
    /// Model name.
    pub model: String,
    /// USD per trial, its call and (when a grader is configured) one grader call; `None` when
    /// the model's or the grader's price is unknown, never guessed as 0.
    pub usd: Option<f64>,
}

/// Each model's [`TrialCost`], in the experiment's model order.
pub fn trial_costs(experiment: &ResolvedExperiment) -> anyhow::Result<Vec<TrialCost>> {
    let grader = experiment.grader.as_ref().filter(|_| experiment.classify);
    Ok(estimate(experiment)?
        .into_iter()
        .map(|e| {
            let trials = e.trials.max(1) as f64;
            // The grader reads the reply plus its own prompt, as the dry run prices it.
            let grading = match grader {
                None => Some(0.0),
                Some(grader) => crate::models::estimate_cost(
                    grader,
                    e.output_tokens + e.trials * GRADER_PROMPT_TOKENS,
                    e.trials * GRADER_OUTPUT_TOKENS,
                )
                .map(|c| c.0),
            };
            let usd = e
                .cost_usd
                .zip(grading)
                .map(|(call, grading)| (call + grading) / trials);
            TrialCost {
                model: e.model,
                usd,
            }
        })
        .collect())
}
