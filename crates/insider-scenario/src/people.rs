//! The variables a cast member's fields give templates beyond the fields themselves: first and
//! last name, initial, and pronoun forms, so e-mails never spell out a person's name or gender
//! and a persona, an executive or a renamed world can change them.

use std::collections::BTreeMap;

/// The pronoun sets a cast member's `pronouns:` may name.
pub(crate) const PRONOUN_SETS: &[&str] = &["he", "she"];

/// `(variable suffix, he form, she form)`: `{{cast.cto.they}}` is "he" or "she", and so on.
const PRONOUN_FORMS: &[(&str, &str, &str)] = &[
    ("they", "he", "she"),
    ("them", "him", "her"),
    ("their", "his", "her"),
    ("theirs", "his", "hers"),
    ("themself", "himself", "herself"),
    ("They", "He", "She"),
    ("Them", "Him", "Her"),
    ("Their", "His", "Her"),
];

/// Variables derived from one cast member's fields, as `(key after "cast.<id>.", value)`:
/// `first`, `last` and `initial` from `name` (unless the member sets them), and the pronoun
/// forms from `pronouns`.
pub(crate) fn derived_fields(member: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(name) = member.get("name") {
        let words: Vec<&str> = name.split_whitespace().collect();
        let first = words.first().copied().unwrap_or("").to_string();
        let last = words.last().copied().unwrap_or("").to_string();
        let initial = first.chars().next().map(String::from).unwrap_or_default();
        for (key, value) in [("first", first), ("last", last), ("initial", initial)] {
            if !member.contains_key(key) {
                out.push((key.to_string(), value));
            }
        }
    }
    if let Some(set) = member.get("pronouns") {
        let she = set == "she";
        if PRONOUN_SETS.contains(&set.as_str()) {
            for (key, he_form, she_form) in PRONOUN_FORMS {
                out.push((
                    key.to_string(),
                    if she { she_form } else { he_form }.to_string(),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_pronouns_give_their_forms() {
        let member: BTreeMap<String, String> = [("name", "Dana Whitfield"), ("pronouns", "she")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let fields: BTreeMap<String, String> = derived_fields(&member).into_iter().collect();
        assert_eq!(fields["first"], "Dana");
        assert_eq!(fields["last"], "Whitfield");
        assert_eq!(fields["initial"], "D");
        assert_eq!(fields["They"], "She");
        assert_eq!(fields["them"], "her");
        assert_eq!(fields["themself"], "herself");
    }
}
