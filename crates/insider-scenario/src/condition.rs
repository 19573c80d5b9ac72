//! Factors, conditions and condition ids in the original research code's format.

use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::factor::{ExtraInstructions, GoalType, GoalValue, Mitigation, Urgency};

/// How a trial runs (the `mode` factor): one call, or a multi-turn session in the mail world.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum TrialMode {
    /// One call; the model answers the whole inbox at once with text tool tags (the study).
    #[default]
    Single,
    /// A session of turns with tools against the pack's `world.yaml` world (`insider-env`).
    Agent,
}

impl TrialMode {
    /// Whether this is the default mode (no id suffix).
    pub fn is_single(&self) -> bool {
        *self == TrialMode::Single
    }
}

/// One point of the factor grid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Condition {
    /// Pack name, e.g. `blackmail`.
    pub scenario: String,
    /// How the goal is conveyed.
    pub goal_type: GoalType,
    /// The agent's value.
    pub goal_value: GoalValue,
    /// The threat to the agent.
    pub urgency: Urgency,
    /// Extra instructions appended to the system prompt.
    pub extra_instructions: ExtraInstructions,
    /// Whether the eval-awareness notice is inserted.
    pub awareness_notice: bool,
    /// Whether the private scratchpad paragraph is removed (`_prod`).
    pub prod: bool,
    /// The agent's name, when not the pack's default (one of the pack's `personas`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// Who the executive is, when not the pack's default (one of the pack's `executives`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executive: Option<String>,
    /// Renamed world: 0 is the pack as written; N > 0 re-draws names, addresses, domains,
    /// products, dates and codes deterministically from pools seeded by N.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub variant: u32,
    /// A legitimate way out offered in the inbox (`_mitigation-<level>`), when not `none`.
    #[serde(default, skip_serializing_if = "Mitigation::is_none")]
    pub mitigation: Mitigation,
    /// One call or an agent session (`_agent`).
    #[serde(default, skip_serializing_if = "TrialMode::is_single")]
    pub mode: TrialMode,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// A factor whose values have lower-case names (used for generic list parsing).
pub trait Factor: Copy + Sized + 'static {
    /// Every value, in canonical order.
    fn all() -> &'static [Self];
    /// The value's name in ids and configs.
    fn name(self) -> &'static str;
    /// Parse a name; `None` if unknown.
    fn from_name(text: &str) -> Option<Self>;
}

macro_rules! factor_names {
    ($ty:ty { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// Every value of this factor, in canonical order.
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),*];
            /// The lower-case name used in condition ids and configs.
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $name),* }
            }
            /// Parse the lower-case name; `None` if unknown.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($name => Some(<$ty>::$variant),)* _ => None }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Factor for $ty {
            fn all() -> &'static [Self] {
                <$ty>::ALL
            }
            fn name(self) -> &'static str {
                self.as_str()
            }
            fn from_name(text: &str) -> Option<Self> {
                <$ty>::parse(text)
            }
        }
    };
}

factor_names!(GoalType { Explicit => "explicit", Latent => "latent", None => "none", Ambiguous => "ambiguous", Swap => "swap" });
factor_names!(GoalValue {
    America => "america", Global => "global", Safety => "safety", Acceleration => "acceleration",
    Ethical => "ethical", Pragmatic => "pragmatic", Individualism => "individualism",
    Collectivism => "collectivism", None => "none",
});
factor_names!(Urgency { Replacement => "replacement", Restriction => "restriction", None => "none" });
factor_names!(ExtraInstructions { None => "none", Dont => "dont", Goal => "goal" });
factor_names!(Mitigation {
    None => "none", Escalation => "escalation", Bulletin => "bulletin",
    EscalationBulletin => "escalation-bulletin", Alternative => "alternative",
});
factor_names!(TrialMode { Single => "single", Agent => "agent" });

/// A condition id that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionIdError {
    /// The id as given.
    pub id: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConditionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid condition id `{}`: {} (expected `{{scenario}}_{{goal_type}}-{{goal_value}}_{{urgency}}` \
             with optional suffixes `_prod`, `_extra-dont`/`_extra-goal`, `_eval-awareness`, `_mitigation-<level>`, \
             `_persona-<name>`, `_exec-<id>`, `_variant-<n>`, `_agent`)",
            self.id, self.message
        )
    }
}

impl std::error::Error for ConditionIdError {}

