//! `insider models list|add|pull` through the real binary, with the store in a temp directory.

use std::path::Path;
use std::process::{Command, Output};

fn insider(models_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(args)
        .env("INSIDER_MODELS_DIR", models_dir)
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .output()
        .expect("run insider")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A minimal valid GGUF v3 file with one F32 tensor of 16 values.
fn tiny_gguf() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"GGUF");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes());
    let key = "general.architecture";
    out.extend_from_slice(&(key.len() as u64).to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&5u64.to_le_bytes());
    out.extend_from_slice(b"llama");
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(b"w");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&16u64.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    while out.len() % 32 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&[1u8; 64]);
    out
}

#[test]
fn add_then_list_shows_alias_and_sha256() {
    let store = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let out = insider(store.path(), &["models", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&store.path().display().to_string()),
        "{stdout}"
    );
    assert!(stdout.contains("no registered models"), "{stdout}");

    let gguf = files.path().join("tiny.gguf");
    std::fs::write(&gguf, tiny_gguf()).unwrap();
    let out = insider(
        store.path(),
        &["models", "add", gguf.to_str().unwrap(), "--alias", "tiny"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let registry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.path().join("registry.json")).unwrap())
            .unwrap();
    let entry = &registry["models"][0];
    assert_eq!(entry["alias"], "tiny");
    let sha = entry["sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(text(&out.stdout).contains(sha), "{}", text(&out.stdout));

    let out = insider(store.path(), &["models", "list"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("local/tiny") && stdout.contains(&sha[..12]),
        "{stdout}"
    );
}

#[test]
fn add_rejects_a_non_gguf_file_naming_it() {
    let store = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let bogus = files.path().join("weights.gguf");
    std::fs::write(&bogus, b"<!DOCTYPE html><html>Not found</html>").unwrap();
    let out = insider(store.path(), &["models", "add", bogus.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("weights.gguf") && stderr.contains("not a GGUF model file"),
        "{stderr}"
    );
    assert!(!store.path().join("registry.json").exists());
}

#[test]
fn pull_without_a_reachable_hub_fails_clearly() {
    let store = tempfile::tempdir().unwrap();
    let out = insider(
        store.path(),
        &[
            "models",
            "pull",
            "bartowski/SmolLM2-135M-Instruct-GGUF",
            "x-Q4_K_M.gguf",
        ],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot reach http://127.0.0.1:9/bartowski/SmolLM2-135M-Instruct-GGUF/resolve/main/x-Q4_K_M.gguf"),
        "{stderr}"
    );
    assert!(!store.path().join("x-Q4_K_M.gguf").exists());
}
