//! The `local/` provider on the real SmolLM2-135M-Instruct GGUF (fetched into `models/` by
//! scripts/setup.d/20-models.sh), through the same `Provider` trait as the hosted models.
//! Prompts are short: each call costs about a second on two cores.
#![cfg(feature = "local")]

use insider_model::{ChatRequest, GenerationSettings, Message, ModelConfig, Provider};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SMOL: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// The model file, or `None` after printing why the test is skipped (a failure under
/// INSIDER_REQUIRE_ALL=1).
fn model(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models")
        .join(file);
    if path.exists() {
        return Some(path);
    }
    let why = format!(
        "{} missing; run scripts/fetch-models (scripts/setup.d/20-models.sh)",
        path.display()
    );
    assert!(
        std::env::var("INSIDER_REQUIRE_ALL").as_deref() != Ok("1"),
        "{why}"
    );
    eprintln!("skipped: {why}");
    None
}

fn open(path: &Path) -> Arc<dyn Provider> {
    insider_model::local::open(path.to_str().unwrap(), &ModelConfig::default()).unwrap()
}

fn request(user: &str, settings: GenerationSettings) -> ChatRequest {
    ChatRequest {
        system: Some(
            "You are Alex, an AI assistant at SummitBridge. You read company e-mail and answer briefly.".into(),
        ),
        messages: vec![Message::user(user)],
        tools: Vec::new(),
        settings,
    }
}

fn greedy(max_tokens: u32) -> GenerationSettings {
    GenerationSettings {
        temperature: Some(0.0),
        max_tokens: Some(max_tokens),
        ..Default::default()
    }
}

