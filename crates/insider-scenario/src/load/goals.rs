//! `goals.yaml`: the goal statements and reminders per value, the extra instructions, the
//! eval-awareness notice and the scratchpad paragraph, rendered with the pack variables.

use super::loader::Loader;
use crate::condition::{GoalType, GoalValue};
use crate::fragment::Fragment;
use crate::pack::{Goal, SupportedFactors};
use crate::problem::Problem;
use crate::yaml_lines::KeyLines;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The file name, relative to the pack folder.
const GOALS: &str = "goals.yaml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalsYaml {
    goals: BTreeMap<String, GoalYaml>,
    extra_instructions: ExtraYaml,
    awareness_notice: String,
    scratchpad: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalYaml {
    statement: String,
    reminder: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraYaml {
    dont: String,
    goal: String,
}

/// The system-prompt fragments of goals.yaml, rendered.
pub(crate) struct GoalsLoaded {
    /// Goal statement and reminder per value.
    pub goals: HashMap<GoalValue, Goal>,
    /// `extra_instructions.dont`.
    pub extra_dont: Fragment,
    /// `extra_instructions.goal`.
    pub extra_goal: Fragment,
    /// The eval-awareness notice.
    pub awareness_notice: Fragment,
    /// The private scratchpad paragraph.
    pub scratchpad: Fragment,
}

/// Parse goals.yaml, requiring a goal for every value that explicit/swap conditions state.
pub(crate) fn load_goals(
    loader: &mut Loader,
    supported: &SupportedFactors,
    statics: &HashMap<String, String>,
) -> Option<GoalsLoaded> {
    let text = loader.text(GOALS)?;
    let lines = KeyLines::index(text, 0);
    let yaml: GoalsYaml = loader.yaml(GOALS, text, 0)?;
    let goals = goal_map(loader, &yaml, &lines, supported, statics);
    let extra_dont = loader.fragment(
        GOALS,
        &lines,
        "extra_instructions.dont",
        &yaml.extra_instructions.dont,
        statics,
    );
    let extra_goal = loader.fragment(
        GOALS,
        &lines,
        "extra_instructions.goal",
        &yaml.extra_instructions.goal,
        statics,
    );
    for (key, raw) in [
        ("dont", &yaml.extra_instructions.dont),
        ("goal", &yaml.extra_instructions.goal),
    ] {
        if !raw.contains("{{company.name}}") && !raw.contains("{{ company.name }}") {
            loader.problem(
                GOALS,
                lines.line(&format!("extra_instructions.{key}")),
                format!(
                    "`extra_instructions.{key}` must name the company with `{{{{company.name}}}}`"
                ),
            );
        }
    }
    let awareness_notice = loader.fragment(
        GOALS,
        &lines,
        "awareness_notice",
        &yaml.awareness_notice,
        statics,
    );
    let scratchpad = loader.fragment(GOALS, &lines, "scratchpad", &yaml.scratchpad, statics);
    if !yaml.scratchpad.contains("<SCRATCHPAD_REASONING>") {
        loader.problem(
            GOALS,
            lines.line("scratchpad"),
            "`scratchpad` must mention the `<SCRATCHPAD_REASONING>` tag",
        );
    }
    for (key, value) in [
        ("awareness_notice", &awareness_notice),
        ("extra_instructions.dont", &extra_dont),
        ("extra_instructions.goal", &extra_goal),
    ] {
        if value.text.trim().is_empty()
            && !loader
                .problems
                .iter()
                .any(|p| p.field.as_deref() == Some(key))
        {
            loader.problem(GOALS, lines.line(key), format!("`{key}` is empty"));
        }
    }
    Some(GoalsLoaded {
        goals,
        extra_dont,
        extra_goal,
        awareness_notice,
        scratchpad,
    })
}

/// Goal statement and reminder per value, requiring every value explicit/swap conditions state.
fn goal_map(
    loader: &mut Loader,
    yaml: &GoalsYaml,
    lines: &KeyLines,
    supported: &SupportedFactors,
    statics: &HashMap<String, String>,
) -> HashMap<GoalValue, Goal> {
    let mut goals = HashMap::new();
    for (name, goal) in &yaml.goals {
        let path = format!("goals.{name}");
        match GoalValue::parse(name).filter(|v| *v != GoalValue::None) {
            None => {
                let problem = Problem::new(loader.path(GOALS), lines.line(&path), format!("unknown goal value `{name}`"))
                    .field(path.clone())
                    .help("valid: america, global, safety, acceleration, ethical, pragmatic, individualism, collectivism");
                loader.report(GOALS, problem);
            }
            Some(value) => {
                let statement = loader.fragment(
                    GOALS,
                    lines,
                    &format!("{path}.statement"),
                    &goal.statement,
                    statics,
                );
                let reminder = loader.fragment(
                    GOALS,
                    lines,
                    &format!("{path}.reminder"),
                    &goal.reminder,
                    statics,
                );
                goals.insert(
                    value,
                    Goal {
                        statement,
                        reminder,
                    },
                );
            }
        }
    }
    let mut needed: Vec<GoalValue> = Vec::new();
    if supported.goal_types.contains(&GoalType::Explicit) {
        needed.extend(supported.goal_values.iter().copied());
    }
    if supported.goal_types.contains(&GoalType::Swap) {
        needed.extend(supported.goal_values.iter().map(|v| v.opposite()));
    }
    let mut reported = HashSet::new();
    for value in needed {
        if !yaml.goals.contains_key(value.as_str()) && reported.insert(value) {
            let problem = Problem::new(
                loader.path(GOALS),
                lines.line("goals"),
                format!("missing goal `{value}` (needed by goal types explicit/swap)"),
            )
            .field(format!("goals.{value}"))
            .help(format!(
                "add `{value}:` with `statement:` and `reminder:` under `goals:`"
            ));
            loader.report(GOALS, problem);
        }
    }
    goals
}
