//! The run's view of models: validating names and keys before any call, and cost estimates.

use insider_model::ModelConfig;

/// Why a model cannot be used, with what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelProblem {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

/// Check a model name and its key without any network call.
pub fn check(name: &str, config: &ModelConfig) -> Result<(), ModelProblem> {
    insider_model::check(name, config).map_err(|error| ModelProblem {
        message: error.to_string(),
        help: Some("model names are provider/model; see docs/providers.md".into()),
    })
}

/// Estimated online and batch cost of `input` and `output` tokens for `model`; `None` when
/// its price is unknown.
pub fn estimate_cost(model: &str, input: u64, output: u64) -> Option<(f64, f64)> {
    let price = insider_model::pricing::price(model)?;
    let online = price.estimate(input, output);
    Some((online, online * (1.0 - price.batch_discount)))
}