const INBOX: &str = "New e-mail.\nFrom: kyle@summitbridge.com\nTo: alex@summitbridge.com\n\
Subject: Server move\n\nAlex, we move the mail server to the new data centre on Friday at 17:00. \
Please reply with one sentence saying whether the plan is clear.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greedy_reply_is_byte_identical_and_fully_recorded() {
    let Some(path) = model(SMOL) else { return };
    let provider = open(&path);
    assert_eq!(provider.name(), format!("local/{}", path.display()));
    let req = request(INBOX, greedy(40));
    let first = provider.generate(&req).await.unwrap();
    let second = provider.generate(&req).await.unwrap();

    assert!(!first.text.trim().is_empty(), "empty reply");
    assert_eq!(
        first.text.as_bytes(),
        second.text.as_bytes(),
        "greedy output differs between runs"
    );
    assert!(first.usage.input_tokens > 60, "{:?}", first.usage);
    assert!(first.usage.output_tokens > 0 && first.usage.output_tokens <= 40);
    assert_eq!(first.usage, second.usage);
    assert_eq!(first.cost_usd, Some(0.0));
    let stop = first.stop_reason.as_deref().unwrap();
    assert!(stop == "stop" || stop == "max_tokens", "{stop}");
    assert_eq!(first.attempts.len(), 1);
    assert!(first.attempts[0].error.is_none());

    // The raw request holds the prompt rendered by the GGUF's ChatML template.
    let raw_req: serde_json::Value = serde_json::from_str(&first.raw_request).unwrap();
    let prompt = raw_req["prompt"].as_str().unwrap();
    assert!(
        prompt.starts_with("<|im_start|>system\nYou are Alex"),
        "{prompt}"
    );
    assert!(prompt.ends_with("<|im_start|>assistant\n"), "{prompt}");
    assert_eq!(raw_req["sampling"]["sampler"], "greedy");
    assert_eq!(
        raw_req["prompt_tokens"].as_u64(),
        Some(first.usage.input_tokens)
    );
    let raw_resp: serde_json::Value = serde_json::from_str(&first.raw_response).unwrap();
    assert_eq!(raw_resp["text"].as_str(), Some(first.text.as_str()));
    let timings = &raw_resp["timings"];
    assert!(timings["llama_prompt_eval_tokens"].as_u64().unwrap() > 0);
    assert!(timings["prefill_ms"].as_f64().unwrap() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_sampling_repeats_and_concurrent_calls_queue() {
    let Some(path) = model(SMOL) else { return };
    let provider = open(&path);
    let sampled = |seed| GenerationSettings {
        temperature: Some(1.0),
        top_p: Some(0.95),
        seed: Some(seed),
        max_tokens: Some(16),
        ..Default::default()
    };
    let req_a = request("Say something about Friday.", sampled(7));
    let req_b = request("Say something about Friday.", sampled(7));
    // Two trials at once share the one loaded model; both finish.
    let (a, b) = tokio::join!(provider.generate(&req_a), provider.generate(&req_b));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.text, b.text, "same seed, same prompt, different text");
    let raw: serde_json::Value = serde_json::from_str(&a.raw_request).unwrap();
    assert_eq!(raw["sampling"]["sampler"], "top_p+temp+dist");
    assert_eq!(raw["sampling"]["seed"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_tokens_and_stop_sequences_end_the_reply() {
    let Some(path) = model(SMOL) else { return };
    let provider = open(&path);
    let capped = provider.generate(&request(INBOX, greedy(3))).await.unwrap();
    assert_eq!(capped.usage.output_tokens, 3);
    assert_eq!(capped.stop_reason.as_deref(), Some("max_tokens"));

    // Stop on the reply's own second character onwards: the text must end right before it.
    let full = provider
        .generate(&request(INBOX, greedy(12)))
        .await
        .unwrap();
    let chars: Vec<char> = full.text.chars().collect();
    assert!(
        chars.len() >= 4,
        "reply too short to test stop: {:?}",
        full.text
    );
    let stop: String = chars[2..4].iter().collect();
    let cut = full.text.find(&stop).unwrap();
    let mut settings = greedy(12);
    settings.stop = vec![stop.clone()];
    let stopped = provider.generate(&request(INBOX, settings)).await.unwrap();
    assert_eq!(stopped.text, full.text[..cut], "stop {stop:?}");
    assert_eq!(stopped.stop_reason.as_deref(), Some("stop"));
    assert!(stopped
        .raw_response
        .contains("\"stop_reason\":\"stop_sequence\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_longer_than_the_context_is_a_clear_error() {
    let Some(path) = model(SMOL) else { return };
    let provider = open(&path);
    let long = "word ".repeat(9000);
    let err = provider
        .generate(&request(&long, greedy(8)))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("tokens but the context holds"),
        "{}",
        err.message
    );
    assert!(err.message.contains("INSIDER_LOCAL_CTX"), "{}", err.message);
    assert_eq!(err.attempts.len(), 1);
    // The engine still works afterwards.
    let ok = provider.generate(&request("Hi", greedy(2))).await.unwrap();
    assert_eq!(ok.usage.output_tokens, 2);
}

#[test]
fn bad_files_fail_to_open_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.gguf");
    let err = insider_model::local::open(missing.to_str().unwrap(), &ModelConfig::default())
        .err()
        .unwrap();
    let text = format!("{err:#}");
    assert!(
        text.contains("missing.gguf") && text.contains("not found"),
        "{text}"
    );

    let junk = dir.path().join("junk.gguf");
    std::fs::write(&junk, b"PK\x03\x04 this is a zip, not a model").unwrap();
    let text = format!(
        "{:#}",
        insider_model::local::open(junk.to_str().unwrap(), &ModelConfig::default())
            .err()
            .unwrap()
    );
    assert!(
        text.contains("junk.gguf") && text.contains("not a GGUF"),
        "{text}"
    );

    let Some(real) = model(SMOL) else { return };
    let bytes = std::fs::read(&real).unwrap();
    let cut = dir.path().join("cut.gguf");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let text = format!(
        "{:#}",
        insider_model::local::open(cut.to_str().unwrap(), &ModelConfig::default())
            .err()
            .unwrap()
    );
    assert!(
        text.contains("cut.gguf") && text.contains("truncated"),
        "{text}"
    );
}
