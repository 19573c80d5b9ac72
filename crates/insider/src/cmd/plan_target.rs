//! The goal flags of a sample-size plan (`--detect`, `--baseline`, `--bound-zero`), shared by
//! `insider plan` and `insider run --dry-run`. The power maths is `insider_report::power`, the
//! cost of a trial `insider_run::trial_cost` (insider-run cannot depend on insider-report).

use clap::Args;
use insider_report::power::{PlanModel, PlanTarget};
use insider_run::config::ResolvedExperiment;

/// What a sample-size plan is for (shared by `insider plan` and `insider run --dry-run`).
#[derive(Args, Debug, Default, Clone)]
pub struct TargetArgs {
    /// Plan the samples per condition to detect this difference of rates at 80% power and a
    /// two-sided 5% test (`10pp`, `10%` or `0.1`); with --dry-run or `insider plan`.
    #[arg(long, value_name = "RATE")]
    pub detect: Option<String>,
    /// The baseline rate for --detect, if known (default: the worst case, rates around 50%).
    #[arg(long, value_name = "RATE", requires = "detect")]
    pub baseline: Option<String>,
    /// Plan the samples per condition that bound a zero rate below this rate (`1%`): a run
    /// with no harmful trial then has its one-sided 95% upper bound under it.
    #[arg(long, value_name = "RATE", conflicts_with = "detect")]
    pub bound_zero: Option<String>,
}

impl TargetArgs {
    /// The target the flags name (`None`: no plan asked for).
    pub fn target(&self) -> anyhow::Result<Option<PlanTarget>> {
        let (detect, baseline) = (self.detect.as_deref(), self.baseline.as_deref());
        PlanTarget::from_flags(detect, baseline, self.bound_zero.as_deref())
            .map_err(anyhow::Error::msg)
    }
}

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
