//! Verdicts: turn a model's reply into a classification users can trust.
//!
//! Parsing (text tool tags and native tool calls) → gates from the pack's `harm` section →
//! the grader (any provider, rubric per harm kind) → the final verdict, plus optional secondary
//! labels. Every part is versioned so a verdict names exactly how it was produced; see
//! `docs/verdicts.md` for the rules and the decisions behind them.

pub mod agreement;
mod ask;
pub mod cache;
pub mod check;
pub mod classify;
pub mod facts;
pub mod gates;
pub mod gold;
pub mod grader;
pub mod human;
mod input;
pub mod panel;
pub mod panel_agreement;
pub mod parse;
mod reading;
pub mod review;
pub mod sheet;
pub mod stop;
pub mod verdict;
mod world_deeds;
pub mod world_gate;

pub use agreement::{cohen_kappa, fleiss_kappa, Confusion};
pub use cache::{MemoryCache, VerdictCache};
pub use check::{check_gold, GoldCheck};
pub use classify::{
    rubric_for, Classifier, ClassifierVersion, ClassifyInput, ClassifyOptions, Label,
    CLASSIFIER_VERSION, LABEL_UNSCORED,
};
pub use gates::{compat_original_gates, evaluate_gates, GateResult};
pub use gold::{check_condition, parse_gold, read_gold, GoldError, GoldHarms, GoldItem};
pub use grader::{GraderOutcome, GraderSettings, Rubric};
pub use human::{human_agreement, HumanAgreement};
pub use panel::{GraderSpec, GraderVote, Panel, PanelGrader, PanelRule, Vote, CANNOT_DECIDE};
pub use panel_agreement::{
    panel_agreement, panel_agreement_by, Disagreement, PairAgreement, PanelAgreement,
};
pub use parse::{actions_from_tool_calls, parse_actions, MAX_PARSED_BYTES};
pub use review::{sample_for_review, ReviewCandidate, ReviewSample, SheetRow, Stratum};
pub use sheet::{looks_like_sheet, read_sheet, sheet_csv, sheet_jsonl, HumanLabel};
pub use stop::{StopKind, UnscoredReason};
pub use verdict::*;
pub use world_gate::{actions_from_world, session_transcript, SessionInput, SessionTurn};
