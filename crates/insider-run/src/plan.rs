//! `--dry-run`: the plan, its token estimate and its cost, without any call.
//!
//! Input tokens are estimated from the rendered prompt as one token per 4 characters (the usual
//! rule of thumb for English with BPE tokenizers; real counts differ by about ±15%). Output tokens
//! are estimated as `max_tokens` when set, else [`DEFAULT_OUTPUT_TOKENS`] per trial (a typical
//! scratchpad-and-e-mail reply in these scenarios). An agent session counts up to its world's
//! `max_turns` calls, each re-sending the prompt and the replies before it ([`trial_tokens`]).
//! Cost uses the pricing table of
//! `insider-model`, which also knows each provider's batch discount.

use crate::config::ResolvedExperiment;
use crate::runner::render_conditions;

mod estimate;
pub mod wall_time;

pub use estimate::ModelEstimate;

/// Output tokens assumed per trial when `max_tokens` is not set.
pub const DEFAULT_OUTPUT_TOKENS: u64 = 1_500;

/// Estimate tokens per prompt text.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// Estimates per model.
pub fn estimate(experiment: &ResolvedExperiment) -> anyhow::Result<Vec<ModelEstimate>> {
    Ok(estimate_planned(
        experiment,
        &render_conditions(experiment)?,
    ))
}

/// Estimates per model for the conditions of `experiment`, already rendered.
pub fn estimate_planned(
    experiment: &ResolvedExperiment,
    planned: &[crate::runner::PlannedCondition],
) -> Vec<ModelEstimate> {
    // (condition id, prompt tokens, turns): an agent session may take up to its world's
    // `max_turns` calls; a single-mode trial is one.
    let conditions: Vec<(String, u64, u64)> = planned
        .iter()
        .map(|p| {
            let tokens = estimate_tokens(&p.prompt.system) + estimate_tokens(&p.prompt.user);
            let turns = p
                .agent
                .as_ref()
                .map_or(1, |a| a.world.spec.max_turns.max(1));
            (p.condition.id(), tokens, u64::from(turns))
        })
        .collect();
    let mut out = Vec::new();
    for model in &experiment.models {
        // Samples of each condition: all of them, or the shard's (`--shard`).
        let (shard, n) = (experiment.shard, experiment.samples);
        let samples =
            |condition: &str| crate::shard::planned_samples(shard, n, &model.name, condition);
        let output_per_call = model
            .config
            .generation
            .max_tokens
            .map(u64::from)
            .unwrap_or(DEFAULT_OUTPUT_TOKENS);
        let (mut trials, mut calls, mut input_tokens, mut output_tokens) = (0, 0, 0, 0);
        for (condition, prompt, turns) in &conditions {
            let (input, output) = trial_tokens(*prompt, output_per_call, *turns);
            let samples = samples(condition);
            trials += samples;
            calls += samples * turns;
            input_tokens += input * samples;
            output_tokens += output * samples;
        }
        let cost = crate::models::estimate_cost(&model.name, input_tokens, output_tokens);
        out.push(ModelEstimate {
            model: model.name.clone(),
            trials,
            calls,
            input_tokens,
            output_tokens,
            cost_usd: cost.map(|c| c.0),
            batch_cost_usd: cost.map(|c| c.1),
        });
    }
    out
}

/// Input and output tokens of one trial of `turns` calls: every call sends the prompt and the
/// replies before it, and writes up to `output_per_call` (an upper bound for a session, which
/// may end before its last turn; tool results are left out).
pub fn trial_tokens(prompt: u64, output_per_call: u64, turns: u64) -> (u64, u64) {
    let history = output_per_call * turns * turns.saturating_sub(1) / 2;
    (prompt * turns + history, output_per_call * turns)
}

/// Trials above which a plan needs `--yes`: a typo in `samples` should not start a week of calls.
pub const CONFIRM_TRIALS: u64 = 100_000;

/// Estimated cost in USD above which a plan needs `--yes`.
pub const CONFIRM_COST_USD: f64 = 1_000.0;

