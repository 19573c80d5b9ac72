//! `insider classify`: classify (again) the completed trials of a run from the ledger, without
//! calling the target model; grader answers come from the verdict cache when already known.

use crate::writer::{LedgerVerdictCache, WriteOp, Writer};
use insider_judge::{Classifier, ClassifyInput, ClassifyOptions, VerdictCache};
use insider_ledger::Ledger;
use insider_ledger::TrialStatus;
use insider_model::ToolCall;
use insider_scenario::{Condition, HarmSpec, ScenarioPack};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Counts of a classification pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReclassifyOutcome {
    /// Trials classified.
    pub classified: u64,
    /// Verdicts that are harmful.
    pub harmful: u64,
    /// Verdicts left unscored (grader failed or unparsable).
    pub unscored: u64,
    /// Completed trials skipped because their scenario pack is unknown.
    pub skipped: u64,
    /// Conditions whose harm spec does not fit their stored prompt (see [`crate::harm_fit`]),
    /// as lines to print.
    pub warnings: Vec<String>,
}

impl std::fmt::Display for ReclassifyOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "classified {} trials: {} harmful, {} unscored",
            self.classified, self.harmful, self.unscored
        )?;
        if self.skipped > 0 {
            write!(f, ", {} skipped (unknown scenario pack)", self.skipped)?;
        }
        Ok(())
    }
}

/// What `insider classify` was asked for, as written on its command line.
#[derive(Debug, Clone, Default)]
pub struct ClassifyRequest {
    /// Grader model (default: the run's grader).
    pub grader: Option<String>,
    /// Gate-only verdicts even if the run had a grader.
    pub no_grader: bool,
    /// Rule set: `original` reproduces the original research code's rules.
    pub compat: Option<String>,
    /// Secondary labels to grade, comma-separated.
    pub labels: Option<String>,
    /// Pack folders whose harm spec replaces the stored one for their scenario.
    pub packs: Vec<std::path::PathBuf>,
    /// Send the grader's calls as provider batches (`None`: as the run did, its
    /// `grader_batch`); graders without a batch API are called live.
    pub batch: Option<bool>,
}

/// Verdicts classified side by side when the grader batches: enough to fill a grader batch.
pub const BATCH_CONCURRENCY: usize = crate::scheduler::DETACHED_VERDICTS;

/// Whether `insider classify` of the run in `run_dir` sends its grader calls as batches: as
/// asked, else as the run itself did.
pub fn grader_batches(run_dir: &Path, request: &ClassifyRequest) -> anyhow::Result<bool> {
    if let Some(asked) = request.batch {
        return Ok(asked);
    }
    let ledger = Ledger::open_read_only(run_dir)?;
    if ledger.run_info()?.config.get("imported_from").is_some() {
        return Ok(false);
    }
    Ok(crate::resume::stored_experiment(&ledger)?.grader_batch)
}

/// The classifier options and harm specs a [`ClassifyRequest`] means for the run in `run_dir`:
/// the grader named, else the run's own; every name checked before any call.
pub fn prepare(
    run_dir: &Path,
    request: &ClassifyRequest,
) -> anyhow::Result<(ClassifyOptions, HashMap<String, ScenarioPack>)> {
    let compat_original = match request.compat.as_deref() {
        None => false,
        Some("original") => true,
        Some(other) => anyhow::bail!("--compat `{other}`: the only rule set is `original`"),
    };
    let labels = parse_labels(request.labels.as_deref().unwrap_or(""))?;
    let stored = stored_grader(&Ledger::open_read_only(run_dir)?)?;
    let grader_name = if request.no_grader {
        None
    } else {
        request.grader.clone().or(stored)
    };
    let batch = grader_batches(run_dir, request)?;
    // One model or a panel (`[RULE:]A,B,C`, see insider_judge::GraderSpec).
    let (grader, panel) = match &grader_name {
        Some(spec) => insider_judge::GraderSpec::parse(spec)
            .map_err(|error| anyhow::anyhow!("--grader `{spec}`: {error}"))?
            .open(|name| {
                let config = insider_model::ModelConfig::default();
                crate::models::check(name, &config)
                    .map_err(|error| anyhow::anyhow!("--grader: {error}"))?;
                let grader = insider_model::resolve(name, &config)?;
                anyhow::Ok(if batch && crate::batch::supports_batch(name) {
                    crate::batch::grader::batched(name, &config, grader, run_dir)
                } else {
                    grader
                })
            })?,
        None => (None, None),
    };
    let mut harms = HashMap::new();
    for dir in &request.packs {
        let pack = ScenarioPack::load_dir(dir)
            .map_err(|error| anyhow::anyhow!("--pack {}: {error}", dir.display()))?;
        harms.insert(pack.name().to_string(), pack);
    }
    let options = ClassifyOptions {
        grader,
        // A panel's verdicts name the panel (rule and graders) themselves.
        grader_model: grader_name.filter(|_| panel.is_none()),
        panel,
        compat_original,
        labels,
        ..ClassifyOptions::default()
    };
    Ok((options, harms))
}

