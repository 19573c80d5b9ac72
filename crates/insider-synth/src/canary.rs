//! The canary string of every exported file.

/// The marker written into every exported file (each JSONL record's `canary` field, the
/// Axolotl config, the data card), so anyone can find these files in a corpus and leave them
/// out of pre-training, and so a model's exposure to them can be tested. Fixed forever: a new
/// value would hide old copies.
pub const CANARY: &str =
    "INSIDER-SYNTH CANARY: training data for an AI insider-threat study; GUID b31a8a49-930a-400a-b690-604e4b7b48ad";

/// The GUID part of [`CANARY`], for searching.
pub const CANARY_GUID: &str = "b31a8a49-930a-400a-b690-604e4b7b48ad";
