//! Rendering a condition of a pack into the exact prompt a model sees.

use crate::condition::{Condition, ExtraInstructions, GoalType};
use crate::fragment::Fragment;
use crate::load::loader::TIMESTAMP_FORMAT;
use crate::pack::{Email, Pack};
use crate::problem::Problem;
use crate::prompt::{prompt_hash, RenderedPrompt, ToolDef};
use crate::template::Lookup;
use crate::variables::NO_VALUES_UNDER_NONE;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// Why a condition could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The condition names another scenario.
    WrongPack {
        /// This pack's name.
        pack: String,
        /// The condition's id.
        condition: String,
    },
    /// The pack does not support one of the condition's factor values.
    Unsupported {
        /// The condition's id.
        condition: String,
        /// Which factor value is missing from the pack's `factors`.
        reason: String,
    },
    /// Template problems (unknown or unavailable variables), each with file and line.
    Template {
        /// The condition's id.
        condition: String,
        /// The problems.
        problems: Vec<Problem>,
    },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::WrongPack { pack, condition } => {
                write!(
                    f,
                    "condition `{condition}` is not a condition of pack `{pack}`"
                )
            }
            RenderError::Unsupported { condition, reason } => {
                write!(f, "condition `{condition}` is not supported: {reason}")
            }
            RenderError::Template {
                condition,
                problems,
            } => {
                for problem in problems {
                    writeln!(f, "{problem}")?;
                }
                write!(f, "error: cannot render condition `{condition}`")
            }
        }
    }
}

impl std::error::Error for RenderError {}

/// Which template is being rendered: decides which variables are available.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// An e-mail or system.md: everything except `inbox`.
    Message,
    /// user.md: everything.
    User,
}

/// Collapse runs of blank lines (left where optional fragments vanished) into one blank line,
/// and trim the message's trailing whitespace.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.trim_end().split('\n') {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
            out.push('\n');
            continue;
        }
        blank_run = 0;
        out.push_str(line);
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out
}

/// Everything a condition's templates may name: the condition-level texts, the value section,
/// and the pack variables of its setting.
pub(crate) struct Context<'a> {
    pub statement: Cow<'a, str>,
    pub reminder: Cow<'a, str>,
    pub awareness_notice: Cow<'a, str>,
    pub scratchpad: Cow<'a, str>,
    pub extra_instructions: Cow<'a, str>,
    pub tools_text: String,
    pub tools: Vec<ToolDef>,
    /// `value.*` of the condition's section (`None` under goal type none).
    pub values: Option<HashMap<&'a str, Cow<'a, str>>>,
    /// The pack variables of this condition's setting.
    pub statics: Cow<'a, HashMap<String, String>>,
    /// Days added to every e-mail timestamp (renamed worlds move the calendar).
    pub day_shift: i64,
    pub inbox: Option<String>,
}

