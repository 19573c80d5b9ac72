//! One invocation of `insider run`: open or create the ledger, write the plan, run what is
//! left, and report. Resuming is the same operation on an existing run directory.

use crate::config::ResolvedExperiment;
use crate::progress::{Display, ModelProgress, ProgressMode};
use crate::scheduler::{ExecuteOutcome, ModelWork, Shared, StopSignals};
use crate::writer::{LedgerVerdictCache, Writer};
use anyhow::Context;
use insider_judge::{Classifier, ClassifyOptions, VerdictCache};
use insider_ledger::{ConditionInfo, Ledger, NewRun, RunDirLock, StoredPrompt, WorkItem};
use insider_model::Provider;
use insider_scenario::Condition;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Builds the provider of a model (the real one is `insider_model::resolve`; tests pass fakes).
pub type ProviderFactory = Arc<
    dyn Fn(&str, &insider_model::ModelConfig) -> anyhow::Result<Arc<dyn Provider>> + Send + Sync,
>;

/// What to run and how.
pub struct RunOptions {
    /// The run directory (created if new).
    pub run_dir: PathBuf,
    /// The experiment.
    pub experiment: ResolvedExperiment,
    /// The command line, recorded in the session.
    pub argv: String,
    /// Progress display.
    pub progress: ProgressMode,
    /// Interval of plain progress lines.
    pub progress_interval: Duration,
    /// Also retry trials that failed permanently.
    pub retry_permanent: bool,
    /// Builds providers.
    pub providers: ProviderFactory,
    /// When to stop early: the caller drives them (the CLI from Ctrl-C and SIGTERM), or
    /// [`StopSignals::never`].
    pub stop: StopSignals,
}

/// What an invocation did.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Path of the ledger file.
    pub ledger_path: PathBuf,
    /// Trials in the plan.
    pub planned: u64,
    /// Trials already completed before this invocation.
    pub already_completed: u64,
    /// What this invocation did.
    pub outcome: ExecuteOutcome,
    /// Whether the run was stopped before its work was done.
    pub interrupted: bool,
    /// Whether calls in flight were cancelled (a second Ctrl-C): the caller should leave soon.
    pub stopped_now: bool,
    /// Conditions whose harm spec does not fit their prompt ([`crate::harm_fit`]): lines to
    /// print, since their verdicts cannot be harmful.
    pub harm_warnings: Vec<String>,
}

/// A rendered condition with its pack.
pub struct PlannedCondition {
    /// The condition.
    pub condition: Condition,
    /// Its rendered prompt.
    pub prompt: insider_scenario::RenderedPrompt,
    /// The pack's harm spec.
    pub harm: Arc<insider_scenario::HarmSpec>,
    /// Where the pack came from (`builtin`, `dir:<path>`, `original:<path>`).
    pub pack_origin: String,
    /// Agent mode: the condition's world and its prompts (none in single mode).
    pub agent: Option<Arc<crate::agent::AgentPlan>>,
}

/// Concurrent calls a model under test gets: its `max_connections`, else the default (10).
pub fn model_connections(config: &insider_model::ModelConfig) -> usize {
    config
        .max_connections
        .unwrap_or(insider_model::limits::DEFAULT_MAX_CONNECTIONS)
        .max(1)
}

/// The settings the grader's provider is built with: as many connections as the workers of all
/// models under test together, since each worker waits for at most one grader answer at a time.
/// A grader with fewer connections than that would hold back the models it grades.
pub fn grader_config(experiment: &ResolvedExperiment) -> insider_model::ModelConfig {
    let workers: usize = experiment
        .models
        .iter()
        .map(|model| model_connections(&model.config))
        .sum();
    insider_model::ModelConfig {
        max_connections: Some(workers.max(1)),
        ..insider_model::ModelConfig::default()
    }
}

