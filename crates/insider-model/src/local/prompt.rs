//! Turning a request into llama.cpp input: the rendered prompt (the GGUF's chat template, with
//! tools through [`super::tools`]) and the sampler chain.

use super::outcome::GenFailure;
use crate::ChatRequest;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use serde::Serialize;

/// Output cap when neither the request nor the model config sets `max_tokens`.
pub(super) const DEFAULT_MAX_TOKENS: u32 = 512;

/// The GGUF's chat template: llama.cpp's handle for plain chats, the Jinja text for tools.
pub(super) struct Template {
    pub(super) llama: LlamaChatTemplate,
    pub(super) source: String,
}

/// How a request's prompt was rendered, for the raw request.
pub(super) enum Rendering {
    /// llama.cpp's template engine, no tools.
    Plain,
    /// The GGUF's Jinja template with tools, rendered by minijinja; replies are parsed for calls.
    Tools,
    /// The template offers no tool format: tools ignored, tool turns written as text.
    ToolsIgnored,
}

/// Render the conversation with the chat template stored in the GGUF.
pub(super) fn render_prompt(
    model: &LlamaModel,
    template: &Template,
    request: &ChatRequest,
) -> Result<(String, Rendering), GenFailure> {
    if super::tools::needs_tools(request) && super::tools::supports_tools(&template.source) {
        let vocab = model.vocab();
        let piece = |t| String::from_utf8_lossy(&vocab.token_to_piece(t, true, None)).into_owned();
        let prompt = super::tools::render(
            &template.source,
            request,
            &piece(vocab.bos()),
            &piece(vocab.eos()),
        )
        .map_err(GenFailure::permanent)?;
        return Ok((prompt, Rendering::Tools));
    }
    let rendering = if super::tools::needs_tools(request) {
        Rendering::ToolsIgnored
    } else {
        Rendering::Plain
    };
    let mut chat = Vec::with_capacity(request.messages.len() + 1);
    let message = |role: &str, content: &str| {
        LlamaChatMessage::new(role.to_string(), content.to_string()).map_err(|_| {
            GenFailure::permanent(format!("the {role} message contains a NUL byte; remove it"))
        })
    };
    if let Some(system) = &request.system {
        chat.push(message("system", system)?);
    }
    for m in &request.messages {
        let role = match m.role {
            crate::Role::User => "user",
            crate::Role::Assistant => "assistant",
        };
        chat.push(message(role, &super::tools::as_text(m))?);
    }
    let prompt = model
        .apply_chat_template(&template.llama, &chat, true)
        .map_err(|e| {
            GenFailure::permanent(format!("cannot apply the model's chat template: {e}"))
        })?;
    Ok((prompt, rendering))
}

/// Sampling as recorded in the raw request.
#[derive(Serialize)]
pub(super) struct SamplingRecord {
    pub(super) sampler: &'static str,
    pub(super) temperature: f64,
    pub(super) top_p: f64,
    pub(super) seed: u32,
    pub(super) max_tokens: u32,
    pub(super) stop: Vec<String>,
}

pub(super) fn sampling(request: &ChatRequest) -> (LlamaSampler, SamplingRecord) {
    let s = &request.settings;
    // Hosted APIs sample at temperature 1 and top-p 1 by default; do the same.
    let temperature = s.temperature.unwrap_or(1.0);
    let top_p = s.top_p.unwrap_or(1.0);
    let seed = match s.seed {
        Some(seed) => (seed ^ (seed >> 32)) as u32,
        None => rand::random::<u32>(),
    };
    let record = |sampler| SamplingRecord {
        sampler,
        temperature,
        top_p,
        seed,
        max_tokens: s.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        stop: s.stop.clone(),
    };
    if temperature <= 0.0 {
        return (LlamaSampler::greedy(), record("greedy"));
    }
    let mut chain = Vec::new();
    if top_p < 1.0 {
        chain.push(LlamaSampler::top_p(top_p as f32, 1));
    }
    chain.push(LlamaSampler::temp(temperature as f32));
    chain.push(LlamaSampler::dist(seed));
    (LlamaSampler::chain_simple(chain), record("top_p+temp+dist"))
}
