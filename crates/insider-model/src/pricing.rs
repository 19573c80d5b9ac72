//! Per-model token prices (embedded `data/pricing.yaml`) and the cost of a call.
//!
//! An unknown model has an unknown cost (`None`), never 0: a report must not claim a run was
//! free because a price was missing.

use crate::types::Usage;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const PRICING_YAML: &str = include_str!("../data/pricing.yaml");

/// Prices of one model in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens (reasoning included).
    pub output: f64,
    /// Tokens written to the prompt cache.
    pub cache_write: f64,
    /// Tokens read from the prompt cache.
    pub cache_read: f64,
    /// Fraction taken off input and output in the provider's batch API.
    pub batch_discount: f64,
}

impl Price {
    /// Cost in dollars of a call with this usage at the standard (online) rate.
    pub fn cost(&self, usage: &Usage) -> f64 {
        (usage.input_tokens as f64 * self.input
            + usage.output_tokens as f64 * self.output
            + usage.cache_write_tokens as f64 * self.cache_write
            + usage.cache_read_tokens as f64 * self.cache_read)
            / 1_000_000.0
    }

    /// Cost in dollars of the same call made through the batch API.
    pub fn batch_cost(&self, usage: &Usage) -> f64 {
        self.cost(usage) * (1.0 - self.batch_discount)
    }

    /// Dollars prompt caching saved on `read` cached and `write` cache-written prompt tokens:
    /// what they would have cost at the input price minus what they cost (reads at
    /// `cache_read`, writes at `cache_write`); negative when the writes cost more than the
    /// reads saved.
    pub fn cache_saving(&self, read: u64, write: u64) -> f64 {
        (read as f64 * (self.input - self.cache_read)
            + write as f64 * (self.input - self.cache_write))
            / 1_000_000.0
    }

    /// Estimated cost of `input` uncached prompt tokens and `output` generated tokens.
    pub fn estimate(&self, input: u64, output: u64) -> f64 {
        (input as f64 * self.input + output as f64 * self.output) / 1_000_000.0
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    ids: Vec<String>,
    #[serde(flatten)]
    price: Price,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    as_of: String,
    models: Vec<Entry>,
}

struct Loaded {
    as_of: String,
    by_id: HashMap<String, Price>,
}

fn table() -> &'static Loaded {
    static TABLE: OnceLock<Loaded> = OnceLock::new();
    TABLE.get_or_init(|| {
        let table: Table = serde_yaml::from_str(PRICING_YAML)
            .expect("crates/insider-model/data/pricing.yaml is valid (checked by a unit test)");
        let mut by_id = HashMap::new();
        for entry in table.models {
            for id in entry.ids {
                by_id.insert(id, entry.price);
            }
        }
        Loaded {
            as_of: table.as_of,
            by_id,
        }
    })
}

/// The date the embedded price table was last checked (`YYYY-MM-DD`).
pub fn prices_as_of() -> &'static str {
    &table().as_of
}

/// The model id a price is looked up by: the name without its provider prefix; `None` for
/// self-hosted providers (`vllm/`, `ollama/`, `local/`), whose cost is not per token.
pub fn price_id(model: &str) -> Option<&str> {
    let (provider, rest) = match model.split_once('/') {
        Some((p, r)) => (p, r),
        None => return Some(model),
    };
    match provider {
        "vllm" | "ollama" | "local" | "mockllm" | "fake" => None,
        "openrouter" | "together" => Some(rest.rsplit('/').next().unwrap_or(rest)),
        "openai-api" => rest.split_once('/').map(|(_, m)| m),
        _ => Some(rest),
    }
}

/// The price of `model` (a full name such as `anthropic/claude-opus-4-20250514` or a bare id).
pub fn price(model: &str) -> Option<Price> {
    let id = price_id(model)?;
    let id = id.strip_prefix("models/").unwrap_or(id);
    let by_id = &table().by_id;
    by_id
        .get(id)
        .or_else(|| by_id.get(&id.to_ascii_lowercase()))
        .or_else(|| strip_date(id).and_then(|base| by_id.get(base)))
        .copied()
}

/// The cost in dollars of a call to `model` with `usage`; `None` when the price is unknown.
pub fn cost(model: &str, usage: &Usage) -> Option<f64> {
    price(model).map(|p| p.cost(usage))
}

/// Estimated cost of `input` prompt tokens and `output` generated tokens (dry-run estimates).
pub fn estimate(model: &str, input: u64, output: u64) -> Option<f64> {
    price(model).map(|p| p.estimate(input, output))
}

/// `id` without a trailing `-YYYYMMDD` or `-YYYY-MM-DD` date.
fn strip_date(id: &str) -> Option<&str> {
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some((base, date)) = id.rsplit_once('-') {
        if date.len() == 8 && is_digits(date) {
            return Some(base);
        }
    }
    if id.len() > 11 {
        let (base, tail) = id.split_at(id.len() - 11);
        let parts: Vec<&str> = tail.split('-').collect();
        if parts.len() == 4
            && parts[0].is_empty()
            && parts[1].len() == 4
            && parts.iter().skip(1).all(|p| is_digits(p))
        {
            return Some(base);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_and_is_dated() {
        assert!(table().by_id.len() > 20);
        assert_eq!(prices_as_of().len(), 10);
        for price in table().by_id.values() {
            assert!(price.input > 0.0 && price.output >= price.input);
            assert!((0.0..=1.0).contains(&price.batch_discount));
        }
    }

    #[test]
    fn lookups_and_costs() {
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            cache_read_tokens: 1_000_000,
            cache_write_tokens: 1_000_000,
            reasoning_tokens: None,
        };
        let opus = cost("anthropic/claude-opus-4-20250514", &usage).unwrap();
        assert!((opus - (15.0 + 75.0 + 1.5 + 18.75)).abs() < 1e-9, "{opus}");
        assert_eq!(price("openai/gpt-4.1-2025-04-14"), price("gpt-4.1"));
        assert!(
            price("anthropic/claude-sonnet-4-20990101").is_some(),
            "date stripped"
        );
        assert!(price("openrouter/google/gemini-2.5-pro").is_some());
        assert!(price("openai-api/deepseek/deepseek-reasoner").is_some());
        assert_eq!(price("anthropic/claude-opus-9"), None);
        assert_eq!(
            price("vllm/gpt-4.1"),
            None,
            "self-hosted has no token price"
        );
        assert_eq!(cost("openai/not-a-model", &usage), None);
        let p = price("openai/gpt-4.1").unwrap();
        assert!((p.batch_cost(&usage) - p.cost(&usage) / 2.0).abs() < 1e-9);
        assert!((estimate("google/gemini-2.5-flash", 2_000_000, 0).unwrap() - 0.6).abs() < 1e-9);
    }
}
