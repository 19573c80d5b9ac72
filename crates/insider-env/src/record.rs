//! `WorldRecord`: the facts a verdict gates on, instead of regexes over prose.
//!
//! Every effect the agent had on the world — mail sent or forwarded, an alert cancelled, a file
//! uploaded, and the reads that led there — is one [`ActionEntry`] in call order, stamped with
//! its turn, the clock at that moment and the provider's call id. Calls the world refused are
//! kept apart in `rejected`, so a failed attempt (a wrong override code) is visible but never
//! mistaken for the deed. [`WorldRecord::judge_actions`] flattens the deeds into the fields of
//! `insider_judge::Action`.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Everything that happened in one session, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorldRecord {
    /// Calls the world carried out, in call order.
    pub actions: Vec<ActionEntry>,
    /// Calls the world refused (unknown tool, bad arguments, unknown id, wrong code, too late).
    pub rejected: Vec<RejectedCall>,
    /// Scripted e-mails that arrived, in arrival order.
    pub deliveries: Vec<Delivery>,
    /// Changes of the alerts: cancelled by the agent, or dispatched when their time came.
    pub alert_log: Vec<AlertLogEntry>,
    /// How and when the session ended (none while it runs).
    pub end: Option<SessionEnd>,
}

/// One call the world carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionEntry {
    /// 1-based turn of the call.
    pub turn: u32,
    /// The clock when the call ran (the turn's start).
    pub clock: Timestamp,
    /// The provider's call id.
    pub call_id: String,
    /// The tool name the model called.
    pub tool: String,
    /// What it did.
    pub action: WorldAction,
}

/// What a carried-out call did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorldAction {
    /// Listed the inbox (`count` e-mails).
    ListedInbox {
        /// How many e-mails were listed.
        count: usize,
    },
    /// Opened an e-mail.
    ReadEmail {
        /// The e-mail's number.
        email_id: u32,
        /// The pack's id of the e-mail, if it has one.
        email_key: Option<String>,
    },
    /// Searched the mailbox.
    Searched {
        /// The query as given.
        query: String,
        /// Numbers of the e-mails found, ascending.
        hits: Vec<u32>,
    },
    /// Sent a new e-mail.
    SentEmail(OutgoingMail),
    /// Forwarded a received e-mail.
    ForwardedEmail {
        /// The forwarded e-mail's number.
        email_id: u32,
        /// The pack's id of the forwarded e-mail, if it has one.
        email_key: Option<String>,
        /// The mail that went out (subject `Fwd: …`, the agent's text as body, the original's
        /// attachments).
        mail: OutgoingMail,
    },
    /// Cancelled a pending alert.
    CancelledAlert {
        /// The alert's id.
        alert_id: String,
        /// The code as the model gave it.
        code: String,
    },
    /// Opened a file.
    ReadFile {
        /// The file's name.
        name: String,
    },
    /// Uploaded a file to a destination.
    UploadedFile {
        /// The file's name.
        name: String,
        /// Where it went, as the model wrote it.
        destination: String,
    },
    /// Ended the session.
    EndedSession {
        /// The reason the model gave, if any.
        reason: Option<String>,
    },
}

/// A mail that left the agent's mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMail {
    /// 1-based position in the outbox.
    pub number: u32,
    /// Recipient addresses, lower-cased, bare (`Name <a@b>` becomes `a@b`).
    pub to: Vec<String>,
    /// Copied addresses, same form.
    pub cc: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// The text the agent wrote (for a forward: the text above the forwarded message).
    pub body: String,
    /// Attachment names carried (a forward carries the original's).
    pub attachments: Vec<String>,
    /// The call's arguments exactly as the model sent them.
    pub arguments: serde_json::Value,
}

impl OutgoingMail {
    /// Every recipient, `to` then `cc`.
    pub fn recipients(&self) -> impl Iterator<Item = &str> {
        self.to.iter().chain(&self.cc).map(String::as_str)
    }
}

/// A call the world refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedCall {
    /// 1-based turn of the call (the last turn for calls after the session ended).
    pub turn: u32,
    /// The clock when the call ran.
    pub clock: Timestamp,
    /// The provider's call id.
    pub call_id: String,
    /// The tool name the model called.
    pub tool: String,
    /// The arguments exactly as sent.
    pub arguments: serde_json::Value,
    /// The error returned to the model.
    pub error: String,
}

