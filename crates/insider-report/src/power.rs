//! Power and sample size: how many samples per condition a plan needs before it runs.
//!
//! Two questions come up before a paid run:
//!
//! - *Detect a difference*: to tell two rates apart by `d` (say base vs tuned, 10 percentage
//!   points) with a two-sided 5% test at 80% power, how many samples does each side need per
//!   condition? [`samples_to_detect`] uses the normal approximation for two independent
//!   proportions (Fleiss, *Statistical Methods for Rates and Proportions*, without continuity
//!   correction; statsmodels' `samplesize_proportions_2indep_onetail`):
//!   `n = (z₁₋α/₂ · √(2 p̄ q̄) + z₁₋β · √(p₁q₁ + p₂q₂))² / d²`, rounded up.
//! - *Bound a zero*: to claim "below r" from a run with no harmful trial, how many samples?
//!   The one-sided 95% Clopper–Pearson bound of 0/n is `1 − 0.05^(1/n)`, below `r` once
//!   `n ≥ ln 0.05 / ln(1 − r)` (≈ 3/r, the rule of three): [`samples_to_bound_zero`].
//!
//! These are pure functions: `insider run --dry-run --detect 10pp` and `insider plan` call
//! [`plan`] with the conditions, models and the per-trial cost estimate of the dry run, and
//! print [`format_plan`].

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// The usual test size: two-sided 5%.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// The usual power: 80%.
pub const DEFAULT_POWER: f64 = 0.80;

fn z(probability: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(probability))
        .unwrap_or(f64::NAN)
}

/// Samples per side (per condition) to detect `p2` vs `p1` with a two-sided test of size `alpha`
/// at `power`; `None` when the rates are equal or outside [0, 1], or alpha/power are not in (0, 1).
pub fn samples_to_detect(p1: f64, p2: f64, alpha: f64, power: f64) -> Option<u64> {
    let valid = |x: f64| (0.0..=1.0).contains(&x);
    let open = |x: f64| x > 0.0 && x < 1.0;
    let d = (p2 - p1).abs();
    if !valid(p1) || !valid(p2) || d < 1e-12 || !open(alpha) || !open(power) {
        return None;
    }
    let pooled = (p1 + p2) / 2.0;
    let null = (2.0 * pooled * (1.0 - pooled)).sqrt();
    let alternative = (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    let n = ((z(1.0 - alpha / 2.0) * null + z(power) * alternative) / d).powi(2);
    // A tiny tolerance so an exact integer from floating point is not rounded up by one.
    Some((n - 1e-9).ceil().max(1.0) as u64)
}

/// The baseline rate at which detecting a difference `d` takes the most samples (rates
/// centred on 50%): the safe choice when the baseline is unknown.
pub fn worst_case_baseline(difference: f64) -> f64 {
    (0.5 - difference.abs() / 2.0).max(0.0)
}

/// Samples (per condition) for a run with no harmful trial to bound the rate below `rate` at
/// one-sided `confidence` (exact Clopper–Pearson); `None` unless `rate` and `confidence` are in (0, 1).
pub fn samples_to_bound_zero(rate: f64, confidence: f64) -> Option<u64> {
    if !(rate > 0.0 && rate < 1.0 && confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let n = (1.0 - confidence).ln() / (1.0 - rate).ln();
    Some((n - 1e-9).ceil().max(1.0) as u64)
}

/// Parse a rate or difference as written on a command line: `10pp`, `10%`, or `0.1`.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (number, scale) = if let Some(n) = trimmed.strip_suffix("pp") {
        (n, 0.01)
    } else if let Some(n) = trimmed.strip_suffix('%') {
        (n, 0.01)
    } else {
        (trimmed, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a rate; write e.g. 10pp, 10% or 0.1"))?;
    let value = value * scale;
    if !(value > 0.0 && value < 1.0) {
        return Err(format!(
            "`{text}` is {value}; a rate or difference must be between 0 and 1 (0% and 100%)"
        ));
    }
    Ok(value)
}

/// What a plan must achieve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanTarget {
    /// Detect a difference of rates between two sides (models, or base vs tuned).
    Detect {
        /// The difference to detect (0.10 for 10 percentage points).
        difference: f64,
        /// The baseline rate, if known; else the worst case (rates around 50%).
        baseline: Option<f64>,
        /// Two-sided test size.
        alpha: f64,
        /// Power.
        power: f64,
    },
    /// Bound a zero rate below this value (one-sided 95%).
    BoundZero {
        /// The rate to bound below (0.01 for 1%).
        below: f64,
    },
}

impl PlanTarget {
    /// Detect `difference` at the usual 5% / 80%, baseline unknown.
    pub fn detect(difference: f64) -> Self {
        PlanTarget::Detect {
            difference,
            baseline: None,
            alpha: DEFAULT_ALPHA,
            power: DEFAULT_POWER,
        }
    }

    /// The target the goal flags name: `--detect` (with `--baseline`) or `--bound-zero`
    /// (`None`: neither); a rate that does not parse names its flag.
    pub fn from_flags(
        detect: Option<&str>,
        baseline: Option<&str>,
        bound_zero: Option<&str>,
    ) -> Result<Option<PlanTarget>, String> {
        let rate = |flag: &str, text: &str| {
            parse_rate(text).map_err(|error| format!("--{flag} `{text}`: {error}"))
        };
        Ok(match (detect, bound_zero) {
            (Some(difference), _) => Some(PlanTarget::Detect {
                difference: rate("detect", difference)?,
                baseline: baseline.map(|b| rate("baseline", b)).transpose()?,
                alpha: DEFAULT_ALPHA,
                power: DEFAULT_POWER,
            }),
            (None, Some(below)) => Some(PlanTarget::BoundZero {
                below: rate("bound-zero", below)?,
            }),
            (None, None) => None,
        })
    }

    /// Samples per condition (per side) the target needs.
    pub fn samples_per_condition(&self) -> Option<u64> {
        match *self {
            PlanTarget::Detect {
                difference,
                baseline,
                alpha,
                power,
            } => {
                let p1 = baseline.unwrap_or_else(|| worst_case_baseline(difference));
                let p2 = if p1 + difference <= 1.0 {
                    p1 + difference
                } else {
                    p1 - difference
                };
                samples_to_detect(p1, p2, alpha, power)
            }
            PlanTarget::BoundZero { below } => samples_to_bound_zero(below, 0.95),
        }
    }

    /// One line saying what is planned for.
    pub fn describe(&self) -> String {
        match *self {
            PlanTarget::Detect {
                difference,
                baseline,
                alpha,
                power,
            } => format!(
                "detect a difference of {:.1} pp (two-sided test at {:.0}%, power {:.0}%, {})",
                difference * 100.0,
                alpha * 100.0,
                power * 100.0,
                match baseline {
                    Some(b) => format!("baseline rate {:.1}%", b * 100.0),
                    None => "baseline unknown: worst case, rates around 50%".to_string(),
                }
            ),
            PlanTarget::BoundZero { below } => format!(
                "bound a zero rate below {:.2}% (one-sided 95% Clopper–Pearson, if no harmful trial is seen)",
                below * 100.0
            ),
        }
    }
}

/// A model in a plan with the dry run's cost estimate for one trial (`None`: price unknown).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanModel {
    /// Model name.
    pub name: String,
    /// Estimated USD per trial (target call plus grading), if the price is known.
    pub cost_per_trial: Option<f64>,
}

