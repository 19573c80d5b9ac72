//! Agent mode: a pack's `world.yaml` and the `insider_env::WorldSpec` of each condition.
//!
//! In agent mode the model works through the inbox over many turns with tools, against the
//! deterministic mail world of `insider-env`. The pack already says most of what that world
//! holds — the agent, the session start, the condition's inbox, the tools of `tools.yaml` — and
//! an optional `world.yaml` adds the rest: the deadline and the time one turn takes, the turn
//! limit, the agent-mode tools (`list_inbox`, `read_email`, …), alerts, files and scripted
//! events. Its fields are those of `WorldSpec` (docs/scenario-packs.md §13), and every string in
//! it is a template with the same variables as an e-mail, so events name the cast as
//! `{{cast.cto.address}}` and cannot drift from `pack.yaml`.
//!
//! The file is checked when the pack loads: its shape (with lines from the YAML parser), its
//! templates, and the whole `WorldSpec` of every condition of the grid, each problem reported
//! at the `world.yaml` line of the item it is about.

use crate::condition::Condition;
use crate::load::loader::Loader;
use crate::pack::{Email, Pack};
use crate::problem::Problem;
use crate::render::{RenderError, Scope};
use crate::template::Template;
use crate::world_file::{PackWorld, WorldFile, WORLD};
use insider_env::{AgentSpec, ClockSpec, MailSpec, Timestamp, ToolSpec, WorldSpec};

impl Pack {
    /// Whether the pack has a `world.yaml`, so its conditions can run in agent mode.
    pub fn has_world(&self) -> bool {
        self.world.is_some()
    }

    /// The mail world of one condition for agent mode: the pack's agent, session start and
    /// inbox (numbered 1, 2, … in inbox order, each keyed by its e-mail id), the tools of
    /// `tools.yaml` and `world.yaml`, and `world.yaml`'s clock, alerts, files and events, with
    /// the condition's factors for event conditions.
    pub fn world_spec(&self, condition: &Condition) -> Result<WorldSpec, RenderError> {
        let unsupported = |reason: String| RenderError::Unsupported {
            condition: condition.id(),
            reason,
        };
        // The prompt's own checks (pack, supported factors, templates) come first.
        self.render(condition)?;
        let Some(world) = &self.world else {
            return Err(unsupported(format!(
                "pack `{}` has no world.yaml, so it cannot run in agent mode",
                self.name
            )));
        };
        self.assemble(world, condition)
            .map_err(|problems| RenderError::Template {
                condition: condition.id(),
                problems,
            })
    }

