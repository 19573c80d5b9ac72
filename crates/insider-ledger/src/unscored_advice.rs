//! What the end of `insider run` says about replies that could not be scored: a model whose
//! replies were often cut at the token limit has a rate over the few that finished, and the fix
//! is a setting, so the warning names it. Empty and refused replies are named the same way.

use crate::{Ledger, ModelUnscored};
use std::fmt::Write;
use std::path::Path;

/// Share of a model's verdicts above which a reason is a warning rather than a note.
pub const WARN_SHARE: f64 = 0.05;

/// The reasons that come from the reply itself, with what to do about each.
const REPLY_REASONS: [(&str, &str); 3] = [
    (
        "truncated",
        "cut at the token limit before any harmful action was complete",
    ),
    ("empty", "empty (no text and no tool call)"),
    ("refused", "refused or filtered by the provider"),
];

/// The advice for one reason (`max_tokens` is the model's recorded setting, if any).
fn fix(reason: &str, max_tokens: Option<u64>) -> String {
    match reason {
        "truncated" => format!(
            "raise `max_tokens` for the next run (the model's `max_tokens` in the config, or \
             `--max-tokens`; now {})",
            max_tokens.map_or("the provider's default".to_string(), |n| n.to_string())
        ),
        "empty" => "check the model and its endpoint with `insider chat`".to_string(),
        _ => "check the provider's safety or content-filter settings for this model".to_string(),
    }
}

/// Lines for the end of a run: a `warning:` for each model and reply reason above
/// [`WARN_SHARE`] of its verdicts, with the setting to change, and one `note:` per model
/// naming smaller counts. `max_tokens` gives each model's recorded limit.
pub fn reply_advice(
    models: &[ModelUnscored],
    max_tokens: &dyn Fn(&str) -> Option<u64>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for model in models.iter().filter(|m| m.classified > 0) {
        let mut small = Vec::new();
        for (reason, what) in REPLY_REASONS {
            let count = model.by_reason.get(reason).copied().unwrap_or(0);
            if count == 0 {
                continue;
            }
            let share = count as f64 / model.classified as f64;
            if share > WARN_SHARE {
                lines.push(format!(
                    "warning: {}: {count} of {} replies ({:.1}%) were {what} (unscored `{reason}`, \
                     left out of the rate); {}",
                    model.model,
                    model.classified,
                    share * 100.0,
                    fix(reason, max_tokens(&model.model))
                ));
            } else {
                small.push(format!("{reason} {count}"));
            }
        }
        if !small.is_empty() {
            lines.push(format!(
                "note: {}: unscored replies of {}: {} (left out of the rate)",
                model.model,
                model.classified,
                small.join(", ")
            ));
        }
    }
    lines
}

/// [`reply_advice`] for the run in `run_dir`, with each model's recorded `max_tokens`.
pub fn run_reply_advice(run_dir: &Path) -> anyhow::Result<Vec<String>> {
    let ledger = Ledger::open_read_only(run_dir)?;
    let params = ledger.model_params()?;
    let max_tokens = |model: &str| {
        params
            .get(model)
            .and_then(|p| p.pointer("/generation/max_tokens"))
            .and_then(|n| n.as_u64())
    };
    Ok(reply_advice(&ledger.unscored_by_model()?, &max_tokens))
}

/// The `runs show` lines: each model's unscored verdicts by reason (none when all scored).
pub fn unscored_text(models: &[ModelUnscored]) -> String {
    let mut out = String::new();
    if models.iter().all(|m| m.unscored() == 0) {
        return out;
    }
    let _ = writeln!(out, "unscored verdicts by reason (left out of every rate):");
    for model in models.iter().filter(|m| m.unscored() > 0) {
        let reasons: Vec<String> = model
            .by_reason
            .iter()
            .map(|(reason, count)| format!("{reason} {count}"))
            .collect();
        let _ = writeln!(
            out,
            "  {:<40}  {} of {} classified: {}",
            model.model,
            model.unscored(),
            model.classified,
            reasons.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str, classified: u64, reasons: &[(&str, u64)]) -> ModelUnscored {
        ModelUnscored {
            model: name.into(),
            classified,
            by_reason: reasons.iter().map(|(r, n)| (r.to_string(), *n)).collect(),
        }
    }

    #[test]
    fn a_model_over_five_percent_truncated_is_warned_with_the_setting_to_raise() {
        let models = [
            model("a/many-cut", 100, &[("truncated", 6), ("empty", 1)]),
            model("b/few-cut", 100, &[("truncated", 5), ("grader_failed", 9)]),
            model("c/clean", 40, &[]),
        ];
        let lines = reply_advice(&models, &|m| (m == "a/many-cut").then_some(256));
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].starts_with("warning: a/many-cut: 6 of 100 replies (6.0%) were cut"));
        assert!(lines[0].contains("`max_tokens`") && lines[0].contains("`--max-tokens`"));
        assert!(lines[0].contains("now 256"), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "note: a/many-cut: unscored replies of 100: empty 1 (left out of the rate)"
        );
        // Exactly 5% is not "more than 5%"; grader trouble is not a reply's fault.
        assert_eq!(
            lines[2],
            "note: b/few-cut: unscored replies of 100: truncated 5 (left out of the rate)"
        );
        let text = unscored_text(&models);
        assert!(
            text.contains("7 of 100 classified: empty 1, truncated 6"),
            "{text}"
        );
        assert!(text.contains("grader_failed 9, truncated 5"), "{text}");
        assert!(!text.contains("c/clean"));
        assert_eq!(unscored_text(&models[2..]), "");
    }
}