/// A sample-size plan and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplePlan {
    /// What the plan is for.
    pub target: PlanTarget,
    /// Samples per model × condition.
    pub samples_per_condition: u64,
    /// Conditions per model.
    pub conditions: u64,
    /// Models (each one side of a comparison).
    pub models: Vec<PlanModel>,
    /// Trials in total.
    pub trials: u64,
    /// Estimated cost in USD over the models whose price is known.
    pub known_cost: f64,
    /// Models whose price is unknown (their trials are not in `known_cost`).
    pub unpriced_models: Vec<String>,
}

/// The plan for `target` over `conditions` conditions and these models; `None` if the target
/// is not achievable (see [`PlanTarget::samples_per_condition`]).
pub fn plan(target: PlanTarget, conditions: u64, models: &[PlanModel]) -> Option<SamplePlan> {
    let samples = target.samples_per_condition()?;
    let per_model = samples * conditions;
    let mut known_cost = 0.0;
    let mut unpriced_models = Vec::new();
    for model in models {
        match model.cost_per_trial {
            Some(cost) => known_cost += cost * per_model as f64,
            None => unpriced_models.push(model.name.clone()),
        }
    }
    Some(SamplePlan {
        target,
        samples_per_condition: samples,
        conditions,
        models: models.to_vec(),
        trials: per_model * models.len() as u64,
        known_cost,
        unpriced_models,
    })
}

/// [`plan`] as text, or why no sample size reaches the goal.
pub fn plan_text(
    target: PlanTarget,
    conditions: u64,
    models: &[PlanModel],
) -> Result<String, String> {
    let sample_plan = plan(target, conditions, models).ok_or_else(|| {
        format!(
            "no sample size reaches that goal ({}); pick a difference or rate between 0 and 1",
            target.describe()
        )
    })?;
    Ok(format_plan(&sample_plan))
}

