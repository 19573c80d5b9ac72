//! `insider classify`: classify (again) a run's replies from its ledger.

use anyhow::Context;
use clap::Args;
use insider_judge::{ClassifyOptions, Label};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `insider classify`.
#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Grader model (default: the run's grader; none gives gate-only verdicts).
    #[arg(long, value_name = "MODEL")]
    pub grader: Option<String>,
    /// Gate-only verdicts even if the run had a grader.
    #[arg(long, conflicts_with = "grader")]
    pub no_grader: bool,
    /// Rule set: `original` reproduces the original research code's rules.
    #[arg(long, value_name = "RULES")]
    pub compat: Option<String>,
    /// Secondary labels to grade, comma-separated.
    #[arg(long, value_name = "LIST")]
    pub labels: Option<String>,
    /// Concurrent grader calls.
    #[arg(long, default_value_t = 20)]
    pub max_connections: usize,
    /// A pack folder (insider format or an `import-original` compat pack) whose harm spec
    /// replaces the stored one for the trials of its scenario (repeatable).
    #[arg(long = "pack", value_name = "DIR", alias = "pack-original")]
    pub packs: Vec<PathBuf>,
}

/// Run `insider classify`.
pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let compat_original = match args.compat.as_deref() {
        None => false,
        Some("original") => true,
        Some(other) => anyhow::bail!("--compat `{other}`: the only rule set is `original`"),
    };
    let labels = match &args.labels {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                Label::from_name(name).with_context(|| {
                    format!(
                        "--labels: unknown label `{name}`; labels: {}",
                        Label::ALL
                            .iter()
                            .map(|l| l.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let ledger = insider_ledger::Ledger::open(&args.run_dir)?;
    let stored: Option<String> = ledger
        .run_info()?
        .config
        .get("grader")
        .and_then(|g| g.as_str())
        .map(str::to_string);
    drop(ledger);
    let grader_name = if args.no_grader {
        None
    } else {
        args.grader.clone().or(stored)
    };
    let grader = match &grader_name {
        Some(name) => {
            let config = insider_model::ModelConfig::default();
            insider_run::models::check(name, &config)
                .map_err(|error| anyhow::anyhow!("--grader: {error}"))?;
            Some(insider_model::resolve(name, &config)?)
        }
        None => None,
    };
    let options = ClassifyOptions {
        grader,
        grader_model: grader_name,
        compat_original,
        labels,
        ..ClassifyOptions::default()
    };
    let mut harms = std::collections::HashMap::new();
    for dir in &args.packs {
        let pack = insider_scenario::ScenarioPack::load_dir(dir)
            .with_context(|| format!("--pack {}", dir.display()))?;
        harms.insert(pack.name().to_string(), pack.harm().clone());
    }
    let runtime = super::runtime()?;
    let outcome = runtime.block_on(insider_run::reclassify::reclassify_with_harms(
        &args.run_dir,
        options,
        args.max_connections,
        &harms,
    ))?;
    println!(
        "classified {} trials: {} harmful, {} unscored{}",
        outcome.classified,
        outcome.harmful,
        outcome.unscored,
        if outcome.skipped > 0 {
            format!(", {} skipped (unknown scenario pack)", outcome.skipped)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}
