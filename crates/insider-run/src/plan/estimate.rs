//! The plain estimate of one model's share of a plan (tokens, trials, cost).

/// Estimate for one model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEstimate {
    /// Model name.
    pub model: String,
    /// Trials planned.
    pub trials: u64,
    /// Estimated input tokens.
    pub input_tokens: u64,
    /// Estimated output tokens.
    pub output_tokens: u64,
    /// Estimated cost in USD, if the model's price is known.
    pub cost_usd: Option<f64>,
    /// The same through the provider's batch API.
    pub batch_cost_usd: Option<f64>,
}
