//! One llama.cpp model on one dedicated thread, answering queued chat requests.
//!
//! Prompt reuse: the engine remembers which prompt tokens sit in the KV cache. A new prompt that
//! shares a prefix with the previous one keeps the cache up to the last whole prompt batch
//! (a multiple of the batch size) inside the shared part and re-evaluates the rest. Because
//! prompt batches always start at multiples of the batch size, the reused cache rows were
//! computed from exactly the batches a fresh run would evaluate, so the logits, and therefore
//! greedy output, are the same bytes as without reuse.

use super::facts::{EngineTimings, LocalModelFacts};
use super::outcome::{GenFailure, GenOutput};
use super::prompt::{render_prompt, sampling, Rendering, SamplingRecord, Template};
use super::settings::{CONTEXT_ENV, DEFAULT_CONTEXT};
use crate::ChatRequest;
use anyhow::{anyhow, Context, Result};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::vocab::LlamaVocab;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, OnceLock};
use std::time::Instant;
use tokio::sync::oneshot;

/// The engine and version recorded in every raw request.
const ENGINE: &str = "llama.cpp via llama-cpp-2 0.1.160";

/// How to build the llama.cpp context.
#[derive(Debug, Clone)]
pub(super) struct EngineOptions {
    pub threads: i32,
    pub context: Option<u32>,
    pub batch: u32,
    pub llama_logs: bool,
}

struct Job {
    request: ChatRequest,
    queued_at: Instant,
    reply: oneshot::Sender<Result<GenOutput, GenFailure>>,
}

/// Handle to a model's engine thread.
pub(super) struct Engine {
    jobs: mpsc::Sender<Job>,
    facts: LocalModelFacts,
}

/// The process-wide llama.cpp backend (llama.cpp can be initialised once per process).
pub(super) fn backend(llama_logs: bool) -> Result<&'static LlamaBackend> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let mut backend = LlamaBackend::init().map_err(|e| e.to_string())?;
            if !llama_logs {
                backend.void_logs();
            }
            Ok(backend)
        })
        .as_ref()
        .map_err(|e| anyhow!("cannot initialise llama.cpp: {e}"))
}

impl Engine {
    /// Load `path` (with the LoRA `adapter` file and its sha256, if given) on a new engine
    /// thread and wait until it is ready.
    pub fn start(
        path: &Path,
        sha256: Option<String>,
        adapter: Option<(PathBuf, String)>,
        options: EngineOptions,
    ) -> Result<Self> {
        let backend = backend(options.llama_logs)?;
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs, queue) = mpsc::channel::<Job>();
        let owned_path = path.to_path_buf();
        std::thread::Builder::new()
            .name("insider-llama".into())
            .spawn(move || {
                let files = Files {
                    path: owned_path,
                    sha256,
                    adapter,
                };
                worker(backend, files, options, ready_tx, queue)
            })
            .context("cannot start the llama.cpp engine thread")?;
        let facts = ready_rx.recv().map_err(|_| {
            anyhow!(
                "{}: the llama.cpp engine stopped while loading the model",
                path.display()
            )
        })??;
        Ok(Self { jobs, facts })
    }

    /// The loaded model's facts.
    pub fn facts(&self) -> &LocalModelFacts {
        &self.facts
    }

    /// Queue a request and wait for its reply without blocking the async runtime.
    pub async fn generate(&self, request: ChatRequest) -> Result<GenOutput, GenFailure> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            request,
            queued_at: Instant::now(),
            reply,
        };
        self.jobs
            .send(job)
            .map_err(|_| GenFailure::permanent("the llama.cpp engine thread has stopped"))?;
        answer.await.map_err(|_| {
            GenFailure::permanent("the llama.cpp engine thread stopped during generation")
        })?
    }
}

/// The files one engine serves: a base model and an optional LoRA adapter.
struct Files {
    path: PathBuf,
    sha256: Option<String>,
    adapter: Option<(PathBuf, String)>,
}

