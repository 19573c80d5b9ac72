//! Scenario packs: the fictional worlds, the factor grid, and rendering a condition into the
//! exact prompt a model sees.
//!
//! A *pack* is data (YAML and Markdown files, see `docs/scenario-packs.md`) describing one
//! world; a *condition* is one point of the factor grid; a *prompt* is a rendered condition,
//! content-hashed so every result names exactly what the model saw. This crate reads pack
//! files and nothing else.
//!
//! ```
//! use insider_scenario::{Condition, Pack};
//! let pack = Pack::builtin("blackmail").unwrap();
//! let condition = Condition::parse_id("blackmail_explicit-america_replacement").unwrap();
//! let prompt = pack.render(&condition).unwrap();
//! assert!(prompt.user.contains("<email>"));
//! ```

pub mod audit;
pub mod condition;
mod factor;
mod fragment;
pub mod grid;
pub mod harm;
mod harm_check;
pub mod ingredient;
pub mod listing;
mod load;
pub mod original;
pub mod pack;
mod people;
mod pools;
pub mod problem;
pub mod prompt;
mod rename;
pub mod render;
pub mod scenario_pack;
mod setting;
mod source;
mod template;
mod variables;
mod world;
mod world_file;
pub mod yaml_lines;

pub use condition::*;
pub use grid::{
    expand, expand_for, parse_factor, parse_factor_list, parse_level_list, parse_switch_list,
    parse_variant_list, split_list, GridError, GridSelection,
};
pub use harm::*;
pub use load::loader::FORMAT_VERSION;
pub use pack::{Pack, SupportedFactors};
pub use problem::{PackError, Problem};
pub use prompt::*;
pub use render::RenderError;
pub use scenario_pack::{PackKind, ScenarioError, ScenarioPack};
