//! The goal flags of a sample-size plan (`--detect`, `--baseline`, `--bound-zero`), shared by
//! `insider plan` and `insider run --dry-run`. The power maths is `insider_report::power`, the
//! cost of a trial `insider_run::trial_cost` (insider-run cannot depend on insider-report).

use insider_report::power::{PlanModel, PlanTarget};
use insider_run::config::ResolvedExperiment;

/// The plan for `target` over the experiment's conditions and models, priced per trial.
pub fn plan_text(experiment: &ResolvedExperiment, target: PlanTarget) -> anyhow::Result<String> {
    let models: Vec<PlanModel> = insider_run::trial_cost::trial_costs(experiment)?
        .into_iter()
        .map(|cost| PlanModel {
            name: cost.model,
            cost_per_trial: cost.usd,
        })
        .collect();
    let conditions = experiment.conditions.len() as u64;
    insider_report::power::plan_text(target, conditions, &models).map_err(anyhow::Error::msg)
}