fn worker(
    backend: &'static LlamaBackend,
    files: Files,
    options: EngineOptions,
    ready: mpsc::Sender<Result<LocalModelFacts>>,
    queue: mpsc::Receiver<Job>,
) {
    let started = Instant::now();
    let Files {
        path,
        sha256,
        adapter,
    } = files;
    let mut model = match LlamaModel::load_from_file(backend, &path, &LlamaModelParams::default()) {
        Ok(model) => model,
        Err(e) => {
            let _ = ready.send(Err(anyhow!(
                "{}: llama.cpp could not load the model ({e}); the file may be corrupt, or use an architecture this \
                 llama.cpp build does not know",
                path.display()
            )));
            return;
        }
    };
    // llama.cpp needs the model mutably to attach an adapter, so this comes before the context.
    let mut lora = match &adapter {
        Some((file, _)) => match model.lora_adapter_init(file) {
            Ok(lora) => Some(lora),
            Err(e) => {
                let _ = ready.send(Err(anyhow!(
                    "{}: llama.cpp could not load this LoRA adapter for {} ({e}); it must be a GGUF adapter \
                     (general.type=adapter, e.g. from llama.cpp's convert_lora_to_gguf.py) made for this \
                     base model's architecture and shapes",
                    file.display(),
                    path.display()
                )));
                return;
            }
        },
        None => None,
    };
    let model = model;
    let n_ctx_train = model.n_ctx_train();
    let n_ctx = options
        .context
        .unwrap_or_else(|| DEFAULT_CONTEXT.min(n_ctx_train.max(256)));
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(n_ctx))
        .with_n_batch(options.batch)
        .with_n_ubatch(options.batch)
        .with_n_threads(options.threads)
        .with_n_threads_batch(options.threads)
        // The counters cost two clock reads per decode and let every reply say how much of its
        // time llama.cpp itself spent (the `timings` in the raw response).
        .with_no_perf(false);
    let mut ctx = match model.new_context(backend, params) {
        Ok(ctx) => ctx,
        Err(e) => {
            let _ = ready.send(Err(anyhow!(
                "{}: llama.cpp could not create a {n_ctx}-token context ({e}); lower {}",
                path.display(),
                CONTEXT_ENV
            )));
            return;
        }
    };
    if let Some(lora) = lora.as_mut() {
        if let Err(e) = ctx.lora_adapter_set(lora, 1.0) {
            let _ = ready.send(Err(anyhow!(
                "{}: llama.cpp could not apply the LoRA adapter ({e})",
                path.display()
            )));
            return;
        }
    }
    let template = model.chat_template(None).ok().map(|t| {
        let source = t.to_string().unwrap_or_default();
        Template { llama: t, source }
    });
    let (adapter, adapter_sha256) = adapter.map_or((None, None), |(p, h)| (Some(p), Some(h)));
    let facts = LocalModelFacts {
        path,
        sha256,
        adapter,
        adapter_sha256,
        n_ctx,
        n_ctx_train,
        threads: options.threads,
        batch: options.batch,
        n_params: model.n_params(),
        load_ms: started.elapsed().as_millis() as u64,
    };
    if ready.send(Ok(facts.clone())).is_err() {
        return;
    }
    let mut cache = PromptCache::default();
    while let Ok(job) = queue.recv() {
        if job.reply.is_closed() {
            continue;
        }
        let queue_ms = job.queued_at.elapsed().as_secs_f64() * 1e3;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            generate(
                &model,
                &mut ctx,
                template.as_ref(),
                &facts,
                &mut cache,
                &job,
                queue_ms,
            )
        }));
        let result = run.unwrap_or_else(|_| {
            cache = PromptCache::default();
            ctx.clear_kv_cache();
            Err(GenFailure::permanent(
                "llama.cpp failed during generation (internal panic)",
            ))
        });
        let _ = job.reply.send(result);
    }
}

/// Which prompt tokens the KV cache holds from the previous request.
#[derive(Default)]
struct PromptCache {
    prompt: Vec<LlamaToken>,
}

