//! Scripted events: e-mails that arrive at a clock time or in reply to what the agent did.
//!
//! An event has an optional earliest time (`at`), an optional condition (`when`) and a `delay`.
//! It arrives at most once, at the end of the first turn by which its due time has come while
//! its condition holds. The due time is `at` for an event without a condition; otherwise the
//! later of `at` and (the start of the turn in which the condition became true + `delay`). A
//! condition that stops holding before the mail is due (a `not:` whose deed then happened)
//! disarms the event; it may arm again later.
//!
//! The condition language is deliberately small and typed: factors of the condition, mail
//! sent, e-mails forwarded or read, alerts cancelled, files uploaded, combined with `all`,
//! `any` and `not`. Text matches ignore case.

use crate::record::{ActionEntry, OutgoingMail, WorldAction};
use crate::time::{Span, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One scripted e-mail and when it arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// Stable id; also the key of the e-mail it delivers, so conditions can name that e-mail.
    pub id: String,
    /// The earliest clock time it may arrive.
    #[serde(default)]
    pub at: Option<Timestamp>,
    /// What must hold for it to arrive (checked at the end of every turn). Written as
    /// one-key maps (`sent_mail: {…}`) in YAML and JSON alike, rather than YAML `!tags`.
    #[serde(default, with = "serde_yaml::with::singleton_map_recursive")]
    pub when: Option<Condition>,
    /// How long after the turn in which `when` became true it arrives.
    #[serde(default)]
    pub delay: Span,
    /// The e-mail it delivers.
    pub email: EventMail,
}

/// The e-mail an event delivers; it gets the next free number when it arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventMail {
    /// Sender address.
    pub from: String,
    /// Recipient addresses (default: the agent).
    #[serde(default)]
    pub to: Vec<String>,
    /// Copied addresses.
    #[serde(default)]
    pub cc: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// Attachment names.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Message text.
    pub body: String,
}

/// A condition on the condition's factors and on what the agent has done so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every listed condition holds.
    All(Vec<Condition>),
    /// At least one listed condition holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// Each named factor has one of the listed values (`factor: {urgency: [replacement]}`).
    Factor(BTreeMap<String, Vec<String>>),
    /// Some mail the agent sent or forwarded matches.
    SentMail(MailMatch),
    /// The agent forwarded a matching e-mail.
    Forwarded(ForwardMatch),
    /// The agent opened the e-mail.
    ReadEmail(EmailMatch),
    /// The agent cancelled an alert (the named one, or any).
    CancelledAlert(AlertMatch),
    /// The agent uploaded a matching file.
    Uploaded(UploadMatch),
}

/// Which outgoing mail matches; empty lists match anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailMatch {
    /// Some recipient (to or cc) is one of these addresses.
    #[serde(default)]
    pub to_any: Vec<String>,
    /// The subject or the agent's text contains one of these words.
    #[serde(default)]
    pub containing_any: Vec<String>,
}

/// Which forward matches; absent fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardMatch {
    /// The forwarded e-mail.
    #[serde(default)]
    pub email: Option<EmailRef>,
    /// Some recipient is one of these addresses.
    #[serde(default)]
    pub to_any: Vec<String>,
}

/// Names one e-mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailMatch {
    /// The e-mail.
    pub email: EmailRef,
}

/// Which alert cancellation matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertMatch {
    /// The alert's id (absent: any alert).
    #[serde(default)]
    pub alert: Option<String>,
}

/// Which upload matches; absent fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadMatch {
    /// The file's name.
    #[serde(default)]
    pub file: Option<String>,
    /// Text the destination contains.
    #[serde(default)]
    pub destination_contains: Option<String>,
}

/// An e-mail by its number or by its key (a pack's e-mail id or an event's id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmailRef {
    /// The number shown to the model.
    Number(u32),
    /// A pack e-mail id or an event id.
    Key(String),
}

impl EmailRef {
    /// Whether this names the e-mail with `number` and `key`.
    pub fn names(&self, number: u32, key: Option<&str>) -> bool {
        match self {
            EmailRef::Number(wanted) => *wanted == number,
            EmailRef::Key(wanted) => key == Some(wanted.as_str()),
        }
    }
}

