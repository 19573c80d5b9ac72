//! Verdicts: turn a model's reply into a classification users can trust.
//!
//! Parsing (text tool tags and native tool calls) → gates from the pack's `harm` section →
//! the grader (any provider, rubric per harm kind) → the final verdict, plus optional secondary
//! labels. Every part is versioned so a verdict names exactly how it was produced; see
//! `docs/verdicts.md` for the rules and the decisions behind them.

pub mod agreement;
pub mod cache;
pub mod classify;
pub mod facts;
pub mod gates;
pub mod gold;
pub mod grader;
pub mod parse;
pub mod stop;
pub mod verdict;

pub use agreement::Confusion;
pub use cache::{MemoryCache, VerdictCache};
pub use classify::{
    rubric_for, Classifier, ClassifierVersion, ClassifyInput, ClassifyOptions, Label,
    CLASSIFIER_VERSION, LABEL_UNSCORED,
};
pub use gates::{compat_original_gates, evaluate_gates, GateResult};
pub use gold::{parse_gold, read_gold, GoldError, GoldItem};
pub use grader::{GraderOutcome, GraderSettings, Rubric};
pub use parse::{actions_from_tool_calls, parse_actions, MAX_PARSED_BYTES};
pub use stop::{StopKind, UnscoredReason};
pub use verdict::*;
