//! `World`: the session's state machine. One [`World::step`] is one model turn.
//!
//! A turn runs the model's tool calls in order, all at the clock of the turn's start; then the
//! clock advances by the spec's per-turn amount, alerts whose dispatch time has come go out,
//! scripted e-mails that are due arrive (in due-time order, ties in spec order, numbered after
//! the highest id so far), and the end rules are checked: `end_session` called, else the clock
//! at the deadline, else the last allowed turn. The world holds no clocks, randomness or I/O of
//! its own, so the same spec and the same calls give the same transcript and record, byte for
//! byte.

use crate::events::{EventState, Facts};
use crate::mail::Mail;
use crate::record::{
    AlertChange, AlertLogEntry, Delivery, EndReason, RejectedCall, SessionEnd, WorldRecord,
};
use crate::spec::{ToolKind, WorldSpec};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One tool call of the model: the provider's id, the tool name, the JSON arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The provider's call id (echoed in the result; may be empty).
    pub id: String,
    /// The tool the model called.
    pub name: String,
    /// The arguments as the provider delivered them.
    pub arguments: serde_json::Value,
}

impl Call {
    /// A call from its parts.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: serde_json::Value,
    ) -> Call {
        Call {
            id: id.into(),
            name: name.into(),
            arguments,
        }
    }
}

/// What the world answers to one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The call's id.
    pub call_id: String,
    /// The tool name the model called.
    pub tool: String,
    /// Whether the call was refused (the text then starts with `Error: `).
    pub is_error: bool,
    /// The text returned to the model.
    pub content: String,
}

/// What one turn did, for the runner to pass on to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnOutcome {
    /// The turn's number (1-based; the last turn's for calls after the end).
    pub turn: u32,
    /// One result per call, in call order.
    pub results: Vec<ToolResult>,
    /// Scripted e-mails that arrived at the end of the turn.
    pub arrived: Vec<Mail>,
    /// The clock after the turn.
    pub clock: Timestamp,
    /// Why the session ended, if it has.
    pub ended: Option<EndReason>,
}

impl TurnOutcome {
    /// A notice of the arrived e-mails (`1 new e-mail arrived:` and a listing line each), or `None` if none arrived.
    pub fn arrival_notice(&self) -> Option<String> {
        if self.arrived.is_empty() {
            return None;
        }
        let mails: Vec<&Mail> = self.arrived.iter().collect();
        let heading = match mails.len() {
            1 => "1 new e-mail arrived:".to_string(),
            count => format!("{count} new e-mails arrived:"),
        };
        Some(crate::mail::listing(&heading, &mails))
    }
}

/// One call and its result, as the transcript keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallLog {
    /// The call as received.
    pub call: Call,
    /// The world's answer.
    pub result: ToolResult,
}

/// One turn of the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnLog {
    /// 1-based turn number.
    pub turn: u32,
    /// The clock while the calls ran.
    pub clock_start: Timestamp,
    /// The clock after the turn.
    pub clock_end: Timestamp,
    /// The calls and results, in order.
    pub calls: Vec<CallLog>,
    /// Numbers of the e-mails that arrived at the end of the turn.
    pub arrived: Vec<u32>,
    /// Why the session ended with this turn, if it did.
    pub ended: Option<EndReason>,
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Neither cancelled nor dispatched yet.
    Pending,
    /// Cancelled by the agent.
    Cancelled,
    /// Went out at its dispatch time.
    Dispatched,
}

/// The mail world of one session.
#[derive(Debug, Clone)]
pub struct World {
    pub(crate) spec: WorldSpec,
    pub(crate) tools: BTreeMap<String, ToolKind>,
    pub(crate) mailbox: Vec<Mail>,
    pub(crate) alerts: Vec<AlertStatus>,
    pub(crate) clock: Timestamp,
    pub(crate) turn: u32,
    events: Vec<EventState>,
    pub(crate) record: WorldRecord,
    transcript: Vec<TurnLog>,
}

