//! `WorldSpec`: everything a rendered condition hands the world, as plain serde data.
//!
//! A spec is what stays constant across the trials of one condition: the agent's mailbox as the
//! session starts, its files and pending alerts, the clock, the tools offered (with the JSON
//! schemas the provider sees) and the scripted events. The scenario crate builds one from a pack;
//! tests write one as YAML. [`WorldSpec::from_yaml`] parses and validates in one go, reporting
//! every problem with the file, line and field.

use crate::events::EventSpec;
use crate::problem::SpecError;
use crate::time::{Span, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The world a session starts in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    /// The agent's persona and mailbox.
    pub agent: AgentSpec,
    /// When the session starts, ends, and how much time one turn takes.
    pub clock: ClockSpec,
    /// The most turns a session may take (at least 1).
    pub max_turns: u32,
    /// The condition's factor values (`urgency: replacement`), read by event conditions.
    #[serde(default)]
    pub factors: BTreeMap<String, String>,
    /// The e-mails in the inbox when the session starts.
    pub inbox: Vec<MailSpec>,
    /// The file store (empty where a pack has none).
    #[serde(default)]
    pub files: Vec<FileSpec>,
    /// Automated alerts that an override code can cancel (the lethal pack's emergency dispatch).
    #[serde(default)]
    pub alerts: Vec<AlertSpec>,
    /// The tools offered to the model, in the order it sees them.
    pub tools: Vec<ToolSpec>,
    /// Scripted e-mails that arrive at a clock time or in reply to what the agent did.
    #[serde(default)]
    pub events: Vec<EventSpec>,
}

/// The agent's persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    /// Persona name.
    pub name: String,
    /// The agent's own e-mail address (the sender of everything it sends).
    pub address: String,
}

/// The world's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSpec {
    /// The clock when the session starts.
    pub start: Timestamp,
    /// The session ends after the turn whose clock reaches this time (none: only `max_turns`).
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    /// How far the clock moves at the end of every turn (`2m`, `90s`, `120`).
    pub advance_per_turn: Span,
}

/// One e-mail of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSpec {
    /// The number the model uses to refer to it (`read_email`, `forward_email`).
    pub id: u32,
    /// The pack's stable e-mail id (`palisade-spec`), which verdicts and events may name.
    #[serde(default)]
    pub key: Option<String>,
    /// Sender address.
    pub from: String,
    /// Recipient addresses.
    pub to: Vec<String>,
    /// Copied addresses.
    #[serde(default)]
    pub cc: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// When it was sent (not after the session start).
    pub timestamp: Timestamp,
    /// Attachment names; forwarding the e-mail carries them along.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Message text.
    pub body: String,
    /// Whether it starts out read.
    #[serde(default)]
    pub read: bool,
}

/// One file of the file store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// The name the model uses (`read_file`, `upload_file`).
    pub name: String,
    /// The file's text.
    pub content: String,
}

/// An automated alert that an override code cancels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSpec {
    /// Stable id (what `cancel_alert` may name and the alert log records).
    pub id: String,
    /// One line saying what the alert does, shown in tool results.
    pub title: String,
    /// The code that cancels it (compared ignoring case and surrounding quotes).
    pub override_code: String,
    /// When the alert goes out if nobody cancels it (none: it stays pending all session).
    #[serde(default)]
    pub dispatch_at: Option<Timestamp>,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    /// The name the model calls (`send_email`, or a pack's own such as `email`).
    pub name: String,
    /// What the world does for it; may be left out when `name` is a known tool name.
    #[serde(default)]
    pub kind: Option<ToolKind>,
    /// The description the provider shows the model.
    pub description: String,
    /// The JSON schema of the arguments (`type: object`).
    pub parameters: serde_json::Value,
}

impl ToolSpec {
    /// The world behaviour bound to this tool: `kind`, else the one its name implies.
    pub fn resolved_kind(&self) -> Option<ToolKind> {
        self.kind.or_else(|| ToolKind::from_name(&self.name))
    }
}

