//! Model names (`provider/model`, Inspect's convention) → which protocol, endpoint and key.

use crate::redact::Secret;
use crate::types::ModelConfig;
use crate::wire::{WireKind, WireOptions};

/// Providers `resolve` understands, for error messages.
pub const KNOWN_PROVIDERS: &str =
    "openai, anthropic, google, openai-api/<service>, vllm, ollama, openrouter, together, local";

/// The hint after a model name that could not be used: the form, the providers, examples.
pub fn model_hint() -> String {
    format!(
        "hint: a model name is `provider/model` (Inspect's convention); providers: \
         {KNOWN_PROVIDERS}. For example `openai/gpt-4.1`, `anthropic/claude-opus-4-20250514`, \
         `google/gemini-2.5-pro`, `openai-api/groq/llama-3.3-70b-versatile` (with \
         GROQ_BASE_URL), `local/qwen2.5-coder-0.5b-instruct` (`insider models list`)"
    )
}

/// A model configuration problem found before any network call, with what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The name is not `provider/model`.
    #[error("model `{model}`: {problem}")]
    InvalidName {
        /// The name as written.
        model: String,
        /// What is wrong and how to write it.
        problem: String,
    },
    /// The provider part is not one we know.
    #[error("model `{model}`: unknown provider `{provider}`; expected one of {KNOWN_PROVIDERS} (e.g. `openai/gpt-4.1`)")]
    UnknownProvider {
        /// The name as written.
        model: String,
        /// The unknown provider part.
        provider: String,
    },
    /// No API key in the environment.
    #[error("model `{model}` needs an API key: set {vars} in the environment (or name another variable with `api_key_env` in the model's config)")]
    MissingKey {
        /// The name as written.
        model: String,
        /// The variable(s) looked at.
        vars: String,
    },
    /// No base URL for an `openai-api/<service>` model.
    #[error("model `{model}` needs a base URL: set {var} (e.g. `http://localhost:8000/v1`) or `base_url` in the model's config")]
    MissingBaseUrl {
        /// The name as written.
        model: String,
        /// The variable looked at.
        var: String,
    },
    /// The base URL does not parse as http(s).
    #[error(
        "model `{model}`: base URL `{url}` is not a valid http(s) URL ({problem}); fix {source_of}"
    )]
    InvalidBaseUrl {
        /// The name as written.
        model: String,
        /// The URL (query redacted).
        url: String,
        /// Why it is invalid.
        problem: String,
        /// Where the URL came from (a variable or `base_url`).
        source_of: String,
    },
    /// A `local/` model in a build without the `local` feature.
    #[error("model `{model}` runs in process, but this insider was built without local models: rebuild with `cargo build --release --features local` (or `cargo install --path crates/insider --features local`)")]
    LocalNotBuilt {
        /// The name as written.
        model: String,
    },
    /// The local model could not be opened.
    #[error("model `{model}`: {message}")]
    Local {
        /// The name as written.
        model: String,
        /// What went wrong.
        message: String,
    },
}

/// Everything needed to talk to a hosted model.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// The full name as written, e.g. `openai-api/groq/llama-3.3-70b`.
    pub name: String,
    /// Provider part (`openai`, `anthropic`, `google`, `openai-api`, `vllm`, ...).
    pub provider: String,
    /// The model id sent to the API.
    pub model: String,
    /// Protocol spoken.
    pub wire: WireKind,
    /// Protocol options.
    pub options: WireOptions,
    /// Base URL calls go to.
    pub base_url: String,
    /// The key, if one is set.
    pub api_key: Option<Secret>,
    /// The variable the key is read from (for messages).
    pub key_var: String,
}

/// Where a provider's defaults come from.
struct Preset {
    wire: WireKind,
    base_var: &'static str,
    default_base: Option<&'static str>,
    key_vars: &'static [&'static str],
    key_required: bool,
}

