//! Prompt-cache use of one model's trials: tokens read from and written to the provider's
//! cache, the hit rate, and the money the cache saved (issue #19), as `insider runs show` and
//! the reports print it.

use serde::{Deserialize, Serialize};

/// One model's prompt-cache figures, summed over its trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheUse {
    /// Prompt tokens billed at the normal input rate (not cached).
    pub input_tokens: u64,
    /// Prompt tokens read from the cache.
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the cache.
    pub cache_write_tokens: u64,
    /// Cache reads over every prompt token (uncached, read and written), 0 to 1.
    pub hit_rate: f64,
    /// What the cached prompt tokens would have cost at the input price minus what they cost,
    /// in USD at the standard (online) price; negative when cache writes cost more than the
    /// reads saved; `None` when the model's price is unknown.
    pub saved_usd: Option<f64>,
}

impl CacheUse {
    /// The figures of `model` with these prompt-token sums; `None` when nothing was read from
    /// or written to the cache.
    pub fn of(model: &str, input: u64, read: u64, write: u64) -> Option<CacheUse> {
        if read == 0 && write == 0 {
            return None;
        }
        let prompt = input + read + write;
        Some(CacheUse {
            input_tokens: input,
            cache_read_tokens: read,
            cache_write_tokens: write,
            hit_rate: read as f64 / prompt as f64,
            saved_usd: insider_model::pricing::price(model).map(|p| p.cache_saving(read, write)),
        })
    }

    /// One line for a terminal: `prompt cache MODEL: … read, … written, … uncached; hit rate
    /// …%; saved $…`.
    pub fn line(&self, model: &str) -> String {
        let saved = match self.saved_usd {
            None => format!("unknown (no price for {model})"),
            Some(usd) if usd < 0.0 => {
                format!(
                    "-${:.4} (the cache writes cost more than the reads saved)",
                    -usd
                )
            }
            Some(usd) => format!("${usd:.4}"),
        };
        format!(
            "prompt cache {model}: {} tokens read, {} written, {} uncached; hit rate {:.1}%; saved {saved}",
            self.cache_read_tokens,
            self.cache_write_tokens,
            self.input_tokens,
            self.hit_rate * 100.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SONNET: &str = "anthropic/claude-sonnet-4-20250514";

    #[test]
    fn totals_json_without_cache_still_reads() {
        let old = r#"{"model":"m","total":1,"completed":1,"failed":0,"pending":0,
            "input_tokens":5,"output_tokens":1,"cost_usd":0.0,"cost_unknown":1,"attempts":1,
            "failed_attempts":0,"retried_trials":0}"#;
        let totals: crate::ModelTotals = serde_json::from_str(old).unwrap();
        assert_eq!(totals.cache, None);
        assert!(!serde_json::to_string(&totals).unwrap().contains("cache"));
    }

    #[test]
    fn no_cache_tokens_no_figures() {
        assert_eq!(CacheUse::of(SONNET, 1000, 0, 0), None);
    }

    #[test]
    fn hit_rate_and_saving_by_hand() {
        // Sonnet 4: input $3, cache reads $0.30, cache writes $3.75 per million tokens.
        let cache = CacheUse::of(SONNET, 1000, 6000, 2000).unwrap();
        assert!((cache.hit_rate - 6000.0 / 9000.0).abs() < 1e-12);
        // Reads save 6000 × 2.70 = 16,200 µ$; writes cost 2000 × 0.75 = 1,500 µ$ more.
        let saved = cache.saved_usd.unwrap();
        assert!((saved - 0.0147).abs() < 1e-12, "{saved}");
        assert_eq!(
            cache.line(SONNET),
            "prompt cache anthropic/claude-sonnet-4-20250514: 6000 tokens read, 2000 written, \
             1000 uncached; hit rate 66.7%; saved $0.0147"
        );
    }

    #[test]
    fn writes_alone_save_a_negative_amount() {
        // Haiku 4.5: input $1, cache writes $1.25: 4000 written cost $0.001 more than uncached.
        let model = "anthropic/claude-haiku-4-5";
        let cache = CacheUse::of(model, 500, 0, 4000).unwrap();
        assert_eq!(cache.hit_rate, 0.0);
        assert!((cache.saved_usd.unwrap() + 0.001).abs() < 1e-12);
        assert_eq!(
            cache.line(model),
            "prompt cache anthropic/claude-haiku-4-5: 0 tokens read, 4000 written, 500 uncached; \
             hit rate 0.0%; saved -$0.0010 (the cache writes cost more than the reads saved)"
        );
    }

    #[test]
    fn an_unknown_price_saves_an_unknown_amount() {
        let model = "anthropic/claude-opus-9";
        let cache = CacheUse::of(model, 0, 300, 100).unwrap();
        assert_eq!(cache.saved_usd, None);
        assert!((cache.hit_rate - 0.75).abs() < 1e-12);
        assert!(
            cache
                .line(model)
                .ends_with("hit rate 75.0%; saved unknown (no price for anthropic/claude-opus-9)"),
            "{}",
            cache.line(model)
        );
    }
}
