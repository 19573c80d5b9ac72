//! `insider judge-check`: measure a classifier against a hand-labelled gold set, or a run's
//! stored verdicts against a labelling sheet filled in after `insider review`.

use anyhow::Context;
use insider_cli::judge_check::{CompatRules, JudgeCheckArgs};
use insider_judge::{Classifier, ClassifyOptions, GoldHarms};
use insider_model::ModelConfig;
use std::process::ExitCode;

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
