//! The run's view of models: validating names and keys before any call.

use insider_model::ModelConfig;

/// Why a model cannot be used, with what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelProblem {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

/// Provider prefixes and the conventional key variable of each (`None`: no key needed).
const PROVIDERS: &[(&str, Option<&str>)] = &[
    ("openai", Some("OPENAI_API_KEY")),
    ("anthropic", Some("ANTHROPIC_API_KEY")),
    ("google", Some("GOOGLE_API_KEY")),
    ("openai-api", None),
    ("vllm", None),
    ("ollama", None),
    ("local", None),
    ("mock", None),
];

/// Check a model name and its key without any network call.
pub fn check(name: &str, config: &ModelConfig) -> Result<(), ModelProblem> {
    let known = || {
        PROVIDERS
            .iter()
            .map(|(p, _)| format!("{p}/"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((prefix, rest)) = name.split_once('/') else {
        return Err(ModelProblem {
            message: format!("model `{name}` has no provider prefix"),
            help: Some(format!("write it as provider/model, e.g. openai/gpt-4.1; providers: {}", known())),
        });
    };
    let Some((_, key_var)) = PROVIDERS.iter().find(|(p, _)| *p == prefix) else {
        return Err(ModelProblem {
            message: format!("unknown model provider `{prefix}` in `{name}`"),
            help: Some(format!("providers: {}", known())),
        });
    };
    if rest.is_empty() {
        return Err(ModelProblem {
            message: format!("model `{name}` names no model after `{prefix}/`"),
            help: None,
        });
    }
    let key_var: Option<String> = match (prefix, &config.api_key_env) {
        (_, Some(var)) => Some(var.clone()),
        ("google", None) => {
            if std::env::var("GEMINI_API_KEY").is_ok_and(|v| !v.is_empty()) {
                None
            } else {
                key_var.map(str::to_string)
            }
        }
        ("openai-api", None) => {
            let service = rest.split('/').next().unwrap_or("").to_uppercase().replace('-', "_");
            Some(format!("{service}_API_KEY"))
        }
        _ => key_var.map(str::to_string),
    };
    if let Some(var) = key_var {
        if !std::env::var(&var).is_ok_and(|v| !v.is_empty()) {
            return Err(ModelProblem {
                message: format!("model `{name}` needs an API key in ${var}, which is not set"),
                help: Some(format!("export {var}=... (or set `api_key_env:` for this model)")),
            });
        }
    }
    Ok(())
}

/// Estimated cost of `input` and `output` tokens for `model`; `None` when its price is unknown.
pub fn estimate_cost(model: &str, input: u64, output: u64) -> Option<f64> {
    let _ = (model, input, output);
    None
}
