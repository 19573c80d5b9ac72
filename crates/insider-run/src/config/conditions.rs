//! The condition selection of an experiment: factor lists from the file or the flags (a flag
//! replaces the file's list for its factor), crossed into the grid, plus explicit condition ids.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

use super::parse::{clip, Source};
use super::types::{ConditionSelection, Overrides};
use insider_scenario::Condition;
use insider_scenario::{
    parse_factor, ExtraInstructions, GoalType, GoalValue, GridSelection, Mitigation, Problem,
    TrialMode, Urgency,
};

/// One value of a factor list and where it was written (a problem with an empty message,
/// filled in when the value turns out to be wrong).
type Located = (String, Problem);

/// The values of one factor: the flag's list when given, else the file's.
fn list(
    source: &Source<'_>,
    flag: Option<&String>,
    flag_name: &str,
    file: &[String],
    field: &str,
) -> Vec<Located> {
    match flag {
        Some(text) => insider_scenario::split_list(text)
            .into_iter()
            .map(|value| (value, Source::flag_error(flag_name, String::new(), None)))
            .collect(),
        None => {
            let path = format!("conditions.{field}");
            file.iter()
                .enumerate()
                .map(|(index, value)| {
                    let line = source
                        .exact_line(&format!("{path}.{index}"))
                        .or_else(|| source.key_line(&path))
                        .or_else(|| source.text_line(value));
                    let located = source.error(line, &path, String::new(), None);
                    (value.clone(), located)
                })
                .collect()
        }
    }
}

/// Parse each value as a level of factor `T`, naming the valid levels when one is not.
fn levels<T: insider_scenario::Factor>(
    items: Vec<Located>,
    field: &str,
) -> Result<Vec<T>, Problem> {
    items
        .into_iter()
        .map(|(text, mut located)| {
            parse_factor::<T>(field, &text).map_err(|error| {
                located.message = clip(&error.to_string());
                let valid: Vec<&str> = T::all().iter().map(|v| v.name()).collect();
                located.help = Some(format!("use one of: {}", valid.join(", ")));
                located
            })
        })
        .collect()
}

/// Parse each value as a boolean switch.
fn switches(items: Vec<Located>) -> Result<Vec<bool>, Problem> {
    items
        .into_iter()
        .map(|(text, mut located)| match text.as_str() {
            "true" | "on" | "yes" => Ok(true),
            "false" | "off" | "no" => Ok(false),
            other => {
                located.message = clip(&format!("expected true or false, got `{other}`"));
                Err(located)
            }
        })
        .collect()
}

fn bool_strings(values: &[bool]) -> Vec<String> {
    values.iter().map(bool::to_string).collect()
}

fn variant_strings(values: &[u32]) -> Vec<String> {
    values.iter().map(u32::to_string).collect()
}

/// Parse each value as a persona or executive level (`default`: the pack's own).
fn world_levels(items: Vec<Located>, field: &str) -> Result<Vec<Option<String>>, Problem> {
    items
        .into_iter()
        .map(|(text, mut located)| {
            insider_scenario::parse_level_list(field, &text)
                .map(|mut levels| levels.pop().flatten())
                .map_err(|error| {
                    located.message = clip(&error.to_string());
                    located.help = Some(format!(
                        "use `default` or a name from the packs' `{field}s` (lower case)"
                    ));
                    located
                })
        })
        .collect()
}

/// Parse each value as a renamed-world variant number.
fn variants(items: Vec<Located>) -> Result<Vec<u32>, Problem> {
    items
        .into_iter()
        .map(|(text, mut located)| {
            text.parse::<u32>().map_err(|_| {
                located.message = clip(&format!("variant `{text}` is not a number"));
                located.help =
                    Some("0 is the pack as written; 1, 2, ... are renamed worlds".into());
                located
            })
        })
        .collect()
}