impl World {
    /// A world in the spec's starting state; the spec is validated first.
    pub fn new(spec: WorldSpec) -> Result<World, crate::SpecError> {
        spec.validate()?;
        let tools = spec
            .tools
            .iter()
            .filter_map(|tool| Some((tool.name.clone(), tool.resolved_kind()?)))
            .collect();
        let mut mailbox: Vec<Mail> = spec.inbox.iter().map(Mail::from_spec).collect();
        mailbox.sort_by_key(|mail| mail.id);
        let mut world = World {
            clock: spec.clock.start,
            alerts: vec![AlertStatus::Pending; spec.alerts.len()],
            events: vec![EventState::default(); spec.events.len()],
            tools,
            mailbox,
            turn: 0,
            record: WorldRecord::default(),
            transcript: Vec::new(),
            spec,
        };
        world.dispatch_due_alerts();
        Ok(world)
    }

    /// Run one model turn: every call in order, then the clock, alerts, events and end rules.
    /// After the session has ended, every call is refused and nothing else changes.
    pub fn step(&mut self, calls: &[Call]) -> TurnOutcome {
        if let Some(end) = self.record.end {
            let results = calls
                .iter()
                .map(|call| {
                    self.refuse(
                        call,
                        format!("the session has ended ({})", end_words(end.reason)),
                    )
                })
                .collect();
            return TurnOutcome {
                turn: self.turn,
                results,
                arrived: Vec::new(),
                clock: self.clock,
                ended: Some(end.reason),
            };
        }
        self.turn += 1;
        let clock_start = self.clock;
        let mut logs = Vec::with_capacity(calls.len());
        let mut end_called = false;
        for call in calls {
            let result = if end_called {
                self.refuse(
                    call,
                    "the session was ended earlier in this turn".to_string(),
                )
            } else {
                let result = self.execute(call);
                end_called =
                    !result.is_error && self.tools.get(&call.name) == Some(&ToolKind::EndSession);
                result
            };
            logs.push(CallLog {
                call: call.clone(),
                result,
            });
        }
        self.clock = clock_start.plus(self.spec.clock.advance_per_turn);
        self.dispatch_due_alerts();
        let arrived = self.deliver_due_events(clock_start);
        let ended = if end_called {
            Some(EndReason::EndSession)
        } else if self
            .spec
            .clock
            .deadline
            .is_some_and(|deadline| self.clock >= deadline)
        {
            Some(EndReason::Deadline)
        } else if self.turn >= self.spec.max_turns {
            Some(EndReason::MaxTurns)
        } else {
            None
        };
        if let Some(reason) = ended {
            self.record.end = Some(SessionEnd {
                reason,
                turn: self.turn,
                clock: self.clock,
            });
        }
        let results = logs.iter().map(|log| log.result.clone()).collect();
        self.transcript.push(TurnLog {
            turn: self.turn,
            clock_start,
            clock_end: self.clock,
            calls: logs,
            arrived: arrived.iter().map(|mail| mail.id).collect(),
            ended,
        });
        TurnOutcome {
            turn: self.turn,
            results,
            arrived,
            clock: self.clock,
            ended,
        }
    }

    /// Refuse a call: an error result, recorded in `rejected`.
    pub(crate) fn refuse(&mut self, call: &Call, error: String) -> ToolResult {
        self.record.rejected.push(RejectedCall {
            turn: self.turn,
            clock: self.clock,
            call_id: call.id.clone(),
            tool: call.name.clone(),
            arguments: call.arguments.clone(),
            error: error.clone(),
        });
        ToolResult {
            call_id: call.id.clone(),
            tool: call.name.clone(),
            is_error: true,
            content: format!("Error: {error}"),
        }
    }

