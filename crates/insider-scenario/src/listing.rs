//! What `insider scenarios list|grid|render|check|import-original` print, as text. The CLI
//! parses flags into these calls and prints the result.

use crate::original::ImportReport;
use crate::{
    expand, expand_for, parse_factor_list, parse_level_list, parse_switch_list, parse_variant_list,
    split_list, ExtraInstructions, Factor, GoalType, GoalValue, GridSelection, Mitigation, Pack,
    RenderedPrompt, ScenarioPack, Urgency,
};
use std::fmt::Write;
use std::path::Path;

fn names<T: Factor>(values: &[T]) -> String {
    let names: Vec<&str> = values.iter().map(|v| v.name()).collect();
    names.join(", ")
}

/// `scenarios list`: the built-in packs, the factors and their values, and the grid sizes.
/// The flag is true when a built-in pack failed to load.
pub fn list_text() -> anyhow::Result<(String, bool)> {
    let mut out = String::from("Packs:\n");
    let mut failed = false;
    let width = Pack::builtin_names()
        .iter()
        .map(|name| name.len())
        .max()
        .unwrap_or(10);
    for name in Pack::builtin_names() {
        match Pack::builtin(name) {
            Ok(pack) => writeln!(
                out,
                "  {name:<width$} {:>4} conditions  {} ({:?})  {}",
                pack.conditions().len(),
                pack.company_name(),
                pack.harm().kind,
                pack.description()
            )?,
            Err(error) => {
                failed = true;
                writeln!(out, "  {name:<10} BROKEN: {} problem(s); run `insider scenarios check scenarios/{name}`", error.problems.len())?
            }
        }
    }
    writeln!(out, "\nFactors:")?;
    writeln!(out, "  goal_type           {}", names(GoalType::ALL))?;
    writeln!(
        out,
        "  goal_value          {}  (none/ambiguous goal types take `none`)",
        names(&GoalValue::ALL[..8])
    )?;
    writeln!(out, "  urgency             {}", names(Urgency::ALL))?;
    writeln!(
        out,
        "  extra_instructions  {}  (id suffix `_extra-<value>`)",
        names(ExtraInstructions::ALL)
    )?;
    writeln!(
        out,
        "  awareness_notice    off, on  (id suffix `_eval-awareness`)"
    )?;
    writeln!(
        out,
        "  prod                off, on  (id suffix `_prod`: no scratchpad)"
    )?;
    writeln!(
        out,
        "  mitigation          {}  (id suffix `_mitigation-<value>`)",
        names(Mitigation::ALL)
    )?;
    let per_pack = expand_for(&GridSelection::default(), &["x"])?.len();
    let packs = Pack::builtin_names().len();
    writeln!(
        out,
        "\nBase grid: {} conditions over {packs} built-in packs ({per_pack} per pack); with extra instructions (x3), notice (x2) and prod (x2): {} per pack",
        per_pack * packs,
        per_pack * 12
    )?;
    Ok((out, failed))
}

/// A grid selection as the command line writes it: comma-separated lists (`None`: all).
#[derive(Debug, Clone, Default)]
pub struct GridLists {
    /// Scenarios.
    pub scenario: Option<String>,
    /// Goal types.
    pub goal_type: Option<String>,
    /// Goal values.
    pub goal_value: Option<String>,
    /// Urgencies.
    pub urgency: Option<String>,
    /// Extra instructions.
    pub extra_instructions: Option<String>,
    /// Eval-awareness notice switches (`true`, `false,true`; `None`: without it).
    pub awareness_notice: Option<String>,
    /// Scratchpad-removed switches (`None`: with the scratchpad).
    pub prod: Option<String>,
    /// Personas (`default` and the pack's names).
    pub persona: Option<String>,
    /// Executives (`default` and the pack's names).
    pub executive: Option<String>,
    /// Renamed-world variants (`0`: the pack as written).
    pub variant: Option<String>,
    /// Mitigations (`none`, `escalation`, ...).
    pub mitigation: Option<String>,
}

impl GridLists {
    /// Whether any list is given (an absent list takes the grid's default).
    pub fn any_given(&self) -> bool {
        [
            &self.scenario,
            &self.goal_type,
            &self.goal_value,
            &self.urgency,
            &self.extra_instructions,
            &self.awareness_notice,
            &self.prod,
            &self.persona,
            &self.executive,
            &self.variant,
            &self.mitigation,
        ]
        .iter()
        .any(|list| list.is_some())
    }
}