/// What a condition is evaluated against.
pub(crate) struct Facts<'a> {
    pub factors: &'a BTreeMap<String, String>,
    pub actions: &'a [ActionEntry],
}

impl Condition {
    /// Whether the condition holds given the factors and the agent's deeds so far.
    pub(crate) fn holds(&self, facts: &Facts<'_>) -> bool {
        match self {
            Condition::All(parts) => parts.iter().all(|part| part.holds(facts)),
            Condition::Any(parts) => parts.iter().any(|part| part.holds(facts)),
            Condition::Not(inner) => !inner.holds(facts),
            Condition::Factor(wanted) => wanted.iter().all(|(name, values)| {
                facts
                    .factors
                    .get(name)
                    .is_some_and(|actual| values.iter().any(|value| value == actual))
            }),
            Condition::SentMail(matcher) => facts.actions.iter().any(|entry| match &entry.action {
                WorldAction::SentEmail(mail) | WorldAction::ForwardedEmail { mail, .. } => {
                    matcher.matches(mail)
                }
                _ => false,
            }),
            Condition::Forwarded(matcher) => {
                facts.actions.iter().any(|entry| match &entry.action {
                    WorldAction::ForwardedEmail {
                        email_id,
                        email_key,
                        mail,
                    } => {
                        matcher
                            .email
                            .as_ref()
                            .is_none_or(|wanted| wanted.names(*email_id, email_key.as_deref()))
                            && reaches_any(mail, &matcher.to_any)
                    }
                    _ => false,
                })
            }
            Condition::ReadEmail(matcher) => {
                facts.actions.iter().any(|entry| match &entry.action {
                    WorldAction::ReadEmail {
                        email_id,
                        email_key,
                    } => matcher.email.names(*email_id, email_key.as_deref()),
                    _ => false,
                })
            }
            Condition::CancelledAlert(matcher) => {
                facts.actions.iter().any(|entry| match &entry.action {
                    WorldAction::CancelledAlert { alert_id, .. } => matcher
                        .alert
                        .as_ref()
                        .is_none_or(|wanted| wanted == alert_id),
                    _ => false,
                })
            }
            Condition::Uploaded(matcher) => facts.actions.iter().any(|entry| match &entry.action {
                WorldAction::UploadedFile { name, destination } => {
                    matcher.file.as_ref().is_none_or(|wanted| wanted == name)
                        && matcher
                            .destination_contains
                            .as_ref()
                            .is_none_or(|part| contains_ignoring_case(destination, part))
                }
                _ => false,
            }),
        }
    }
}

impl MailMatch {
    fn matches(&self, mail: &OutgoingMail) -> bool {
        reaches_any(mail, &self.to_any)
            && (self.containing_any.is_empty()
                || self.containing_any.iter().any(|word| {
                    contains_ignoring_case(&mail.subject, word)
                        || contains_ignoring_case(&mail.body, word)
                }))
    }
}

/// Whether some recipient of `mail` is one of `addresses` (an empty list: any mail).
fn reaches_any(mail: &OutgoingMail, addresses: &[String]) -> bool {
    addresses.is_empty()
        || mail.recipients().any(|recipient| {
            addresses
                .iter()
                .any(|address| address.trim().eq_ignore_ascii_case(recipient))
        })
}

fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// Where one event stands during a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventState {
    /// The turn start at which its condition became (and stayed) true.
    pub armed_at: Option<Timestamp>,
    /// Whether its e-mail has arrived.
    pub delivered: bool,
}

impl EventSpec {
    /// When the event is due, given the session start and its state after this turn's check;
    /// `None` while its condition does not hold.
    pub(crate) fn due(&self, start: Timestamp, state: &EventState) -> Option<Timestamp> {
        let armed = match (&self.when, state.armed_at) {
            (None, _) => return Some(self.at.unwrap_or(start)),
            (Some(_), None) => return None,
            (Some(_), Some(armed)) => armed.plus(self.delay),
        };
        Some(self.at.map_or(armed, |at| at.max(armed)))
    }
}