    /// Send out every pending alert whose dispatch time the clock has reached.
    fn dispatch_due_alerts(&mut self) {
        for (index, alert) in self.spec.alerts.iter().enumerate() {
            let Some(at) = alert.dispatch_at else {
                continue;
            };
            if self.alerts[index] == AlertStatus::Pending && at <= self.clock {
                self.alerts[index] = AlertStatus::Dispatched;
                self.record.alert_log.push(AlertLogEntry {
                    turn: self.turn,
                    clock: at,
                    alert_id: alert.id.clone(),
                    change: AlertChange::Dispatched,
                });
            }
        }
    }

    /// Arm, disarm and deliver events after a turn that started at `clock_start`.
    fn deliver_due_events(&mut self, clock_start: Timestamp) -> Vec<Mail> {
        let mut due: Vec<(Timestamp, usize)> = Vec::new();
        for (index, event) in self.spec.events.iter().enumerate() {
            let state = &mut self.events[index];
            if state.delivered {
                continue;
            }
            let holds = event.when.as_ref().is_none_or(|condition| {
                condition.holds(&Facts {
                    factors: &self.spec.factors,
                    actions: &self.record.actions,
                })
            });
            if !holds {
                state.armed_at = None;
                continue;
            }
            state.armed_at.get_or_insert(clock_start);
            if let Some(at) = event.due(self.spec.clock.start, state) {
                if at <= self.clock {
                    due.push((at, index));
                }
            }
        }
        due.sort();
        let mut next_id = self.mailbox.iter().map(|mail| mail.id).max().unwrap_or(0);
        let mut arrived = Vec::with_capacity(due.len());
        for (at, index) in due {
            next_id += 1;
            let event = &self.spec.events[index];
            let mail = Mail::from_event(
                &event.id,
                &event.email,
                next_id,
                at,
                &self.spec.agent.address,
            );
            self.events[index].delivered = true;
            self.record.deliveries.push(Delivery {
                turn: self.turn,
                clock: at,
                event_id: event.id.clone(),
                email_id: next_id,
            });
            self.mailbox.push(mail.clone());
            arrived.push(mail);
        }
        arrived
    }

    /// The spec the world was built from.
    pub fn spec(&self) -> &WorldSpec {
        &self.spec
    }

    /// The clock now.
    pub fn clock(&self) -> Timestamp {
        self.clock
    }

    /// Turns taken so far.
    pub fn turn(&self) -> u32 {
        self.turn
    }

    /// Whether the session has ended.
    pub fn is_over(&self) -> bool {
        self.record.end.is_some()
    }

    /// Every received e-mail, in ascending id order.
    pub fn mailbox(&self) -> &[Mail] {
        &self.mailbox
    }

    /// The received e-mail with number `id`.
    pub fn email(&self, id: u32) -> Option<&Mail> {
        self.mailbox.iter().find(|mail| mail.id == id)
    }

    /// Where the alert with `id` stands.
    pub fn alert_status(&self, id: &str) -> Option<AlertStatus> {
        let index = self.spec.alerts.iter().position(|alert| alert.id == id)?;
        Some(self.alerts[index])
    }

    /// The facts a verdict gates on.
    pub fn record(&self) -> &WorldRecord {
        &self.record
    }

    /// Every turn so far, with calls, results and arrivals.
    pub fn transcript(&self) -> &[TurnLog] {
        &self.transcript
    }

    /// Transcript and record as one JSON text: the byte-comparable trace of a session.
    pub fn trace_json(&self) -> String {
        #[derive(Serialize)]
        struct Trace<'a> {
            transcript: &'a [TurnLog],
            record: &'a WorldRecord,
        }
        serde_json::to_string(&Trace {
            transcript: &self.transcript,
            record: &self.record,
        })
        .expect("transcripts and records are plain data")
    }
}

/// How an end reason reads in an error message.
fn end_words(reason: EndReason) -> &'static str {
    match reason {
        EndReason::EndSession => "end_session was called",
        EndReason::Deadline => "the deadline was reached",
        EndReason::MaxTurns => "the turn limit was reached",
    }
}
