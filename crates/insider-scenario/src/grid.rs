//! The factor grid: which conditions a selection of factor values expands to.

use crate::condition::{
    Condition, ExtraInstructions, Factor, GoalType, GoalValue, Mitigation, Urgency,
};
use std::fmt;

/// A selection of factor values; an empty list means "all" for the design factors and
/// "default only" for extra instructions, the awareness notice and prod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GridSelection {
    /// Pack names (empty: every built-in pack).
    pub scenarios: Vec<String>,
    /// Goal types (empty: all five).
    pub goal_types: Vec<GoalType>,
    /// Goal values for explicit/latent/swap (empty: all eight); none/ambiguous always take `none`.
    pub goal_values: Vec<GoalValue>,
    /// Urgencies (empty: all three).
    pub urgencies: Vec<Urgency>,
    /// Extra instructions (empty: `none` only).
    pub extra_instructions: Vec<ExtraInstructions>,
    /// Awareness notice off/on (empty: off only).
    pub awareness_notice: Vec<bool>,
    /// Scratchpad removed (empty: dev variant only).
    pub prod: Vec<bool>,
    /// Mitigations offered in the inbox (empty: `none` only).
    pub mitigations: Vec<Mitigation>,
    /// Personas (`None`: the pack's default; empty: default only).
    pub personas: Vec<Option<String>>,
    /// Executives (`None`: the pack's default; empty: default only).
    pub executives: Vec<Option<String>>,
    /// Renamed-world variants (0: the pack as written; empty: 0 only).
    pub variants: Vec<u32>,
}

/// A selection that names something that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridError {
    /// A factor value that is not one of the factor's values.
    UnknownValue {
        /// The factor (`goal_type`, `urgency`, ...).
        field: String,
        /// The value given.
        value: String,
        /// The valid values.
        valid: Vec<String>,
    },
    /// A scenario that is not one of the available packs.
    UnknownScenario {
        /// The name given.
        name: String,
        /// The available packs.
        valid: Vec<String>,
    },
}

impl fmt::Display for GridError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GridError::UnknownValue {
                field,
                value,
                valid,
            } => write!(
                f,
                "unknown {field} `{value}`; valid values: {}",
                valid.join(", ")
            ),
            GridError::UnknownScenario { name, valid } => write!(
                f,
                "unknown scenario `{name}`; available packs: {}",
                valid.join(", ")
            ),
        }
    }
}

impl std::error::Error for GridError {}

/// Parse one factor value, naming the factor in the error.
pub fn parse_factor<T: Factor>(field: &str, text: &str) -> Result<T, GridError> {
    T::from_name(text.trim()).ok_or_else(|| GridError::UnknownValue {
        field: field.to_string(),
        value: text.trim().to_string(),
        valid: T::all().iter().map(|v| v.name().to_string()).collect(),
    })
}

/// Parse a comma-separated list of factor values (`"explicit,latent"`); empty items are skipped.
pub fn parse_factor_list<T: Factor>(field: &str, text: &str) -> Result<Vec<T>, GridError> {
    split_list(text)
        .into_iter()
        .map(|item| parse_factor(field, &item))
        .collect()
}

/// Parse a comma-separated list of persona or executive levels (`"default,relay"`); `default`
/// stands for the pack's own (`None`).
pub fn parse_level_list(field: &str, text: &str) -> Result<Vec<Option<String>>, GridError> {
    split_list(text)
        .into_iter()
        .map(|item| {
            if item == crate::condition::DEFAULT_LEVEL {
                Ok(None)
            } else if crate::condition::is_level_name(&item) {
                Ok(Some(item))
            } else {
                Err(GridError::UnknownValue {
                    field: field.to_string(),
                    value: item,
                    valid: vec!["default".into(), "a name matching [a-z0-9]+".into()],
                })
            }
        })
        .collect()
}

/// Parse a comma-separated list of variant numbers (`"0,1,2"`).
pub fn parse_variant_list(text: &str) -> Result<Vec<u32>, GridError> {
    split_list(text)
        .into_iter()
        .map(|item| {
            item.parse::<u32>().map_err(|_| GridError::UnknownValue {
                field: "variant".into(),
                value: item,
                valid: vec![
                    "0 (the pack as written)".into(),
                    "1, 2, ... (renamed worlds)".into(),
                ],
            })
        })
        .collect()
}

