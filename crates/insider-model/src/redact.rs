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

/// Replace every occurrence of `secret` (in any encoded form, see [`scrub`]) and any `key=`
/// query value in `text`.
pub fn redact(text: &str, secret: Option<&Secret>) -> String {
    let mut out = match secret {
        Some(s) => scrub(text, s),
        None => text.to_string(),
    };
    if out.contains("key=") {
        out = redact_key_params(&out);
    }
    out
}

/// Replace `secret` with [`REDACTED`] wherever it occurs plainly, JSON-escaped (`\/`, `\"`,
/// `\\`, `\uXXXX` for any of its characters, mixed freely) or URL-encoded (`%XX`): a server
/// that echoes a key may escape it, and an escaped key is still the key. Placeholder keys
/// (see [`Secret::is_redactable`]) are left alone.
pub fn scrub(text: &str, secret: &Secret) -> String {
    if !secret.is_redactable() {
        return text.to_string();
    }
    let spans = secret_spans(text, secret.expose());
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in spans {
        out.push_str(&text[last..start]);
        out.push_str(REDACTED);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Whether `text` holds `secret` in any form [`scrub`] replaces.
pub fn contains_secret(text: &str, secret: &Secret) -> bool {
    secret.is_redactable() && !secret_spans(text, secret.expose()).is_empty()
}

/// Byte ranges of `text` that decode to `key`, left to right, not overlapping.
fn secret_spans(text: &str, key: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let Some(&first) = key.as_bytes().first() else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Only a plain first character or the start of an escape can begin a match.
        if b == first || b == b'\\' || b == b'%' {
            if let Some(end) = match_at(text, i, key) {
                spans.push((i, end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    spans
}

/// The end of a match of `key` starting at byte `start`, decoding one escape per character.
fn match_at(text: &str, start: usize, key: &str) -> Option<usize> {
    let mut pos = start;
    for want in key.chars() {
        let (got, len) = decode_unit(&text[pos..])?;
        if got != want {
            return None;
        }
        pos += len;
    }
    Some(pos)
}

/// The first character of `rest` after undoing one JSON or URL escape, and its encoded length.
fn decode_unit(rest: &str) -> Option<(char, usize)> {
    let bytes = rest.as_bytes();
    let hex = |s: &[u8]| {
        std::str::from_utf8(s)
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    match bytes.first()? {
        b'\\' if bytes.len() >= 6 && bytes[1] == b'u' => {
            let code = hex(&bytes[2..6])?;
            Some((char::from_u32(code)?, 6))
        }
        b'\\' if bytes.len() >= 2 && matches!(bytes[1], b'/' | b'"' | b'\\') => {
            Some((bytes[1] as char, 2))
        }
        b'%' if bytes.len() >= 3 => {
            let code = hex(&bytes[1..3])?;
            (code < 0x80).then_some((code as u8 as char, 3))
        }
        _ => {
            let c = rest.chars().next()?;
            Some((c, c.len_utf8()))
        }
    }
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

    #[test]
    fn redacts_json_escaped_and_url_encoded_forms() {
        let key = Secret::new("sk-ab/c+d=EF-123456".into()).unwrap();
        let forms = [
            "sk-ab/c+d=EF-123456",
            "sk-ab\\/c+d=EF-123456",
            "\\u0073\\u006b-ab\\/c\\u002bd\\u003dEF-123456",
            "sk-ab%2Fc%2Bd%3DEF-123456",
            "sk-ab%2fc%2bd%3dEF-123456",
            "%73%6B%2D%61%62%2F%63%2B%64%3D%45%46%2D%31%32%33%34%35%36",
        ];
        for form in forms {
            let text = format!("{{\"echo\":\"{form}\",\"n\":1}}");
            let out = redact(&text, Some(&key));
            assert_eq!(out, "{\"echo\":\"[REDACTED]\",\"n\":1}", "{form}");
            assert!(contains_secret(&text, &key), "{form}");
        }
        // Near misses stay as they are.
        let text = "sk-ab/c+d=EF-12345 and %73k-ab";
        assert_eq!(redact(text, Some(&key)), text);
        assert!(!contains_secret(text, &key));
        // A placeholder key is never searched for.
        let short = Secret::new("EMPTY".into()).unwrap();
        assert_eq!(scrub("EMPTY", &short), "EMPTY");
    }
}
