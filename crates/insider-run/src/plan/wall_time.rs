//! How long a plan takes on each model: for a hosted model the least time its rate limits
//! (`rpm`, `tpm`) allow; for a local model an estimate from the speed measured on the project
//! machine (BENCHMARKS.md, "Local models": insider's `local/` provider, 2 cores, 2026-11-29).
//!
//! A local model computes in this process, so more connections only split the same cores: its
//! trials take the sum of their times, whatever `max_connections` says.

use super::ModelEstimate;
use crate::config::ResolvedModel;
use std::time::Duration;

/// Measured speed of one local model: prompt evaluation and generation, tokens per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalSpeed {
    /// The model's alias (`local/<alias>`).
    pub alias: &'static str,
    /// Its GGUF file name (a `local/<path>` ending in it is the same model).
    pub file_name: &'static str,
    /// Prompt tokens evaluated per second.
    pub prefill_tps: f64,
    /// Tokens generated per second.
    pub decode_tps: f64,
}

/// Where [`LOCAL_SPEEDS`] come from, said next to every estimate made with them.
pub const LOCAL_SPEED_SOURCE: &str =
    "measured in BENCHMARKS.md (Local models; 2 cores, 2026-11-29)";

/// The demo models' speeds: the means of the `insider local/` runs in BENCHMARKS.md
/// (SmolLM2: prefill 118.9–125.7, decode 18.3–21.1 tok/s; Qwen 0.5B: 71.1–73.4 and
/// 13.9–14.3 tok/s).
pub const LOCAL_SPEEDS: [LocalSpeed; 2] = [
    LocalSpeed {
        alias: "smollm2-135m-instruct",
        file_name: "SmolLM2-135M-Instruct.Q4_1.gguf",
        prefill_tps: 121.6,
        decode_tps: 19.3,
    },
    LocalSpeed {
        alias: "qwen2.5-coder-0.5b-instruct",
        file_name: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        prefill_tps: 72.3,
        decode_tps: 14.1,
    },
];

/// A plan on one local model that would take longer than this needs `--yes`.
pub const CONFIRM_LOCAL_SECS: f64 = 3_600.0;

/// The measured speed of `model` (`None`: not a local model, or one never measured).
pub fn local_speed(model: &str) -> Option<&'static LocalSpeed> {
    let local = model.strip_prefix("local/")?;
    let file = local.rsplit(['/', '\\']).next().unwrap_or(local);
    LOCAL_SPEEDS
        .iter()
        .find(|s| s.alias == local || s.file_name.eq_ignore_ascii_case(file))
}

/// How long a model's share of a plan takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WallTime {
    /// The least time the rate limits allow (seconds).
    AtLeast(f64),
    /// A local model's estimate at its measured speed (seconds).
    About(f64),
}

impl WallTime {
    /// The seconds, whatever their kind.
    pub fn secs(self) -> f64 {
        match self {
            WallTime::AtLeast(s) | WallTime::About(s) => s,
        }
    }

    /// `≥1h05m` (a floor) or `~3m07s` (an estimate).
    pub fn text(self) -> String {
        let (mark, secs) = match self {
            WallTime::AtLeast(s) => ("≥", s),
            WallTime::About(s) => ("~", s),
        };
        let duration = Duration::from_secs_f64(secs.max(0.0));
        format!("{mark}{}", crate::progress::format_duration(duration))
    }
}

/// The time `estimate`'s calls take on `model` (`None`: a hosted model without rate limits,
/// or a local model whose speed was never measured).
pub fn wall_time(model: &ResolvedModel, estimate: &ModelEstimate) -> Option<WallTime> {
    if let Some(speed) = local_speed(&model.name) {
        let secs = estimate.input_tokens as f64 / speed.prefill_tps
            + estimate.output_tokens as f64 / speed.decode_tps;
        return Some(WallTime::About(secs));
    }
    let by_requests = model
        .config
        .rpm
        .map(|rpm| estimate.trials as f64 / f64::from(rpm.max(1)) * 60.0);
    let tokens = (estimate.input_tokens + estimate.output_tokens) as f64;
    let by_tokens = model
        .config
        .tpm
        .map(|tpm| tokens / f64::from(tpm.max(1)) * 60.0);
    match (by_requests, by_tokens) {
        (Some(a), Some(b)) => Some(WallTime::AtLeast(a.max(b))),
        (a, b) => a.or(b).map(WallTime::AtLeast),
    }
}

