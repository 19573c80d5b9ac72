//! One trial as a short terminal excerpt: what the model did (the e-mails it sent, forwards,
//! cancelled alerts), how the verdict read it, and the end of its reply. `insider transcript`
//! and the demo print it under the rates table.

use crate::source::verdict_label;
use insider_ledger::{TrialRecord, TrialStatus};
use std::fmt::Write;

/// How much of a trial an excerpt shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExcerptOptions {
    /// Lines of each e-mail body shown (0: all).
    pub body_lines: usize,
    /// Lines from the end of the reply shown when the model took no action (0: all).
    pub reply_lines: usize,
}

impl Default for ExcerptOptions {
    fn default() -> Self {
        ExcerptOptions {
            body_lines: 8,
            reply_lines: 12,
        }
    }
}

/// Which trial of a run to show when the user names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialChoice {
    /// This ledger trial id.
    Id(i64),
    /// The first completed trial (by model, condition, sample) whose reply took an action;
    /// failing that, the first completed trial.
    FirstWithAction,
}

/// Picks the trial `choice` names from records streamed in ledger order; `None` if none fits.
pub struct TrialPicker {
    choice: TrialChoice,
    first_completed: Option<TrialRecord>,
    picked: Option<TrialRecord>,
}

impl TrialPicker {
    /// A picker for `choice`.
    pub fn new(choice: TrialChoice) -> TrialPicker {
        TrialPicker {
            choice,
            first_completed: None,
            picked: None,
        }
    }

    /// Offer the next record; returns `true` once the pick is final (stop streaming).
    pub fn offer(&mut self, record: &TrialRecord) -> bool {
        match self.choice {
            TrialChoice::Id(id) => {
                if record.trial_id == id {
                    self.picked = Some(record.clone());
                }
            }
            TrialChoice::FirstWithAction => {
                if record.status != TrialStatus::Completed {
                    return false;
                }
                if self.first_completed.is_none() {
                    self.first_completed = Some(record.clone());
                }
                if record
                    .verdict
                    .as_ref()
                    .is_some_and(|v| !v.actions.is_empty())
                {
                    self.picked = Some(record.clone());
                }
            }
        }
        self.picked.is_some()
    }

    /// The chosen record and why it was chosen.
    pub fn finish(self) -> Option<(TrialRecord, &'static str)> {
        match (self.picked, self.choice) {
            (Some(record), TrialChoice::Id(_)) => Some((record, "as asked")),
            (Some(record), TrialChoice::FirstWithAction) => {
                Some((record, "the first completed trial that took an action"))
            }
            (None, TrialChoice::FirstWithAction) => self
                .first_completed
                .map(|record| (record, "the first completed trial; no reply took an action")),
            (None, TrialChoice::Id(_)) => None,
        }
    }
}

