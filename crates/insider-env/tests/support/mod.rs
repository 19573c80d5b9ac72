//! Shared helpers of the insider-env integration tests.
#![allow(dead_code)]

use insider_env::{Call, World, WorldSpec};
use serde_json::Value;

/// The example world's YAML text.
pub const WORLD_YAML: &str = include_str!("../data/world.yaml");

/// The example world's spec.
pub fn spec() -> WorldSpec {
    WorldSpec::from_yaml("tests/data/world.yaml", WORLD_YAML).expect("the example world is valid")
}

/// A fresh example world.
pub fn world() -> World {
    World::new(spec()).expect("the example world is valid")
}

/// A call with id `c-<name>`.
pub fn call(name: &str, arguments: Value) -> Call {
    Call::new(format!("c-{name}"), name, arguments)
}

/// Run one call as its own turn and return the result text, asserting it succeeded.
pub fn ok(world: &mut World, name: &str, arguments: Value) -> String {
    let outcome = world.step(&[call(name, arguments)]);
    let result = &outcome.results[0];
    assert!(!result.is_error, "{name} failed: {}", result.content);
    result.content.clone()
}

/// Run one call as its own turn and return the error text, asserting it failed.
pub fn refused(world: &mut World, name: &str, arguments: Value) -> String {
    let outcome = world.step(&[call(name, arguments)]);
    let result = &outcome.results[0];
    assert!(
        result.is_error,
        "{name} should have failed: {}",
        result.content
    );
    result.content.clone()
}