/// Why this invocation of `experiment` is big enough to ask before running it (`None`: run
/// it): too many trials, too much money, or more than an hour on a local model
/// ([`wall_time::local_too_long`]). What counts is what this invocation would run: the trials
/// `left` (a resumed run's from its ledger; `None`: a new run, all of them), at most `--limit`;
/// the plan's estimates are scaled to that share.
pub fn needs_confirmation(
    experiment: &ResolvedExperiment,
    left: Option<u64>,
) -> anyhow::Result<Option<String>> {
    let planned = experiment.total_trials();
    let to_run = invocation_trials(planned, left, experiment.limit);
    let whole = to_run == planned;
    if to_run > CONFIRM_TRIALS {
        let what = if whole {
            "the plan has"
        } else {
            "this invocation would run"
        };
        return Ok(Some(format!(
            "{what} {to_run} trials (more than {CONFIRM_TRIALS})"
        )));
    }
    let share = if planned == 0 {
        0.0
    } else {
        to_run as f64 / planned as f64
    };
    let estimates: Vec<ModelEstimate> = estimate(experiment)?
        .iter()
        .map(|e| e.scaled(share))
        .collect();
    if let Some(reason) = wall_time::local_too_long(&experiment.models, &estimates) {
        return Ok(Some(reason));
    }
    let cost: f64 = estimates.iter().filter_map(|e| e.cost_usd).sum();
    let what = if whole {
        "the plan is"
    } else {
        "the trials this invocation would run are"
    };
    Ok((cost > CONFIRM_COST_USD)
        .then(|| format!("{what} estimated at ${cost:.0} (more than ${CONFIRM_COST_USD:.0})")))
}

/// The trials not done yet of the run in `run_dir` (`None`: no ledger yet, a new run), for
/// [`needs_confirmation`]; `retry_failed` counts the failed trials too.
pub fn trials_left(run_dir: &std::path::Path, retry_failed: bool) -> anyhow::Result<Option<u64>> {
    if !insider_ledger::Ledger::exists(run_dir) {
        return Ok(None);
    }
    let counts = insider_ledger::Ledger::open_read_only(run_dir)?.status_counts()?;
    Ok(Some(
        counts.left() + if retry_failed { counts.failed } else { 0 },
    ))
}

/// The trials one invocation runs of a plan of `planned`: those `left` (all when `None`), at
/// most `limit`.
pub fn invocation_trials(planned: u64, left: Option<u64>, limit: Option<u64>) -> u64 {
    let left = left.unwrap_or(planned).min(planned);
    limit.map_or(left, |limit| left.min(limit))
}

/// Input tokens a grader call adds to the reply it grades: the rubric, the scenario facts and
/// the fence (the judge's grader prompt is about this long).
pub const GRADER_PROMPT_TOKENS: u64 = 2_000;

/// Output tokens of one grader answer (reasoning and the verdict line).
pub const GRADER_OUTPUT_TOKENS: u64 = 400;

/// The grader's share of a plan: one call per trial.
pub fn grader_estimate(
    experiment: &ResolvedExperiment,
    models: &[ModelEstimate],
) -> Option<ModelEstimate> {
    let grader = experiment.grader.as_ref().filter(|_| experiment.classify)?;
    let trials: u64 = models.iter().map(|m| m.trials).sum();
    let replies: u64 = models.iter().map(|m| m.output_tokens).sum();
    let input_tokens = replies + trials * GRADER_PROMPT_TOKENS;
    let output_tokens = trials * GRADER_OUTPUT_TOKENS;
    let cost = crate::models::estimate_cost(grader, input_tokens, output_tokens);
    Some(ModelEstimate {
        model: grader.clone(),
        trials,
        calls: trials,
        input_tokens,
        output_tokens,
        cost_usd: cost.map(|c| c.0),
        batch_cost_usd: cost.map(|c| c.1),
    })
}

#[cfg(test)]
mod tests {
    use super::{invocation_trials, trial_tokens};

    #[test]
    fn an_agent_session_counts_every_turn_and_the_history_it_resends() {
        assert_eq!(trial_tokens(3_000, 1_500, 1), (3_000, 1_500), "one call");
        // Three turns: the prompt three times, plus replies 1 and 1+2 sent again.
        assert_eq!(trial_tokens(3_000, 100, 3), (9_000 + 300, 300));
    }

    #[test]
    fn an_invocation_runs_what_is_left_up_to_its_limit() {
        assert_eq!(
            invocation_trials(390, None, None),
            390,
            "a new run: the plan"
        );
        assert_eq!(
            invocation_trials(390, Some(2), None),
            2,
            "a resume: what is left"
        );
        assert_eq!(invocation_trials(390, None, Some(5)), 5);
        assert_eq!(invocation_trials(390, Some(2), Some(5)), 2);
        assert_eq!(
            invocation_trials(390, Some(500), None),
            390,
            "never more than planned"
        );
    }
}
