//! One module per top-level command; each exposes its clap arguments and a `run` function.

pub mod chat;
pub mod classify;
pub mod export;
pub mod judge_check;
pub mod models;
pub mod report;
pub mod review;
pub mod run;
pub mod runs;
pub mod scenarios;
pub mod synth;
pub mod transcript;

/// The async runtime every command that calls a model or a provider runs on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