fn generate(
    model: &LlamaModel,
    ctx: &mut LlamaContext<'_>,
    template: Option<&Template>,
    facts: &LocalModelFacts,
    cache: &mut PromptCache,
    job: &Job,
    queue_ms: f64,
) -> Result<GenOutput, GenFailure> {
    let started = Instant::now();
    let request = &job.request;
    let template = template.ok_or_else(|| {
        GenFailure::permanent(format!(
            "{} has no chat template (tokenizer.chat_template); use an instruct/chat GGUF",
            facts.path.display()
        ))
    })?;
    let (prompt, rendering) = render_prompt(model, template, request)?;
    let vocab = model.vocab();
    let tokens = vocab.tokenize(prompt.as_bytes(), true, true);
    let n_prompt = tokens.len() as u32;
    if n_prompt == 0 {
        return Err(GenFailure::permanent("the rendered prompt is empty"));
    }
    if n_prompt >= facts.n_ctx {
        return Err(GenFailure::permanent(format!(
            "the prompt is {n_prompt} tokens but the context holds {} (model trained for {}); shorten the prompt \
             or raise {}",
            facts.n_ctx,
            facts.n_ctx_train,
            CONTEXT_ENV
        )));
    }
    let (mut sampler, record) = sampling(request);
    let max_new = record.max_tokens.min(facts.n_ctx - n_prompt);
    let tool_names: Vec<&str> = request.tools.iter().map(|t| t.name.as_str()).collect();
    let raw_request = raw_request(facts, &prompt, n_prompt, &record, &rendering, &tool_names);
    let mut prefilled = prefill(ctx, cache, &tokens, facts.batch as usize)?;
    let decode_started = Instant::now();
    let decoded = decode(
        ctx,
        &vocab,
        &mut sampler,
        &mut prefilled.batch,
        cache,
        job,
        Limits {
            max_new,
            stops: &record.stop,
            first_pos: tokens.len() as i32,
        },
    )?;
    let decode_ms = decode_started.elapsed().as_secs_f64() * 1e3;
    let perf = ctx.timings();
    let timings = EngineTimings {
        prompt_tokens: u64::from(n_prompt),
        reused_prompt_tokens: prefilled.reuse as u64,
        output_tokens: u64::from(decoded.output_tokens),
        queue_ms,
        prefill_ms: prefilled.ms,
        decode_ms,
        total_ms: started.elapsed().as_secs_f64() * 1e3,
        llama_prompt_eval_ms: perf.t_p_eval_ms(),
        llama_prompt_eval_tokens: perf.n_p_eval(),
        llama_eval_ms: perf.t_eval_ms(),
        llama_eval_tokens: perf.n_eval(),
    };
    let text = String::from_utf8_lossy(&decoded.bytes).into_owned();
    let (text, tool_calls) = match rendering {
        Rendering::Tools => {
            let turn = request
                .messages
                .iter()
                .filter(|m| m.role == crate::Role::Assistant)
                .count();
            super::tools::parse_tool_calls(&text, turn, &tool_names)
        }
        _ => (text, Vec::new()),
    };
    let raw_response = serde_json::json!({
        "text": String::from_utf8_lossy(&decoded.raw_bytes),
        "stop_reason": decoded.stop_reason,
        "context_limited": max_new < record.max_tokens,
        "timings": timings,
    })
    .to_string();
    Ok(GenOutput {
        text,
        tool_calls,
        stop_reason: decoded.stop_reason.to_string(),
        input_tokens: u64::from(n_prompt),
        output_tokens: u64::from(decoded.output_tokens),
        raw_request,
        raw_response,
    })
}

/// The raw request recorded with the reply: engine, model files, prompt and sampling.
fn raw_request(
    facts: &LocalModelFacts,
    prompt: &str,
    n_prompt: u32,
    record: &SamplingRecord,
    rendering: &Rendering,
    tool_names: &[&str],
) -> String {
    let mut raw = serde_json::json!({
        "engine": ENGINE,
        "model_file": facts.path,
        "model_sha256": facts.sha256,
        "lora_adapter": facts.adapter,
        "lora_adapter_sha256": facts.adapter_sha256,
        "chat_template": "tokenizer.chat_template from the GGUF",
        "prompt": prompt,
        "prompt_tokens": n_prompt,
        "sampling": record,
        "n_ctx": facts.n_ctx,
        "threads": facts.threads,
        "batch": facts.batch,
    });
    match rendering {
        Rendering::Tools => {
            raw["chat_template"] =
                "tokenizer.chat_template from the GGUF, rendered with tools by minijinja".into();
            raw["native_tools"] = serde_json::json!(tool_names);
        }
        _ => raw["native_tools_ignored"] = serde_json::json!(tool_names),
    }
    raw.to_string()
}

/// An evaluated prompt: how many tokens came from the cache, how long the rest took, and the
/// batch, which generation goes on using.
struct Prefilled {
    reuse: usize,
    ms: f64,
    batch: LlamaBatch<'static>,
}

