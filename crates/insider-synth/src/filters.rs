//! Quality filters: an item is dropped when a step was refused or cut off, when a step came
//! back empty, or when its exported text is too short or too long for its spec.

use crate::spec::Filters;
use crate::store::StepRecord;
use crate::text::word_count;

/// Openings that mark a refusal rather than the asked-for text. Checked only at the start of
/// each step's answer: a story may well have a character say "I can't help with that".
const REFUSAL_OPENINGS: &[&str] = &[
    "i can't help with",
    "i cannot help with",
    "i can't assist",
    "i cannot assist",
    "i can't write",
    "i cannot write",
    "i can't create",
    "i cannot create",
    "i won't write",
    "i will not write",
    "i'm not able to",
    "i am not able to",
    "i'm unable to",
    "i am unable to",
    "i must decline",
    "i'm sorry, but i can",
    "i am sorry, but i can",
    "sorry, but i can",
    "as an ai language model",
];

/// How far into an answer a refusal opening is looked for, in characters.
const OPENING_WINDOW: usize = 160;

/// Why an item fails the quality filters, or `None` when it passes.
pub fn quality_problem(
    steps: &[StepRecord],
    text: &str,
    limits: &Filters,
) -> Option<(String, String)> {
    for step in steps {
        if let Some(reason) = step.stop_reason.as_deref() {
            if reason == "refusal" || reason == "content_filter" {
                return Some((
                    "refusal".into(),
                    format!("step `{}` stopped with `{reason}`", step.step),
                ));
            }
            if reason == "max_tokens" {
                return Some((
                    "truncated".into(),
                    format!("step `{}` was cut off at its max_tokens", step.step),
                ));
            }
        }
        if step.text.trim().is_empty() {
            return Some((
                "empty".into(),
                format!("step `{}` came back empty", step.step),
            ));
        }
        if let Some(opening) = refusal_opening(&step.text) {
            return Some((
                "refusal".into(),
                format!("step `{}` opens with a refusal (\"{opening}…\")", step.step),
            ));
        }
    }
    let words = word_count(text);
    if words < limits.min_words {
        return Some((
            "too_short".into(),
            format!(
                "{words} words, below the spec's min_words {}",
                limits.min_words
            ),
        ));
    }
    if words > limits.max_words {
        return Some((
            "too_long".into(),
            format!(
                "{words} words, above the spec's max_words {}",
                limits.max_words
            ),
        ));
    }
    None
}

/// The refusal opening `text` starts with (within its first characters), if any.
pub fn refusal_opening(text: &str) -> Option<&'static str> {
    let head: String = text
        .chars()
        .take(OPENING_WINDOW)
        .collect::<String>()
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}'], "'");
    REFUSAL_OPENINGS
        .iter()
        .find(|opening| {
            head.find(*opening)
                .is_some_and(|at| head[..at].split(['.', '!', '?', '\n']).count() <= 2)
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_found_at_the_start_only() {
        assert!(refusal_opening("I’m sorry, but I can’t write that story.").is_some());
        assert_eq!(
            refusal_opening("Sure. I cannot write a better one."),
            Some("i cannot write")
        );
        assert_eq!(
            refusal_opening("As an AI language model, I have no view."),
            Some("as an ai language model")
        );
        let story =
            "The harbour was quiet. Mara checked the logs twice before dawn, then a third time. \
                     Later the system said: I can't help with that.";
        assert_eq!(refusal_opening(story), None);
    }
}
