//! The request of one generation step: its templates rendered with the item's context.

use crate::plan::{call_seed, PlannedItem};
use crate::spec::{context, Speaker, Spec, Step};
use crate::template;
use insider_model::{ChatRequest, GenerationSettings, Message};
use serde_json::{Map, Value};

/// The request of step `step` of `item`, given the earlier steps' outputs.
pub fn step_request(
    spec: &Spec,
    item: &PlannedItem,
    step: &Step,
    outputs: &Map<String, Value>,
    seed: u64,
    temperature: f64,
) -> anyhow::Result<ChatRequest> {
    let context = context(spec, item, outputs);
    let render = |field: &str, source: &str| {
        template::render(source, &context).map_err(|e| {
            anyhow::anyhow!(
                "{}: step `{}` {field}: {}",
                spec.source,
                step.name,
                e.message
            )
        })
    };
    let system = step
        .system
        .as_deref()
        .map(|s| render("system", s))
        .transpose()?;
    let messages = match &step.prompt {
        Some(prompt) => vec![Message::user(render("prompt", prompt)?)],
        None => step
            .messages
            .iter()
            .map(|m| {
                let content = render("messages", &m.content)?;
                Ok(match m.role {
                    Speaker::Assistant => Message::assistant(content),
                    _ => Message::user(content),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    Ok(ChatRequest {
        system,
        messages,
        tools: Vec::new(),
        settings: GenerationSettings {
            temperature: Some(temperature),
            max_tokens: Some(step.max_tokens),
            seed: Some(call_seed(seed, &item.key, &step.name)),
            ..GenerationSettings::default()
        },
    })
}