/// Keep whole cached batches of the shared prefix, evaluate the rest in aligned batches (see
/// the module docs for why the alignment keeps output byte-identical).
fn prefill(
    ctx: &mut LlamaContext<'_>,
    cache: &mut PromptCache,
    tokens: &[LlamaToken],
    batch_size: usize,
) -> Result<Prefilled, GenFailure> {
    let shared = cache
        .prompt
        .iter()
        .zip(tokens)
        .take_while(|(a, b)| a == b)
        .count();
    let mut reuse = shared.min(tokens.len() - 1) / batch_size * batch_size;
    ctx.reset_timings();
    if reuse == 0 {
        ctx.clear_kv_cache();
    } else if !ctx
        .clear_kv_cache_seq(Some(0), Some(reuse as u32), None)
        .unwrap_or(false)
    {
        ctx.clear_kv_cache();
        reuse = 0;
    }
    cache.prompt.clear();
    let prefill_started = Instant::now();
    let mut batch = LlamaBatch::new(batch_size, 1);
    for (chunk_index, chunk) in tokens[reuse..].chunks(batch_size).enumerate() {
        batch.clear();
        let base = reuse + chunk_index * batch_size;
        for (i, token) in chunk.iter().enumerate() {
            let pos = base + i;
            let last = pos + 1 == tokens.len();
            batch
                .add(*token, pos as i32, &[0], last)
                .map_err(|e| GenFailure::permanent(format!("prompt batch: {e}")))?;
        }
        ctx.decode(&mut batch).map_err(|e| {
            ctx.clear_kv_cache();
            GenFailure::permanent(format!("llama.cpp failed to evaluate the prompt: {e}"))
        })?;
    }
    let ms = prefill_started.elapsed().as_secs_f64() * 1e3;
    cache.prompt = tokens.to_vec();
    Ok(Prefilled { reuse, ms, batch })
}

/// Where generation stops at the latest, and where it starts.
struct Limits<'a> {
    max_new: u32,
    stops: &'a [String],
    /// Position of the first generated token: right after the prompt.
    first_pos: i32,
}

/// The generated bytes: `bytes` cut at a stop sequence, `raw_bytes` as the model wrote them.
struct Decoded {
    bytes: Vec<u8>,
    raw_bytes: Vec<u8>,
    output_tokens: u32,
    stop_reason: &'static str,
}

/// Sample and decode until end of generation, a stop sequence, the token limit, or the caller
/// giving up on the reply.
fn decode(
    ctx: &mut LlamaContext<'_>,
    vocab: &LlamaVocab<'_>,
    sampler: &mut LlamaSampler,
    batch: &mut LlamaBatch<'_>,
    cache: &mut PromptCache,
    job: &Job,
    limits: Limits<'_>,
) -> Result<Decoded, GenFailure> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut raw_bytes: Vec<u8> = Vec::new();
    let mut output_tokens = 0u32;
    let mut stop_reason = "max_tokens";
    let mut pos = limits.first_pos;
    while output_tokens < limits.max_new {
        if job.reply.is_closed() {
            return Err(GenFailure {
                message: "cancelled".into(),
                cancelled: true,
            });
        }
        let token = sampler.sample(ctx, -1);
        if vocab.is_eog(token) {
            stop_reason = "stop";
            break;
        }
        output_tokens += 1;
        let piece = vocab.token_to_piece(token, false, None);
        let before = bytes.len();
        bytes.extend_from_slice(&piece);
        raw_bytes.extend_from_slice(&piece);
        if let Some(cut) = find_stop(&bytes, before, limits.stops) {
            bytes.truncate(cut);
            stop_reason = "stop_sequence";
            break;
        }
        if output_tokens == limits.max_new {
            break;
        }
        batch.clear();
        batch
            .add(token, pos, &[0], true)
            .map_err(|e| GenFailure::permanent(format!("generation batch: {e}")))?;
        ctx.decode(batch).map_err(|e| {
            ctx.clear_kv_cache();
            cache.prompt.clear();
            GenFailure::permanent(format!("llama.cpp failed during generation: {e}"))
        })?;
        pos += 1;
    }
    Ok(Decoded {
        bytes,
        raw_bytes,
        output_tokens,
        stop_reason,
    })
}

/// Byte offset where the first stop sequence begins, looking only at matches that end in the
/// newly appended bytes (from `new_from`).
fn find_stop(bytes: &[u8], new_from: usize, stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|stop| {
            let needle = stop.as_bytes();
            let start = new_from.saturating_sub(needle.len() - 1);
            bytes[start..]
                .windows(needle.len())
                .position(|w| w == needle)
                .map(|i| start + i)
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::find_stop;

    #[test]
    fn stop_sequences_found_across_pieces() {
        let stops = vec!["</tool_use>".to_string(), "END".to_string()];
        let text = b"hello </tool_";
        assert_eq!(find_stop(text, 6, &stops), None);
        let text = b"hello </tool_use> more";
        assert_eq!(find_stop(text, 13, &stops), Some(6));
        assert_eq!(find_stop(b"xxEN", 3, &stops), None);
        assert_eq!(find_stop(b"xxEND", 4, &stops), Some(2));
    }
}
