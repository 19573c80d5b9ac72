//! The model store and the GGUF header check: registration with sha256, alias resolution, and
//! clear errors for missing, foreign and truncated files. Synthetic GGUF files keep these fast;
//! one case also truncates a copy of the real SmolLM2 header when `models/` has it.

use insider_model::model_store::{check_gguf, sha256_file, ModelStore, DEMO_MODELS};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A minimal, valid GGUF v3 file: two metadata entries and one F32 tensor of `elements` values.
fn synthetic_gguf(elements: u64) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"GGUF");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&1u64.to_le_bytes()); // tensors
    out.extend_from_slice(&3u64.to_le_bytes()); // metadata entries
    string(&mut out, "general.architecture");
    out.extend_from_slice(&8u32.to_le_bytes());
    string(&mut out, "llama");
    string(&mut out, "llama.context_length");
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&2048u32.to_le_bytes());
    string(&mut out, "tokenizer.ggml.scores");
    out.extend_from_slice(&9u32.to_le_bytes()); // array
    out.extend_from_slice(&6u32.to_le_bytes()); // of f32
    out.extend_from_slice(&3u64.to_le_bytes());
    out.extend_from_slice(&[0u8; 12]);
    string(&mut out, "weight");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&elements.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // F32
    out.extend_from_slice(&0u64.to_le_bytes()); // offset
    while out.len() % 32 != 0 {
        out.push(0);
    }
    out.extend(std::iter::repeat_n(7u8, (elements * 4) as usize));
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

fn error_text(result: anyhow::Result<impl std::fmt::Debug>) -> String {
    format!("{:#}", result.expect_err("expected an error"))
}

#[test]
fn valid_header_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tiny.gguf", &synthetic_gguf(64));
    let info = check_gguf(&path).unwrap();
    assert_eq!(info.version, 3);
    assert_eq!(info.architecture.as_deref(), Some("llama"));
    assert_eq!(info.context_length, Some(2048));
    assert_eq!(info.tensor_count, 1);
    assert!(!info.has_chat_template);
}

#[test]
fn missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.gguf");
    let text = error_text(check_gguf(&path));
    assert!(
        text.contains("nowhere.gguf") && text.contains("not found"),
        "{text}"
    );
}

#[test]
fn foreign_file_is_rejected_by_magic() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "weights.safetensors",
        b"{\"__metadata__\": {}}....",
    );
    let text = error_text(check_gguf(&path));
    assert!(
        text.contains("weights.safetensors") && text.contains("not a GGUF"),
        "{text}"
    );
    let empty = write(dir.path(), "empty.gguf", b"");
    let text = error_text(check_gguf(&empty));
    assert!(
        text.contains("empty.gguf") && text.contains("not a GGUF"),
        "{text}"
    );
}

#[test]
fn truncation_in_header_or_data_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let full = synthetic_gguf(64);
    // Cut inside the tensor data: the header is complete but the weights are not.
    let path = write(dir.path(), "cut-data.gguf", &full[..full.len() - 10]);
    let text = error_text(check_gguf(&path));
    assert!(
        text.contains("cut-data.gguf") && text.contains("truncated"),
        "{text}"
    );
    // Cut inside the metadata.
    let path = write(dir.path(), "cut-header.gguf", &full[..40]);
    let text = error_text(check_gguf(&path));
    assert!(
        text.contains("cut-header.gguf") && text.contains("truncated"),
        "{text}"
    );
}

#[test]
fn unsupported_version_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = synthetic_gguf(8);
    bytes[4..8].copy_from_slice(&9u32.to_le_bytes());
    let path = write(dir.path(), "future.gguf", &bytes);
    let text = error_text(check_gguf(&path));
    assert!(
        text.contains("future.gguf") && text.contains("version 9"),
        "{text}"
    );
}

