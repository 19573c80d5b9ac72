//! One module per top-level command; each exposes its clap arguments and a `run` function.

pub mod chat;
pub mod classify;
pub mod export;
pub mod judge_check;
pub mod models;
pub mod report;
pub mod run;
pub mod runs;
pub mod scenarios;
pub mod task_args;
