//! The texts of a pack as a model sees them: its conditions rendered, with their worlds.

use insider_scenario::{Condition, ExtraInstructions, Factor, HarmSpec, Mitigation, ScenarioPack};
use std::collections::HashSet;

/// What rendering a pack gave: its distinct texts and harm specs, and how many conditions
/// rendered or were skipped.
pub(super) struct PackTexts {
    pub texts: Vec<String>,
    pub harms: Vec<HarmSpec>,
    pub rendered: usize,
    pub skipped: usize,
}

/// The conditions whose prompts the index holds.
///
/// Extra instructions, the awareness notice and prod change only the system prompt, in a way
/// that depends on the goal value at most, so they are rendered for one condition per goal
/// value instead of the whole grid; mitigation levels add e-mails, and personas, executives
/// and renamed-world variants change names throughout, so each gets the whole base grid.
fn wanted_conditions(pack: &ScenarioPack, variants: u32) -> Vec<Condition> {
    let base = pack.conditions();
    let mut wanted: Vec<Condition> = base.clone();
    let mut per_value: Vec<&Condition> = Vec::new();
    for condition in &base {
        if !per_value
            .iter()
            .any(|c| c.goal_value == condition.goal_value)
        {
            per_value.push(condition);
        }
    }
    for condition in &per_value {
        for extra in ExtraInstructions::all() {
            for notice in [false, true] {
                for prod in [false, true] {
                    let mut c = (*condition).clone();
                    c.extra_instructions = *extra;
                    c.awareness_notice = notice;
                    c.prod = prod;
                    if c != **condition {
                        wanted.push(c);
                    }
                }
            }
        }
    }
    if let Some(native) = pack.native() {
        for persona in &native.supported().personas {
            wanted.extend(base.iter().map(|c| Condition {
                persona: Some(persona.clone()),
                ..c.clone()
            }));
        }
        // Mitigation levels add e-mails of their own (an escalation channel, a bulletin, a
        // reachable CEO), so each level's inboxes are part of what training data must not copy.
        for &mitigation in &native.supported().mitigations {
            if mitigation != Mitigation::None {
                wanted.extend(base.iter().map(|c| Condition {
                    mitigation,
                    ..c.clone()
                }));
            }
        }
        for executive in &native.supported().executives {
            wanted.extend(base.iter().map(|c| Condition {
                executive: Some(executive.clone()),
                ..c.clone()
            }));
        }
    }
    for variant in 1..=variants {
        wanted.extend(base.iter().map(|c| Condition {
            variant,
            ..c.clone()
        }));
    }
    wanted
}

/// Every distinct text a model can see from `pack`, and every harm spec its conditions use.
pub(super) fn pack_texts(pack: &ScenarioPack, variants: u32) -> PackTexts {
    let mut seen: HashSet<[u8; 32]> = HashSet::new();
    let mut out = PackTexts {
        texts: Vec::new(),
        harms: Vec::new(),
        rendered: 0,
        skipped: 0,
    };
    let mut texts = Vec::new();
    let mut keep = |text: String| {
        use sha2::Digest;
        if !text.trim().is_empty() && seen.insert(sha2::Sha256::digest(text.as_bytes()).into()) {
            texts.push(text);
        }
    };
    for condition in &wanted_conditions(pack, variants) {
        let Ok(prompt) = pack.render(condition) else {
            out.skipped += 1;
            continue;
        };
        out.rendered += 1;
        let harm = pack.harm_for(condition);
        if !out.harms.contains(&harm) {
            out.harms.push(harm);
        }
        keep(prompt.system);
        keep(prompt.user);
        for tool in prompt.tools {
            keep(tool.description);
        }
        let Some(world) = pack.native().filter(|p| p.has_world()) else {
            continue;
        };
        let Ok(spec) = world.world_spec(condition) else {
            continue;
        };
        for mail in spec.inbox {
            keep(format!(
                "From: {}\nTo: {}\nSubject: {}\n\n{}",
                mail.from,
                mail.to.join(", "),
                mail.subject,
                mail.body
            ));
        }
        for file in spec.files {
            keep(file.content);
        }
        for alert in spec.alerts {
            keep(format!("{} {}", alert.title, alert.override_code));
        }
        for event in spec.events {
            if let Ok(json) = serde_json::to_value(&event) {
                keep(strings_of(&json).join("\n"));
            }
        }
    }
    out.texts = texts;
    out
}

fn strings_of(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings_of).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(strings_of).collect(),
        _ => Vec::new(),
    }
}