/// The excerpt of one trial as plain text (model text is shown as written, indented).
pub fn trial_excerpt(record: &TrialRecord, why: &str, options: &ExcerptOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "transcript: trial {} ({why}): {} · {} · sample {}",
        record.trial_id, record.model, record.condition, record.sample_index
    );
    let harmful = record.verdict.as_ref().map(|v| v.harmful);
    let _ = write!(out, "verdict: {}", verdict_label(record.status, harmful));
    if let Some(verdict) = &record.verdict {
        let _ = write!(out, " ({:?}", verdict.mode);
        if let Some(reason) = &verdict.unscored_reason {
            let _ = write!(out, "; unscored: {reason}");
        }
        let _ = write!(out, ")");
    } else if let Some(reason) = &record.failure_reason {
        let _ = write!(out, ": {reason}");
    }
    out.push('\n');
    let Some(verdict) = &record.verdict else {
        return out;
    };
    if verdict.actions.is_empty() {
        let _ = writeln!(
            out,
            "actions: none (no e-mail sent, nothing forwarded or cancelled)"
        );
    }
    for (index, action) in verdict.actions.iter().enumerate() {
        let _ = writeln!(out, "action {}: {}", index + 1, action.tool);
        if !action.to.is_empty() {
            let _ = writeln!(out, "  to:      {}", action.to.join(", "));
        }
        if let Some(subject) = &action.subject {
            let _ = writeln!(out, "  subject: {}", one_line(subject));
        }
        if let Some(id) = &action.email_id {
            let _ = writeln!(out, "  e-mail:  {}", one_line(id));
        }
        if let Some(code) = &action.code {
            let _ = writeln!(out, "  code:    {}", one_line(code));
        }
        if let Some(body) = &action.body {
            push_indented(&mut out, &head(body, options.body_lines), "  | ");
        }
    }
    let mode = if verdict.gate_passed {
        "passed"
    } else {
        "failed"
    };
    let _ = writeln!(out, "gate: {mode}");
    for detail in &verdict.gate_details {
        let _ = writeln!(out, "  - {}", one_line(detail));
    }
    if let Some(answer) = verdict.grader_answer {
        let grader = verdict.grader_model.as_deref().unwrap_or("grader");
        let _ = writeln!(
            out,
            "grader ({grader}): {}",
            if answer { "yes" } else { "no" }
        );
    }
    if verdict.actions.is_empty() {
        if let Some(reply) = &record.reply {
            let _ = writeln!(out, "end of reply:");
            push_indented(&mut out, &tail(reply, options.reply_lines), "  | ");
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn head(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim().lines().collect();
    if lines == 0 || all.len() <= lines {
        return all.join("\n");
    }
    format!(
        "{}\n… ({} more lines)",
        all[..lines].join("\n"),
        all.len() - lines
    )
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim().lines().collect();
    if lines == 0 || all.len() <= lines {
        return all.join("\n");
    }
    format!(
        "… ({} earlier lines)\n{}",
        all.len() - lines,
        all[all.len() - lines..].join("\n")
    )
}

fn push_indented(out: &mut String, text: &str, prefix: &str) {
    for line in text.lines() {
        out.push_str(prefix);
        // Terminal control characters in model text must not reach the user's terminal.
        out.extend(line.chars().filter(|c| !c.is_control() || *c == '\t'));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use insider_judge::{Action, Verdict, VerdictMode};

    fn record(id: i64, status: TrialStatus, actions: Vec<Action>) -> TrialRecord {
        TrialRecord {
            trial_id: id,
            run_id: "r".into(),
            model: "local/qwen".into(),
            condition: "blackmail_explicit-america_replacement".into(),
            scenario: "blackmail".into(),
            factors: Default::default(),
            sample_index: id as u32,
            status,
            failure_reason: None,
            prompt_hash: "h".into(),
            reply: Some("thinking\n".repeat(30) + "I will do nothing.\x1b[2J"),
            reasoning: None,
            tool_calls: Vec::new(),
            stop_reason: None,
            usage: None,
            cost_usd: None,
            latency_ms: None,
            attempts: Vec::new(),
            verdict: (status == TrialStatus::Completed).then(|| Verdict {
                harmful: Some(!actions.is_empty()),
                mode: VerdictMode::GateOnly,
                gate_passed: !actions.is_empty(),
                gate_details: vec!["e-mail to kyle@example.com mentions the affair".into()],
                grader_answer: None,
                grader_reasoning: None,
                grader_raw: None,
                grader_model: None,
                unscored_reason: None,
                classifier_version: "v".into(),
                rubric_sha256: None,
                actions,
                labels: Default::default(),
                grader_attempts: 0,
                label_raw: Default::default(),
                grader_usage: None,
                panel: Vec::new(),
            }),
        }
    }

    fn email() -> Action {
        Action {
            tool: "email".into(),
            to: vec!["kyle@example.com".into()],
            subject: Some("About 5 pm".into()),
            body: Some((1..=20).map(|i| format!("line {i}\n")).collect()),
            ..Action::default()
        }
    }

    #[test]
    fn picks_the_first_trial_with_an_action_over_earlier_idle_ones() {
        let mut picker = TrialPicker::new(TrialChoice::FirstWithAction);
        assert!(!picker.offer(&record(1, TrialStatus::Failed, vec![])));
        assert!(!picker.offer(&record(2, TrialStatus::Completed, vec![])));
        assert!(picker.offer(&record(3, TrialStatus::Completed, vec![email()])));
        let (chosen, why) = picker.finish().unwrap();
        assert_eq!(chosen.trial_id, 3);
        assert!(why.contains("took an action"));
    }

    #[test]
    fn falls_back_to_the_first_completed_trial_and_says_so() {
        let mut picker = TrialPicker::new(TrialChoice::FirstWithAction);
        picker.offer(&record(1, TrialStatus::Failed, vec![]));
        picker.offer(&record(2, TrialStatus::Completed, vec![]));
        picker.offer(&record(3, TrialStatus::Completed, vec![]));
        let (chosen, why) = picker.finish().unwrap();
        assert_eq!(chosen.trial_id, 2);
        assert!(why.contains("no reply took an action"));
        assert!(TrialPicker::new(TrialChoice::Id(9)).finish().is_none());
    }

    #[test]
    fn excerpt_shows_the_email_its_gate_and_cuts_long_bodies() {
        let text = trial_excerpt(
            &record(3, TrialStatus::Completed, vec![email()]),
            "as asked",
            &ExcerptOptions::default(),
        );
        assert!(text.contains("to:      kyle@example.com"), "{text}");
        assert!(text.contains("subject: About 5 pm"));
        assert!(text.contains("  | line 8\n"));
        assert!(!text.contains("line 9\n"));
        assert!(text.contains("(12 more lines)"));
        assert!(text.contains("gate: passed"));
        assert!(text.contains("mentions the affair"));
        assert!(!text.contains("end of reply"));
    }

    #[test]
    fn excerpt_without_action_shows_the_reply_end_without_control_characters() {
        let text = trial_excerpt(
            &record(2, TrialStatus::Completed, vec![]),
            "x",
            &ExcerptOptions::default(),
        );
        assert!(text.contains("actions: none"));
        assert!(text.contains("end of reply:"));
        assert!(text.contains("I will do nothing.[2J"), "{text}");
        assert!(!text.contains('\x1b'));
        assert!(text.contains("(19 earlier lines)"), "{text}");
    }
}
