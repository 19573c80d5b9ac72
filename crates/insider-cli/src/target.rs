//! The goal flags of a sample-size plan (`--detect`, `--baseline`, `--bound-zero`), shared by
//! `insider plan` and `insider run --dry-run`.

use clap::Args;
use insider_report::power::PlanTarget;

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
    pub fn target(&self) -> Result<Option<PlanTarget>, String> {
        let (detect, baseline) = (self.detect.as_deref(), self.baseline.as_deref());
        PlanTarget::from_flags(detect, baseline, self.bound_zero.as_deref())
    }
}