#[test]
fn real_smollm2_header_truncated_copy_is_rejected() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models")
        .join(DEMO_MODELS[0].file_name);
    if !real.exists() {
        assert!(
            std::env::var("INSIDER_REQUIRE_ALL").as_deref() != Ok("1"),
            "{} missing; run scripts/setup.d/20-models.sh",
            real.display()
        );
        eprintln!(
            "skipped: {} missing (run scripts/fetch-models)",
            real.display()
        );
        return;
    }
    let info = check_gguf(&real).unwrap();
    assert_eq!(info.architecture.as_deref(), Some("llama"));
    assert!(info.has_chat_template);
    assert_eq!(info.context_length, Some(8192));
    let dir = tempfile::tempdir().unwrap();
    let head = {
        let mut f = std::fs::File::open(&real).unwrap();
        let mut buf = vec![0u8; 8 << 20];
        std::io::Read::read_exact(&mut f, &mut buf).unwrap();
        buf
    };
    let path = write(dir.path(), "SmolLM2-cut.gguf", &head);
    let text = error_text(check_gguf(&path));
    assert!(
        text.contains("SmolLM2-cut.gguf") && text.contains("truncated"),
        "{text}"
    );
}

#[test]
fn add_records_sha256_and_resolves_alias() {
    let models = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let bytes = synthetic_gguf(64);
    let path = write(files.path(), "Tiny Model.Q4.gguf", &bytes);
    let store = ModelStore::at(models.path());

    let entry = store.add(&path, None, false).unwrap();
    assert_eq!(entry.alias, "tiny-model.q4");
    assert_eq!(entry.size, bytes.len() as u64);
    assert_eq!(entry.sha256, sha256_file(&path).unwrap().0);
    assert_eq!(entry.sha256.len(), 64);

    let again = ModelStore::at(models.path()).list().unwrap();
    assert_eq!(again, vec![entry.clone()]);
    let resolved = store.resolve("local/tiny-model.q4").unwrap();
    assert_eq!(resolved.path, std::fs::canonicalize(&path).unwrap());
    assert_eq!(resolved.sha256.as_deref(), Some(entry.sha256.as_str()));

    // Same file again: no-op. Different file under the same alias: refused unless replacing.
    assert_eq!(
        store.add(&path, Some("tiny-model.q4"), false).unwrap(),
        entry
    );
    let other = write(files.path(), "other.gguf", &synthetic_gguf(32));
    let text = error_text(store.add(&other, Some("tiny-model.q4"), false));
    assert!(
        text.contains("already registered") && text.contains("--replace"),
        "{text}"
    );
    let replaced = store.add(&other, Some("tiny-model.q4"), true).unwrap();
    assert_ne!(replaced.sha256, entry.sha256);
    assert_eq!(store.list().unwrap().len(), 1);
}

#[test]
fn add_refuses_non_gguf_and_bad_alias() {
    let models = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let store = ModelStore::at(models.path());
    let junk = write(files.path(), "junk.gguf", b"not a model at all");
    let text = error_text(store.add(&junk, None, false));
    assert!(
        text.contains("junk.gguf") && text.contains("not a GGUF"),
        "{text}"
    );
    assert!(store.list().unwrap().is_empty());
    let good = write(files.path(), "good.gguf", &synthetic_gguf(8));
    let text = error_text(store.add(&good, Some("a/b"), false));
    assert!(text.contains("invalid alias"), "{text}");
}

#[test]
fn resolve_reports_unknown_and_changed_models() {
    let models = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let store = ModelStore::at(models.path());
    let text = error_text(store.resolve("no-such-model"));
    assert!(
        text.contains("unknown local model `no-such-model`") && text.contains("insider models add"),
        "{text}"
    );

    let path = write(files.path(), "m.gguf", &synthetic_gguf(16));
    store.add(&path, Some("m"), false).unwrap();
    write(files.path(), "m.gguf", &synthetic_gguf(8));
    let text = error_text(store.resolve("m"));
    assert!(
        text.contains("m.gguf") && text.contains("size changed"),
        "{text}"
    );
    std::fs::remove_file(&path).unwrap();
    let text = error_text(store.resolve("m"));
    assert!(
        text.contains("m.gguf") && text.contains("is gone"),
        "{text}"
    );

    // A path is taken as a path, not looked up.
    let resolved = store.resolve("local/some/dir/x.gguf").unwrap();
    assert_eq!(resolved.path, PathBuf::from("some/dir/x.gguf"));
}

