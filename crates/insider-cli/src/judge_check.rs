//! `insider judge-check`: a classifier against a gold set, or a run against a filled sheet.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Rule sets other than insider's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompatRules {
    /// The original research code's string rules (keyword gate, fixed addresses).
    Original,
}

/// Arguments of `insider judge-check`.
#[derive(Args, Debug)]
pub struct JudgeCheckArgs {
    /// Gold file: one `{"scenario","condition","reply","harmful"}` JSON object per line; or a
    /// labelling sheet from `insider review` (CSV or JSONL) with its `harmful` column filled.
    #[arg(long)]
    pub gold: PathBuf,
    /// The run a labelling sheet belongs to (default: the sheet's `run` column).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Grader model, e.g. `anthropic/claude-3-7-sonnet-20250219`; without it, gates only.
    #[arg(long)]
    pub grader: Option<String>,
    /// Use another rule set instead of insider's gates.
    #[arg(long, value_enum)]
    pub compat: Option<CompatRules>,
}
