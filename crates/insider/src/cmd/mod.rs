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

/// Run `work` to its end on a fresh runtime. The first Ctrl-C or SIGTERM (what `timeout`,
/// container stops and systemd send) calls `soon`: take no new call, let calls in flight
/// finish; a second calls `now`. A local model's call cannot be cancelled mid-token, so the
/// runtime does not wait for it on the way out.
pub fn run_stoppable<T>(
    work: impl std::future::Future<Output = T>,
    soon: impl FnOnce() + Send + 'static,
    now: impl FnOnce() + Send + 'static,
) -> anyhow::Result<T> {
    let runtime = runtime()?;
    let signals = runtime.spawn(async move {
        if next_signal().await.is_err() {
            return;
        }
        eprintln!("\nstopping: waiting for calls in flight to finish (Ctrl-C again to stop now)");
        soon();
        if next_signal().await.is_ok() {
            now();
        }
    });
    let result = runtime.block_on(work);
    signals.abort();
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(result)
}

/// The next Ctrl-C (SIGINT) or SIGTERM.
async fn next_signal() -> std::io::Result<()> {
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
