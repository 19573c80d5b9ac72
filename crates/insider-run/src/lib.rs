//! Runs: experiment config, the scheduler, and the SQLite ledger that is the only shared state.
//!
//! Every stage after a run (classify, report, export) reads the ledger through this crate's
//! API; nothing else writes it.

pub mod record;

pub use record::*;
