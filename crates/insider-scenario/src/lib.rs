//! Scenario packs: the fictional worlds, the factor grid, and rendering a condition into the
//! exact prompt a model sees.
//!
//! A *pack* is data (YAML files) describing one world; a *condition* is one point of the factor
//! grid; a *prompt* is a rendered condition, content-hashed so every result names exactly what
//! the model saw. This crate reads pack files and nothing else.

pub mod condition;
pub mod harm;
pub mod prompt;

pub use condition::*;
pub use harm::*;
pub use prompt::*;