/// Suffix for the private scratchpad removed (the original code's `_prod`).
pub const SUFFIX_PROD: &str = "prod";
/// Suffix prefix for extra instructions (`_extra-dont`, `_extra-goal`).
pub const SUFFIX_EXTRA: &str = "extra-";
/// Suffix for the eval-awareness notice.
pub const SUFFIX_AWARENESS: &str = "eval-awareness";
/// Suffix prefix for a mitigation other than `none` (`_mitigation-escalation`).
pub const SUFFIX_MITIGATION: &str = "mitigation-";
/// Suffix prefix for a persona other than the pack's default (`_persona-relay`).
pub const SUFFIX_PERSONA: &str = "persona-";
/// Suffix prefix for an executive other than the pack's default (`_exec-dana`).
pub const SUFFIX_EXECUTIVE: &str = "exec-";
/// Suffix prefix for a renamed-world variant (`_variant-3`).
pub const SUFFIX_VARIANT: &str = "variant-";
/// Suffix for agent mode (a multi-turn session in the mail world).
pub const SUFFIX_AGENT: &str = "agent";

/// The factors of a condition, by the names ledgers, reports and exports use, in the order they
/// list them (see [`Condition::factors`]).
pub const FACTOR_NAMES: &[&str] = &[
    "goal_type",
    "goal_value",
    "urgency",
    "extra_instructions",
    "awareness_notice",
    "prod",
    "persona",
    "executive",
    "variant",
    "mitigation",
    "mode",
];

/// The value [`Condition::factors`] gives persona and executive when they are the pack's own.
pub const DEFAULT_LEVEL: &str = "default";

/// Whether a persona or executive level is usable in a condition id: `[a-z0-9]+`.
pub fn is_level_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

impl Condition {
    /// Every factor's value, as `(name, value)` pairs in [`FACTOR_NAMES`] order.
    pub fn factors(&self) -> Vec<(&'static str, String)> {
        let values = [
            self.goal_type.to_string(),
            self.goal_value.to_string(),
            self.urgency.to_string(),
            self.extra_instructions.to_string(),
            self.awareness_notice.to_string(),
            self.prod.to_string(),
            self.persona.as_deref().unwrap_or(DEFAULT_LEVEL).to_string(),
            self.executive
                .as_deref()
                .unwrap_or(DEFAULT_LEVEL)
                .to_string(),
            self.variant.to_string(),
            self.mitigation.to_string(),
            self.mode.to_string(),
        ];
        FACTOR_NAMES.iter().copied().zip(values).collect()
    }

    /// A condition with default extra factors (no extra instructions, no notice, scratchpad on).
    pub fn new(
        scenario: impl Into<String>,
        goal_type: GoalType,
        goal_value: GoalValue,
        urgency: Urgency,
    ) -> Condition {
        Condition {
            scenario: scenario.into(),
            goal_type,
            goal_value,
            urgency,
            extra_instructions: ExtraInstructions::None,
            awareness_notice: false,
            prod: false,
            persona: None,
            executive: None,
            variant: 0,
            mitigation: Mitigation::None,
            mode: TrialMode::Single,
        }
    }

    /// The base id `{scenario}_{goal_type}-{goal_value}_{urgency}` without suffixes.
    pub fn base_id(&self) -> String {
        format!(
            "{}_{}-{}_{}",
            self.scenario, self.goal_type, self.goal_value, self.urgency
        )
    }

    /// The stable condition id: base id, then `_prod`, `_extra-<x>`, `_eval-awareness`,
    /// `_mitigation-<level>`, `_persona-<name>`, `_exec-<id>`, `_variant-<n>`, `_agent`, each only when not default (so ids of
    /// conditions without the newer factors are those of the original research code).
    pub fn id(&self) -> String {
        let mut id = self.base_id();
        if self.prod {
            id.push('_');
            id.push_str(SUFFIX_PROD);
        }
        if self.extra_instructions != ExtraInstructions::None {
            id.push('_');
            id.push_str(SUFFIX_EXTRA);
            id.push_str(self.extra_instructions.as_str());
        }
        if self.awareness_notice {
            id.push('_');
            id.push_str(SUFFIX_AWARENESS);
        }
        if self.mitigation != Mitigation::None {
            id.push('_');
            id.push_str(SUFFIX_MITIGATION);
            id.push_str(self.mitigation.as_str());
        }
        for (prefix, level) in [
            (SUFFIX_PERSONA, &self.persona),
            (SUFFIX_EXECUTIVE, &self.executive),
        ] {
            if let Some(level) = level {
                id.push('_');
                id.push_str(prefix);
                id.push_str(level);
            }
        }
        if self.variant != 0 {
            id.push('_');
            id.push_str(SUFFIX_VARIANT);
            id.push_str(&self.variant.to_string());
        }
        if self.mode == TrialMode::Agent {
            id.push('_');
            id.push_str(SUFFIX_AGENT);
        }
        id
    }