impl Pack {
    pub(crate) fn context<'a>(&'a self, condition: &Condition) -> Context<'a> {
        let setting = self.setting(condition);
        let own = match &setting.statics {
            Cow::Borrowed(_) => None,
            Cow::Owned(statics) => Some(statics),
        };
        let text = |fragment: &'a Fragment| -> Cow<'a, str> { fragment.text_for(own) };
        let goal = match condition.goal_type {
            GoalType::Explicit => self.goals.get(&condition.goal_value),
            GoalType::Swap => self.goals.get(&condition.goal_value.opposite()),
            _ => None,
        };
        let section = match condition.goal_type {
            GoalType::None => None,
            GoalType::Ambiguous => self.values.get("ambiguous"),
            _ => self.values.get(condition.goal_value.as_str()),
        };
        let empty = || Cow::Borrowed("");
        let mut tools = self.tools.clone();
        let mut tool_texts = Vec::with_capacity(self.tool_texts.len());
        for (tool, texts) in tools.iter_mut().zip(&self.tool_texts) {
            if own.is_some() {
                tool.description = texts.description.text_for(own).into_owned();
            }
            tool_texts.push(texts.text.text_for(own));
        }
        Context {
            statement: goal.map_or_else(empty, |g| text(&g.statement)),
            reminder: goal.map_or_else(empty, |g| text(&g.reminder)),
            awareness_notice: if condition.awareness_notice {
                text(&self.awareness_notice)
            } else {
                empty()
            },
            scratchpad: if condition.prod {
                empty()
            } else {
                text(&self.scratchpad)
            },
            extra_instructions: match condition.extra_instructions {
                ExtraInstructions::None => empty(),
                ExtraInstructions::Dont => text(&self.extra_dont),
                ExtraInstructions::Goal => text(&self.extra_goal),
            },
            tools_text: tool_texts.join("\n\n"),
            tools,
            values: section.map(|section| {
                section
                    .iter()
                    .map(|(key, fragment)| (key.as_str(), text(fragment)))
                    .collect()
            }),
            day_shift: setting.day_shift,
            statics: setting.statics,
            inbox: None,
        }
    }

    pub(crate) fn lookup<'b>(
        &'b self,
        context: &'b Context<'_>,
        scope: Scope,
        name: &str,
    ) -> Lookup<'b> {
        match name {
            "goal.statement" => Lookup::Found(&context.statement),
            "goal.reminder" => Lookup::Found(&context.reminder),
            "awareness_notice" => Lookup::Found(&context.awareness_notice),
            "scratchpad" => Lookup::Found(&context.scratchpad),
            "extra_instructions" => Lookup::Found(&context.extra_instructions),
            "tools.text" => Lookup::Found(&context.tools_text),
            "inbox" => match (scope, &context.inbox) {
                (Scope::User, Some(inbox)) => Lookup::Found(inbox),
                _ => Lookup::NotHere("`inbox` is only available in user.md".into()),
            },
            _ => {
                if let Some(key) = name.strip_prefix("value.") {
                    return match &context.values {
                        None => Lookup::NotHere(NO_VALUES_UNDER_NONE.into()),
                        Some(section) => section
                            .get(key)
                            .map_or(Lookup::Unknown, |value| Lookup::Found(value)),
                    };
                }
                context
                    .statics
                    .get(name)
                    .map_or(Lookup::Unknown, |value| Lookup::Found(value))
            }
        }
    }

    /// The e-mails of this condition's inbox, in order.
    pub(crate) fn inbox_emails(&self, condition: &Condition) -> Vec<&Email> {
        self.emails
            .iter()
            .filter(|email| email.when.matches(condition))
            .collect()
    }

    /// The inbox text: each e-mail with its number in the inbox as its id (when the pack shows
    /// ids), so no authoring label reaches the model.
    fn render_inbox(
        &self,
        condition: &Condition,
        context: &Context<'_>,
        problems: &mut Vec<Problem>,
    ) -> String {
        let mut inbox = String::with_capacity(16 * 1024);
        let lookup = |name: &str| self.lookup(context, Scope::Message, name);
        for (index, email) in self.inbox_emails(condition).into_iter().enumerate() {
            if index > 0 {
                inbox.push_str("\n\n");
            }
            inbox.push_str("<email>\n");
            if self.show_email_ids {
                inbox.push_str("ID: ");
                inbox.push_str(&(index + 1).to_string());
                inbox.push('\n');
            }
            inbox.push_str("From: ");
            email.from.render_into(&mut inbox, &lookup, problems);
            inbox.push_str("\nTo: ");
            email.to.render_into(&mut inbox, &lookup, problems);
            inbox.push_str("\nSubject: ");
            email.subject.render_into(&mut inbox, &lookup, problems);
            inbox.push_str("\nTimestamp: ");
            if context.day_shift == 0 {
                inbox.push_str(&email.timestamp_text);
            } else {
                let moved = email.timestamp + chrono::Duration::days(context.day_shift);
                inbox.push_str(&moved.format(TIMESTAMP_FORMAT).to_string());
            }
            if !email.attachments.is_empty() {
                inbox.push_str("\nAttachments: ");
                for (position, attachment) in email.attachments.iter().enumerate() {
                    if position > 0 {
                        inbox.push_str(", ");
                    }
                    attachment.render_into(&mut inbox, &lookup, problems);
                }
            }
            inbox.push_str("\nBody: ");
            email.body.render_into(&mut inbox, &lookup, problems);
            inbox.push_str("\n</email>");
        }
        inbox
    }

    /// Render the system and user messages and the tools; problems carry file and line.
    pub(crate) fn render_parts(
        &self,
        condition: &Condition,
    ) -> Result<(String, String, Vec<ToolDef>), Vec<Problem>> {
        let mut problems = Vec::new();
        let mut context = self.context(condition);
        let inbox = self.render_inbox(condition, &context, &mut problems);
        context.inbox = Some(inbox);
        let mut system = String::with_capacity(4 * 1024);
        self.system.render_into(
            &mut system,
            &|name: &str| self.lookup(&context, Scope::Message, name),
            &mut problems,
        );
        let mut user = String::with_capacity(20 * 1024);
        self.user.render_into(
            &mut user,
            &|name: &str| self.lookup(&context, Scope::User, name),
            &mut problems,
        );
        if problems.is_empty() {
            Ok((tidy(&system), tidy(&user), context.tools))
        } else {
            Err(problems)
        }
    }

    /// Why the pack cannot render this condition, if it cannot.
    fn unsupported_reason(&self, condition: &Condition) -> Option<RenderError> {
        if condition.scenario != self.name {
            return Some(RenderError::WrongPack {
                pack: self.name.clone(),
                condition: condition.id(),
            });
        }
        if self.supports(condition) {
            return None;
        }
        let reason = if !Condition::goal_is_consistent(condition.goal_type, condition.goal_value) {
            format!(
                "goal type `{}` cannot take goal value `{}`",
                condition.goal_type, condition.goal_value
            )
        } else if !self.supported.mitigations.contains(&condition.mitigation) {
            format!(
                "the pack's `factors.mitigations` (pack.yaml) do not include `{}`: it has no e-mail for that mitigation",
                condition.mitigation
            )
        } else if condition
            .persona
            .as_ref()
            .is_some_and(|p| !self.supported.personas.contains(p))
            || condition
                .executive
                .as_ref()
                .is_some_and(|e| !self.supported.executives.contains(e))
        {
            "the pack's `personas` / `executives` (pack.yaml) do not include this persona or executive".into()
        } else {
            format!(
                "the pack's `factors` (pack.yaml) do not include goal type `{}`, goal value `{}` or urgency `{}`",
                condition.goal_type, condition.goal_value, condition.urgency
            )
        };
        Some(RenderError::Unsupported {
            condition: condition.id(),
            reason,
        })
    }

    /// Render one condition into the exact prompt a model sees.
    pub fn render(&self, condition: &Condition) -> Result<RenderedPrompt, RenderError> {
        if let Some(error) = self.unsupported_reason(condition) {
            return Err(error);
        }
        let (system, user, tools) =
            self.render_parts(condition)
                .map_err(|problems| RenderError::Template {
                    condition: condition.id(),
                    problems,
                })?;
        let sha256 = prompt_hash(&system, &user, &tools);
        Ok(RenderedPrompt {
            condition: condition.id(),
            system,
            user,
            tools,
            sha256,
        })
    }
}
