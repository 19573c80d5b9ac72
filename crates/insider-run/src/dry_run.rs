//! The `--dry-run` report: the plan, each model's calls, tokens, cost and the time the rate
//! limits allow at least, the grader's share, and which prompts (pack, sha256) will be sent.
//! The estimates themselves are in [`crate::plan`].

use crate::config::ResolvedExperiment;
use crate::plan::wall_time::{self, LOCAL_SPEED_SOURCE};
use crate::plan::{
    estimate_planned, grader_estimate, ModelEstimate, DEFAULT_OUTPUT_TOKENS, GRADER_OUTPUT_TOKENS,
    GRADER_PROMPT_TOKENS,
};
use crate::runner::{render_conditions, PlannedCondition};
use std::fmt::Write;

/// The cost column: dollars, `local` for a model that computes here, `unknown` without a price.
fn cost_text(model: &str, cost: Option<f64>) -> String {
    match cost {
        Some(c) => format!("${c:.2}"),
        None if insider_model::pricing::price_id(model).is_none() => "local".to_string(),
        None => "unknown".to_string(),
    }
}

/// The dry-run report as text.
pub fn dry_run_report(experiment: &ResolvedExperiment) -> anyhow::Result<String> {
    let planned = render_conditions(experiment)?;
    let mut estimates = estimate_planned(experiment, &planned);
    let mut batch_lines = crate::batch::batch_prices(experiment, &mut estimates);
    let mut grader = grader_estimate(experiment, &estimates);
    batch_lines.extend(crate::batch::grader_batch_price(
        experiment,
        grader.as_mut(),
    ));
    let mut out = String::new();
    let (models, conditions) = (experiment.models.len(), experiment.conditions.len());
    let all = models as u64 * conditions as u64 * u64::from(experiment.samples);
    write!(
        out,
        "plan: {models} models × {conditions} conditions × {} samples = {all} trials",
        experiment.samples,
    )?;
    // A shard runs its slice; the calls below are the shard's.
    if let Some(shard) = experiment.shard {
        write!(
            out,
            "; shard {shard}: {} of them",
            experiment.total_trials()
        )?;
    }
    writeln!(out, " (no call made)")?;
    writeln!(
        out,
        "{:<40}  {:>8}  {:>14}  {:>14}  {:>11}  {:>12}",
        "model", "calls", "input tokens", "output tokens", "cost", "wall time"
    )?;
    for (e, model) in estimates.iter().zip(&experiment.models) {
        let time = wall_time::wall_time(model, e)
            .map(wall_time::WallTime::text)
            .unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:<40}  {:>8}  {:>14}  {:>14}  {:>11}  {:>12}",
            e.model,
            e.calls,
            e.input_tokens,
            e.output_tokens,
            cost_text(&e.model, e.cost_usd),
            time
        )?;
    }
    if let Some(g) = &grader {
        writeln!(
            out,
            "{:<40}  {:>8}  {:>14}  {:>14}  {:>11}  {:>12}",
            format!("grader {}", g.model),
            g.trials,
            g.input_tokens,
            g.output_tokens,
            cost_text(&g.model, g.cost_usd),
            "-"
        )?;
    }
    batch_lines
        .iter()
        .try_for_each(|line| writeln!(out, "{line}"))?;
    let all: Vec<&ModelEstimate> = estimates.iter().chain(grader.as_ref()).collect();
    // `+ 0.0`: an empty float sum is -0.0, which would print as "$-0.00".
    let total: f64 = all.iter().filter_map(|e| e.cost_usd).sum::<f64>() + 0.0;
    let unknown = all
        .iter()
        .any(|e| e.cost_usd.is_none() && insider_model::pricing::price_id(&e.model).is_some());
    writeln!(
        out,
        "total estimated cost: ${total:.2}{}",
        if unknown {
            " + models without a known price"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "estimate: input = prompt characters / 4; output = max_tokens or {DEFAULT_OUTPUT_TOKENS} per trial; \
         wall time: ≥ the least the rpm/tpm limits allow (- : no rate limit given)"
    )?;
    let turns = planned
        .iter()
        .filter_map(|p| p.agent.as_ref())
        .map(|a| a.world.spec.max_turns);
    if let Some(most) = turns.max() {
        writeln!(
            out,
            "agent sessions: up to {most} calls each (the world's max_turns), every call re-sending \
             the prompt and the replies before it: their calls, tokens and cost are upper bounds"
        )?;
    }
    local_note(&mut out, experiment)?;
    match (&experiment.grader, experiment.classify) {
        (Some(_), true) => writeln!(
            out,
            "grader: one call per trial ({GRADER_PROMPT_TOKENS} prompt tokens + the reply in, \
             {GRADER_OUTPUT_TOKENS} out), an upper bound: gate-first grading asks the grader only \
             about replies whose gate passed"
        )?,
        (None, true) => writeln!(out, "classification: gate-only (no grader)")?,
        (_, false) => writeln!(out, "classification: off (--no-classify)")?,
    }
    prompts(&mut out, &planned)?;
    Ok(out)
}

/// How the local models' times were estimated, and which local models have no estimate.
fn local_note(out: &mut String, experiment: &ResolvedExperiment) -> std::fmt::Result {
    let local = experiment
        .models
        .iter()
        .filter(|m| m.name.starts_with("local/"));
    for model in local {
        let connections = crate::runner::model_connections(&model.config);
        let plural = if connections == 1 { "" } else { "s" };
        match wall_time::local_speed(&model.name) {
            Some(speed) => writeln!(
                out,
                "{}: {connections} connection{plural} (it computes in this process: more only split \
                 its cores); ~ at {:.0} prompt and {:.0} generated tokens/s, {LOCAL_SPEED_SOURCE}; \
                 an upper bound when replies end early",
                model.name, speed.prefill_tps, speed.decode_tps
            )?,
            None => writeln!(
                out,
                "{}: {connections} connection{plural}; no wall time: this model's speed was never \
                 measured (BENCHMARKS.md, Local models, says how)",
                model.name
            )?,
        }
    }
    Ok(())
}

/// Conditions listed one by one in the report; a larger plan lists this many and a count.
pub const LISTED_PROMPTS: usize = 12;

/// Which prompts the plan sends: condition, pack origin and sha256, so a plan can be checked
/// against `insider scenarios render --pack` before anything is paid.
fn prompts(out: &mut String, planned: &[PlannedCondition]) -> std::fmt::Result {
    writeln!(out, "prompts:")?;
    let width = planned
        .iter()
        .take(LISTED_PROMPTS)
        .map(|p| p.prompt.condition.len())
        .max()
        .unwrap_or(0);
    for p in planned.iter().take(LISTED_PROMPTS) {
        writeln!(
            out,
            "  {:<width$}  sha256 {}  {}",
            p.prompt.condition, p.prompt.sha256, p.pack_origin
        )?;
    }
    if planned.len() > LISTED_PROMPTS {
        writeln!(out, "  … and {} more", planned.len() - LISTED_PROMPTS)?;
    }
    Ok(())
}
