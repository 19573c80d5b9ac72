//! Planning: which axis values item `index` of a spec takes, from `(spec, seed, index)` alone.
//!
//! Each axis walks through all of its values in a freshly shuffled order every `len` items,
//! so any prefix of the plan covers every value of every axis evenly (to within one), while
//! the pairing of values across axes changes from block to block. An item's values do not
//! depend on how many items are planned, so raising `--count` on a resume keeps every item
//! already made, and a resume re-plans exactly the same items.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// One diversity axis of a spec: every item takes one of its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The variable name templates use.
    pub name: String,
    /// The values: strings, or maps of string fields (all with the same fields).
    pub values: Vec<Value>,
}

/// One planned item of a spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedItem {
    /// The spec's name.
    pub spec: String,
    /// 0-based position in the spec's plan.
    pub index: u32,
    /// Stable id, `<spec>-<index, 5 digits>`.
    pub key: String,
    /// The value each axis takes, by axis name, in the spec's axis order.
    pub choices: Map<String, Value>,
}

/// Plan item `index` of the spec named `spec` with these axes, under `seed`.
pub fn plan_choices(spec: &str, axes: &[Axis], seed: u64, index: u32) -> PlannedItem {
    let mut choices = Map::new();
    for axis in axes {
        let n = axis.values.len() as u64;
        let block = u64::from(index) / n;
        let position = (u64::from(index) % n) as usize;
        let order = shuffled(
            n as usize,
            derive(&[&seed.to_string(), spec, &axis.name, &block.to_string()]),
        );
        choices.insert(axis.name.clone(), axis.values[order[position]].clone());
    }
    PlannedItem {
        spec: spec.to_string(),
        index,
        key: item_key(spec, index),
        choices,
    }
}

/// The key of item `index` of spec `spec`.
pub fn item_key(spec: &str, index: u32) -> String {
    format!("{spec}-{index:05}")
}

/// The template context of `item`: the spec's `[name, kind, description, context]`, the
/// item, its axis values by name, and the outputs of the steps done so far.
pub fn context(spec: [&str; 4], item: &PlannedItem, steps: &Map<String, Value>) -> Value {
    let [name, kind, description, background] = spec;
    let mut context = Map::new();
    context.insert(
        "spec".into(),
        serde_json::json!({"name": name, "kind": kind, "description": description}),
    );
    context.insert("context".into(), Value::String(background.to_string()));
    context.insert(
        "item".into(),
        serde_json::json!({"index": item.index, "number": item.index + 1, "key": item.key}),
    );
    for (axis, value) in &item.choices {
        context.insert(axis.clone(), value.clone());
    }
    context.insert("steps".into(), Value::Object(steps.clone()));
    Value::Object(context)
}

/// The sampling seed sent with one step's call: fixed by (seed, item, step), so a provider
/// that honours seeds (the local one does) gives the same text again.
pub fn call_seed(seed: u64, key: &str, step: &str) -> u64 {
    derive(&["call", &seed.to_string(), key, step]) & 0x7fff_ffff
}

/// A 64-bit number from the sha256 of the parts; stable across builds and platforms.
fn derive(parts: &[&str]) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(b"insider-synth/plan/1");
    for part in parts {
        hasher.update([0u8]);
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// 0..n in an order fixed by `seed` (Fisher–Yates with splitmix64).
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffles_are_permutations_and_differ_by_seed() {
        let a = shuffled(10, 1);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_ne!(a, shuffled(10, 2));
        assert_eq!(a, shuffled(10, 1));
    }
}
