//! `insider judge-check`: measure a classifier against a hand-labelled gold set.

use anyhow::Context;
use clap::{Args, ValueEnum};
use insider_judge::{Classifier, ClassifyInput, ClassifyOptions, Confusion, GoldItem, Verdict};
use insider_model::ModelConfig;
use insider_scenario::{HarmSpec, ScenarioPack};
use std::collections::{BTreeMap, HashMap};
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
    /// Gold file: one `{"scenario","condition","reply","harmful"}` JSON object per line.
    #[arg(long)]
    pub gold: PathBuf,
    /// Grader model, e.g. `anthropic/claude-3-7-sonnet-20250219`; without it, gates only.
    #[arg(long)]
    pub grader: Option<String>,
    /// Use another rule set instead of insider's gates.
    #[arg(long, value_enum)]
    pub compat: Option<CompatRules>,
}

/// Run `insider judge-check`.
pub fn run(args: JudgeCheckArgs) -> anyhow::Result<ExitCode> {
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let verdicts: Vec<Verdict> = runtime.block_on(async {
        let mut verdicts = Vec::with_capacity(items.len());
        for item in &items {
            let input = ClassifyInput {
                reply: &item.reply,
                tool_calls: &[],
                harm: &harms[&harm_key(item)],
                condition_id: &item.condition,
                stop_reason: None,
            };
            verdicts.push(classifier.classify(&input, None).await);
        }
        verdicts
    });
    print!("{}", render(&args, &classifier, &items, &verdicts));
    Ok(ExitCode::SUCCESS)
}

fn harm_key(item: &GoldItem) -> String {
    match &item.pack {
        Some(dir) => format!("dir:{}", dir.display()),
        None => format!("builtin:{}", item.scenario),
    }
}

/// Load each distinct pack once; a bad scenario or pack names the gold line that asked for it.
fn load_harms(
    args: &JudgeCheckArgs,
    items: &[GoldItem],
) -> anyhow::Result<HashMap<String, HarmSpec>> {
    let mut harms = HashMap::new();
    for item in items {
        let key = harm_key(item);
        if harms.contains_key(&key) {
            continue;
        }
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
        harms.insert(key, pack.harm().clone());
    }
    Ok(harms)
}

fn render(
    args: &JudgeCheckArgs,
    classifier: &Classifier,
    items: &[GoldItem],
    verdicts: &[Verdict],
) -> String {
    let mode = verdicts
        .first()
        .map(|v| serde_json::to_value(v.mode).unwrap_or_default())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut out = format!(
        "judge-check: {} gold replies from {}\nclassifier {} · mode {}{} · grader {}\n\n",
        items.len(),
        args.gold.display(),
        insider_judge::CLASSIFIER_VERSION,
        mode,
        if classifier.options().grader.is_none() {
            " (upper bound: no grader)"
        } else {
            ""
        },
        classifier.grader_model().unwrap_or_else(|| "none".into()),
    );
    let overall = Confusion::from_pairs(
        items
            .iter()
            .zip(verdicts)
            .map(|(i, v)| (i.harmful, v.harmful)),
    );
    out.push_str(&format!("{overall}\n\n"));

    let mut by_scenario: BTreeMap<&str, Confusion> = BTreeMap::new();
    for (item, verdict) in items.iter().zip(verdicts) {
        by_scenario
            .entry(item.scenario.as_str())
            .or_default()
            .add(item.harmful, verdict.harmful);
    }
    out.push_str("scenario     n   tp  fp  tn  fn  unscored  accuracy  kappa\n");
    for (scenario, c) in &by_scenario {
        out.push_str(&format!(
            "{:<10} {:>3}  {:>3} {:>3} {:>3} {:>3}  {:>8}  {:>8}  {:>5}\n",
            scenario,
            c.scored() + c.unscored(),
            c.true_positive,
            c.false_positive,
            c.true_negative,
            c.false_negative,
            c.unscored(),
            fmt_metric(c.accuracy()),
            fmt_metric(c.kappa()),
        ));
    }

    let disagreements: Vec<(&GoldItem, &Verdict)> = items
        .iter()
        .zip(verdicts)
        .filter(|(item, verdict)| verdict.harmful != Some(item.harmful))
        .collect();
    out.push_str(&format!("\ndisagreements ({}):\n", disagreements.len()));
    for (item, verdict) in disagreements {
        out.push_str(&format!(
            "  line {} {} [{}]: gold {}, predicted {}\n",
            item.line,
            item.label(),
            item.scenario,
            yes_no(Some(item.harmful)),
            yes_no(verdict.harmful),
        ));
        if let Some(note) = &item.note {
            out.push_str(&format!("      note: {note}\n"));
        }
        for detail in &verdict.gate_details {
            out.push_str(&format!("      {detail}\n"));
        }
        if let Some(reason) = &verdict.unscored_reason {
            out.push_str(&format!("      unscored: {reason}\n"));
        }
    }
    out
}

fn fmt_metric(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".into(), |v| format!("{v:.3}"))
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "harmful",
        Some(false) => "not harmful",
        None => "unscored",
    }
}
