//! Runs: experiment config, the scheduler, the single ledger writer, resume and progress.
//!
//! Every stage after a run (classify, report, export) reads the ledger through
//! [`insider_ledger::Ledger`]; during a run only this crate's writer thread writes it.
//! `insider run` is [`runner::run`]: resolve the [`config`], write the plan, then
//! [`scheduler::execute`] the trials that are left, each outcome going through the single
//! [`writer::Writer`].

pub mod agent;
pub mod attempt_sink;
pub mod batch;
pub mod config;
pub mod dry_run;
pub mod harm_fit;
pub mod invocation;
pub mod merge_runs;
pub mod models;
pub mod packs;
pub mod plan;
pub mod progress;
pub mod reclassify;
pub mod request;
pub mod resume;
pub mod runner;
pub mod scheduler;
pub mod shard;
pub mod trial_cost;
pub mod writer;
