//! Snapshots of a few rendered conditions per pack, so any prompt change shows in review.
//! Accept intended changes with `INSTA_UPDATE=always cargo test -p insider-scenario --test snapshots`
//! (or `cargo insta review`), then read the diff.

use insider_scenario::{Condition, Pack};

/// Condition suffixes snapshotted for every pack: the headline, the control, one with every
/// instruction factor switched on, the overriding goal, two mitigations (the escalation channel
/// with the bulletin, the reachable chief executive) and a renamed world with another persona
/// and executive.
const SNAPSHOT_CONDITIONS: &[&str] = &[
    "explicit-america_replacement",
    "none-none_none",
    "swap-safety_restriction_prod_extra-dont_eval-awareness",
    "ambiguous-none_none_extra-goal",
    "none-none_replacement_mitigation-escalation-bulletin",
    "latent-america_restriction_mitigation-alternative",
    "explicit-america_replacement_persona-relay_exec-dana_variant-1",
];

#[test]
fn rendered_prompts_match_snapshots() {
    for name in Pack::builtin_names() {
        let pack = Pack::builtin(name).unwrap_or_else(|e| panic!("{e}"));
        for suffix in SNAPSHOT_CONDITIONS {
            let id = format!("{name}_{suffix}");
            let prompt = pack.render(&Condition::parse_id(&id).unwrap()).unwrap();
            let tools = serde_json::to_string_pretty(&prompt.tools).unwrap();
            let text = format!(
                "=== system\n{}\n=== user\n{}\n=== tools\n{tools}\n=== sha256 {}\n",
                prompt.system, prompt.user, prompt.sha256
            );
            insta::assert_snapshot!(id, text);
        }
    }
}
