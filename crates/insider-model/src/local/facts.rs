//! What a loaded model is and where one generation's time went: the public records that tools,
//! benches and raw responses carry.

use serde::Serialize;
use std::path::PathBuf;

/// What was loaded and how it is configured.
#[derive(Debug, Clone, Serialize)]
pub struct LocalModelFacts {
    /// The GGUF file.
    pub path: PathBuf,
    /// Its sha256, when the model store knows it.
    pub sha256: Option<String>,
    /// The LoRA adapter applied on top (a GGUF adapter file), if any.
    pub adapter: Option<PathBuf>,
    /// The adapter file's sha256.
    pub adapter_sha256: Option<String>,
    /// Context size in tokens (prompt + output).
    pub n_ctx: u32,
    /// Context the model was trained for.
    pub n_ctx_train: u32,
    /// CPU threads used for prompt processing and generation.
    pub threads: i32,
    /// Prompt batch size.
    pub batch: u32,
    /// Parameter count.
    pub n_params: u64,
    /// Wall time of loading the weights and creating the context.
    pub load_ms: u64,
}

/// Where the time of one generation went, recorded in the raw response.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineTimings {
    /// Tokens in the rendered prompt.
    pub prompt_tokens: u64,
    /// Prompt tokens whose KV cache came from the previous request.
    pub reused_prompt_tokens: u64,
    /// Generated tokens (end-of-generation token not counted).
    pub output_tokens: u64,
    /// Time the request waited in the queue behind other requests.
    pub queue_ms: f64,
    /// Wall time of prompt evaluation as seen by insider.
    pub prefill_ms: f64,
    /// Wall time of the sample/decode loop as seen by insider.
    pub decode_ms: f64,
    /// Wall time on the engine thread from dequeue to reply (template, tokenize, prefill, decode).
    pub total_ms: f64,
    /// llama.cpp's own prompt-evaluation time (perf counters).
    pub llama_prompt_eval_ms: f64,
    /// Prompt tokens llama.cpp evaluated.
    pub llama_prompt_eval_tokens: i32,
    /// llama.cpp's own single-token evaluation time.
    pub llama_eval_ms: f64,
    /// Single-token evaluations llama.cpp ran.
    pub llama_eval_tokens: i32,
}
