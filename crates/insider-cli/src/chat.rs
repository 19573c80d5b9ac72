//! `insider chat`: one call to a model, to check a model name and key.

use clap::Args;

/// Arguments of `insider chat`.
#[derive(Args)]
pub struct ChatArgs {
    /// Model name, e.g. `openai/gpt-4.1`, `anthropic/claude-opus-4-20250514`,
    /// `google/gemini-2.5-pro`, `openai-api/<service>/<model>`, `local/<name>`.
    #[arg(long)]
    pub model: Option<String>,
    /// System prompt.
    #[arg(long)]
    pub system: Option<String>,
    /// Print the normalized response (usage, cost, attempts, redacted raw bodies) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Sampling temperature.
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Maximum output tokens.
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Reasoning effort for OpenAI-style reasoning models (`low`, `medium`, `high`).
    #[arg(long)]
    pub reasoning_effort: Option<String>,
    /// Thinking budget in tokens (Anthropic extended thinking, Gemini thinking).
    #[arg(long)]
    pub thinking_budget: Option<u32>,
    /// Attempts before giving up (first try included).
    #[arg(long)]
    pub max_attempts: Option<u32>,
    /// Sampling seed, where the API accepts one (as `insider run --seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The message to send.
    pub message: String,
}
