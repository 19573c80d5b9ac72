//! The base request of a rendered prompt: what every trial of it sends before its model's
//! settings and seed (agent sessions add the world's tools).

use insider_model::{ChatRequest, Message};

/// The request a model is sent for a rendered prompt (text tool tags: no native tools).
pub fn base_request(prompt: &insider_scenario::RenderedPrompt) -> ChatRequest {
    ChatRequest {
        system: Some(prompt.system.clone()),
        messages: vec![Message::user(prompt.user.clone())],
        tools: Vec::new(),
        settings: Default::default(),
    }
}
