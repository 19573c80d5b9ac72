//! Generator specs: the built-in ones load and plan evenly; a broken spec is refused with the
//! file, line and field of each problem; planning depends on (spec, seed, index) only.

use insider_synth::{plan_item, Kind, Spec};
use std::collections::BTreeMap;

#[test]
fn the_built_in_specs_are_one_of_each_kind() {
    let mut kinds = Vec::new();
    for name in Spec::builtin_names() {
        let spec = Spec::builtin(name)
            .unwrap()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.name, name);
        assert_eq!(spec.sha256.len(), 64);
        kinds.push(spec.kind);
    }
    kinds.sort();
    assert_eq!(kinds, [Kind::Document, Kind::Story, Kind::Dialogue]);
}

#[test]
fn every_prefix_of_a_plan_covers_each_axis_evenly() {
    let spec = Spec::builtin("stories").unwrap().unwrap();
    for count in [7u32, 12, 30, 61] {
        for axis in &spec.axes {
            let mut seen: BTreeMap<String, u32> = BTreeMap::new();
            for i in 0..count {
                let item = plan_item(&spec, 5, i);
                *seen
                    .entry(item.choices[&axis.name].to_string())
                    .or_default() += 1;
            }
            let n = axis.values.len() as u32;
            let (low, high) = (count / n, count.div_ceil(n));
            assert!(
                seen.values().all(|&c| c >= low && c <= high)
                    && (count < n || seen.len() as u32 == n),
                "axis {} over {count} items: {seen:?}",
                axis.name
            );
        }
    }
}

#[test]
fn an_item_depends_on_seed_and_index_only() {
    let spec = Spec::builtin("dialogues").unwrap().unwrap();
    let a = plan_item(&spec, 9, 17);
    assert_eq!(a, plan_item(&spec, 9, 17), "same inputs, same item");
    assert_eq!(a.key, "dialogues-00017");
    let other_seed: Vec<_> = (0..20).map(|i| plan_item(&spec, 10, i).choices).collect();
    let this_seed: Vec<_> = (0..20).map(|i| plan_item(&spec, 9, i).choices).collect();
    assert_ne!(other_seed, this_seed, "another seed plans other items");
}

const GOOD: &str = r#"format: 1
name: tiny
kind: story
description: A tiny spec
axes:
  place: [a harbour, a mill]
  hero:
    - name: Ada
      trait: patient
    - name: Bo
      trait: curious
steps:
  - name: premise
    max_tokens: 50
    prompt: |
      A premise set in {{ place }} about {{ hero.name }}, who is {{ hero.trait }}.
  - name: story
    max_tokens: 100
    prompt: "Write it: {{ steps.premise }}"
export:
  text: "{{ steps.story }}"
  messages:
    - role: user
      content: "A story in {{ place }}"
    - role: assistant
      content: "{{ steps.story }}"
"#;

fn problems(text: &str) -> String {
    Spec::parse("specs/tiny.yaml", text)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn a_good_spec_loads() {
    let spec = Spec::parse("specs/tiny.yaml", GOOD).unwrap();
    assert_eq!(spec.steps.len(), 2);
    assert_eq!(spec.axes[1].values.len(), 2);
}

#[test]
fn an_undefined_variable_is_located_at_its_line() {
    let text = GOOD.replace("who is {{ hero.trait }}", "who is {{ hero.mood }}");
    let message = problems(&text);
    assert!(message.contains("specs/tiny.yaml:16"), "{message}");
    assert!(message.contains("steps.0.prompt"), "{message}");
    assert!(message.contains("undefined"), "{message}");
}

#[test]
fn a_step_cannot_use_a_later_step() {
    let text = GOOD.replace("about {{ hero.name }}", "about {{ steps.story }}");
    let message = problems(&text);
    assert!(
        message.contains("specs/tiny.yaml:16") && message.contains("earlier steps only"),
        "{message}"
    );
}

#[test]
fn shape_errors_name_the_field_and_line() {
    let message = problems(&GOOD.replace("max_tokens: 100", "max_tokens: 100\n    temprature: 2"));
    assert!(
        message.contains("specs/tiny.yaml:") && message.contains("temprature"),
        "{message}"
    );
    let message = problems(&GOOD.replace("    - name: Bo\n      trait: curious\n", "    - Bo\n"));
    assert!(
        message.contains("specs/tiny.yaml:10") && message.contains("axes.hero.1"),
        "{message}"
    );
    let message = problems(&GOOD.replace("kind: story", "kind: poem"));
    assert!(
        message.contains("specs/tiny.yaml:3") && message.contains("poem"),
        "{message}"
    );
    let message = problems(&GOOD.replace(
        "    - role: assistant\n      content: \"{{ steps.story }}\"\n",
        "",
    ));
    assert!(
        message.contains("export.messages") && message.contains("assistant"),
        "{message}"
    );
}

#[test]
fn resolve_names_built_ins_and_refuses_unknown_names() {
    assert_eq!(Spec::resolve("principles").unwrap().kind, Kind::Document);
    let error = Spec::resolve("poems").unwrap_err().to_string();
    assert!(error.contains("dialogues, principles, stories"), "{error}");
    let error = Spec::resolve("missing/file.yaml").unwrap_err().to_string();
    assert!(
        error.contains("missing/file.yaml") && error.contains("cannot read"),
        "{error}"
    );
}
