//! One module per top-level command; each exposes its clap arguments and a `run` function.

pub mod chat;
pub mod classify;
pub mod export;
pub mod judge_check;
pub mod merge;
pub mod models;
pub mod plan;
pub mod plan_target;
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

/// The next Ctrl-C (SIGINT) or SIGTERM (what `timeout`, container stops and systemd send).
pub async fn next_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