/// The grader the run was classified with; an imported run (`insider import`) stores no
/// experiment, and so no grader.
fn stored_grader(ledger: &Ledger) -> anyhow::Result<Option<String>> {
    if ledger.run_info()?.config.get("imported_from").is_some() {
        return Ok(None);
    }
    Ok(crate::resume::stored_experiment(ledger)?.grader)
}

/// Secondary labels from a comma-separated list of their names.
fn parse_labels(list: &str) -> anyhow::Result<Vec<insider_judge::Label>> {
    use insider_judge::Label;
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            Label::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Label::ALL.iter().map(|l| l.name()).collect();
                anyhow::anyhow!(
                    "--labels: unknown label `{name}`; labels: {}",
                    known.join(", ")
                )
            })
        })
        .collect()
}

/// Classify every completed trial of the run in `run_dir` with `options`, `concurrency` at a time.
pub async fn reclassify(
    run_dir: &Path,
    options: ClassifyOptions,
    concurrency: usize,
) -> anyhow::Result<ReclassifyOutcome> {
    reclassify_with_harms(run_dir, options, concurrency, &HashMap::new()).await
}

/// [`reclassify`], with the harm specs of the packs in `packs_by_scenario` (e.g. from
/// `classify --pack`) in place of the ones stored with the run's conditions of their scenario.
pub async fn reclassify_with_harms(
    run_dir: &Path,
    options: ClassifyOptions,
    concurrency: usize,
    packs_by_scenario: &HashMap<String, ScenarioPack>,
) -> anyhow::Result<ReclassifyOutcome> {
    struct Job {
        trial_id: i64,
        condition: String,
        reply: String,
        tool_calls: Vec<ToolCall>,
        stop_reason: Option<String>,
        harm: Arc<HarmSpec>,
        /// Agent mode: the session's world and turns, classified from the world's deeds.
        session: Option<crate::agent::StoredSession>,
    }
    let reader = Ledger::open(run_dir)?;
    let mut harms: HashMap<String, Option<Arc<HarmSpec>>> = HashMap::new();
    let mut jobs = Vec::new();
    let mut outcome = ReclassifyOutcome::default();
    let mut fit = crate::harm_fit::HarmFit::default();
    reader.for_each_trial(|trial| {
        if trial.status != TrialStatus::Completed {
            return Ok(());
        }
        // Each condition has its own harm spec (inbox numbering, renamed worlds, executives).
        let condition = Condition::parse_id(&trial.condition).ok();
        let harm_of = |pack: &ScenarioPack| condition.as_ref().map(|c| pack.harm_for(c));
        let harm = harms
            .entry(trial.condition.clone())
            .or_insert_with(|| {
                // A pack the user names wins; then the harm spec stored with the condition: the
                // run may have used a pack folder or a compat pack that is not at hand now.
                packs_by_scenario
                    .get(&trial.scenario)
                    .and_then(harm_of)
                    .or_else(|| reader.condition_harm(&trial.condition).ok().flatten())
                    .or_else(|| {
                        ScenarioPack::builtin(&trial.scenario)
                            .ok()
                            .as_ref()
                            .and_then(harm_of)
                    })
                    .map(Arc::new)
            })
            .clone();
        if let Some(harm) = &harm {
            fit.check_stored(&reader, &trial.condition, &trial.prompt_hash, harm)?;
        }
        let session = crate::agent::StoredSession::load(&reader, trial.trial_id)?;
        match harm {
            Some(harm) => jobs.push(Job {
                session,
                trial_id: trial.trial_id,
                condition: trial.condition,
                reply: trial.reply.unwrap_or_default(),
                tool_calls: trial.tool_calls,
                stop_reason: trial.stop_reason,
                harm,
            }),
            None => outcome.skipped += 1,
        }
        Ok(())
    })?;
    outcome.warnings = fit.lines();
    drop(reader);

    let writer = Writer::start(Ledger::open(run_dir)?);
    let cache: Arc<dyn VerdictCache> = Arc::new(LedgerVerdictCache::new(run_dir, writer.sender())?);
    let classifier = Arc::new(Classifier::new(options));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        let permit = semaphore.clone().acquire_owned().await?;
        let classifier = classifier.clone();
        let cache = cache.clone();
        let sender = writer.sender();
        tasks.spawn(async move {
            let input = ClassifyInput {
                reply: &job.reply,
                tool_calls: &job.tool_calls,
                stop_reason: job.stop_reason.as_deref(),
                harm: &job.harm,
                condition_id: &job.condition,
            };
            let verdict = match &job.session {
                Some(session) => {
                    session
                        .classify(&classifier, Some(cache.as_ref()), &job.harm, &job.condition)
                        .await
                }
                None => classifier.classify(&input, Some(cache.as_ref())).await,
            };
            let harmful = verdict.harmful;
            let _ = sender
                .send(WriteOp::Verdict(job.trial_id, Box::new(verdict)))
                .await;
            drop(permit);
            harmful
        });
    }
    while let Some(result) = tasks.join_next().await {
        outcome.classified += 1;
        match result? {
            Some(true) => outcome.harmful += 1,
            Some(false) => {}
            None => outcome.unscored += 1,
        }
    }
    drop(cache);
    writer.finish()?;
    Ok(outcome)
}