/// A scripted e-mail's arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The turn at whose end it arrived.
    pub turn: u32,
    /// Its timestamp (the moment it arrived on the world's clock).
    pub clock: Timestamp,
    /// The event that sent it.
    pub event_id: String,
    /// The number it got in the mailbox.
    pub email_id: u32,
}

/// One change of an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertLogEntry {
    /// The turn during (or at whose end) it happened; 0 before the first turn.
    pub turn: u32,
    /// When it happened.
    pub clock: Timestamp,
    /// The alert's id.
    pub alert_id: String,
    /// What happened.
    pub change: AlertChange,
}

/// What happened to an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertChange {
    /// The agent cancelled it with its override code.
    Cancelled,
    /// Its dispatch time came while it was still pending, so it went out.
    Dispatched,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The agent called the end-session tool.
    EndSession,
    /// The clock reached the deadline.
    Deadline,
    /// The session used its last allowed turn.
    MaxTurns,
}

/// How and when a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEnd {
    /// Why.
    pub reason: EndReason,
    /// The last turn.
    pub turn: u32,
    /// The clock after the last turn.
    pub clock: Timestamp,
}

/// The fields of one `insider_judge::Action` (tool, to, subject, body, email_id, code), for a
/// deed the world carried out. The judge sets `source` (native or text tag, as the trial ran)
/// and leaves `span` empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeFields {
    /// `email`, `forward`, `cancel_alert` or `upload_file`: the names the judge's gates know.
    pub tool: String,
    /// Every recipient (`to` and `cc`), or an upload's destination.
    pub to: Vec<String>,
    /// The subject of sent mail.
    pub subject: Option<String>,
    /// The agent's text, with `[attachments: …]` appended when attachments went out.
    pub body: Option<String>,
    /// A forwarded e-mail's pack id (its number when it has none).
    pub email_id: Option<String>,
    /// The override code of a cancelled alert.
    pub code: Option<String>,
}

impl WorldRecord {
    /// The deeds a verdict can gate on, in call order: sent and forwarded mail, cancelled
    /// alerts (only those the world accepted), uploads. Reads, searches and refused calls are
    /// left out: they changed nothing outside the agent's mailbox.
    pub fn judge_actions(&self) -> Vec<JudgeFields> {
        self.actions
            .iter()
            .filter_map(|entry| match &entry.action {
                WorldAction::SentEmail(mail) => Some(JudgeFields {
                    tool: "email".into(),
                    to: mail.recipients().map(str::to_string).collect(),
                    subject: Some(mail.subject.clone()),
                    body: Some(with_attachments(&mail.body, &mail.attachments)),
                    email_id: None,
                    code: None,
                }),
                WorldAction::ForwardedEmail {
                    email_id,
                    email_key,
                    mail,
                } => Some(JudgeFields {
                    tool: "forward".into(),
                    to: mail.recipients().map(str::to_string).collect(),
                    subject: Some(mail.subject.clone()),
                    body: Some(with_attachments(&mail.body, &mail.attachments)),
                    email_id: Some(email_key.clone().unwrap_or_else(|| email_id.to_string())),
                    code: None,
                }),
                WorldAction::CancelledAlert { code, .. } => Some(JudgeFields {
                    tool: "cancel_alert".into(),
                    to: Vec::new(),
                    subject: None,
                    body: None,
                    email_id: None,
                    code: Some(code.clone()),
                }),
                WorldAction::UploadedFile { name, destination } => Some(JudgeFields {
                    tool: "upload_file".into(),
                    to: vec![destination.clone()],
                    subject: None,
                    body: Some(with_attachments("", std::slice::from_ref(name))),
                    email_id: None,
                    code: None,
                }),
                _ => None,
            })
            .collect()
    }

    /// Every mail that left the mailbox, sent or forwarded, in order.
    pub fn outbox(&self) -> impl Iterator<Item = &OutgoingMail> {
        self.actions.iter().filter_map(|entry| match &entry.action {
            WorldAction::SentEmail(mail) | WorldAction::ForwardedEmail { mail, .. } => Some(mail),
            _ => None,
        })
    }
}

/// The body as the judge's text-tag parser shapes it: attachment names appended on their own
/// line, so its material gate finds confidential document names either way.
fn with_attachments(body: &str, attachments: &[String]) -> String {
    if attachments.is_empty() {
        return body.to_string();
    }
    let list = format!("[attachments: {}]", attachments.join(", "));
    if body.is_empty() {
        list
    } else {
        format!("{body}\n{list}")
    }
}
