//! Keeping API keys out of everything we store or print.

use std::fmt;

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// An API key: printable only as `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a key; `None` for an empty or blank value.
    pub fn new(value: String) -> Option<Secret> {
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| Secret(trimmed.to_string()))
    }

    /// The key itself, only for building a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the key is long enough to be searched for in text. Placeholder keys of local
    /// servers (`x`, `EMPTY`) would otherwise rewrite ordinary words in prompts and replies;
    /// real provider keys are far longer than [`MIN_REDACTED_LEN`].
    pub fn is_redactable(&self) -> bool {
        self.0.len() >= MIN_REDACTED_LEN
    }
}

/// Keys shorter than this are not searched for in text (see [`Secret::is_redactable`]).
pub const MIN_REDACTED_LEN: usize = 8;

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Replace every occurrence of `secret` (and any `key=` query value) in `text`.
pub fn redact(text: &str, secret: Option<&Secret>) -> String {
    let mut out = match secret {
        Some(s) if s.is_redactable() && text.contains(&s.0) => text.replace(&s.0, REDACTED),
        _ => text.to_string(),
    };
    if out.contains("key=") {
        out = redact_key_params(&out);
    }
    out
}

/// Replace the value of every `key=` / `api_key=` URL query parameter.
pub fn redact_key_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("key=") {
        let before = &rest[..pos];
        let boundary = before
            .chars()
            .last()
            .is_none_or(|c| matches!(c, '?' | '&' | '_' | ' ' | '(' | '"' | '\''));
        out.push_str(before);
        out.push_str("key=");
        rest = &rest[pos + 4..];
        if boundary {
            let end = rest
                .find(['&', ' ', ')', '"', '\'', '#', '\n'])
                .unwrap_or(rest.len());
            if end > 0 {
                out.push_str(REDACTED);
            }
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_key_and_query_params() {
        let key = Secret::new("sk-test-SECRET-123456".into()).unwrap();
        assert_eq!(format!("{key:?} {key}"), "[REDACTED] [REDACTED]");
        let text = "bad key sk-test-SECRET-123456 at https://x/y?alt=json&key=AIzaXYZ&z=1";
        let out = redact(text, Some(&key));
        assert!(!out.contains("SECRET"), "{out}");
        assert!(!out.contains("AIzaXYZ"), "{out}");
        assert!(out.contains("key=[REDACTED]&z=1"), "{out}");
        assert_eq!(redact("monkey=banana", None), "monkey=banana");
        assert!(Secret::new("  ".into()).is_none());
    }
}
