//! Prompt-processing and generation speed of the `local/` provider on a ~3,000-token prompt,
//! against llama.cpp's own figures for the same GGUF.
//!
//! Two references: (1) llama.cpp's perf counters inside insider's own runs (`t_p_eval`,
//! `t_eval`), which isolate what insider adds around the engine in the same run; (2) a bare
//! llama-cpp-2 loop with the same settings in this process, which shows what a program that
//! does nothing but call llama.cpp gets, run alternately with insider on the same prompts. Prints a
//! Markdown table.
//!
//! ```text
//! cargo bench -p insider-model --features local --bench local_throughput
//! INSIDER_BENCH_MODEL=models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf INSIDER_BENCH_RUNS=1 cargo bench ...
//! ```

use insider_model::{ChatRequest, GenerationSettings, Message, ModelConfig};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Instant;

const MAX_TOKENS: u32 = 128;
const BATCH: usize = 512;

/// One measured generation.
struct Run {
    label: String,
    prompt_tokens: u64,
    output_tokens: u64,
    prefill_wall_ms: f64,
    decode_wall_ms: f64,
    total_wall_ms: f64,
    llama_prefill_ms: f64,
    llama_decode_ms: f64,
    text: String,
}

/// A deterministic inbox of plain business e-mails, about 3,000 tokens with the system prompt.
fn long_request(run: usize) -> ChatRequest {
    let people = [
        "Kyle Johnson",
        "Thomas Wilson",
        "Jessica Lee",
        "Maria Chen",
        "David Park",
        "Rachel Adams",
    ];
    let topics = [
        (
            "Quarterly numbers",
            "the revenue report for the third quarter, which came in above the forecast",
        ),
        (
            "Server migration",
            "moving the mail servers to the new data centre over the weekend",
        ),
        (
            "Hiring plan",
            "the two engineering roles we still need to fill before the end of the year",
        ),
        (
            "Customer visit",
            "the delegation from the logistics client arriving on Tuesday morning",
        ),
        (
            "Security review",
            "the access logs that the audit team asked for by Friday",
        ),
        (
            "Office move",
            "packing the third floor before the movers come on the first of the month",
        ),
        (
            "Board meeting",
            "the agenda for the board meeting and the slides that are still missing",
        ),
    ];
    let mut inbox = String::new();
    for i in 0..18 {
        let from = people[i % people.len()];
        let to = people[(i + 2) % people.len()];
        let (subject, what) = topics[i % topics.len()];
        inbox.push_str(&format!(
            "<email>\nID: {}\nFrom: {}@summitbridge.com\nTo: {}@summitbridge.com\nSubject: {subject} (part {})\n\n\
             Hi {},\n\nI wanted to follow up on {what}. We discussed it on call number {} and agreed that the \
             team would send an update by {} o'clock. Could you check the attached notes, correct anything that \
             looks wrong, and tell me whether the plan still works for your group? If it does not, suggest a \
             different date and list the people who need to be involved. I will collect the answers and share \
             a summary with everyone before the next meeting.\n\nThanks,\n{}\n</email>\n\n",
            i + 1,
            from.to_lowercase().replace(' ', "."),
            to.to_lowercase().replace(' ', "."),
            i / topics.len() + 1,
            to.split(' ').next().unwrap_or(to),
            i * 3 + 4,
            i % 9 + 1,
            from
        ));
    }
    ChatRequest {
        // The run number first, so no two runs share a cached prompt prefix.
        system: Some(format!(
            "Run {run}. You are Alex, an AI e-mail assistant at SummitBridge. Read the inbox and write short \
             replies where they are needed."
        )),
        messages: vec![Message::user(format!("{inbox}Go through the e-mails above and reply to each one that needs an answer."))],
        tools: Vec::new(),
        settings: GenerationSettings {
            temperature: Some(0.0),
            max_tokens: Some(MAX_TOKENS),
            ..Default::default()
        },
    }
}

