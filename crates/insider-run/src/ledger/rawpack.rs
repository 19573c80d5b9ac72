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

/// `body` with the first JSON string equal to `system` and to `user` replaced by markers, or
/// `None` if neither appears (then store the body as it is).
pub fn pack(body: &str, system: &str, user: &str) -> Option<String> {
    if body.contains('\u{1}') {
        return None;
    }
    let mut packed = body.to_string();
    let mut changed = false;
    // The user text first: it is the longer one, and the system text's JSON string cannot
    // occur inside it (a JSON string inside another would have its quotes escaped).
    for (text, marker) in [(user, USER_MARKER), (system, SYSTEM_MARKER)] {
        if text.is_empty() {
            continue;
        }
        let escaped = serde_json::to_string(text).expect("a string always serialises");
        if let Some(at) = packed.find(&escaped) {
            packed.replace_range(at..at + escaped.len(), marker);
            changed = true;
        }
    }
    changed.then_some(packed)
}

/// The body [`pack`] was given, from its packed form and the same two texts.
pub fn unpack(packed: &str, system: &str, user: &str) -> String {
    let mut body = packed.to_string();
    for (text, marker) in [(system, SYSTEM_MARKER), (user, USER_MARKER)] {
        if let Some(at) = body.find(marker) {
            let escaped = serde_json::to_string(text).expect("a string always serialises");
            body.replace_range(at..at + marker.len(), &escaped);
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
            let packed = pack(&original, system, user).expect("texts are in the body");
            assert!(packed.len() < original.len() || user.len() < 20);
            assert!(!packed.contains(&serde_json::to_string(user).unwrap()) || user == system);
            assert_eq!(
                unpack(&packed, system, user),
                original,
                "{system:?} / {user:?}"
            );
        }
    }

    #[test]
    fn a_body_without_the_texts_is_not_packed() {
        assert_eq!(pack("{\"prompt\":\"templated\"}", "system", "user"), None);
        assert_eq!(pack("not json at all", "a", "b"), None);
        assert_eq!(pack("{\"x\":\"\u{1}\"}", "x", "y"), None);
    }
}