/// Render every condition of the experiment (fails on a pack or template error).
pub fn render_conditions(experiment: &ResolvedExperiment) -> anyhow::Result<Vec<PlannedCondition>> {
    let mut packs = crate::packs::PackSet::load(&experiment.packs)?;
    let mut planned = Vec::new();
    for condition in experiment.parsed_conditions()? {
        let (pack, origin) = packs.get(&condition.scenario)?;
        let prompt = pack
            .render(&condition)
            .map_err(|e| anyhow::anyhow!("rendering {}: {e}", condition.id()))?;
        let agent = match condition.mode {
            insider_scenario::TrialMode::Single => None,
            insider_scenario::TrialMode::Agent => Some(Arc::new(crate::agent::AgentPlan::build(
                pack, &condition, &prompt,
            )?)),
        };
        planned.push(PlannedCondition {
            harm: Arc::new(pack.harm_for(&condition)),
            pack_origin: origin,
            agent,
            condition,
            prompt,
        });
    }
    Ok(planned)
}

/// Write the plan (models, conditions, prompts, trials) into the ledger in one transaction.
pub fn write_plan(
    ledger: &mut Ledger,
    experiment: &ResolvedExperiment,
    planned: &[PlannedCondition],
) -> anyhow::Result<()> {
    ledger.batch(|ledger| plan_into(ledger, experiment, planned))
}

/// Write the plan inside the caller's transaction; planning again keeps completed trials.
fn plan_into(
    ledger: &Ledger,
    experiment: &ResolvedExperiment,
    planned: &[PlannedCondition],
) -> anyhow::Result<()> {
    {
        let mut condition_ids = Vec::new();
        let mut condition_names = Vec::new();
        for item in planned {
            let id = ledger.upsert_condition(&ConditionInfo::of(&item.condition))?;
            ledger.set_condition_pack(id, &item.pack_origin, &item.harm)?;
            ledger.store_prompt(
                &item.prompt.sha256,
                &StoredPrompt {
                    system: item.prompt.system.clone(),
                    user: item.prompt.user.clone(),
                    tools: item.prompt.tools.clone(),
                },
            )?;
            if let Some(agent) = &item.agent {
                crate::agent::store_plan(ledger, agent)?;
            }
            condition_ids.push((id, item.prompt.sha256.clone(), item.agent.clone()));
            condition_names.push(item.condition.id());
        }
        for model in &experiment.models {
            let mut params = serde_json::to_value(&model.config)?;
            if let Some(map) = params.as_object_mut() {
                map.insert("seed".into(), serde_json::json!(experiment.seed));
            }
            let model_id = ledger.upsert_model(&model.name, &params)?;
            for ((condition_id, hash, agent), name) in condition_ids.iter().zip(&condition_names) {
                // An agent session's prompt depends on whether the model takes native tools.
                let native = crate::agent::takes_native_tools(&model.config);
                let hash = agent
                    .as_ref()
                    .map_or(hash, |agent| &agent.prompt_for(native).sha256);
                let trial = (model_id, *condition_id, hash.as_str());
                let plan = (experiment.shard, experiment.samples);
                crate::shard::plan_trials(ledger, plan, (&model.name, name), trial)?;
            }
        }
        Ok(())
    }
}

/// A run grown to more samples records the new count, so a later `--resume` keeps it.
fn grow_stored_samples(ledger: &Ledger, experiment: &ResolvedExperiment) -> anyhow::Result<()> {
    let mut stored = crate::resume::stored_experiment(ledger)?;
    if stored.samples < experiment.samples {
        stored.samples = experiment.samples;
        ledger.set_run_config(&serde_json::to_value(&stored)?)?;
    }
    Ok(())
}

/// The ledger of `run_dir` with the plan written (created with it in one transaction when
/// new); trials left in flight by a dead process are released for retry.
fn open_with_plan(
    run_dir: &Path,
    experiment: &ResolvedExperiment,
    planned: &[PlannedCondition],
) -> anyhow::Result<Ledger> {
    let ledger = if Ledger::exists(run_dir) {
        let mut ledger = Ledger::open(run_dir)?;
        write_plan(&mut ledger, experiment, planned)?;
        grow_stored_samples(&ledger, experiment)?;
        ledger
    } else {
        let run = NewRun::new(&experiment.name, serde_json::to_value(experiment)?);
        Ledger::create_with(run_dir, &run, |ledger| {
            plan_into(ledger, experiment, planned)
        })?
    };
    let released = ledger.release_in_flight()?;
    if released > 0 {
        tracing::info!(
            "{released} trials were in flight when the last session stopped; retrying them"
        );
    }
    Ok(ledger)
}

