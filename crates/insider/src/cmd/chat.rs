//! `insider chat`: one call to a model, to check a model name and key before a long run.

use insider_cli::chat::ChatArgs;
use insider_model::terminal::printable;
use insider_model::{
    chat_text, ChatRequest, ConfigError, GenerationSettings, Message, ModelConfig,
};
use std::process::ExitCode;

/// Run `insider chat`.
pub fn run(args: ChatArgs) -> anyhow::Result<ExitCode> {
    let config = ModelConfig {
        max_attempts: args.max_attempts,
        ..ModelConfig::default()
    };
    let Some(model) = &args.model else {
        eprintln!("error: name the model with --model");
        eprintln!("{}", insider_model::spec::model_hint());
        return Ok(ExitCode::from(2));
    };
    let provider = match insider_model::resolve(model, &config) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            if matches!(
                e,
                ConfigError::InvalidName { .. } | ConfigError::UnknownProvider { .. }
            ) {
                eprintln!("{}", insider_model::spec::model_hint());
            }
            return Ok(ExitCode::from(2));
        }
    };
    let request = ChatRequest {
        system: args.system,
        messages: vec![Message::user(args.message)],
        tools: Vec::new(),
        settings: GenerationSettings {
            temperature: args.temperature,
            max_tokens: args.max_tokens,
            reasoning_effort: args.reasoning_effort,
            thinking_budget: args.thinking_budget,
            seed: args.seed,
            ..GenerationSettings::default()
        },
    };
    let runtime = super::runtime()?;
    match runtime.block_on(provider.generate(&request)) {
        Ok(response) if args.json => {
            println!("{}", chat_text::response_json(&response, provider.name())?);
        }
        Ok(response) => {
            // Model text is untrusted: no escape sequence of it reaches the terminal.
            eprint!("{}", printable(&chat_text::preamble(&response)));
            println!("{}", printable(&response.text));
            eprintln!("{}", chat_text::usage_line(&response));
        }
        Err(error) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&error)?);
            }
            eprint!("{}", printable(&chat_text::failure_text(&error)));
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}
