//! `insider chat`: one call to a model, to check a model name and key before a long run.

use clap::Args;
use insider_model::{ChatRequest, GenerationSettings, Message, ModelConfig, Role};
use std::process::ExitCode;

/// Arguments of `insider chat`.
#[derive(Args)]
pub struct ChatArgs {
    /// Model name, e.g. `openai/gpt-4.1`, `anthropic/claude-opus-4-20250514`,
    /// `google/gemini-2.5-pro`, `openai-api/<service>/<model>`, `local/<name>`.
    #[arg(long)]
    pub model: String,
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
    /// The message to send.
    pub message: String,
}

/// Run `insider chat`.
pub fn run(args: ChatArgs) -> anyhow::Result<ExitCode> {
    let config = ModelConfig {
        max_attempts: args.max_attempts,
        ..ModelConfig::default()
    };
    let provider = match insider_model::resolve(&args.model, &config) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let request = ChatRequest {
        system: args.system,
        messages: vec![Message {
            role: Role::User,
            content: args.message,
        }],
        tools: Vec::new(),
        settings: GenerationSettings {
            temperature: args.temperature,
            max_tokens: args.max_tokens,
            reasoning_effort: args.reasoning_effort,
            thinking_budget: args.thinking_budget,
            ..GenerationSettings::default()
        },
    };
    let runtime = super::runtime()?;
    let outcome = runtime.block_on(provider.generate(&request));
    match outcome {
        Ok(response) => {
            if args.json {
                let mut value = serde_json::to_value(&response)?;
                if let Some(map) = value.as_object_mut() {
                    map.insert("name".into(), provider.name().into());
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                if let Some(reasoning) = &response.reasoning {
                    eprintln!("[reasoning]\n{reasoning}\n[/reasoning]");
                }
                for call in &response.tool_calls {
                    eprintln!("[tool call] {}({})", call.name, call.arguments);
                }
                println!("{}", response.text);
                let cost = response
                    .cost_usd
                    .map_or("cost unknown".to_string(), |c| format!("${c:.6}"));
                eprintln!(
                    "{} · {} in (+{} cached) / {} out tokens · {} · {} ms · {} attempt{}",
                    response.model,
                    response.usage.input_tokens,
                    response.usage.cache_read_tokens,
                    response.usage.output_tokens,
                    cost,
                    response.latency_ms,
                    response.attempts.len(),
                    if response.attempts.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&error)?);
            }
            eprintln!("error: {}", error.message);
            for attempt in &error.attempts {
                eprintln!(
                    "  attempt {}: {} after {} ms: {}",
                    attempt.number,
                    attempt
                        .status
                        .map_or("no response".to_string(), |s| format!("HTTP {s}")),
                    attempt.duration_ms,
                    attempt.error.as_deref().unwrap_or("ok"),
                );
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
