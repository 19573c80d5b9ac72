//! The run's view of models: validating names, keys and local model files before any call,
//! and cost estimates.

use insider_model::ModelConfig;

/// What to do about a model that cannot be used, shown under the model's own error.
pub const HELP: &str = "model names are provider/model; see docs/providers.md";

/// Check a model name and its key without any network call; a `local/` model must also be
/// found (registered, a demo model present, or a `.gguf` path that exists).
pub fn check(name: &str, config: &ModelConfig) -> Result<(), insider_model::ConfigError> {
    insider_model::check(name, config)?;
    if let Some(local) = name.strip_prefix("local/") {
        let found = insider_model::model_store::ModelStore::from_env()
            .resolve(local)
            .and_then(|model| {
                anyhow::ensure!(
                    model.path.is_file(),
                    "local model file {} does not exist",
                    model.path.display()
                );
                Ok(())
            });
        if let Err(error) = found {
            return Err(insider_model::ConfigError::InvalidName {
                model: name.to_string(),
                problem: format!("{error:#}"),
            });
        }
    }
    Ok(())
}

/// Estimated online and batch cost of `input` and `output` tokens for `model`; `None` when
/// its price is unknown.
pub fn estimate_cost(model: &str, input: u64, output: u64) -> Option<(f64, f64)> {
    let price = insider_model::pricing::price(model)?;
    let online = price.estimate(input, output);
    Some((online, online * (1.0 - price.batch_discount)))
}