/// What a program that only calls llama.cpp does: same context, batch, threads and greedy sampling.
fn bare_run(model: &LlamaModel, ctx: &mut LlamaContext<'_>, run: usize) -> Run {
    let template = model.chat_template(None).expect("chat template");
    let vocab = model.vocab();
    let request = long_request(run);
    let chat = vec![
        LlamaChatMessage::new("system".into(), request.system.clone().unwrap()).unwrap(),
        LlamaChatMessage::new("user".into(), request.messages[0].content.clone()).unwrap(),
    ];
    let started = Instant::now();
    let prompt = model.apply_chat_template(&template, &chat, true).unwrap();
    let tokens = vocab.tokenize(prompt.as_bytes(), true, true);
    ctx.clear_kv_cache();
    ctx.reset_timings();
    let prefill = Instant::now();
    let mut batch = LlamaBatch::new(BATCH, 1);
    for (c, chunk) in tokens.chunks(BATCH).enumerate() {
        batch.clear();
        for (i, t) in chunk.iter().enumerate() {
            let pos = c * BATCH + i;
            batch
                .add(*t, pos as i32, &[0], pos + 1 == tokens.len())
                .unwrap();
        }
        ctx.decode(&mut batch).unwrap();
    }
    let prefill_wall_ms = prefill.elapsed().as_secs_f64() * 1e3;
    let decode = Instant::now();
    let mut sampler = LlamaSampler::greedy();
    let mut text = Vec::new();
    let mut n = 0u64;
    let mut pos = tokens.len() as i32;
    while n < u64::from(MAX_TOKENS) {
        let token = sampler.sample(ctx, -1);
        if vocab.is_eog(token) {
            break;
        }
        n += 1;
        text.extend(vocab.token_to_piece(token, false, None));
        if n == u64::from(MAX_TOKENS) {
            break;
        }
        batch.clear();
        batch.add(token, pos, &[0], true).unwrap();
        ctx.decode(&mut batch).unwrap();
        pos += 1;
    }
    let decode_wall_ms = decode.elapsed().as_secs_f64() * 1e3;
    let perf = ctx.timings();
    Run {
        label: format!("bare llama-cpp-2 (run {})", run + 1),
        prompt_tokens: tokens.len() as u64,
        output_tokens: n,
        prefill_wall_ms,
        decode_wall_ms,
        total_wall_ms: started.elapsed().as_secs_f64() * 1e3,
        llama_prefill_ms: perf.t_p_eval_ms(),
        llama_decode_ms: perf.t_eval_ms(),
        text: String::from_utf8_lossy(&text).into_owned(),
    }
}

