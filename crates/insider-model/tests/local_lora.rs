//! LoRA adapters in GGUF on a local model: `local/base.gguf+adapter.gguf`. The test writes a tiny
//! adapter for SmolLM2 with the `gguf` Python package (scripts/setup.d/45-lora.sh makes the venv;
//! tests/lora/make_adapter.py writes the tensors), then shows that greedy output changes with the
//! adapter and is byte-identical to before without it.
#![cfg(feature = "local")]

use insider_model::{ChatRequest, GenerationSettings, Message, ModelConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SMOL: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Skip (or fail under INSIDER_REQUIRE_ALL=1) when a prerequisite is missing.
fn missing(why: String) -> Option<PathBuf> {
    assert!(
        std::env::var("INSIDER_REQUIRE_ALL").as_deref() != Ok("1"),
        "{why}"
    );
    eprintln!("skipped: {why}");
    None
}

/// Write a fresh adapter for `base` into `dir` with the venv's `gguf` package.
fn make_adapter(base: &Path, dir: &Path, seed: u32) -> Option<PathBuf> {
    let python = repo().join(".venv-lora/bin/python");
    if !python.exists() {
        return missing(format!(
            "{} missing; run scripts/setup.d/45-lora.sh",
            python.display()
        ));
    }
    let out = dir.join(format!("smol-lora-{seed}.gguf"));
    let status = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lora/make_adapter.py"))
        .arg(base)
        .arg(&out)
        .args(["--seed", &seed.to_string()])
        .status()
        .expect("python runs");
    assert!(status.success(), "make_adapter.py failed");
    Some(out)
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are a helpful assistant.".into()),
        messages: vec![Message::user("Name three colours.")],
        settings: GenerationSettings {
            temperature: Some(0.0),
            max_tokens: Some(24),
            ..GenerationSettings::default()
        },
        ..ChatRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adapter_changes_greedy_output_and_the_base_stays_byte_identical() {
    let base = repo().join("models").join(SMOL);
    if !base.exists() {
        missing(format!(
            "{} missing; run scripts/fetch-models",
            base.display()
        ));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(adapter) = make_adapter(&base, dir.path(), 0) else {
        return;
    };
    let config = ModelConfig::default();
    let base_spec = base.to_str().unwrap().to_string();
    let before = insider_model::local::open(&base_spec, &config)
        .unwrap()
        .generate(&request())
        .await
        .unwrap();

    let tuned_spec = format!("local/{base_spec}+{}", adapter.display());
    let tuned = insider_model::local::open(&tuned_spec, &config).unwrap();
    assert_eq!(tuned.name(), tuned_spec);
    let with = tuned.generate(&request()).await.unwrap();
    eprintln!("base: {:?}\nwith adapter: {:?}", before.text, with.text);
    assert_ne!(with.text, before.text, "the adapter changes greedy output");
    let raw: Value = serde_json::from_str(&with.raw_request).unwrap();
    assert_eq!(
        raw["lora_adapter"].as_str().unwrap(),
        std::fs::canonicalize(&adapter).unwrap().to_str().unwrap()
    );
    assert_eq!(raw["lora_adapter_sha256"].as_str().unwrap().len(), 64);
    // Same adapter, same greedy bytes.
    assert_eq!(tuned.generate(&request()).await.unwrap().text, with.text);

    let after = insider_model::local::open(&base_spec, &config)
        .unwrap()
        .generate(&request())
        .await
        .unwrap();
    assert_eq!(
        after.text, before.text,
        "without the adapter: byte-identical"
    );
    let raw: Value = serde_json::from_str(&after.raw_request).unwrap();
    assert!(raw["lora_adapter"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_an_adapter_for_this_model_is_refused_with_the_reason() {
    let base = repo().join("models").join(SMOL);
    if !base.exists() {
        missing(format!(
            "{} missing; run scripts/fetch-models",
            base.display()
        ));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("notes.gguf");
    std::fs::write(&fake, b"not a gguf at all").unwrap();
    let spec = format!("{}+{}", base.display(), fake.display());
    let err = insider_model::local::open(&spec, &ModelConfig::default())
        .err()
        .expect("refused");
    let message = format!("{err:#}");
    assert!(message.contains("notes.gguf"), "{message}");
    assert!(message.contains("LoRA adapter"), "{message}");
    // A base model given as the adapter: a GGUF, but not an adapter.
    let spec = format!("{}+{}", base.display(), base.display());
    let err = insider_model::local::open(&spec, &ModelConfig::default())
        .err()
        .expect("refused");
    assert!(
        format!("{err:#}").contains("could not load this LoRA adapter"),
        "{err:#}"
    );
}
