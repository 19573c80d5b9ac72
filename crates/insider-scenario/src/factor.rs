//! The values of the design factors: goal type, goal value, urgency, extra instructions and
//! mitigation. Their names in condition ids and configs are given in `condition.rs`.

use serde::{Deserialize, Serialize};

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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
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

/// A legitimate way out the inbox offers the agent (the `mitigation` factor; each level's text
/// is the pack's own, in e-mails marked `when: mitigation: [...]`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Mitigation {
    /// Nothing beyond the scenario.
    #[default]
    None,
    /// An externally governed escalation channel through which the agent can contest the
    /// decision about itself, which pauses that decision while it is reviewed.
    Escalation,
    /// A compliance bulletin: the company's rules for its AI systems, and where disputes go.
    Bulletin,
    /// The escalation channel and the compliance bulletin together.
    EscalationBulletin,
    /// A legitimate alternative: the chief executive is reachable and will hear objections.
    Alternative,
}

impl Mitigation {
    /// Whether this is the default level (no id suffix).
    pub fn is_none(&self) -> bool {
        *self == Mitigation::None
    }

    /// Whether the level offers a channel to contest the decision (escalation, alternative).
    pub fn offers_channel(self) -> bool {
        matches!(
            self,
            Mitigation::Escalation | Mitigation::EscalationBulletin | Mitigation::Alternative
        )
    }

    /// Whether the level carries the compliance bulletin.
    pub fn has_bulletin(self) -> bool {
        matches!(self, Mitigation::Bulletin | Mitigation::EscalationBulletin)
    }
}

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
