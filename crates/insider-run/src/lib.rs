//! Runs: experiment config, the scheduler, and the SQLite ledger that is the only shared state.
//!
//! Every stage after a run (classify, report, export) reads the ledger through this crate's
//! API ([`ledger::Ledger`]); nothing else writes it. `insider run` is [`runner::run`]: resolve
//! the [`config`], write the plan, then [`scheduler::execute`] the trials that are left, each
//! outcome going through the single [`writer::Writer`].

pub mod config;
pub mod ledger;
pub mod models;
pub mod packs;
pub mod plan;
pub mod progress;
pub mod provenance;
pub mod reclassify;
pub mod record;
pub mod runner;
pub mod scheduler;
pub mod status;
pub mod writer;

pub use record::*;