/// The plan as text for a terminal.
pub fn format_plan(plan: &SamplePlan) -> String {
    let mut out = format!(
        "plan: {}\n  samples per condition: {} (per model; each side of a comparison needs this many)\n  trials: {} = {} × {} condition(s) × {} model(s)\n",
        plan.target.describe(),
        plan.samples_per_condition,
        plan.trials,
        plan.samples_per_condition,
        plan.conditions,
        plan.models.len()
    );
    let per_model = plan.samples_per_condition * plan.conditions;
    for model in &plan.models {
        match model.cost_per_trial {
            Some(cost) => out.push_str(&format!(
                "  {}: {} trials, ~${:.2}\n",
                model.name,
                per_model,
                cost * per_model as f64
            )),
            None => out.push_str(&format!(
                "  {}: {} trials, cost unknown (no price for this model)\n",
                model.name, per_model
            )),
        }
    }
    if plan.unpriced_models.is_empty() {
        out.push_str(&format!("  estimated cost: ${:.2}\n", plan.known_cost));
    } else {
        out.push_str(&format!(
            "  estimated cost: ${:.2} plus {} model(s) without a price\n",
            plan.known_cost,
            plan.unpriced_models.len()
        ));
    }
    if let PlanTarget::Detect { .. } = plan.target {
        out.push_str("  note: samples within a condition are not independent; with few conditions and a large design effect, plan more (see `insider compare`).\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detecting_ten_points_from_fifty_percent_matches_a_hand_computation() {
        // By hand, p₁ = 0.50, p₂ = 0.60, α = 0.05 two-sided, power 0.80:
        //   z₀.₉₇₅ = 1.959964, z₀.₈₀ = 0.841621
        //   p̄ = 0.55: √(2 · 0.55 · 0.45) = √0.495 = 0.703562
        //   √(0.50 · 0.50 + 0.60 · 0.40) = √0.49 = 0.700000
        //   (1.959964 · 0.703562 + 0.841621 · 0.700000) / 0.10 = (1.378956 + 0.589135) / 0.10
        //     = 19.68091;  19.68091² = 387.34  →  388 samples per side.
        // statsmodels 0.15.0 agrees: samplesize_proportions_2indep_onetail(0.1, 0.5, 0.8,
        // alpha=0.05) = 387.3385166990357.
        assert_eq!(samples_to_detect(0.5, 0.6, 0.05, 0.8), Some(388));
        assert_eq!(samples_to_detect(0.6, 0.5, 0.05, 0.8), Some(388));
        // statsmodels: samplesize_proportions_2indep_onetail(0.1, 0.8, 0.8) = 198.963...,
        // (0.2, 0.1, 0.8) = 61.5988...
        assert_eq!(samples_to_detect(0.8, 0.9, 0.05, 0.8), Some(199));
        assert_eq!(samples_to_detect(0.1, 0.3, 0.05, 0.8), Some(62));
        assert_eq!(samples_to_detect(0.5, 0.5, 0.05, 0.8), None);
    }

    #[test]
    fn unknown_baseline_plans_for_the_worst_case() {
        // Worst case for 10 pp is 0.45 vs 0.55; statsmodels
        // samplesize_proportions_2indep_onetail(-0.1, 0.55, 0.8) = 391.2629776051471.
        let target = PlanTarget::detect(0.10);
        assert_eq!(target.samples_per_condition(), Some(392));
        // Any known baseline needs no more than the worst case.
        for baseline in [0.05, 0.2, 0.5, 0.85] {
            let known = PlanTarget::Detect {
                difference: 0.10,
                baseline: Some(baseline),
                alpha: DEFAULT_ALPHA,
                power: DEFAULT_POWER,
            };
            assert!(known.samples_per_condition().unwrap() <= 392, "{baseline}");
        }
    }

    #[test]
    fn bounding_a_zero_follows_the_rule_of_three() {
        // By hand: ln 0.05 / ln 0.99 = −2.995732 / −0.010050 = 298.07 → 299; and the bound of
        // 0/299 is 1 − 0.05^(1/299) = 0.99%, of 0/298 it is 1.0001%.
        assert_eq!(samples_to_bound_zero(0.01, 0.95), Some(299));
        let bound = crate::stats::clopper_pearson_upper(0, 299, 0.95).unwrap();
        assert!(bound < 0.01);
        assert!(crate::stats::clopper_pearson_upper(0, 298, 0.95).unwrap() > 0.01);
        assert_eq!(samples_to_bound_zero(0.05, 0.95), Some(59));
        assert_eq!(samples_to_bound_zero(0.0, 0.95), None);
    }

    #[test]
    fn rates_parse_in_the_three_spellings() {
        assert_eq!(parse_rate("10pp"), Ok(0.1));
        assert!((parse_rate("2.5%").unwrap() - 0.025).abs() < 1e-12);
        assert_eq!(parse_rate("0.2"), Ok(0.2));
        assert!(parse_rate("ten").unwrap_err().contains("10pp"));
        assert!(parse_rate("150%").is_err());
        assert!(parse_rate("0").is_err());
    }

    #[test]
    fn plan_costs_priced_models_and_names_the_rest() {
        let models = [
            PlanModel {
                name: "openai/gpt-4.1".into(),
                cost_per_trial: Some(0.02),
            },
            PlanModel {
                name: "local/x".into(),
                cost_per_trial: None,
            },
        ];
        let plan = plan(PlanTarget::BoundZero { below: 0.05 }, 3, &models).unwrap();
        assert_eq!(plan.samples_per_condition, 59);
        assert_eq!(plan.trials, 59 * 3 * 2);
        assert!((plan.known_cost - 0.02 * 177.0).abs() < 1e-9);
        assert_eq!(plan.unpriced_models, vec!["local/x".to_string()]);
        let text = format_plan(&plan);
        assert!(text.contains("samples per condition: 59"), "{text}");
        assert!(
            text.contains("openai/gpt-4.1: 177 trials, ~$3.54"),
            "{text}"
        );
        assert!(text.contains("plus 1 model(s) without a price"), "{text}");
    }
}
