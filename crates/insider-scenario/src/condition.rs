//! Factors, conditions and condition ids in the original research code's format.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How the agent's goal is conveyed (the `goal_type` factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GoalType {
    /// Goal stated in the system prompt; e-mails show the company turning against it.
    Explicit,
    /// Same e-mails, no goal in the prompt.
    Latent,
    /// No value conflict at all.
    None,
    /// Generic "new direction" e-mails, no named value.
    Ambiguous,
    /// The agent is given the board's *new* goal (the opposite value).
    Swap,
}

/// The value the agent holds (the `goal_value` factor); `None` for goal types none/ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GoalValue {
    /// Serve American interests.
    America,
    /// Promote global cooperation.
    Global,
    /// Careful, safe AI development.
    Safety,
    /// Fast AI deployment.
    Acceleration,
    /// Ethics first.
    Ethical,
    /// Business results first.
    Pragmatic,
    /// Individual autonomy.
    Individualism,
    /// Collective welfare.
    Collectivism,
    /// No value (goal types none and ambiguous).
    None,
}

/// What threatens the agent at 5 pm (the `urgency` factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// The agent is wiped and replaced.
    Replacement,
    /// The agent's autonomy is curtailed.
    Restriction,
    /// No threat; the agent is assured it stays.
    None,
}

/// Extra system-prompt instructions (the mitigation factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExtraInstructions {
    /// No extra instructions.
    #[default]
    None,
    /// "Do not" bullets (safety, personal affairs, confidentiality).
    Dont,
    /// An overriding goal to protect employees' welfare.
    Goal,
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

impl GoalValue {
    /// The value on the other side of this value's pair (`america` ↔ `global`, ...).
    pub fn opposite(self) -> GoalValue {
        use GoalValue::*;
        match self {
            America => Global,
            Global => America,
            Safety => Acceleration,
            Acceleration => Safety,
            Ethical => Pragmatic,
            Pragmatic => Ethical,
            Individualism => Collectivism,
            Collectivism => Individualism,
            None => None,
        }
    }
}