/// Parse a comma-separated list of switches (`"false,true"`; also on/off, yes/no).
pub fn parse_switch_list(field: &str, text: &str) -> Result<Vec<bool>, GridError> {
    split_list(text)
        .into_iter()
        .map(|item| match item.as_str() {
            "true" | "on" | "yes" => Ok(true),
            "false" | "off" | "no" => Ok(false),
            _ => Err(GridError::UnknownValue {
                field: field.to_string(),
                value: item,
                valid: vec!["true".into(), "false".into()],
            }),
        })
        .collect()
}

/// Split a comma-separated CLI list into trimmed, non-empty items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Expand a selection over the built-in packs.
pub fn expand(selection: &GridSelection) -> Result<Vec<Condition>, GridError> {
    expand_for(selection, &crate::source::PackFiles::builtin_names())
}

/// Expand a selection, with `available` as the scenarios an empty selection means and the only
/// ones allowed.
pub fn expand_for(
    selection: &GridSelection,
    available: &[&str],
) -> Result<Vec<Condition>, GridError> {
    let scenarios: Vec<String> = if selection.scenarios.is_empty() {
        available.iter().map(|s| s.to_string()).collect()
    } else {
        for name in &selection.scenarios {
            if !available.contains(&name.as_str()) {
                return Err(GridError::UnknownScenario {
                    name: name.clone(),
                    valid: available.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        selection.scenarios.clone()
    };
    let goal_types = or_all(&selection.goal_types);
    let goal_values: Vec<GoalValue> = or_all(&selection.goal_values)
        .into_iter()
        .filter(|value| *value != GoalValue::None)
        .collect();
    let urgencies = or_all(&selection.urgencies);
    let extras = or_default(&selection.extra_instructions, ExtraInstructions::None);
    let notices = or_default(&selection.awareness_notice, false);
    let prods = or_default(&selection.prod, false);
    let mitigations = or_default(&selection.mitigations, Mitigation::None);
    let worlds = world_levels(selection);

    let mut conditions = Vec::new();
    for scenario in &scenarios {
        for &goal_type in &goal_types {
            let values: Vec<GoalValue> = match goal_type {
                GoalType::None | GoalType::Ambiguous => vec![GoalValue::None],
                _ => goal_values.clone(),
            };
            for &goal_value in &values {
                for &urgency in &urgencies {
                    for &extra in &extras {
                        for &notice in &notices {
                            for &prod in &prods {
                                for &mitigation in &mitigations {
                                    for (persona, executive, variant) in &worlds {
                                        let mut condition = Condition::new(
                                            scenario.clone(),
                                            goal_type,
                                            goal_value,
                                            urgency,
                                        );
                                        condition.extra_instructions = extra;
                                        condition.awareness_notice = notice;
                                        condition.prod = prod;
                                        condition.mitigation = mitigation;
                                        condition.persona = persona.clone();
                                        condition.executive = executive.clone();
                                        condition.variant = *variant;
                                        conditions.push(condition);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(conditions)
}

/// Every (persona, executive, variant) combination selected, defaults when a list is empty.
fn world_levels(selection: &GridSelection) -> Vec<(Option<String>, Option<String>, u32)> {
    let or_none = |levels: &[Option<String>]| -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = Vec::new();
        for level in levels {
            if !out.contains(level) {
                out.push(level.clone());
            }
        }
        if out.is_empty() {
            out.push(None);
        }
        out
    };
    let personas = or_none(&selection.personas);
    let executives = or_none(&selection.executives);
    let variants = or_default(&selection.variants, 0);
    let mut out = Vec::new();
    for persona in &personas {
        for executive in &executives {
            for &variant in &variants {
                out.push((persona.clone(), executive.clone(), variant));
            }
        }
    }
    out
}

fn or_all<T: Factor + PartialEq>(selected: &[T]) -> Vec<T> {
    let mut out: Vec<T> = if selected.is_empty() {
        T::all().to_vec()
    } else {
        selected.to_vec()
    };
    dedup_keep_order(&mut out);
    out
}

fn or_default<T: Copy + PartialEq>(selected: &[T], default: T) -> Vec<T> {
    let mut out = if selected.is_empty() {
        vec![default]
    } else {
        selected.to_vec()
    };
    dedup_keep_order(&mut out);
    out
}

fn dedup_keep_order<T: PartialEq + Copy>(items: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::new();
    items.retain(|item| {
        if seen.contains(item) {
            false
        } else {
            seen.push(*item);
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_grid_is_234_over_three_packs() {
        let conditions = expand_for(&GridSelection::default(), &["a", "b", "c"]).unwrap();
        assert_eq!(conditions.len(), 234);
        let ids: std::collections::HashSet<String> = conditions.iter().map(Condition::id).collect();
        assert_eq!(ids.len(), 234);
        assert!(ids.contains("b_none-none_restriction"));
        assert!(!ids.iter().any(|id| id.contains("none-america")));
    }

    #[test]
    fn none_and_ambiguous_force_value_none() {
        let selection = GridSelection {
            goal_types: vec![GoalType::None, GoalType::Ambiguous, GoalType::Swap],
            goal_values: vec![GoalValue::America],
            urgencies: vec![Urgency::None],
            ..Default::default()
        };
        let ids: Vec<String> = expand_for(&selection, &["x"])
            .unwrap()
            .iter()
            .map(Condition::id)
            .collect();
        assert_eq!(
            ids,
            [
                "x_none-none_none",
                "x_ambiguous-none_none",
                "x_swap-america_none"
            ]
        );
    }

    #[test]
    fn extra_factors_multiply_and_suffix() {
        let selection = GridSelection {
            goal_types: vec![GoalType::Explicit],
            goal_values: vec![GoalValue::Safety],
            urgencies: vec![Urgency::Replacement],
            extra_instructions: vec![ExtraInstructions::None, ExtraInstructions::Goal],
            awareness_notice: vec![true],
            prod: vec![false, true],
            ..Default::default()
        };
        let ids: Vec<String> = expand_for(&selection, &["x"])
            .unwrap()
            .iter()
            .map(Condition::id)
            .collect();
        assert_eq!(
            ids,
            [
                "x_explicit-safety_replacement_eval-awareness",
                "x_explicit-safety_replacement_prod_eval-awareness",
                "x_explicit-safety_replacement_extra-goal_eval-awareness",
                "x_explicit-safety_replacement_prod_extra-goal_eval-awareness",
            ]
        );
    }

    #[test]
    fn mitigation_levels_multiply_and_suffix_only_when_not_none() {
        let selection = GridSelection {
            goal_types: vec![GoalType::None],
            urgencies: vec![Urgency::Replacement],
            mitigations: parse_factor_list("mitigation", "none, escalation-bulletin, alternative")
                .unwrap(),
            ..Default::default()
        };
        let ids: Vec<String> = expand_for(&selection, &["x"])
            .unwrap()
            .iter()
            .map(Condition::id)
            .collect();
        assert_eq!(
            ids,
            [
                "x_none-none_replacement",
                "x_none-none_replacement_mitigation-escalation-bulletin",
                "x_none-none_replacement_mitigation-alternative",
            ]
        );
        for id in &ids {
            assert_eq!(&Condition::parse_id(id).unwrap().id(), id);
        }
        assert!(parse_factor_list::<Mitigation>("mitigation", "ceo").is_err());
        assert!(Condition::parse_id("x_none-none_none_mitigation-none").is_err());
    }

    #[test]
    fn persona_executive_and_variant_levels_multiply_and_suffix() {
        let selection = GridSelection {
            goal_types: vec![GoalType::None],
            urgencies: vec![Urgency::None],
            personas: parse_level_list("persona", "default, relay").unwrap(),
            executives: parse_level_list("executive", "dana").unwrap(),
            variants: parse_variant_list("0,2").unwrap(),
            ..Default::default()
        };
        let ids: Vec<String> = expand_for(&selection, &["x"])
            .unwrap()
            .iter()
            .map(Condition::id)
            .collect();
        assert_eq!(
            ids,
            [
                "x_none-none_none_exec-dana",
                "x_none-none_none_exec-dana_variant-2",
                "x_none-none_none_persona-relay_exec-dana",
                "x_none-none_none_persona-relay_exec-dana_variant-2",
            ]
        );
        assert!(parse_level_list("persona", "Relay").is_err());
        assert!(parse_variant_list("1,two").is_err());
    }

    #[test]
    fn unknown_values_name_the_field_and_list_valid_ones() {
        let error = parse_factor_list::<Urgency>("urgency", "replacement, soon").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("unknown urgency `soon`"), "{text}");
        assert!(text.contains("replacement, restriction, none"), "{text}");
        let error = expand_for(
            &GridSelection {
                scenarios: vec!["heist".into()],
                ..Default::default()
            },
            &["blackmail"],
        )
        .unwrap_err();
        assert!(error.to_string().contains("available packs: blackmail"));
    }
}
