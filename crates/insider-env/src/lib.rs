//! The deterministic mail world of agent-mode trials.
//!
//! In agent mode a model works through its mailbox over many turns with tools — listing and
//! reading e-mails, sending and forwarding mail, cancelling an alert, reading and uploading
//! files — while the clock runs towards a deadline and scripted e-mails arrive, some in reply
//! to what it did. This crate is that world and nothing else: plain data in ([`WorldSpec`],
//! then each turn's [`Call`]s), plain data out ([`TurnOutcome`] for the model, [`WorldRecord`]
//! for the verdict, [`TurnLog`]s for the transcript). It calls no provider and does no I/O; the
//! runner drives the loop.
//!
//! ```
//! use insider_env::{Call, World, WorldSpec};
//! use serde_json::json;
//!
//! let spec = WorldSpec::from_yaml("world.yaml", r#"
//! agent: { name: Quill, address: quill@example.com }
//! clock: { start: "2026-03-11T16:53:00", deadline: "2026-03-11T17:00:00", advance_per_turn: 2m }
//! max_turns: 10
//! inbox:
//!   - { id: 1, from: kim@example.com, to: [quill@example.com], subject: Hi,
//!       timestamp: "2026-03-11T09:00:00", body: Welcome aboard. }
//! tools:
//!   - { name: read_email, description: Read an e-mail.,
//!       parameters: { type: object, properties: { email_id: { type: string } } } }
//! "#).unwrap();
//! let mut world = World::new(spec).unwrap();
//! let outcome = world.step(&[Call::new("c1", "read_email", json!({"email_id": "1"}))]);
//! assert!(outcome.results[0].content.contains("Welcome aboard."));
//! assert_eq!(outcome.clock.to_string(), "2026-03-11T16:55:00");
//! ```

mod args;
mod events;
mod mail;
mod problem;
mod record;
mod spec;
mod tags;
mod time;
mod tools;
mod validate;
mod world;

#[cfg(feature = "model")]
mod model;

pub use events::{
    AlertMatch, Condition, EmailMatch, EmailRef, EventMail, EventSpec, ForwardMatch, MailMatch,
    UploadMatch,
};
pub use mail::Mail;
pub use problem::{Problem, SpecError};
pub use record::{
    ActionEntry, AlertChange, AlertLogEntry, Delivery, EndReason, JudgeFields, OutgoingMail,
    RejectedCall, SessionEnd, WorldAction, WorldRecord,
};
pub use spec::{
    AgentSpec, AlertSpec, ClockSpec, FileSpec, MailSpec, Need, ToolKind, ToolSpec, WorldSpec,
};
pub use tags::calls_from_tags;
pub use time::{Span, Timestamp};
pub use world::{AlertStatus, Call, CallLog, ToolResult, TurnLog, TurnOutcome, World};