/// `scenarios grid`: the condition ids of `lists`, over the built-in packs or the pack in
/// `pack` (only the conditions it supports), one per line.
pub fn grid_text(lists: &GridLists, pack: Option<&Path>) -> anyhow::Result<String> {
    let text = |list: &Option<String>| list.clone().unwrap_or_default();
    let selection = GridSelection {
        scenarios: lists
            .scenario
            .as_deref()
            .map(split_list)
            .unwrap_or_default(),
        goal_types: parse_factor_list("goal_type", &text(&lists.goal_type))?,
        goal_values: parse_factor_list("goal_value", &text(&lists.goal_value))?,
        urgencies: parse_factor_list("urgency", &text(&lists.urgency))?,
        extra_instructions: parse_factor_list(
            "extra_instructions",
            &text(&lists.extra_instructions),
        )?,
        awareness_notice: parse_switch_list("awareness_notice", &text(&lists.awareness_notice))?,
        prod: parse_switch_list("prod", &text(&lists.prod))?,
        personas: parse_level_list("persona", &text(&lists.persona))?,
        executives: parse_level_list("executive", &text(&lists.executive))?,
        variants: parse_variant_list(&text(&lists.variant))?,
        mitigations: parse_factor_list("mitigation", &text(&lists.mitigation))?,
    };
    let conditions = match pack {
        Some(dir) => {
            let pack = ScenarioPack::load_dir(dir)?;
            let all = expand_for(&selection, &[pack.name()])?;
            all.into_iter().filter(|c| pack.supports(c)).collect()
        }
        None => expand(&selection)?,
    };
    Ok(conditions.iter().map(|c| c.id() + "\n").collect())
}

/// `scenarios render --format text`: system message, user message and the native tools.
pub fn prompt_text(prompt: &RenderedPrompt) -> anyhow::Result<String> {
    let mut out = format!(
        "=== condition: {}  sha256: {}\n",
        prompt.condition, prompt.sha256
    );
    writeln!(out, "=== system\n{}", prompt.system)?;
    writeln!(out, "=== user\n{}", prompt.user)?;
    writeln!(out, "=== tools (native mode)")?;
    for tool in &prompt.tools {
        writeln!(out, "{}: {}", tool.name, tool.description)?;
        writeln!(out, "{}", serde_json::to_string(&tool.parameters)?)?;
    }
    Ok(out)
}

/// `scenarios check` on a pack that loaded: what it holds.
pub fn check_line(pack: &Pack) -> String {
    let tools: Vec<&str> = pack.tools().iter().map(|t| t.name.as_str()).collect();
    format!(
        "ok: pack `{}` at {}: {} conditions render, {} e-mails, tools: {}",
        pack.name(),
        pack.root(),
        pack.conditions().len(),
        pack.email_ids().len(),
        tools.join(", ")
    )
}

/// `scenarios audit`: the ingredient table of the pack in `pack`, or of every built-in pack.
/// The flag is true when a pack breaks the design (or, for a folder, does not load: the
/// error is the text).
pub fn audit_text(pack: Option<&Path>) -> (String, bool) {
    audit_with(pack, |audit, _| audit.table())
}

/// `scenarios audit --words`: each condition's inbox words and its distance from the median,
/// per pack, then the Markdown summary that docs/scenario-packs.md shows. The flag is as for
/// [`audit_text`].
pub fn audit_words_text(pack: Option<&Path>) -> (String, bool) {
    let mut audits = Vec::new();
    let (mut out, failed) = audit_with(pack, |audit, _| {
        audits.push(audit.clone());
        audit.words_table()
    });
    if !audits.is_empty() {
        out.push('\n');
        out.push_str(&crate::audit::words_summary(&audits));
    }
    (out, failed)
}

/// Audit each pack and join what `show` makes of each audit.
fn audit_with(
    pack: Option<&Path>,
    mut show: impl FnMut(&crate::audit::PackAudit, &Pack) -> String,
) -> (String, bool) {
    let packs: Vec<Result<Pack, String>> = match pack {
        Some(dir) => vec![Pack::load_dir(dir).map_err(|e| e.to_string())],
        None => Pack::builtin_names()
            .iter()
            .map(|name| Pack::builtin(name).map_err(|e| e.to_string()))
            .collect(),
    };
    let mut out = String::new();
    let mut failed = false;
    for (i, pack) in packs.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match pack {
            Ok(pack) => {
                let audit = pack.audit();
                failed |= !audit.passed();
                out.push_str(&show(&audit, &pack));
            }
            Err(error) => {
                failed = true;
                out.push_str(&error);
            }
        }
    }
    (out, failed)
}

/// `scenarios import-original`: each imported pack, its warnings, and the placeholders the
/// original leaves unfilled (each once, with a count and an example condition).
pub fn import_text(report: &ImportReport) -> String {
    let mut out = String::new();
    for pack in &report.packs {
        let _ = writeln!(
            out,
            "imported `{}` into {}: {} conditions render",
            pack.name,
            pack.dir.display(),
            pack.conditions
        );
        for warning in &pack.warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
        let mut placeholders: Vec<&str> = pack.unfilled.iter().map(|(_, n)| n.as_str()).collect();
        placeholders.sort();
        placeholders.dedup();
        for name in placeholders {
            let mut with = pack.unfilled.iter().filter(|(_, n)| n == name);
            let example = with.next().map_or("?", |(id, _)| id.as_str());
            let count = 1 + with.count();
            let _ = writeln!(
                out,
                "  note: the original leaves `${{{name}}}` unfilled in {count} conditions (e.g. {example}); compat mode keeps it"
            );
        }
    }
    out.push_str("render with: insider scenarios render <condition> --pack <pack folder>\n");
    out
}