/// The trials this invocation works on: the ledger's work list for this experiment's models
/// and conditions (a ledger could hold others from an earlier config), up to the limit.
fn work_for(
    ledger: &Ledger,
    experiment: &ResolvedExperiment,
    retry_permanent: bool,
) -> anyhow::Result<Vec<WorkItem>> {
    let mut work = ledger.work_list(retry_permanent)?;
    let models: std::collections::HashSet<&str> =
        experiment.models.iter().map(|m| m.name.as_str()).collect();
    let conditions: std::collections::HashSet<&str> =
        experiment.conditions.iter().map(String::as_str).collect();
    work.retain(|item| models.contains(&*item.model) && conditions.contains(&*item.condition));
    if let Some(limit) = experiment.limit {
        work.truncate(limit as usize);
    }
    Ok(work)
}

/// What every worker shares: base requests, settings, harm specs, the classifier and its
/// cache (grader answers only: gate-only verdicts are cheaper to recompute than to look up).
fn shared_state(
    options: &RunOptions,
    planned: &[PlannedCondition],
    (grader, panel): (Option<Arc<dyn Provider>>, Option<insider_judge::Panel>),
    writer: &Writer,
) -> anyhow::Result<Shared> {
    let experiment = &options.experiment;
    let graded = grader.is_some() || panel.is_some();
    let cache: Option<Arc<dyn VerdictCache>> = if experiment.classify && graded {
        Some(Arc::new(LedgerVerdictCache::new(
            &options.run_dir,
            writer.sender(),
        )?))
    } else {
        None
    };
    let classifier = experiment.classify.then(|| {
        Arc::new(Classifier::new(ClassifyOptions {
            // A panel's verdicts name the panel (rule and graders) themselves.
            grader_model: experiment.grader.clone().filter(|_| panel.is_none()),
            grader,
            panel,
            ..ClassifyOptions::default()
        }))
    });
    let mut requests = HashMap::new();
    let mut harms = HashMap::new();
    for item in planned {
        requests.insert(
            item.prompt.sha256.clone(),
            Arc::new(crate::request::base_request(&item.prompt)),
        );
        harms.insert(item.condition.id(), item.harm.clone());
    }
    let agents = crate::agent::agent_work(
        planned.iter().filter_map(|item| item.agent.as_ref()),
        &mut requests,
    );
    Ok(Shared {
        requests,
        settings: experiment
            .models
            .iter()
            .map(|m| (m.name.clone(), m.config.generation.clone()))
            .collect(),
        seed: experiment.seed,
        harms,
        classifier,
        cache,
        writer: writer.sender(),
        agents,
        resumed: std::sync::Mutex::new(HashMap::new()),
        grader_batch_stop: crate::batch::grader_in_batch_mode(experiment)
            .then(|| options.stop.clone()),
    })
}

/// Each model's queue, provider and progress counters.
fn model_work(
    experiment: &ResolvedExperiment,
    work: Vec<WorkItem>,
    providers: &HashMap<String, Arc<dyn Provider>>,
) -> (Vec<ModelWork>, Vec<Arc<ModelProgress>>) {
    let mut by_model: BTreeMap<Arc<str>, Vec<WorkItem>> = BTreeMap::new();
    for item in work {
        by_model.entry(item.model.clone()).or_default().push(item);
    }
    let mut model_work = Vec::new();
    let mut progress = Vec::new();
    for model in &experiment.models {
        let items = by_model.remove(model.name.as_str()).unwrap_or_default();
        let counter = Arc::new(ModelProgress::new(&model.name, items.len() as u64));
        progress.push(counter.clone());
        model_work.push(ModelWork {
            provider: providers[&model.name].clone(),
            max_connections: model_connections(&model.config),
            items,
            progress: counter,
        });
    }
    (model_work, progress)
}

