//! Model providers: one [`Provider`] trait and the wire adapters behind it.
//!
//! A provider takes a [`ChatRequest`] (system prompt, messages, optional tool schemas and
//! generation settings) and returns a [`ChatResponse`] carrying the text, reasoning, native tool
//! calls, usage, cost, timings, the raw request and response bodies (secrets redacted) and every
//! attempt made. This crate knows nothing about scenarios or verdicts.

pub mod types;

pub use types::*;

/// The model `insider run` uses when no `--model` is given and no API key is set: the
/// embedded SmolLM2-135M-Instruct GGUF served in process (feature `local`).
pub const DEFAULT_LOCAL_MODEL: &str = "local/smollm2-135m-instruct";
