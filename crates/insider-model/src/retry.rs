//! Retry policy: which failures are retryable, how long to wait, and the rate-limit headers
//! that tell us.

use crate::types::ModelConfig;
use rand::Rng;
use std::time::Duration;

/// Attempts per call (first try included) when the config gives none.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;
/// First backoff delay when the config gives none.
pub const DEFAULT_BACKOFF_BASE_MS: u64 = 1_000;
/// Longest computed backoff when the config gives none.
pub const DEFAULT_BACKOFF_MAX_MS: u64 = 60_000;
/// The longest server-requested wait we honour for one retry.
pub const MAX_SERVER_WAIT_MS: u64 = 600_000;

/// How many times to try and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, first try included (at least 1).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles each time.
    pub base_ms: u64,
    /// Cap on the computed (not server-requested) delay.
    pub max_ms: u64,
}

impl RetryPolicy {
    /// The policy a model config asks for.
    pub fn from_config(config: &ModelConfig) -> RetryPolicy {
        RetryPolicy {
            max_attempts: config.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS).max(1),
            base_ms: config.backoff_base_ms.unwrap_or(DEFAULT_BACKOFF_BASE_MS),
            max_ms: config.backoff_max_ms.unwrap_or(DEFAULT_BACKOFF_MAX_MS),
        }
    }

    /// Delay after failed attempt `attempt` (1-based): exponential with jitter in [50%, 100%],
    /// but never shorter than what the server asked for.
    pub fn delay(&self, attempt: u32, server_wait_ms: Option<u64>) -> Duration {
        let exp = self
            .base_ms
            .saturating_mul(1u64 << (attempt - 1).min(30))
            .min(self.max_ms);
        let jittered = if exp == 0 {
            0
        } else {
            rand::rng().random_range(exp / 2..=exp)
        };
        let wait = server_wait_ms.map_or(jittered, |s| s.min(MAX_SERVER_WAIT_MS).max(jittered));
        Duration::from_millis(wait)
    }
}

/// Whether an HTTP status is worth retrying.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 425 | 429 | 500..=599)
}

/// Whether a 400 body is Anthropic's "truncated upload" case, which is transient.
pub fn transient_bad_request(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not valid json") && m.contains("unexpected end of data")
}

/// A server-requested wait from the response headers, in milliseconds: `retry-after-ms`,
/// `retry-after` (seconds or HTTP date), then the providers' rate-limit reset headers.
pub fn server_wait_ms(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(ms.max(0.0) as u64);
    }
    if let Some(v) = get("retry-after") {
        if let Ok(secs) = v.trim().parse::<f64>() {
            return Some((secs.max(0.0) * 1000.0) as u64);
        }
        if let Ok(when) = chrono::DateTime::parse_from_rfc2822(v.trim()) {
            let ms = (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
            return Some(ms.max(0) as u64);
        }
    }
    // OpenAI: "1s", "6m0s", "20ms"; the larger of requests/tokens resets.
    let openai = ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
        .iter()
        .filter_map(|h| get(h).and_then(parse_duration_ms))
        .max();
    if openai.is_some() {
        return openai;
    }
    // Anthropic: RFC 3339 instants.
    [
        "anthropic-ratelimit-requests-reset",
        "anthropic-ratelimit-tokens-reset",
        "anthropic-ratelimit-input-tokens-reset",
        "anthropic-ratelimit-output-tokens-reset",
    ]
    .iter()
    .filter_map(|h| {
        let when = chrono::DateTime::parse_from_rfc3339(get(h)?).ok()?;
        let ms = (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
        Some(ms.max(0) as u64)
    })
    .max()
}

/// Parse Go-style durations as providers write them: `7s`, `1.5s`, `6m0s`, `20ms`, `1h2m`.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let mut total = 0.0f64;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_end..];
    }
    Some(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration_ms("7s"), Some(7000));
        assert_eq!(parse_duration_ms("6m0s"), Some(360_000));
        assert_eq!(parse_duration_ms("20ms"), Some(20));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500));
        assert_eq!(parse_duration_ms("soon"), None);
        assert_eq!(parse_duration_ms(""), None);
    }

    #[test]
    fn delay_grows_is_capped_and_honours_server() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_ms: 100,
            max_ms: 1000,
        };
        let d1 = p.delay(1, None).as_millis();
        assert!((50..=100).contains(&d1), "{d1}");
        let d3 = p.delay(3, None).as_millis();
        assert!((200..=400).contains(&d3), "{d3}");
        let d9 = p.delay(9, None).as_millis();
        assert!((500..=1000).contains(&d9), "{d9}");
        assert_eq!(p.delay(1, Some(5000)).as_millis(), 5000);
    }

    #[test]
    fn headers_give_waits() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(server_wait_ms(&h), Some(3000));
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-ratelimit-reset-requests", "1m30s".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "2s".parse().unwrap());
        assert_eq!(server_wait_ms(&h), Some(90_000));
        let mut h = reqwest::header::HeaderMap::new();
        let soon = chrono::Utc::now() + chrono::Duration::seconds(10);
        h.insert(
            "anthropic-ratelimit-requests-reset",
            soon.to_rfc3339().parse().unwrap(),
        );
        let ms = server_wait_ms(&h).unwrap();
        assert!((8_000..=10_000).contains(&ms), "{ms}");
    }

    #[test]
    fn classification() {
        for s in [429, 500, 502, 503, 504, 529] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!retryable_status(s), "{s}");
        }
        assert!(transient_bad_request(
            "The request body is not valid JSON: unexpected end of data"
        ));
        assert!(!transient_bad_request("max_tokens: must be positive"));
    }
}
