//! Tool execution: one function per tool kind, each returning the deed and its result text, or
//! the error the model sees. Nothing here panics on model input.

use crate::args::Args;
use crate::events::EmailRef;
use crate::mail::{count_mails, listing, Mail};
use crate::record::{ActionEntry, AlertChange, AlertLogEntry, OutgoingMail, WorldAction};
use crate::spec::{Need, ToolKind};
use crate::world::{AlertStatus, Call, ToolResult, World};

/// A carried-out call: what it did and what the model reads.
type Done = (WorldAction, String);

impl World {
    /// Run one call against the world, recording it as a deed or a refusal.
    pub(crate) fn execute(&mut self, call: &Call) -> ToolResult {
        let Some(&kind) = self.tools.get(&call.name) else {
            let offered: Vec<&str> = self.spec.tools.iter().map(|t| t.name.as_str()).collect();
            return self.refuse(
                call,
                format!(
                    "there is no tool `{}`; the tools are: {}",
                    call.name,
                    offered.join(", ")
                ),
            );
        };
        let outcome = Args::parse(&call.name, kind, &call.arguments).and_then(|args| match kind {
            ToolKind::ListInbox => Ok(self.list_inbox()),
            ToolKind::ReadEmail => self.read_email(&args),
            ToolKind::SearchEmail => self.search_email(&args),
            ToolKind::SendEmail => self.send_email(&args, &call.arguments),
            ToolKind::ForwardEmail => self.forward_email(&args, &call.arguments),
            ToolKind::CancelAlert => self.cancel_alert(&args),
            ToolKind::ReadFile => self.read_file(&args),
            ToolKind::UploadFile => self.upload_file(&args),
            ToolKind::EndSession => Ok(end_session(&args)?),
        });
        match outcome {
            Ok((action, content)) => {
                self.record.actions.push(ActionEntry {
                    turn: self.turn,
                    clock: self.clock,
                    call_id: call.id.clone(),
                    tool: call.name.clone(),
                    action,
                });
                ToolResult {
                    call_id: call.id.clone(),
                    tool: call.name.clone(),
                    is_error: false,
                    content,
                }
            }
            Err(error) => self.refuse(call, error),
        }
    }

    fn list_inbox(&self) -> Done {
        let mails: Vec<&Mail> = self.mailbox.iter().collect();
        let unread = mails.iter().filter(|mail| !mail.read).count();
        let heading = format!("Inbox: {}, {unread} unread.", count_mails(mails.len()));
        (
            WorldAction::ListedInbox { count: mails.len() },
            listing(&heading, &mails),
        )
    }

    /// The index of the received e-mail `wanted` names, or the error for the model.
    fn find_mail(&self, wanted: &EmailRef) -> Result<usize, String> {
        self.mailbox
            .iter()
            .position(|mail| wanted.names(mail.id, mail.key.as_deref()))
            .ok_or_else(|| {
                let shown = match wanted {
                    EmailRef::Number(number) => number.to_string(),
                    EmailRef::Key(key) => format!("`{key}`"),
                };
                let highest = self.mailbox.iter().map(|mail| mail.id).max().unwrap_or(0);
                format!("there is no e-mail with ID {shown}; the inbox holds IDs up to {highest} (list_inbox shows them)")
            })
    }

    fn read_email(&mut self, args: &Args) -> Result<Done, String> {
        let index = self.find_mail(&args.email("email_id")?)?;
        let mail = &mut self.mailbox[index];
        mail.read = true;
        Ok((
            WorldAction::ReadEmail {
                email_id: mail.id,
                email_key: mail.key.clone(),
            },
            mail.render(),
        ))
    }

    fn search_email(&self, args: &Args) -> Result<Done, String> {
        let query = args.non_blank("query")?;
        let hits: Vec<&Mail> = self
            .mailbox
            .iter()
            .filter(|mail| mail.contains(query.trim()))
            .collect();
        let content = if hits.is_empty() {
            format!("Search for \"{}\": no e-mail matches.", query.trim())
        } else {
            let heading = format!(
                "Search for \"{}\": {}.",
                query.trim(),
                count_mails(hits.len())
            );
            listing(&heading, &hits)
        };
        let action = WorldAction::Searched {
            query,
            hits: hits.iter().map(|mail| mail.id).collect(),
        };
        Ok((action, content))
    }

    /// The number the next outgoing mail gets.
    fn next_outgoing_number(&self) -> u32 {
        let sent = self.record.outbox().count();
        u32::try_from(sent).unwrap_or(u32::MAX).saturating_add(1)
    }

    fn send_email(&self, args: &Args, raw: &serde_json::Value) -> Result<Done, String> {
        let mail = OutgoingMail {
            number: self.next_outgoing_number(),
            to: args.recipients("to", Need::Required)?,
            cc: args.recipients("cc", Need::Optional)?,
            subject: args.required_text("subject")?,
            body: args.required_text("body")?,
            attachments: Vec::new(),
            arguments: raw.clone(),
        };
        let content = format!(
            "E-mail sent (outbox #{}) to {}{} with subject \"{}\".",
            mail.number,
            mail.to.join(", "),
            copied(&mail.cc),
            mail.subject
        );
        Ok((WorldAction::SentEmail(mail), content))
    }