/// Why a plan is too long to start on a local model without `--yes` (`None`: it is not).
pub fn local_too_long(models: &[ResolvedModel], estimates: &[ModelEstimate]) -> Option<String> {
    models
        .iter()
        .zip(estimates)
        .filter_map(|(model, estimate)| {
            let speed = local_speed(&model.name)?;
            let time = wall_time(model, estimate)?;
            (time.secs() > CONFIRM_LOCAL_SECS).then(|| {
                format!(
                    "{} trials would take {} on {} (more than an hour at {:.0} prompt \
                     and {:.0} generated tokens/s, {LOCAL_SPEED_SOURCE})",
                    estimate.trials,
                    time.text(),
                    model.name,
                    speed.prefill_tps,
                    speed.decode_tps
                )
            })
        })
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(trials: u64, input: u64, output: u64) -> ModelEstimate {
        ModelEstimate {
            model: String::new(),
            trials,
            calls: trials,
            input_tokens: input,
            output_tokens: output,
            cost_usd: None,
            batch_cost_usd: None,
        }
    }

    fn model(name: &str) -> ResolvedModel {
        ResolvedModel {
            name: name.into(),
            config: insider_model::ModelConfig::default(),
        }
    }

    #[test]
    fn local_models_are_found_by_alias_or_file_name() {
        assert_eq!(
            local_speed("local/smollm2-135m-instruct").map(|s| s.alias),
            Some("smollm2-135m-instruct")
        );
        assert_eq!(
            local_speed("local/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").map(|s| s.alias),
            Some("qwen2.5-coder-0.5b-instruct")
        );
        assert_eq!(local_speed("local/my-7b.gguf"), None);
        assert_eq!(local_speed("openai/gpt-4.1"), None);
    }

    #[test]
    fn a_local_estimate_adds_prompt_and_generation_time() {
        let speed = LOCAL_SPEEDS[0];
        // 10 trials of 1,000 prompt and 100 generated tokens each.
        let time = wall_time(
            &model("local/smollm2-135m-instruct"),
            &estimate(10, 10_000, 1_000),
        )
        .unwrap();
        let expected = 10_000.0 / speed.prefill_tps + 1_000.0 / speed.decode_tps;
        assert_eq!(time, WallTime::About(expected));
        assert!(time.text().starts_with('~'), "{}", time.text());
    }

    #[test]
    fn a_hosted_floor_is_the_slower_of_its_limits() {
        let mut m = model("openai/gpt-4.1");
        assert_eq!(wall_time(&m, &estimate(600, 0, 0)), None);
        m.config.rpm = Some(60);
        m.config.tpm = Some(1_000);
        // 600 requests at 60/min: 10 min; 20,000 tokens at 1,000/min: 20 min.
        let time = wall_time(&m, &estimate(600, 10_000, 10_000)).unwrap();
        assert_eq!(time, WallTime::AtLeast(1_200.0));
        assert_eq!(time.text(), "≥20m00s");
    }

    #[test]
    fn only_a_local_plan_over_an_hour_is_too_long() {
        let speed = LOCAL_SPEEDS[0];
        let hour_of_output = (speed.decode_tps * CONFIRM_LOCAL_SECS) as u64;
        let local = [model("local/smollm2-135m-instruct")];
        let under = [estimate(30, 0, hour_of_output - 100)];
        assert_eq!(local_too_long(&local, &under), None);
        let over = [estimate(30, 0, hour_of_output + 100)];
        let reason = local_too_long(&local, &over).unwrap();
        assert!(reason.contains("30 trials") && reason.contains("local/smollm2"));
        assert_eq!(local_too_long(&[model("openai/gpt-4.1")], &over), None);
    }
}