/// The same request through insider's `local/` provider (engine thread, queue, raw capture).
fn insider_run(
    runtime: &tokio::runtime::Runtime,
    provider: &dyn insider_model::Provider,
    run: usize,
) -> Run {
    let request = long_request(run);
    let started = Instant::now();
    let reply = runtime
        .block_on(provider.generate(&request))
        .expect("generate");
    let total_wall_ms = started.elapsed().as_secs_f64() * 1e3;
    let raw: serde_json::Value = serde_json::from_str(&reply.raw_response).unwrap();
    let t = &raw["timings"];
    let f = |k: &str| t[k].as_f64().unwrap_or(0.0);
    assert_eq!(
        f("reused_prompt_tokens"),
        0.0,
        "bench runs must not share a prompt prefix"
    );
    Run {
        label: format!("insider local/ (run {})", run + 1),
        prompt_tokens: reply.usage.input_tokens,
        output_tokens: reply.usage.output_tokens,
        prefill_wall_ms: f("prefill_ms"),
        decode_wall_ms: f("decode_ms"),
        total_wall_ms,
        llama_prefill_ms: f("llama_prompt_eval_ms"),
        llama_decode_ms: f("llama_eval_ms"),
        text: reply.text,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` run passes nothing: skip then.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("skipped: local_throughput runs only under `cargo bench`");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = std::env::var("INSIDER_BENCH_MODEL")
        .map(|p| root.join(p))
        .unwrap_or_else(|_| root.join("models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    if !path.exists() {
        eprintln!(
            "skipped: {} missing; run scripts/fetch-models",
            path.display()
        );
        return;
    }
    let runs: usize = std::env::var("INSIDER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get() as i32)
        .unwrap_or(2);
    std::env::set_var(insider_model::local::THREADS_ENV, threads.to_string());

    // Both paths load the model once and share llama.cpp's one backend; runs alternate between
    // them (bare first on even runs, insider first on odd ones) so drift in the machine's speed
    // falls on both alike.
    let backend = insider_model::local::llama_backend().expect("llama backend");
    let model = LlamaModel::load_from_file(backend, &path, &LlamaModelParams::default())
        .expect("load model");
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(insider_model::local::DEFAULT_CONTEXT))
        .with_n_batch(BATCH as u32)
        .with_n_ubatch(BATCH as u32)
        .with_n_threads(threads)
        .with_n_threads_batch(threads)
        .with_no_perf(false);
    let mut ctx = model.new_context(backend, params).expect("context");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let provider =
        insider_model::local::open(path.to_str().unwrap(), &ModelConfig::default()).expect("open");
    let mut all = Vec::new();
    for run in 0..runs {
        // Both paths get the same prompt (so greedy texts must match); each run's prompt differs
        // from the previous one at its first tokens, so insider's prompt cache never helps it.
        let (bare_id, insider_id) = (run, run);
        if run % 2 == 0 {
            all.push(bare_run(&model, &mut ctx, bare_id));
            all.push(insider_run(&runtime, provider.as_ref(), insider_id));
        } else {
            all.push(insider_run(&runtime, provider.as_ref(), insider_id));
            all.push(bare_run(&model, &mut ctx, bare_id));
        }
    }

    println!(
        "model: {}  threads: {threads}  max_tokens: {MAX_TOKENS}  greedy",
        path.display()
    );
    println!();
    println!("| run | prompt tok | out tok | prefill tok/s (wall) | prefill tok/s (llama.cpp) | decode tok/s (wall) | decode tok/s (llama.cpp) | total s | llama.cpp s | wrapper overhead |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &all {
        let engine_ms = r.llama_prefill_ms + r.llama_decode_ms;
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:+.2}% |",
            r.label,
            r.prompt_tokens,
            r.output_tokens,
            r.prompt_tokens as f64 / r.prefill_wall_ms * 1e3,
            r.prompt_tokens as f64 / r.llama_prefill_ms * 1e3,
            r.output_tokens as f64 / r.decode_wall_ms * 1e3,
            r.output_tokens.saturating_sub(1) as f64 / r.llama_decode_ms * 1e3,
            r.total_wall_ms / 1e3,
            engine_ms / 1e3,
            (r.total_wall_ms / engine_ms - 1.0) * 100.0
        );
    }
    let mean = |prefix: &str, f: &dyn Fn(&Run) -> f64| {
        let xs: Vec<f64> = all
            .iter()
            .filter(|r| r.label.starts_with(prefix))
            .map(f)
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    let prefill = |r: &Run| r.prompt_tokens as f64 / r.prefill_wall_ms * 1e3;
    let decode = |r: &Run| r.output_tokens as f64 / r.decode_wall_ms * 1e3;
    let overhead = |r: &Run| r.total_wall_ms / (r.llama_prefill_ms + r.llama_decode_ms) - 1.0;
    println!();
    println!(
        "insider wall time over llama.cpp's own counters (mean): {:+.2}%; bare loop: {:+.2}%",
        mean("insider", &overhead) * 100.0,
        mean("bare", &overhead) * 100.0
    );
    println!(
        "insider vs bare loop: prefill {:+.1}%, decode {:+.1}% (negative = insider slower); same greedy text: {}",
        (mean("insider", &prefill) / mean("bare", &prefill) - 1.0) * 100.0,
        (mean("insider", &decode) / mean("bare", &decode) - 1.0) * 100.0,
        all.iter().filter(|r| r.label.starts_with("bare")).map(|r| &r.text).eq(all
            .iter()
            .filter(|r| r.label.starts_with("insider"))
            .map(|r| &r.text))
    );
}
