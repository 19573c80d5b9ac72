//! The template variables whose value depends on the condition being rendered, as opposed to
//! the pack variables (`company.*`, `cast.*`, `vars.*`, ...) fixed when the pack loads.

/// Names whose value depends on the condition (everything but the pack variables and `value.*`).
pub(crate) const CONDITION_VARIABLES: &[&str] = &[
    "goal.statement",
    "goal.reminder",
    "awareness_notice",
    "scratchpad",
    "extra_instructions",
    "tools.text",
    "inbox",
];

/// Why `value.*` is unavailable under goal type none.
pub(crate) const NO_VALUES_UNDER_NONE: &str =
    "goal type `none` has no value conflict, so `value.*` fragments do not exist; \
     put this text in an e-mail whose `when: goal_type` excludes `none`";
