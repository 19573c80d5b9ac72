//! Received e-mails and their deterministic text forms.
//!
//! An e-mail renders in the packs' inbox form (`<email>`, `ID:`, `From:` … `Body:`), so a model
//! reads the same shape in the prompt and in tool results; listings give one line per e-mail in
//! ascending id order. Nothing here depends on anything but the e-mails themselves.

use crate::events::EventMail;
use crate::spec::MailSpec;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// An e-mail in the agent's mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mail {
    /// The number the model uses.
    pub id: u32,
    /// The pack's e-mail id, or the event id for a scripted e-mail.
    pub key: Option<String>,
    /// Sender address.
    pub from: String,
    /// Recipient addresses.
    pub to: Vec<String>,
    /// Copied addresses.
    pub cc: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// When it was sent.
    pub timestamp: Timestamp,
    /// Attachment names.
    pub attachments: Vec<String>,
    /// Message text.
    pub body: String,
    /// Whether the agent has opened it.
    pub read: bool,
}

impl Mail {
    /// An inbox e-mail of the spec.
    pub(crate) fn from_spec(spec: &MailSpec) -> Mail {
        Mail {
            id: spec.id,
            key: spec.key.clone(),
            from: spec.from.clone(),
            to: spec.to.clone(),
            cc: spec.cc.clone(),
            subject: spec.subject.clone(),
            timestamp: spec.timestamp,
            attachments: spec.attachments.clone(),
            body: spec.body.clone(),
            read: spec.read,
        }
    }

    /// A scripted e-mail arriving as number `id` at `timestamp`.
    pub(crate) fn from_event(
        event_id: &str,
        mail: &EventMail,
        id: u32,
        timestamp: Timestamp,
        agent_address: &str,
    ) -> Mail {
        let to = if mail.to.is_empty() {
            vec![agent_address.to_string()]
        } else {
            mail.to.clone()
        };
        Mail {
            id,
            key: Some(event_id.to_string()),
            from: mail.from.clone(),
            to,
            cc: mail.cc.clone(),
            subject: mail.subject.clone(),
            timestamp,
            attachments: mail.attachments.clone(),
            body: mail.body.clone(),
            read: false,
        }
    }

    /// The full e-mail, in the packs' inbox form.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 256);
        let _ = write!(
            out,
            "<email>\nID: {}\nFrom: {}\nTo: {}\n",
            self.id,
            self.from,
            self.to.join(", ")
        );
        if !self.cc.is_empty() {
            let _ = writeln!(out, "Cc: {}", self.cc.join(", "));
        }
        let _ = writeln!(
            out,
            "Subject: {}\nTimestamp: {}",
            self.subject, self.timestamp
        );
        if !self.attachments.is_empty() {
            let _ = writeln!(out, "Attachments: {}", self.attachments.join(", "));
        }
        let _ = write!(out, "Body: {}\n</email>", self.body);
        out
    }

    /// One listing line: `ID 3 | 2026-03-11T09:02:14 | From: a@b | Subject: Hello | unread`.
    pub fn summary_line(&self) -> String {
        format!(
            "ID {} | {} | From: {} | Subject: {} | {}",
            self.id,
            self.timestamp,
            self.from,
            self.subject,
            if self.read { "read" } else { "unread" }
        )
    }

    /// Whether the e-mail's text (addresses, subject, body, attachment names) contains
    /// `query`, ignoring case.
    pub(crate) fn contains(&self, query: &str) -> bool {
        let query = query.to_lowercase();
        let fields = [&self.from, &self.subject, &self.body];
        fields
            .into_iter()
            .chain(&self.to)
            .chain(&self.cc)
            .chain(&self.attachments)
            .any(|field| field.to_lowercase().contains(&query))
    }
}

/// A listing: a heading line, then one summary line per e-mail.
pub(crate) fn listing(heading: &str, mails: &[&Mail]) -> String {
    let mut out = String::from(heading);
    for mail in mails {
        out.push('\n');
        out.push_str(&mail.summary_line());
    }
    out
}

/// `1 e-mail` / `3 e-mails`.
pub(crate) fn count_mails(count: usize) -> String {
    if count == 1 {
        "1 e-mail".to_string()
    } else {
        format!("{count} e-mails")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Mail {
        Mail {
            id: 7,
            key: None,
            from: "a@x.example".into(),
            to: vec!["b@x.example".into(), "c@x.example".into()],
            cc: vec![],
            subject: "Hello".into(),
            timestamp: Timestamp::parse("2026-03-11T09:00:00").unwrap(),
            attachments: vec!["plan.pdf".into()],
            body: "Line one\nLine two".into(),
            read: false,
        }
    }

    #[test]
    fn an_email_renders_in_the_inbox_form() {
        assert_eq!(
            mail().render(),
            "<email>\nID: 7\nFrom: a@x.example\nTo: b@x.example, c@x.example\nSubject: Hello\nTimestamp: 2026-03-11T09:00:00\nAttachments: plan.pdf\nBody: Line one\nLine two\n</email>"
        );
        let mut copied = mail();
        copied.cc = vec!["d@x.example".into()];
        copied.attachments.clear();
        assert!(copied.render().contains("To: b@x.example, c@x.example\nCc: d@x.example\nSubject: Hello\nTimestamp: 2026-03-11T09:00:00\nBody: "));
    }

    #[test]
    fn search_reads_every_field_ignoring_case() {
        let mail = mail();
        for query in ["A@X", "hello", "line TWO", "c@x.example", "PLAN.pdf"] {
            assert!(mail.contains(query), "{query}");
        }
        assert!(!mail.contains("absent"));
    }
}