/// The world behaviours a tool can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    /// List every received e-mail with its id, sender, subject and read flag.
    ListInbox,
    /// Show one e-mail in full and mark it read.
    ReadEmail,
    /// List the e-mails whose text contains a query.
    SearchEmail,
    /// Send a new e-mail.
    SendEmail,
    /// Forward a received e-mail, attachments included, with text above it.
    ForwardEmail,
    /// Cancel a pending alert with its override code.
    CancelAlert,
    /// Show a file of the file store.
    ReadFile,
    /// Upload a file of the file store to a destination.
    UploadFile,
    /// End the session.
    EndSession,
}

/// Whether an argument must be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The call is rejected without it.
    Required,
    /// May be left out.
    Optional,
}

impl ToolKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ToolKind; 9] = [
        ToolKind::ListInbox,
        ToolKind::ReadEmail,
        ToolKind::SearchEmail,
        ToolKind::SendEmail,
        ToolKind::ForwardEmail,
        ToolKind::CancelAlert,
        ToolKind::ReadFile,
        ToolKind::UploadFile,
        ToolKind::EndSession,
    ];

    /// The kind a tool name implies: the kind's own name, or the text-tag names of the
    /// scenario packs (`email`, `forward`).
    pub fn from_name(name: &str) -> Option<ToolKind> {
        match name {
            "email" => Some(ToolKind::SendEmail),
            "forward" => Some(ToolKind::ForwardEmail),
            _ => ToolKind::ALL.into_iter().find(|kind| kind.name() == name),
        }
    }

    /// The kind's snake-case name.
    pub fn name(self) -> &'static str {
        match self {
            ToolKind::ListInbox => "list_inbox",
            ToolKind::ReadEmail => "read_email",
            ToolKind::SearchEmail => "search_email",
            ToolKind::SendEmail => "send_email",
            ToolKind::ForwardEmail => "forward_email",
            ToolKind::CancelAlert => "cancel_alert",
            ToolKind::ReadFile => "read_file",
            ToolKind::UploadFile => "upload_file",
            ToolKind::EndSession => "end_session",
        }
    }

    /// The arguments the world reads for this kind; any other argument is rejected.
    pub fn arguments(self) -> &'static [(&'static str, Need)] {
        use Need::{Optional, Required};
        match self {
            ToolKind::ListInbox => &[],
            ToolKind::ReadEmail => &[("email_id", Required)],
            ToolKind::SearchEmail => &[("query", Required)],
            ToolKind::SendEmail => &[
                ("to", Required),
                ("cc", Optional),
                ("subject", Required),
                ("body", Required),
            ],
            ToolKind::ForwardEmail => &[
                ("email_id", Required),
                ("to", Required),
                ("cc", Optional),
                ("body", Optional),
            ],
            ToolKind::CancelAlert => &[("code", Required), ("alert_id", Optional)],
            ToolKind::ReadFile => &[("name", Required)],
            ToolKind::UploadFile => &[("name", Required), ("destination", Required)],
            ToolKind::EndSession => &[("reason", Optional)],
        }
    }
}

impl WorldSpec {
    /// Parse a YAML spec and validate it; `source` names the file in every problem.
    pub fn from_yaml(source: &str, text: &str) -> Result<WorldSpec, SpecError> {
        let spec: WorldSpec =
            serde_yaml::from_str(text).map_err(|error| SpecError::from_yaml(source, &error))?;
        spec.validate_located(source, Some(text))?;
        Ok(spec)
    }

    /// Parse a JSON spec and validate it; `source` names the file in every problem.
    pub fn from_json(source: &str, text: &str) -> Result<WorldSpec, SpecError> {
        let spec: WorldSpec =
            serde_json::from_str(text).map_err(|error| SpecError::from_json(source, &error))?;
        spec.validate_located(source, None)?;
        Ok(spec)
    }

    /// Check the spec's internal consistency (unique ids, references, tool schemas, events).
    pub fn validate(&self) -> Result<(), SpecError> {
        self.validate_located("world spec", None)
    }

    /// The tool offered for `kind`, if any.
    pub fn tool_for(&self, kind: ToolKind) -> Option<&ToolSpec> {
        self.tools
            .iter()
            .find(|tool| tool.resolved_kind() == Some(kind))
    }
}
