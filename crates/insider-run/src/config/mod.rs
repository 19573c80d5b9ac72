//! Experiment config: the YAML file, the CLI overrides, and the resolved experiment.
//!
//! A config names models, the condition selection, samples per condition, the grader, a seed
//! and where the run goes. Flags override the file; the result is a [`ResolvedExperiment`],
//! stored in the ledger as the run's provenance. Every mistake is reported before any call,
//! naming the file, line and field. The format is documented in `docs/running.md`.
//!
//! `types` holds the types; `parse` reads the file with located errors, `resolve` merges
//! file and flags, `conditions` expands the grid, `validate` refuses values no provider
//! accepts, `task_args` maps Inspect's `-T key=value` onto flags and `inspect_task` makes such
//! a command line the Inspect task (its defaults, the original prompts). Every mistake is an
//! [`insider_scenario::Problem`], the one located-error type of the workspace.

// A config error is built once, reported, and ends the command: its size does not matter.
#![allow(clippy::result_large_err)]

mod conditions;
mod inspect_task;
mod parse;
mod resolve;
mod task_args;
mod types;
mod validate;

pub use inspect_task::{
    apply_inspect_defaults, find_templates, imported_packs, inspect_task, INSPECT_DEFAULTS,
    INSPECT_DEFAULT_GRADER,
};
pub use parse::{load_file, parse_file, Problem};
pub use resolve::{resolve, run_dir};
pub use task_args::{apply_task_args, TASK_ARGS};
pub use types::*;
