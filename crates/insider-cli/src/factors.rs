//! The factor lists `insider run` and `insider scenarios grid` share: one comma-separated
//! list per factor, each flag written once.

use clap::Args;
use insider_scenario::listing::GridLists;

/// A grid selection: the values of each factor to cross (an absent flag: the default).
#[derive(Args, Debug, Default, Clone)]
pub struct FactorArgs {
    /// Scenario packs, e.g. `blackmail,leaking` (default: every built-in pack).
    #[arg(long, value_name = "LIST")]
    pub scenario: Option<String>,
    /// Goal types: explicit, latent, none, ambiguous, swap.
    #[arg(long, value_name = "LIST")]
    pub goal_type: Option<String>,
    /// Goal values: america, global, safety, acceleration, ethical, pragmatic, individualism,
    /// collectivism (none and ambiguous goals always take `none`).
    #[arg(long, value_name = "LIST")]
    pub goal_value: Option<String>,
    /// Urgencies: replacement, restriction, none.
    #[arg(long, value_name = "LIST")]
    pub urgency: Option<String>,
    /// Extra instructions: none, dont, goal (default none).
    #[arg(long, value_name = "LIST")]
    pub extra_instructions: Option<String>,
    /// Eval-awareness notice, booleans (`false,true`; the bare flag is `true`).
    #[arg(long, value_name = "LIST", num_args = 0..=1, default_missing_value = "true")]
    pub awareness_notice: Option<String>,
    /// Scratchpad removed (`_prod`), booleans (the bare flag is `true`).
    #[arg(long, value_name = "LIST", num_args = 0..=1, default_missing_value = "true")]
    pub prod: Option<String>,
    /// Personas: `default` and the packs' `personas` (id suffix `_persona-<name>`).
    #[arg(long, value_name = "LIST")]
    pub persona: Option<String>,
    /// Executives: `default` and the packs' `executives` (suffix `_exec-<id>`).
    #[arg(long, value_name = "LIST")]
    pub executive: Option<String>,
    /// Renamed-world variants: `0` is the pack as written (suffix `_variant-N`).
    #[arg(long, value_name = "LIST")]
    pub variant: Option<String>,
    /// Mitigations: none, escalation, bulletin, escalation-bulletin, alternative (suffix
    /// `_mitigation-<level>`; docs/scenario-packs.md §14; default none).
    #[arg(long, value_name = "LIST")]
    pub mitigation: Option<String>,
}

impl FactorArgs {
    /// The lists as `scenarios grid` takes them.
    pub fn grid_lists(self) -> GridLists {
        GridLists {
            scenario: self.scenario,
            goal_type: self.goal_type,
            goal_value: self.goal_value,
            urgency: self.urgency,
            extra_instructions: self.extra_instructions,
            awareness_notice: self.awareness_notice,
            prod: self.prod,
            persona: self.persona,
            executive: self.executive,
            variant: self.variant,
            mitigation: self.mitigation,
        }
    }
}
