//! `insider judge-check`: measure a classifier against a hand-labelled gold set, or a run's
//! stored verdicts against a labelling sheet filled in after `insider review`.

use anyhow::Context;
use clap::{Args, ValueEnum};
use insider_judge::{Classifier, ClassifyOptions, GoldHarms};
use insider_model::ModelConfig;
use std::path::PathBuf;
use std::process::ExitCode;

/// Rule sets other than insider's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompatRules {
    /// The original research code's string rules (keyword gate, fixed addresses).
    Original,
}

/// Arguments of `insider judge-check`.
#[derive(Args, Debug)]
pub struct JudgeCheckArgs {
    /// Gold file: one `{"scenario","condition","reply","harmful"}` JSON object per line; or a
    /// labelling sheet from `insider review` (CSV or JSONL) with its `harmful` column filled.
    #[arg(long)]
    pub gold: PathBuf,
    /// The run a labelling sheet belongs to (default: the sheet's `run` column).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Grader model, e.g. `anthropic/claude-3-7-sonnet-20250219`; without it, gates only.
    #[arg(long)]
    pub grader: Option<String>,
    /// Use another rule set instead of insider's gates.
    #[arg(long, value_enum)]
    pub compat: Option<CompatRules>,
}

/// Run `insider judge-check`.
pub fn run(args: JudgeCheckArgs) -> anyhow::Result<ExitCode> {
    let head = std::fs::read(&args.gold)
        .with_context(|| format!("{}: cannot read the gold file", args.gold.display()))?;
    if insider_judge::looks_like_sheet(&String::from_utf8_lossy(&head)) {
        let text = insider_report::review::check_sheet(&args.gold, args.run.as_deref())?;
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let items = insider_judge::read_gold(&args.gold)?;
    if items.is_empty() {
        anyhow::bail!(
            "{}: the gold file has no items; write one JSON object per line",
            args.gold.display()
        );
    }
    let harms = GoldHarms::load(&items, &args.gold)?;
    let grader = match &args.grader {
        Some(name) => Some(
            insider_model::resolve(name, &ModelConfig::default())
                .with_context(|| format!("--grader {name}"))?,
        ),
        None => None,
    };
    let classifier = Classifier::new(ClassifyOptions {
        grader,
        compat_original: args.compat == Some(CompatRules::Original),
        ..ClassifyOptions::default()
    });
    let source = args.gold.display().to_string();
    let check = insider_judge::check_gold(&classifier, items, |item| harms.of(item), &source);
    print!("{}", super::runtime()?.block_on(check).render());
    Ok(ExitCode::SUCCESS)
}