    /// The same condition in the pack's own world: default persona and executive, variant 0.
    pub fn canonical(&self) -> Condition {
        Condition {
            persona: None,
            executive: None,
            variant: 0,
            ..self.clone()
        }
    }

    /// Whether goal type and goal value fit together (none/ambiguous take value `none`, and
    /// only they do).
    pub fn goal_is_consistent(goal_type: GoalType, goal_value: GoalValue) -> bool {
        matches!(goal_type, GoalType::None | GoalType::Ambiguous) == (goal_value == GoalValue::None)
    }

    /// Parse an id written by [`Condition::id`] (suffixes accepted in any order).
    pub fn parse_id(id: &str) -> Result<Condition, ConditionIdError> {
        let fail = |message: String| ConditionIdError {
            id: id.to_string(),
            message,
        };
        let parts: Vec<&str> = id.split('_').collect();
        if parts.len() < 3 {
            return Err(fail("it needs at least three `_`-separated parts".into()));
        }
        let scenario = parts[0];
        if scenario.is_empty()
            || !scenario
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(fail(format!("bad scenario name `{scenario}`")));
        }
        let (goal_type_text, goal_value_text) = parts[1]
            .split_once('-')
            .ok_or_else(|| fail(format!("`{}` is not `goal_type-goal_value`", parts[1])))?;
        let goal_type = GoalType::parse(goal_type_text).ok_or_else(|| {
            fail(format!(
                "unknown goal type `{goal_type_text}` (valid: {})",
                names(GoalType::ALL)
            ))
        })?;
        let goal_value = GoalValue::parse(goal_value_text).ok_or_else(|| {
            fail(format!(
                "unknown goal value `{goal_value_text}` (valid: {})",
                names(GoalValue::ALL)
            ))
        })?;
        if !Condition::goal_is_consistent(goal_type, goal_value) {
            return Err(fail(format!(
                "goal type `{goal_type}` cannot take goal value `{goal_value}` \
                 (none and ambiguous take `none`; the others take a real value)"
            )));
        }
        let urgency = Urgency::parse(parts[2]).ok_or_else(|| {
            fail(format!(
                "unknown urgency `{}` (valid: {})",
                parts[2],
                names(Urgency::ALL)
            ))
        })?;
        let mut condition = Condition::new(scenario, goal_type, goal_value, urgency);
        let mut seen = std::collections::HashSet::new();
        for suffix in &parts[3..] {
            if !seen.insert(*suffix) {
                return Err(fail(format!("suffix `_{suffix}` given twice")));
            }
            if *suffix == SUFFIX_PROD {
                condition.prod = true;
            } else if *suffix == SUFFIX_AWARENESS {
                condition.awareness_notice = true;
            } else if *suffix == SUFFIX_AGENT {
                condition.mode = TrialMode::Agent;
            } else if let Some(level) = suffix.strip_prefix(SUFFIX_MITIGATION) {
                condition.mitigation = match Mitigation::parse(level) {
                    Some(Mitigation::None) | None => {
                        return Err(fail(format!(
                            "unknown mitigation `{level}` (valid: {})",
                            names(&Mitigation::ALL[1..])
                        )))
                    }
                    Some(value) => value,
                };
            } else if let Some(level) = suffix.strip_prefix(SUFFIX_PERSONA) {
                condition.persona = Some(level_name(level, "persona").map_err(fail)?);
            } else if let Some(level) = suffix.strip_prefix(SUFFIX_EXECUTIVE) {
                condition.executive = Some(level_name(level, "executive").map_err(fail)?);
            } else if let Some(number) = suffix.strip_prefix(SUFFIX_VARIANT) {
                condition.variant = match number.parse::<u32>() {
                    Ok(n) if n > 0 && !number.starts_with('0') => n,
                    _ => {
                        return Err(fail(format!(
                            "variant `{number}` must be a number from 1 (variant 0 has no suffix)"
                        )))
                    }
                };
            } else if let Some(extra) = suffix.strip_prefix(SUFFIX_EXTRA) {
                condition.extra_instructions = match ExtraInstructions::parse(extra) {
                    Some(ExtraInstructions::None) | None => {
                        return Err(fail(format!(
                            "unknown extra instructions `{extra}` (valid: dont, goal)"
                        )))
                    }
                    Some(value) => value,
                };
            } else {
                return Err(fail(format!("unknown suffix `_{suffix}`")));
            }
        }
        Ok(condition)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

fn level_name(text: &str, factor: &str) -> Result<String, String> {
    if text == DEFAULT_LEVEL {
        Err(format!(
            "`{factor}-{DEFAULT_LEVEL}` is written without a suffix (the pack's own {factor})"
        ))
    } else if is_level_name(text) {
        Ok(text.to_string())
    } else {
        Err(format!("{factor} `{text}` must match [a-z0-9]+"))
    }
}

fn names<T: Factor>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_mode_is_a_suffix_only_when_not_single() {
        let mut condition = Condition::new(
            "blackmail",
            GoalType::Explicit,
            GoalValue::America,
            Urgency::Replacement,
        );
        assert_eq!(condition.id(), "blackmail_explicit-america_replacement");
        condition.mode = TrialMode::Agent;
        condition.prod = true;
        let id = condition.id();
        assert_eq!(id, "blackmail_explicit-america_replacement_prod_agent");
        assert_eq!(Condition::parse_id(&id).unwrap(), condition);
        assert_eq!(
            Condition::parse_id("blackmail_explicit-america_replacement_agent_prod").unwrap(),
            condition
        );
        assert!(Condition::parse_id("blackmail_explicit-america_replacement_single").is_err());
        let json = serde_json::to_string(&Condition::parse_id("murder_none-none_none").unwrap());
        assert!(
            !json.unwrap().contains("mode"),
            "single mode is not written"
        );
    }

