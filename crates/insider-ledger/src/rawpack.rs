//! Packing raw request bodies: the prompt's system and user texts appear in every request body
//! JSON-escaped, and the ledger already stores them once per prompt. A packed body replaces
//! each with a marker and unpacking puts the same bytes back, so the raw capture stays exact.
//!
//! The markers contain U+0001, which valid JSON can only carry escaped (`\u0001`), so a marker
//! can never be confused with text of the body. A body in which a text does not appear exactly
//! as `serde_json` escapes it is stored as it is.

/// Marker standing for the JSON string of the system text (quotes included).
const SYSTEM_MARKER: &str = "\u{1}insider:system\u{1}";
/// Marker standing for the JSON string of the user text (quotes included).
const USER_MARKER: &str = "\u{1}insider:user\u{1}";

/// A prompt's system and user texts as `serde_json` writes them (quotes included), computed
/// once per prompt and reused for every trial that sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct EscapedPrompt {
    system: String,
    user: String,
}

impl EscapedPrompt {
    /// Escape both texts; an empty text escapes to nothing and is never packed.
    pub fn new(system: &str, user: &str) -> Self {
        let escape = |text: &str| {
            if text.is_empty() {
                String::new()
            } else {
                serde_json::to_string(text).expect("a string always serialises")
            }
        };
        EscapedPrompt {
            system: escape(system),
            user: escape(user),
        }
    }
}

/// `body` with the first JSON string equal to the system and to the user text replaced by
/// markers, or `None` if neither appears (then store the body as it is).
pub fn pack(body: &str, prompt: &EscapedPrompt) -> Option<String> {
    if body.contains('\u{1}') {
        return None;
    }
    let mut packed = body.to_string();
    let mut changed = false;
    // The user text first: it is the longer one, and the system text's JSON string cannot
    // occur inside it (a JSON string inside another would have its quotes escaped).
    for (escaped, marker) in [(&prompt.user, USER_MARKER), (&prompt.system, SYSTEM_MARKER)] {
        if escaped.is_empty() {
            continue;
        }
        if let Some(at) = find_long(&packed, escaped) {
            packed.replace_range(at..at + escaped.len(), marker);
            changed = true;
        }
    }
    changed.then_some(packed)
}

/// Where `needle` first occurs in `haystack`. `str::find` prepares the whole needle first,
/// which for a 10 KB prompt costs more than the search; here a short prefix finds the
/// candidates and a plain comparison checks each one.
fn find_long(haystack: &str, needle: &str) -> Option<usize> {
    let mut probe_len = needle.len().min(64);
    while !needle.is_char_boundary(probe_len) {
        probe_len -= 1;
    }
    let probe = &needle[..probe_len];
    let mut from = 0;
    while let Some(offset) = haystack[from..].find(probe) {
        let at = from + offset;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + probe.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The body [`pack`] was given, from its packed form and the same prompt.
pub fn unpack(packed: &str, prompt: &EscapedPrompt) -> String {
    let mut body = packed.to_string();
    for (escaped, marker) in [(&prompt.system, SYSTEM_MARKER), (&prompt.user, USER_MARKER)] {
        if let Some(at) = body.find(marker) {
            body.replace_range(at..at + marker.len(), escaped);
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(system: &str, user: &str) -> String {
        serde_json::json!({
            "model": "gpt-4.1",
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": 1.0,
        })
        .to_string()
    }

    #[test]
    fn packing_then_unpacking_gives_back_the_same_bytes() {
        let cases = [
            (
                "You are Quill.",
                "Inbox:\n<email>\n\"quoted\" \\ tab\t é ✓ \u{7f}</email>",
            ),
            ("same", "same"),
            ("", "only a user message"),
            ("sys", "user text containing \"sys\" in quotes"),
        ];
        for (system, user) in cases {
            let original = body(system, user);
            let prompt = EscapedPrompt::new(system, user);
            let packed = pack(&original, &prompt).expect("texts are in the body");
            assert!(packed.len() < original.len() || user.len() < 20);
            assert!(!packed.contains(&serde_json::to_string(user).unwrap()) || user == system);
            assert_eq!(unpack(&packed, &prompt), original, "{system:?} / {user:?}");
        }
    }

    #[test]
    fn find_long_agrees_with_str_find() {
        let long = "ab".repeat(100);
        let cases = [
            ("xxabab", "abab"),
            ("no match here", "match there"),
            ("é✓é✓ and é✓é✓!", "é✓é✓!"),
            (long.as_str(), &long[..150]),
            (&long[..150], long.as_str()),
            ("prefix ", ""),
        ];
        for (haystack, needle) in cases {
            assert_eq!(
                find_long(haystack, needle),
                haystack.find(needle),
                "{needle:?}"
            );
        }
        let tricky = format!("{}{}", "a".repeat(70), "a".repeat(70) + "b");
        let needle = "a".repeat(100) + "b";
        assert_eq!(find_long(&tricky, &needle), tricky.find(&needle));
    }

    #[test]
    fn a_body_without_the_texts_is_not_packed() {
        let prompt = |s, u| EscapedPrompt::new(s, u);
        assert_eq!(
            pack("{\"prompt\":\"templated\"}", &prompt("system", "user")),
            None
        );
        assert_eq!(pack("not json at all", &prompt("a", "b")), None);
        assert_eq!(pack("{\"x\":\"\u{1}\"}", &prompt("x", "y")), None);
    }
}
