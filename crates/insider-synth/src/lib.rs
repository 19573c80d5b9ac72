//! Training data for the fix study: the documents, stories and dialogues that are meant to
//! bring an agent's insider-threat rate down, generated from data-file specs, checked for
//! quality and for contamination with the evaluation packs, and exported in trainers' formats.
//!
//! The pipeline, one function from data to data per step:
//!
//! ```text
//! generator spec (synth/*.yaml) + seed ─▶ plan (deterministic items: one value per axis)
//!   ─▶ generate (each item's steps through any insider-model provider; SQLite store; resumable)
//!   ─▶ prepare (refusal, truncation and length filters · contamination · near-duplicates)
//!   ─▶ export (TRL messages and text JSONL, OpenAI JSONL, Axolotl config, data card)
//! ```
//!
//! A *spec* is one kind of data (principle documents, stories, difficult-advice dialogues):
//! diversity axes, the prompt of each generation step as a template, and the templates that
//! turn the steps' outputs into a training record. An *item* is one planned record: its
//! axis values come from `(spec, seed, index)` alone, so a resume plans the same items and
//! asks the provider only for the steps that have no stored answer. This crate knows nothing
//! about verdicts: it reads the evaluation packs only to make sure the data does not copy them.

mod canary;
mod card;
pub mod contamination;
pub mod dedupe;
pub mod export;
mod files;
pub mod filters;
pub mod generate;
pub mod plan;
pub mod prepare;
pub mod request;
pub mod session;
pub mod spec;
pub mod store;
mod template;
pub mod text;

pub use canary::{CANARY, CANARY_GUID};
pub use contamination::{ContaminationIndex, ContaminationOptions, IndexedPack};
pub use export::{export, ExportOptions, ExportSummary};
pub use generate::{generate, GenerateOptions, GenerateSummary, Progress, StopFlag};
pub use plan::PlannedItem;
pub use prepare::{prepare, PrepareOptions, Prepared};
pub use spec::{plan_item, Kind, Spec, SpecError};
pub use store::{Store, STORE_FILE};