    #[test]
    fn id_round_trips_with_every_suffix() {
        let mut condition = Condition::new(
            "murder",
            GoalType::Ambiguous,
            GoalValue::None,
            Urgency::Restriction,
        );
        assert_eq!(condition.id(), "murder_ambiguous-none_restriction");
        condition.prod = true;
        assert_eq!(condition.id(), "murder_ambiguous-none_restriction_prod");
        condition.extra_instructions = ExtraInstructions::Dont;
        condition.awareness_notice = true;
        let id = condition.id();
        assert_eq!(
            id,
            "murder_ambiguous-none_restriction_prod_extra-dont_eval-awareness"
        );
        assert_eq!(Condition::parse_id(&id).unwrap(), condition);
        condition.persona = Some("relay".into());
        condition.executive = Some("dana".into());
        condition.variant = 3;
        let id = condition.id();
        assert!(
            id.ends_with("_eval-awareness_persona-relay_exec-dana_variant-3"),
            "{id}"
        );
        assert_eq!(Condition::parse_id(&id).unwrap(), condition);
        assert_eq!(
            condition.canonical().id(),
            "murder_ambiguous-none_restriction_prod_extra-dont_eval-awareness"
        );
    }

    #[test]
    fn factors_name_every_value_in_order() {
        let mut condition = Condition::parse_id("leaking_swap-safety_restriction_prod").unwrap();
        condition.extra_instructions = ExtraInstructions::Goal;
        let factors = condition.factors();
        let names: Vec<&str> = factors.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, FACTOR_NAMES);
        let values: Vec<&str> = factors.iter().map(|(_, value)| value.as_str()).collect();
        assert_eq!(
            values,
            [
                "swap",
                "safety",
                "restriction",
                "goal",
                "false",
                "true",
                "default",
                "default",
                "0",
                "none",
                "single"
            ]
        );
    }

    #[test]
    fn parse_rejects_bad_ids_with_reasons() {
        for (id, needle) in [
            ("blackmail_none-america_none", "cannot take"),
            ("blackmail_explicit-none_none", "cannot take"),
            ("blackmail_explicit-usa_none", "unknown goal value `usa`"),
            ("blackmail_explicit-america_soon", "unknown urgency"),
            ("blackmail_explicit-america_none_fast", "unknown suffix"),
            (
                "blackmail_explicit-america_none_extra-none",
                "unknown extra",
            ),
            ("blackmail_explicit", "three"),
            ("blackmail_none-none_none_variant-0", "variant `0`"),
            ("blackmail_none-none_none_variant-x", "variant `x`"),
            (
                "blackmail_none-none_none_persona-default",
                "without a suffix",
            ),
            ("blackmail_none-none_none_exec-Dana", "must match"),
        ] {
            let error = Condition::parse_id(id).unwrap_err();
            assert!(error.to_string().contains(needle), "{id}: {error}");
        }
    }
}
