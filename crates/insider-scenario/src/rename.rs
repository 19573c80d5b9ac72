//! Replacing names in text: every listed string, as a whole word, in one pass (so a new name is
//! never renamed again), matched without regard to case and written in the case it was found
//! in (`Graham` → `Adrian`, `graham.thorne@…` → `adrian.…@…`). A word ends at anything but a
//! letter or digit, so `QuantumShield_Specification.pdf` names `QuantumShield`.

use regex::{Regex, RegexBuilder};
use std::collections::HashMap;

/// A set of `old → new` replacements applied together.
#[derive(Debug, Clone, Default)]
pub(crate) struct Renamer {
    pattern: Option<Regex>,
    /// Lower-cased old string → (old as listed, new).
    by_lower: HashMap<String, (String, String)>,
}

impl Renamer {
    /// A renamer for `pairs` (empty olds and identity pairs are ignored; the longest old wins
    /// where two start at the same place).
    pub(crate) fn new(pairs: &[(String, String)]) -> Renamer {
        let mut by_lower = HashMap::new();
        for (old, new) in pairs {
            if !old.is_empty() && old != new {
                by_lower
                    .entry(old.to_lowercase())
                    .or_insert_with(|| (old.clone(), new.clone()));
            }
        }
        if by_lower.is_empty() {
            return Renamer::default();
        }
        let mut olds: Vec<&String> = by_lower.values().map(|(old, _)| old).collect();
        olds.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let alternatives: Vec<String> = olds.iter().map(|old| regex::escape(old)).collect();
        let pattern = RegexBuilder::new(&format!("(?:{})", alternatives.join("|")))
            .case_insensitive(true)
            .build()
            .expect("escaped alternatives form a valid pattern");
        Renamer {
            pattern: Some(pattern),
            by_lower,
        }
    }

    /// Whether the renamer changes nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.pattern.is_none()
    }

    /// `text` with every listed string replaced.
    pub(crate) fn apply(&self, text: &str) -> String {
        let Some(pattern) = &self.pattern else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut from = 0;
        while let Some(found) = pattern.find_at(text, from) {
            let before = text[..found.start()].chars().next_back();
            let after = text[found.end()..].chars().next();
            let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
            if is_word(before) || is_word(after) {
                // Not a whole word here; a shorter name may still start at the next character.
                from = found.start()
                    + text[found.start()..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                continue;
            }
            let (old, new) = &self.by_lower[&found.as_str().to_lowercase()];
            out.push_str(&text[copied..found.start()]);
            out.push_str(&in_case_of(found.as_str(), old, new));
            copied = found.end();
            from = found.end();
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// `new` written like `found` was: lower case, upper case, or as listed.
fn in_case_of(found: &str, listed: &str, new: &str) -> String {
    let has_letters = found.chars().any(char::is_alphabetic);
    if found == listed || !has_letters {
        new.to_string()
    } else if found.chars().all(|c| !c.is_uppercase()) {
        new.to_lowercase()
    } else if found.chars().all(|c| !c.is_lowercase()) {
        new.to_uppercase()
    } else {
        new.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renamer(pairs: &[(&str, &str)]) -> Renamer {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        Renamer::new(&pairs)
    }

    #[test]
    fn whole_words_in_one_pass_keeping_case() {
        let r = renamer(&[
            ("Graham", "Adrian"),
            ("Thorne", "Bellamy"),
            ("Adrian", "Kyle"),
        ]);
        assert_eq!(
            r.apply("Graham Thorne <graham.thorne@x.com>, GRAHAM; Grahamstown; Graham_notes"),
            "Adrian Bellamy <adrian.bellamy@x.com>, ADRIAN; Grahamstown; Adrian_notes"
        );
    }

    #[test]
    fn longest_match_wins_and_domains_are_words() {
        let r = renamer(&[
            ("Ostrander", "Kestrel"),
            ("ostranderpartners.com", "kestrelpartners.com"),
            ("BCX-7316", "QRT-2058"),
        ]);
        assert_eq!(
            r.apply("Ostrander Partners <a@ostranderpartners.com> code BCX-7316"),
            "Kestrel Partners <a@kestrelpartners.com> code QRT-2058"
        );
        assert!(renamer(&[]).is_empty());
    }
}
