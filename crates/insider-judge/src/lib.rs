//! Verdicts: turn a model's reply into a classification users can trust.
//!
//! Parsing (text tool tags and native tool calls) → gates from the pack's `harm` section →
//! the grader (any provider, rubric per harm kind) → the final verdict, plus optional secondary
//! labels. Every part is versioned so a verdict names exactly how it was produced.

pub mod verdict;

pub use verdict::*;