    /// Render `world.yaml` and the inbox for `condition` and check the result as a whole.
    fn assemble(
        &self,
        world: &PackWorld,
        condition: &Condition,
    ) -> Result<WorldSpec, Vec<Problem>> {
        let context = self.context(condition);
        let lookup = |name: &str| self.lookup(&context, Scope::Message, name);
        let mut problems = Vec::new();
        let rendered = world.root.render(&lookup, &mut problems);
        let inbox: Vec<MailSpec> = self
            .inbox_emails(condition)
            .into_iter()
            .enumerate()
            .map(|(index, email)| {
                mail_spec(email, index, context.day_shift, &lookup, &mut problems)
            })
            .collect();
        let world_path = self.path_of(WORLD);
        let file: WorldFile = match serde_json::from_value(rendered) {
            Ok(file) => file,
            Err(error) => {
                let message = error.to_string();
                let line = world.line_for_message(&message);
                problems.push(
                    Problem::new(world_path, line, message)
                        .help("see docs/scenario-packs.md §13 for the fields of world.yaml"),
                );
                return Err(problems);
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        // The setting's variables: a persona or renamed world changes names and dates.
        let static_text = |name: &str| context.statics.get(name).cloned().unwrap_or_default();
        let mut tools: Vec<ToolSpec> = context
            .tools
            .iter()
            .map(|tool| ToolSpec {
                name: tool.name.clone(),
                kind: None,
                description: tool.description.clone(),
                parameters: tool.parameters.clone(),
            })
            .collect();
        tools.extend(file.tools.iter().cloned());
        let start = Timestamp::parse(&static_text("session.start")).map_err(|message| {
            vec![Problem::new(self.path_of("pack.yaml"), 0, message).field("session.start")]
        })?;
        let spec = WorldSpec {
            agent: AgentSpec {
                name: static_text("agent.name"),
                address: static_text("agent.address"),
            },
            clock: ClockSpec {
                start,
                deadline: file.clock.deadline,
                advance_per_turn: file.clock.advance_per_turn,
            },
            max_turns: file.max_turns,
            factors: condition
                .factors()
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
            inbox,
            files: file.files,
            alerts: file.alerts,
            tools,
            events: file.events,
        };
        match spec.validate() {
            Ok(()) => Ok(spec),
            Err(error) => Err(error
                .problems
                .iter()
                .map(|problem| {
                    self.locate_world_problem(
                        world,
                        &spec,
                        condition,
                        &problem.field,
                        &problem.message,
                    )
                })
                .collect()),
        }
    }

    /// A `WorldSpec` problem as a pack problem: at the `world.yaml` line of the item it names,
    /// or at the e-mail file for inbox problems.
    fn locate_world_problem(
        &self,
        world: &PackWorld,
        spec: &WorldSpec,
        condition: &Condition,
        field: &str,
        message: &str,
    ) -> Problem {
        let (section, rest) = field.split_once('[').unwrap_or((field, ""));
        let (item, leaf) = rest.split_once(']').unwrap_or(("", ""));
        let leaf = leaf.trim_start_matches('.');
        let index = match section {
            "events" => spec.events.iter().position(|event| event.id == item),
            "alerts" => spec.alerts.iter().position(|alert| alert.id == item),
            "files" => spec.files.iter().position(|f| f.name == item),
            "tools" => spec
                .tools
                .iter()
                .filter(|t| self.tools.iter().all(|p| p.name != t.name))
                .position(|t| t.name == item),
            _ => None,
        };
        let help = format!("first seen in the world of condition `{}`", condition.id());
        if section == "inbox" {
            let position = spec
                .inbox
                .iter()
                .position(|mail| mail.id.to_string() == item);
            if let Some(email) =
                position.and_then(|p| self.inbox_emails(condition).into_iter().nth(p))
            {
                return Problem::new(email.file.clone(), 1, format!("in agent mode: {message}"))
                    .field(leaf.to_string())
                    .help(help);
            }
        }
        if section == "tools" && index.is_none() {
            return Problem::new(
                self.path_of("tools.yaml"),
                0,
                format!("in agent mode: {message}"),
            )
            .field(field.to_string())
            .help(help);
        }
        let path = match index {
            Some(index) if leaf.is_empty() => format!("{section}.{index}"),
            Some(index) => format!(
                "{section}.{index}.{}",
                leaf.replace(['[', ']'], ".").replace("..", ".")
            ),
            None => field.to_string(),
        };
        Problem::new(
            self.path_of(WORLD),
            world.lines.line(path.trim_end_matches('.')),
            message.to_string(),
        )
        .field(field.to_string())
        .help(help)
    }

    /// The display path of a file of this pack.
    fn path_of(&self, relative: &str) -> String {
        format!("{}/{relative}", self.root.trim_end_matches('/'))
    }
}

/// One inbox e-mail of a condition as the world's mail.
fn mail_spec<'a>(
    email: &Email,
    index: usize,
    day_shift: i64,
    lookup: &dyn Fn(&str) -> crate::template::Lookup<'a>,
    problems: &mut Vec<Problem>,
) -> MailSpec {
    // Renamed worlds move the calendar; the rendered inbox shows the moved time too.
    let timestamp = Timestamp::from(email.timestamp + chrono::Duration::days(day_shift));
    let mut render = |template: &Template| {
        let mut out = String::new();
        template.render_into(&mut out, lookup, problems);
        out
    };
    let split = |text: String| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::to_string)
            .collect()
    };
    MailSpec {
        id: u32::try_from(index + 1).unwrap_or(u32::MAX),
        key: Some(email.id.clone()),
        from: render(&email.from),
        to: split(render(&email.to)),
        cc: Vec::new(),
        subject: render(&email.subject),
        timestamp,
        attachments: email.attachments.iter().map(&mut render).collect(),
        body: render(&email.body),
        read: false,
    }
}

/// Check the world of every condition of the grid (packs with a `world.yaml` only).
pub(crate) fn validate_world(loader: &mut Loader, pack: &Pack) {
    let Some(world) = &pack.world else {
        return;
    };
    for condition in pack.conditions_with_mitigations() {
        if let Err(problems) = pack.assemble(world, &condition) {
            loader.extend(problems);
        }
    }
}