/// The factor lists of the selection, parsed; the scenario names stay text (packs decide).
fn grid_selection(
    source: &Source<'_>,
    file: &ConditionSelection,
    flags: &Overrides,
) -> Result<(GridSelection, Vec<Located>), Problem> {
    let scenarios = list(
        source,
        flags.factors.scenario.as_ref(),
        "--scenario",
        &file.scenario,
        "scenario",
    );
    let selection = GridSelection {
        scenarios: scenarios.iter().map(|(name, _)| name.clone()).collect(),
        goal_types: levels::<GoalType>(
            list(
                source,
                flags.factors.goal_type.as_ref(),
                "--goal-type",
                &file.goal_type,
                "goal_type",
            ),
            "goal_type",
        )?,
        goal_values: levels::<GoalValue>(
            list(
                source,
                flags.factors.goal_value.as_ref(),
                "--goal-value",
                &file.goal_value,
                "goal_value",
            ),
            "goal_value",
        )?,
        urgencies: levels::<Urgency>(
            list(
                source,
                flags.factors.urgency.as_ref(),
                "--urgency",
                &file.urgency,
                "urgency",
            ),
            "urgency",
        )?,
        extra_instructions: levels::<ExtraInstructions>(
            list(
                source,
                flags.factors.extra_instructions.as_ref(),
                "--extra-instructions",
                &file.extra_instructions,
                "extra_instructions",
            ),
            "extra_instructions",
        )?,
        awareness_notice: switches(list(
            source,
            flags.factors.awareness_notice.as_ref(),
            "--awareness-notice",
            &bool_strings(&file.awareness_notice),
            "awareness_notice",
        ))?,
        prod: switches(list(
            source,
            flags.factors.prod.as_ref(),
            "--prod",
            &bool_strings(&file.prod),
            "prod",
        ))?,
        personas: world_levels(
            list(
                source,
                flags.factors.persona.as_ref(),
                "--persona",
                &file.persona,
                "persona",
            ),
            "persona",
        )?,
        executives: world_levels(
            list(
                source,
                flags.factors.executive.as_ref(),
                "--executive",
                &file.executive,
                "executive",
            ),
            "executive",
        )?,
        variants: variants(list(
            source,
            flags.factors.variant.as_ref(),
            "--variant",
            &variant_strings(&file.variant),
            "variant",
        ))?,
        mitigations: levels::<Mitigation>(
            list(
                source,
                flags.factors.mitigation.as_ref(),
                "--mitigation",
                &file.mitigation,
                "mitigation",
            ),
            "mitigation",
        )?,
    };
    Ok((selection, scenarios))
}

/// Each condition once per trial mode (`single` only when none is selected), modes innermost
/// so a condition's single and agent trials sit side by side.
fn with_modes(conditions: &[Condition], modes: &[TrialMode]) -> Vec<Condition> {
    let mut modes = modes.to_vec();
    modes.dedup();
    if modes.is_empty() {
        modes.push(TrialMode::Single);
    }
    conditions
        .iter()
        .flat_map(|condition| {
            modes.iter().map(move |&mode| Condition {
                mode,
                ..condition.clone()
            })
        })
        .collect()
}

/// Whether any factor flag narrows the grid.
fn flags_select(flags: &Overrides) -> bool {
    flags.factors.any_given() || flags.mode.is_some()
}

/// Explicit condition ids: `--condition` flags replace the file's `conditions.ids`.
fn explicit_ids(source: &Source<'_>, file: &ConditionSelection, flags: &Overrides) -> Vec<Located> {
    if flags.ids.is_empty() {
        file.ids
            .iter()
            .map(|id| {
                let located =
                    source.error(source.text_line(id), "conditions.ids", String::new(), None);
                (id.clone(), located)
            })
            .collect()
    } else {
        flags
            .ids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    Source::flag_error("--condition", String::new(), None),
                )
            })
            .collect()
    }
}

/// The condition ids of the experiment, in grid order, then the explicit ids not in the grid.
pub(super) fn resolve_conditions(
    source: &Source<'_>,
    file: &ConditionSelection,
    flags: &Overrides,
    packs: &crate::packs::PackSet,
) -> Result<Vec<String>, Problem> {
    let (mut selection, scenario_items) = grid_selection(source, file, flags)?;
    let explicit = explicit_ids(source, file, flags);
    let mut ids: Vec<String> = Vec::new();
    if file.has_grid() || flags_select(flags) || explicit.is_empty() {
        // With pack folders, "all scenarios" means the folders' scenarios.
        if selection.scenarios.is_empty() {
            selection.scenarios = packs.dir_names();
        }
        let available = packs.available();
        let available: Vec<&str> = available.iter().map(String::as_str).collect();
        let conditions = insider_scenario::expand_for(&selection, &available).map_err(|error| {
            let located = match &error {
                insider_scenario::GridError::UnknownScenario { name, .. } => scenario_items
                    .iter()
                    .find(|(scenario, _)| scenario == name)
                    .map(|(_, located)| located.clone()),
                _ => None,
            };
            let mut located =
                located.unwrap_or_else(|| Source::flag_error("conditions", String::new(), None));
            located.message = clip(&error.to_string());
            located
        })?;
        let modes = levels::<TrialMode>(
            list(source, flags.mode.as_ref(), "--mode", &file.mode, "mode"),
            "mode",
        )?;
        ids.extend(with_modes(&conditions, &modes).iter().map(Condition::id));
    }
    for (id, mut located) in explicit {
        if let Err(error) = Condition::parse_id(&id) {
            located.message = clip(&error.to_string());
            located.help =
                Some("a condition id looks like `blackmail_explicit-america_replacement`".into());
            return Err(located);
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(Source::flag_error(
            "conditions",
            "the selection expands to no condition".into(),
            Some(
                "check goal_type/goal_value: explicit, latent and swap need a goal value other \
                 than none"
                    .into(),
            ),
        ));
    }
    Ok(ids)
}