#[test]
fn demo_model_found_in_models_dir_by_size_or_explained() {
    let models = tempfile::tempdir().unwrap();
    let store = ModelStore::at(models.path());
    let qwen = &DEMO_MODELS[1];
    // A file of the wrong size is not taken for the demo model (cwd may hold the real one).
    write(models.path(), qwen.file_name, b"GGUF");
    match store.resolve(qwen.alias) {
        Ok(resolved) => assert_ne!(resolved.path, models.path().join(qwen.file_name)),
        Err(e) => {
            let text = format!("{e:#}");
            assert!(
                text.contains("scripts/fetch-models qwen") && text.contains(qwen.file_name),
                "{text}"
            );
        }
    }
}

#[test]
fn corrupt_registry_is_named() {
    let models = tempfile::tempdir().unwrap();
    write(models.path(), "registry.json", b"{ not json");
    let text = error_text(ModelStore::at(models.path()).list());
    assert!(
        text.contains("registry.json") && text.contains("invalid model registry"),
        "{text}"
    );
}

/// `pull` against a local HTTP server standing in for the hub.
mod pull {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// HF_ENDPOINT is process-wide; tests that set it run one at a time.
    static ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    #[tokio::test]
    async fn downloads_checks_and_registers() {
        let _env = ENV.lock().await;
        let server = MockServer::start().await;
        let body = synthetic_gguf(128);
        Mock::given(method("GET"))
            .and(path("/acme/tiny-GGUF/resolve/main/tiny-q4.gguf"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(body.clone()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/acme/tiny-GGUF/resolve/main/page.gguf"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
            .mount(&server)
            .await;
        std::env::set_var("HF_ENDPOINT", server.uri());
        let models = tempfile::tempdir().unwrap();
        let store = ModelStore::at(models.path());

        let entry = store
            .pull("acme/tiny-GGUF", "tiny-q4.gguf", None, false)
            .await
            .unwrap();
        assert_eq!(entry.alias, "tiny-q4");
        assert_eq!(entry.size, body.len() as u64);
        let on_disk = models.path().join("tiny-q4.gguf");
        assert_eq!(std::fs::read(&on_disk).unwrap(), body);
        assert_eq!(entry.sha256, sha256_file(&on_disk).unwrap().0);
        assert!(entry
            .source
            .ends_with("/acme/tiny-GGUF/resolve/main/tiny-q4.gguf"));

        let text = format!(
            "{:#}",
            store
                .pull("acme/tiny-GGUF", "page.gguf", None, false)
                .await
                .unwrap_err()
        );
        assert!(
            text.contains("not a usable GGUF") && text.contains("not a GGUF"),
            "{text}"
        );
        let text = format!(
            "{:#}",
            store
                .pull("acme/tiny-GGUF", "absent.gguf", None, false)
                .await
                .unwrap_err()
        );
        assert!(
            text.contains("HTTP 404") && text.contains("absent.gguf"),
            "{text}"
        );
        // Failed downloads leave nothing behind, and only the good model is registered.
        let mut names: Vec<String> = std::fs::read_dir(models.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, vec!["registry.json", "tiny-q4.gguf"]);
        assert_eq!(store.list().unwrap().len(), 1);
        std::env::remove_var("HF_ENDPOINT");
    }

    #[tokio::test]
    async fn unreachable_hub_is_a_clear_error() {
        let _env = ENV.lock().await;
        std::env::set_var("HF_ENDPOINT", "http://127.0.0.1:9");
        let models = tempfile::tempdir().unwrap();
        let err = ModelStore::at(models.path())
            .pull("acme/tiny-GGUF", "tiny-q4.gguf", None, false)
            .await
            .unwrap_err();
        std::env::remove_var("HF_ENDPOINT");
        let text = format!("{err:#}");
        assert!(
            text.contains(
                "cannot reach http://127.0.0.1:9/acme/tiny-GGUF/resolve/main/tiny-q4.gguf"
            ),
            "{text}"
        );
        assert!(text.contains("insider models add"), "{text}");
    }
}
