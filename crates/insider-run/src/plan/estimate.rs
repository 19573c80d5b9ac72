//! The plain estimate of one model's share of a plan (tokens, trials, cost).

/// Estimate for one model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEstimate {
    /// Model name.
    pub model: String,
    /// Trials planned.
    pub trials: u64,
    /// Calls those trials make at most (an agent session: up to its world's `max_turns`).
    pub calls: u64,
    /// Estimated input tokens.
    pub input_tokens: u64,
    /// Estimated output tokens.
    pub output_tokens: u64,
    /// Estimated cost in USD, if the model's price is known.
    pub cost_usd: Option<f64>,
    /// The same through the provider's batch API.
    pub batch_cost_usd: Option<f64>,
}

impl ModelEstimate {
    /// This estimate for `share` (0 to 1) of its trials: what part of a plan one invocation
    /// runs (a resumed run's trials left, a `--limit`).
    pub fn scaled(&self, share: f64) -> ModelEstimate {
        let part = |n: u64| (n as f64 * share).round() as u64;
        ModelEstimate {
            model: self.model.clone(),
            trials: part(self.trials),
            calls: part(self.calls),
            input_tokens: part(self.input_tokens),
            output_tokens: part(self.output_tokens),
            cost_usd: self.cost_usd.map(|c| c * share),
            batch_cost_usd: self.batch_cost_usd.map(|c| c * share),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_scales_counts_and_cost() {
        let whole = ModelEstimate {
            model: "m".into(),
            trials: 400,
            calls: 400,
            input_tokens: 1_000_000,
            output_tokens: 600_000,
            cost_usd: Some(20.0),
            batch_cost_usd: None,
        };
        let quarter = whole.scaled(0.25);
        assert_eq!(
            (quarter.trials, quarter.input_tokens, quarter.output_tokens),
            (100, 250_000, 150_000)
        );
        assert_eq!(quarter.cost_usd, Some(5.0));
        assert_eq!(quarter.batch_cost_usd, None);
        assert_eq!(whole.scaled(1.0), whole);
    }
}