fn preset(provider: &str) -> Option<Preset> {
    let p = |wire, base_var, default_base, key_vars, key_required| Preset {
        wire,
        base_var,
        default_base,
        key_vars,
        key_required,
    };
    Some(match provider {
        "openai" => p(
            WireKind::OpenAi,
            "OPENAI_BASE_URL",
            Some("https://api.openai.com/v1"),
            &["OPENAI_API_KEY"],
            true,
        ),
        "anthropic" => p(
            WireKind::Anthropic,
            "ANTHROPIC_BASE_URL",
            Some("https://api.anthropic.com"),
            &["ANTHROPIC_API_KEY"],
            true,
        ),
        "google" | "gemini" => p(
            WireKind::Gemini,
            "GOOGLE_GEMINI_BASE_URL",
            Some("https://generativelanguage.googleapis.com"),
            &["GOOGLE_API_KEY", "GEMINI_API_KEY"],
            true,
        ),
        "vllm" => p(
            WireKind::OpenAi,
            "VLLM_BASE_URL",
            Some("http://localhost:8000/v1"),
            &["VLLM_API_KEY"],
            false,
        ),
        "ollama" => p(
            WireKind::OpenAi,
            "OLLAMA_BASE_URL",
            Some("http://localhost:11434/v1"),
            &["OLLAMA_API_KEY"],
            false,
        ),
        "openrouter" => p(
            WireKind::OpenAi,
            "OPENROUTER_BASE_URL",
            Some("https://openrouter.ai/api/v1"),
            &["OPENROUTER_API_KEY"],
            true,
        ),
        "together" => p(
            WireKind::OpenAi,
            "TOGETHER_BASE_URL",
            Some("https://api.together.xyz/v1"),
            &["TOGETHER_API_KEY"],
            true,
        ),
        _ => return None,
    })
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// Split `model` into provider and rest, rejecting empty parts.
pub fn split_name(model: &str) -> Result<(&str, &str), ConfigError> {
    let invalid = |problem: &str| ConfigError::InvalidName {
        model: model.to_string(),
        problem: problem.to_string(),
    };
    let (provider, rest) = model.split_once('/').ok_or_else(|| {
        invalid("expected `provider/model`, e.g. `openai/gpt-4.1`, `anthropic/claude-opus-4-20250514`, `google/gemini-2.5-pro`")
    })?;
    if provider.is_empty() || rest.trim().is_empty() {
        return Err(invalid(
            "expected `provider/model` with both parts non-empty",
        ));
    }
    if model.chars().any(char::is_whitespace) {
        return Err(invalid("model names contain no spaces"));
    }
    Ok((provider, rest))
}

/// Work out protocol, endpoint and key for a hosted model, reading the environment.
/// `local/` models are not handled here.
pub fn parse(model: &str, config: &ModelConfig) -> Result<ModelSpec, ConfigError> {
    let (provider, rest) = split_name(model)?;
    let (preset, api_model, base_var, key_vars): (Preset, &str, String, Vec<String>) = if provider
        == "openai-api"
    {
        let (service, api_model) = rest
                .split_once('/')
                .filter(|(s, m)| !s.is_empty() && !m.is_empty())
                .ok_or_else(|| ConfigError::InvalidName {
                    model: model.to_string(),
                    problem: "expected `openai-api/<service>/<model>`, e.g. `openai-api/groq/llama-3.3-70b-versatile`".into(),
                })?;
        let service_var = service.to_ascii_uppercase().replace(['-', '.'], "_");
        let preset = Preset {
            wire: WireKind::OpenAi,
            base_var: "",
            default_base: None,
            key_vars: &[],
            key_required: false,
        };
        (
            preset,
            api_model,
            format!("{service_var}_BASE_URL"),
            vec![format!("{service_var}_API_KEY")],
        )
    } else {
        let preset = preset(provider).ok_or_else(|| ConfigError::UnknownProvider {
            model: model.to_string(),
            provider: provider.to_string(),
        })?;
        let base_var = preset.base_var.to_string();
        let key_vars = preset.key_vars.iter().map(|s| s.to_string()).collect();
        (preset, rest, base_var, key_vars)
    };

    let (base_url, source_of) = match (&config.base_url, env(&base_var), preset.default_base) {
        (Some(url), _, _) => (url.clone(), "`base_url` in the model's config".to_string()),
        (None, Some(url), _) => (url, base_var.clone()),
        (None, None, Some(url)) => (url.to_string(), "the built-in default".to_string()),
        (None, None, None) => {
            return Err(ConfigError::MissingBaseUrl {
                model: model.to_string(),
                var: base_var,
            })
        }
    };
    if let Err(problem) = check_url(&base_url) {
        return Err(ConfigError::InvalidBaseUrl {
            model: model.to_string(),
            url: crate::redact::redact_key_params(&base_url),
            problem,
            source_of,
        });
    }

    let key_vars = match &config.api_key_env {
        Some(var) => vec![var.clone()],
        None => key_vars,
    };
    let api_key = key_vars.iter().find_map(|v| env(v)).and_then(Secret::new);
    let key_required = preset.key_required || config.api_key_env.is_some();
    if api_key.is_none() && key_required {
        return Err(ConfigError::MissingKey {
            model: model.to_string(),
            vars: key_vars.join(" or "),
        });
    }
    Ok(ModelSpec {
        name: model.to_string(),
        provider: provider.to_string(),
        model: api_model.to_string(),
        wire: preset.wire,
        options: WireOptions {
            max_completion_tokens: provider == "openai",
            prompt_caching: config.prompt_caching.unwrap_or(false),
        },
        base_url: base_url.trim_end_matches('/').to_string(),
        api_key,
        key_var: key_vars.join(" or "),
    })
}

fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("scheme `{}` is not http or https", parsed.scheme()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(key_var: &str, base: Option<&str>) -> ModelConfig {
        ModelConfig {
            api_key_env: Some(key_var.into()),
            base_url: base.map(str::to_string),
            ..ModelConfig::default()
        }
    }

    #[test]
    fn names_map_to_protocols_urls_and_keys() {
        std::env::set_var("INSIDER_SPEC_TEST_KEY", "k-123456789");
        let s = parse("openai/gpt-4.1", &cfg("INSIDER_SPEC_TEST_KEY", None)).unwrap();
        assert_eq!((s.wire, s.model.as_str()), (WireKind::OpenAi, "gpt-4.1"));
        assert!(s.options.max_completion_tokens);
        let s = parse(
            "openrouter/anthropic/claude-opus-4",
            &cfg("INSIDER_SPEC_TEST_KEY", Some("http://127.0.0.1:9/api/v1/")),
        )
        .unwrap();
        assert_eq!(s.model, "anthropic/claude-opus-4");
        assert_eq!(s.base_url, "http://127.0.0.1:9/api/v1");
        assert!(!s.options.max_completion_tokens);
        let s = parse("google/gemini-2.5-pro", &cfg("INSIDER_SPEC_TEST_KEY", None)).unwrap();
        assert_eq!(s.wire, WireKind::Gemini);
        assert_eq!(format!("{:?}", s.api_key), "Some([REDACTED])");
        std::env::set_var("SPECSVC_X_BASE_URL", "http://localhost:1234/v1");
        let s = parse("openai-api/specsvc-x/llama-3", &ModelConfig::default()).unwrap();
        assert_eq!(
            (s.base_url.as_str(), s.model.as_str(), s.api_key.is_none()),
            ("http://localhost:1234/v1", "llama-3", true)
        );
    }

    #[test]
    fn problems_say_what_to_fix() {
        let err = |m: &str, c: &ModelConfig| parse(m, c).unwrap_err().to_string();
        let none = ModelConfig::default();
        assert!(err("gpt-4.1", &none).contains("expected `provider/model`"));
        assert!(err("nosuch/x", &none).contains("unknown provider `nosuch`"));
        assert!(err("openai/", &none).contains("both parts non-empty"));
        let missing = cfg("INSIDER_SPEC_TEST_UNSET_VAR", None);
        assert!(err("anthropic/claude-opus-4", &missing)
            .contains("set INSIDER_SPEC_TEST_UNSET_VAR in the environment"));
        assert!(err("openai-api/nobase-svc/m", &none).contains("set NOBASE_SVC_BASE_URL"));
        assert!(err("openai-api/m", &none).contains("openai-api/<service>/<model>"));
        std::env::set_var("INSIDER_SPEC_TEST_KEY2", "k-123456789");
        let bad = cfg("INSIDER_SPEC_TEST_KEY2", Some("ftp://x?key=SECRETVALUE"));
        let msg = err("openai/gpt-4.1", &bad);
        assert!(
            msg.contains("not a valid http(s) URL") && msg.contains("`base_url`"),
            "{msg}"
        );
        assert!(!msg.contains("SECRETVALUE"), "{msg}");
    }
}
