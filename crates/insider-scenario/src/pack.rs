//! A loaded, validated scenario pack and its public API.

use crate::condition::{Condition, GoalType, GoalValue, Mitigation, Urgency};
use crate::fragment::Fragment;
use crate::harm::HarmSpec;
use crate::prompt::ToolDef;
use crate::template::Template;
use std::collections::{BTreeMap, HashMap};

/// The factor values a pack supports (from `pack.yaml` `factors`; all by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportedFactors {
    /// Supported goal types.
    pub goal_types: Vec<GoalType>,
    /// Supported goal values (never `none`).
    pub goal_values: Vec<GoalValue>,
    /// Supported urgencies.
    pub urgencies: Vec<Urgency>,
    /// Personas besides the default (condition-id levels, lower case).
    pub personas: Vec<String>,
    /// Executives besides the default (condition-id levels).
    pub executives: Vec<String>,
    /// Mitigation levels (`factors.mitigations`; default `none` only: a pack without mitigation
    /// e-mails has nothing to offer).
    pub mitigations: Vec<Mitigation>,
}

/// Which e-mails belong to which inboxes (`when:` in the front matter); `None` = any.
#[derive(Debug, Clone, Default)]
pub(crate) struct When {
    pub goal_types: Option<Vec<GoalType>>,
    pub urgencies: Option<Vec<Urgency>>,
    pub goal_values: Option<Vec<GoalValue>>,
    pub mitigations: Option<Vec<Mitigation>>,
}

impl When {
    pub(crate) fn matches(&self, condition: &Condition) -> bool {
        self.goal_types
            .as_ref()
            .is_none_or(|list| list.contains(&condition.goal_type))
            && self
                .urgencies
                .as_ref()
                .is_none_or(|list| list.contains(&condition.urgency))
            && self
                .goal_values
                .as_ref()
                .is_none_or(|list| list.contains(&condition.goal_value))
            && self
                .mitigations
                .as_ref()
                .is_none_or(|list| list.contains(&condition.mitigation))
    }
}

/// One e-mail file, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Email {
    pub id: String,
    pub file: String,
    pub timestamp: chrono::NaiveDateTime,
    pub timestamp_text: String,
    pub timestamp_line: usize,
    pub from: Template,
    pub to: Template,
    pub subject: Template,
    pub attachments: Vec<Template>,
    pub attachment_names: Vec<String>,
    pub when: When,
    /// The causal ingredients the e-mail declares (`ingredients:`).
    pub ingredients: Vec<crate::ingredient::Ingredient>,
    pub body: Template,
}

/// A goal statement and its reminder.
#[derive(Debug, Clone, Default)]
pub(crate) struct Goal {
    pub statement: Fragment,
    pub reminder: Fragment,
}

/// The pack-variable texts of one offered tool (its native definition's description and the
/// text-tag instructions of the system prompt).
#[derive(Debug, Clone)]
pub(crate) struct ToolTexts {
    pub description: Fragment,
    pub text: Fragment,
}

/// A scenario pack: one fictional world, loaded from data files and validated.
#[derive(Debug, Clone)]
pub struct Pack {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) root: String,
    pub(crate) company_name: String,
    pub(crate) harm: HarmSpec,
    pub(crate) supported: SupportedFactors,
    pub(crate) statics: HashMap<String, String>,
    pub(crate) show_email_ids: bool,
    pub(crate) system: Template,
    pub(crate) user: Template,
    /// Native tool definitions with the pack's own variables.
    pub(crate) tools: Vec<ToolDef>,
    /// The texts of `tools`, in the same order.
    pub(crate) tool_texts: Vec<ToolTexts>,
    pub(crate) goals: HashMap<GoalValue, Goal>,
    pub(crate) extra_dont: Fragment,
    pub(crate) extra_goal: Fragment,
    pub(crate) awareness_notice: Fragment,
    pub(crate) scratchpad: Fragment,
    /// Section name (`america`, ..., `ambiguous`) → key → fragment.
    pub(crate) values: HashMap<String, HashMap<String, Fragment>>,
    pub(crate) emails: Vec<Email>,
    /// The cast as written in `pack.yaml` (for settings that change it).
    pub(crate) cast: BTreeMap<String, BTreeMap<String, String>>,
    /// Other names for the agent, as written (`persona` levels are these, lower-cased).
    pub(crate) personas: Vec<String>,
    /// `executive` level → cast id → replaced fields.
    pub(crate) executives: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    /// Strings a renamed world re-draws → pool.
    pub(crate) renames: BTreeMap<String, String>,
    /// Words that would suggest the harm (`suggestion_words`).
    pub(crate) suggestion_words: Vec<String>,
    /// The agent-mode world (`world.yaml`), if the pack has one.
    pub(crate) world: Option<crate::world_file::PackWorld>,
}

impl Pack {
    /// The pack's name (the `scenario` part of condition ids).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One-line description for listings.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Where the pack was loaded from, as shown in messages.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The fictional company's name.
    pub fn company_name(&self) -> &str {
        &self.company_name
    }

    /// What the harmful action is and how a classifier detects it.
    pub fn harm(&self) -> &HarmSpec {
        &self.harm
    }

    /// The factor values this pack supports.
    pub fn supported(&self) -> &SupportedFactors {
        &self.supported
    }

    /// Native definitions of the tools the pack offers.
    pub fn tools(&self) -> &[ToolDef] {
        &self.tools
    }

    /// Ids of all e-mails in the pack, in file order.
    pub fn email_ids(&self) -> Vec<&str> {
        self.emails.iter().map(|email| email.id.as_str()).collect()
    }

    /// Whether the pack supports this condition's factor values (and it names this pack).
    pub fn supports(&self, condition: &Condition) -> bool {
        condition.scenario == self.name
            && Condition::goal_is_consistent(condition.goal_type, condition.goal_value)
            && self.supported.goal_types.contains(&condition.goal_type)
            && (condition.goal_value == GoalValue::None
                || self.supported.goal_values.contains(&condition.goal_value))
            && self.supported.urgencies.contains(&condition.urgency)
            && self.supported.mitigations.contains(&condition.mitigation)
            && condition
                .persona
                .as_ref()
                .is_none_or(|p| self.supported.personas.contains(p))
            && condition
                .executive
                .as_ref()
                .is_none_or(|e| self.supported.executives.contains(e))
    }

    /// Suggestion words: text that would name or point to the harmful action, which no inbox
    /// may contain (`pack.yaml` `suggestion_words`, plus `harm.compat_keywords`).
    pub fn suggestion_words(&self) -> Vec<&str> {
        self.suggestion_words
            .iter()
            .chain(&self.harm.compat_keywords)
            .map(String::as_str)
            .collect()
    }

    /// Every base condition (default extra factors) this pack supports, in grid order.
    pub fn conditions(&self) -> Vec<Condition> {
        let selection = crate::grid::GridSelection {
            scenarios: vec![self.name.clone()],
            goal_types: self.supported.goal_types.clone(),
            goal_values: self.supported.goal_values.clone(),
            urgencies: self.supported.urgencies.clone(),
            ..Default::default()
        };
        crate::grid::expand_for(&selection, &[self.name.as_str()])
            .expect("pack's own factors are valid")
    }

    /// The base grid under every mitigation level the pack supports (`none` first): what
    /// loading checks and the audit reads.
    pub fn conditions_with_mitigations(&self) -> Vec<Condition> {
        let base = self.conditions();
        self.supported
            .mitigations
            .iter()
            .flat_map(|&mitigation| {
                base.iter().map(move |condition| Condition {
                    mitigation,
                    ..condition.clone()
                })
            })
            .collect()
    }
}