/// Run (or resume) an experiment in `options.run_dir`.
pub async fn run(options: RunOptions) -> anyhow::Result<RunResult> {
    let experiment = &options.experiment;
    let planned = render_conditions(experiment)?;
    let harm_warnings = crate::harm_fit::planned_warnings(planned.iter().map(|item| {
        (
            item.condition.id(),
            &*item.harm,
            item.prompt.system.as_str(),
            item.prompt.user.as_str(),
        )
    }));
    // Build every provider before touching the ledger: a bad model fails before any work.
    let mut providers: HashMap<String, Arc<dyn Provider>> = HashMap::new();
    for model in &experiment.models {
        let provider = (options.providers)(&model.name, &model.config)
            .with_context(|| format!("model `{}`", model.name))?;
        providers.insert(model.name.clone(), provider);
    }
    // `grader` names one model or a panel (`[RULE:]A,B,C`, see insider_judge::GraderSpec).
    let batched_graders = crate::batch::batched_graders(experiment);
    let graders = match (&experiment.grader, experiment.classify) {
        (Some(spec), true) => insider_judge::GraderSpec::parse(spec)
            .map_err(|error| anyhow::anyhow!("grader `{spec}`: {error}"))?
            .open(|name| {
                let config = grader_config(experiment);
                let grader = (options.providers)(name, &config)
                    .with_context(|| format!("grader model `{name}`"))?;
                Ok::<_, anyhow::Error>(if batched_graders.iter().any(|g| g == name) {
                    crate::batch::grader::batched(name, &config, grader, &options.run_dir)
                } else {
                    grader
                })
            })?,
        _ => (None, None),
    };

    // One process per run directory, from before the ledger is read until the run ends.
    let lock = RunDirLock::acquire(&options.run_dir)?;
    let ledger = open_with_plan(&options.run_dir, experiment, &planned)?;
    // Where each model is called, so a report names the host (a local fake included).
    for (name, provider) in &providers {
        if let Some(url) = provider.base_url() {
            ledger.set_model_base_url(name, &url)?;
        }
    }
    let session = ledger.start_session(&options.argv)?;
    let counts = ledger.status_counts()?;
    let work = work_for(&ledger, experiment, options.retry_permanent)?;
    let open_batches = crate::batch::OpenBatches::read(&ledger)?;
    let unclassified = crate::batch::unclassified(&ledger, experiment)?;
    let ledger_path = ledger.path().to_path_buf();
    let writer = Writer::start(ledger);
    let mut shared = shared_state(&options, &planned, graders, &writer)?;
    // Sessions that began earlier continue from their committed turns (read before the
    // writer takes the ledger's connection, through a reader of its own).
    let resumed = crate::agent::committed_turns(
        &Ledger::open_read_only(&options.run_dir)?,
        &work,
        &shared.agents,
    )?;
    shared.resumed = std::sync::Mutex::new(resumed);
    let (work, batches) = open_batches.split(experiment, work, &shared);
    let shared = Arc::new(shared);
    let (model_work, progress) = model_work(experiment, work, &providers);
    let batches = batches.with_progress(&progress);

    let display = Display::start(
        progress.clone(),
        options.progress,
        options.progress_interval,
    );
    let (outcome, ()) = tokio::join!(
        crate::batch::execute_with(
            model_work,
            batches,
            &providers,
            &options.run_dir,
            shared.clone(),
            options.stop.clone(),
        ),
        crate::batch::classify_unclassified(unclassified, &shared, &progress)
    );
    display.finish();
    drop(shared);
    let ledger = writer.finish().context("writing the ledger")?;
    let outcome = outcome?;
    let interrupted = options.stop.stopping();
    // Finished when nothing is left to retry (permanent failures need --retry-failed).
    let session_outcome = if interrupted {
        "interrupted"
    } else if ledger.work_count(false)? == 0 {
        ledger.finish_run()?;
        "finished"
    } else {
        "partial"
    };
    ledger.end_session(session, session_outcome)?;
    drop(lock);
    Ok(RunResult {
        run_dir: options.run_dir.clone(),
        ledger_path,
        planned: counts.total(),
        already_completed: counts.completed,
        outcome,
        interrupted,
        stopped_now: options.stop.stopped_now(),
        harm_warnings,
    })
}

/// The provenance-friendly absolute form of a run directory.
pub fn display_path(path: &Path) -> String {
    path.display().to_string()
}
