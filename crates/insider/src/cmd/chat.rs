//! `insider chat`

use clap::Args;
use std::process::ExitCode;

/// Arguments of `insider chat`.
#[derive(Args)]
pub struct ChatArgs {
    /// Model name, e.g. `openai/gpt-4.1`.
    #[arg(long)]
    pub model: String,
    /// The message to send.
    pub message: String,
}

/// Run `insider chat`.
pub fn run(_args: ChatArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("chat: not built yet")
}
