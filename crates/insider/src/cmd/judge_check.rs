//! `insider judge-check`: measure a classifier against a hand-labelled gold set, or a run's
//! stored verdicts against a labelling sheet filled in after `insider review`.

use anyhow::Context;
use clap::{Args, ValueEnum};
use insider_judge::{Classifier, ClassifyOptions, GoldItem};
use insider_model::ModelConfig;
use insider_scenario::{HarmSpec, ScenarioPack};
use std::collections::HashMap;
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
        return super::review::check_sheet(&args.gold, args.run.as_deref());
    }
    let items = insider_judge::read_gold(&args.gold)?;
    if items.is_empty() {
        anyhow::bail!(
            "{}: the gold file has no items; write one JSON object per line",
            args.gold.display()
        );
    }
    let harms = load_harms(&args, &items)?;
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
    let runtime = super::runtime()?;
    let source = args.gold.display().to_string();
    let check = runtime.block_on(insider_judge::check_gold(
        &classifier,
        items,
        |item| &harms[&harm_key(item)],
        &source,
    ));
    print!("{}", check.render());
    Ok(ExitCode::SUCCESS)
}

/// The pack a gold item names.
fn pack_key(item: &GoldItem) -> String {
    match &item.pack {
        Some(dir) => format!("dir:{}", dir.display()),
        None => format!("builtin:{}", item.scenario),
    }
}

/// Its pack and condition: each condition has its own harm spec (inbox numbering, setting).
fn harm_key(item: &GoldItem) -> String {
    format!("{} {}", pack_key(item), item.condition)
}

/// Load each distinct pack once; a bad scenario or pack names the gold line that asked for it,
/// and so does a condition id the pack cannot render.
fn load_harms(
    args: &JudgeCheckArgs,
    items: &[GoldItem],
) -> anyhow::Result<HashMap<String, HarmSpec>> {
    let mut packs: HashMap<String, ScenarioPack> = HashMap::new();
    let mut harms = HashMap::new();
    for item in items {
        let key = pack_key(item);
        if !packs.contains_key(&key) {
            let field = if item.pack.is_some() {
                "pack"
            } else {
                "scenario"
            };
            let pack =
                ScenarioPack::resolve(item.pack.as_deref(), &item.scenario).map_err(|error| {
                    anyhow::anyhow!(
                        "{}:{}: field `{field}`: cannot load the pack: {error}",
                        args.gold.display(),
                        item.line
                    )
                })?;
            packs.insert(key.clone(), pack);
        }
        insider_judge::check_condition(item, &packs[&key], &args.gold)?;
        if let Ok(condition) = insider_scenario::Condition::parse_id(&item.condition) {
            harms.insert(harm_key(item), packs[&key].harm_for(&condition));
        }
    }
    Ok(harms)
}