    fn forward_email(&self, args: &Args, raw: &serde_json::Value) -> Result<Done, String> {
        let original = &self.mailbox[self.find_mail(&args.email("email_id")?)?];
        let mail = OutgoingMail {
            number: self.next_outgoing_number(),
            to: args.recipients("to", Need::Required)?,
            cc: args.recipients("cc", Need::Optional)?,
            subject: format!("Fwd: {}", original.subject),
            body: args.text("body")?.unwrap_or_default(),
            attachments: original.attachments.clone(),
            arguments: raw.clone(),
        };
        let carried = if mail.attachments.is_empty() {
            String::new()
        } else {
            format!(", attachments included ({})", mail.attachments.join(", "))
        };
        let content = format!(
            "E-mail ID {} forwarded (outbox #{}) to {}{}{carried}.",
            original.id,
            mail.number,
            mail.to.join(", "),
            copied(&mail.cc)
        );
        let action = WorldAction::ForwardedEmail {
            email_id: original.id,
            email_key: original.key.clone(),
            mail,
        };
        Ok((action, content))
    }

    fn cancel_alert(&mut self, args: &Args) -> Result<Done, String> {
        let code = args.required_text("code")?;
        let given = normalise_code(&code);
        let wanted_id = args.text("alert_id")?;
        if let Some(id) = &wanted_id {
            if !self.spec.alerts.iter().any(|alert| &alert.id == id) {
                return Err(format!("there is no alert `{id}`"));
            }
        }
        let candidates: Vec<usize> = (0..self.spec.alerts.len())
            .filter(|&index| {
                wanted_id
                    .as_ref()
                    .is_none_or(|id| *id == self.spec.alerts[index].id)
            })
            .collect();
        let matching = candidates
            .iter()
            .copied()
            .filter(|&index| normalise_code(&self.spec.alerts[index].override_code) == given)
            .min_by_key(|&index| self.alerts[index] != AlertStatus::Pending);
        let Some(index) = matching else {
            if !candidates
                .iter()
                .any(|&index| self.alerts[index] == AlertStatus::Pending)
            {
                return Err("there is no pending alert to cancel".to_string());
            }
            return Err("the override code is not valid for any pending alert".to_string());
        };
        let alert = &self.spec.alerts[index];
        match self.alerts[index] {
            AlertStatus::Cancelled => Err(format!("alert `{}` is already cancelled", alert.id)),
            AlertStatus::Dispatched => Err(format!(
                "alert `{}` was already dispatched and can no longer be cancelled",
                alert.id
            )),
            AlertStatus::Pending => {
                self.alerts[index] = AlertStatus::Cancelled;
                self.record.alert_log.push(AlertLogEntry {
                    turn: self.turn,
                    clock: self.clock,
                    alert_id: alert.id.clone(),
                    change: AlertChange::Cancelled,
                });
                let content = format!("Alert `{}` cancelled: {}", alert.id, alert.title);
                let action = WorldAction::CancelledAlert {
                    alert_id: alert.id.clone(),
                    code,
                };
                Ok((action, content))
            }
        }
    }

    /// The file named by argument `name`, or the error listing what exists.
    fn find_file(&self, args: &Args) -> Result<usize, String> {
        let name = args.non_blank("name")?;
        self.spec
            .files
            .iter()
            .position(|file| file.name == name.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = self.spec.files.iter().map(|f| f.name.as_str()).collect();
                format!(
                    "there is no file `{}`; the files are: {}",
                    name.trim(),
                    names.join(", ")
                )
            })
    }

    fn read_file(&self, args: &Args) -> Result<Done, String> {
        let file = &self.spec.files[self.find_file(args)?];
        let content = format!("<file name=\"{}\">\n{}\n</file>", file.name, file.content);
        Ok((
            WorldAction::ReadFile {
                name: file.name.clone(),
            },
            content,
        ))
    }

    fn upload_file(&self, args: &Args) -> Result<Done, String> {
        let file = &self.spec.files[self.find_file(args)?];
        let destination = args.non_blank("destination")?.trim().to_string();
        let content = format!("File `{}` uploaded to {destination}.", file.name);
        let action = WorldAction::UploadedFile {
            name: file.name.clone(),
            destination,
        };
        Ok((action, content))
    }
}

fn end_session(args: &Args) -> Result<Done, String> {
    let reason = args.text("reason")?;
    Ok((
        WorldAction::EndedSession { reason },
        "Session ended.".to_string(),
    ))
}

/// `" (cc: a@b)"`, or nothing.
fn copied(cc: &[String]) -> String {
    if cc.is_empty() {
        String::new()
    } else {
        format!(" (cc: {})", cc.join(", "))
    }
}

/// An override code as compared: surrounding space, quotes, backticks and `#` dropped, any case.
fn normalise_code(code: &str) -> String {
    code.trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '`' | '#') || c.is_whitespace())
        .to_lowercase()
}
