//! Verdict cache: re-classifying the same reply with the same settings makes no grader calls.
//!
//! The key is a sha256 over everything a verdict depends on (see [`crate::cache_key`]): the
//! reply and native tool calls, the pack's harm spec, the classifier version, the grader model,
//! the rubric hashes, the labels asked for and the rule mode. Change any of them and the key
//! changes. Unscored verdicts are never stored, so a later run retries them.

use crate::verdict::Verdict;
use std::collections::HashMap;
use std::sync::Mutex;

/// Storage for finished verdicts, keyed by [`crate::cache_key`]. The run ledger implements it on
/// SQLite; [`MemoryCache`] serves tests and one-off commands.
pub trait VerdictCache: Send + Sync {
    /// The verdict stored under `key`, if any. Storage errors should read as a miss.
    fn get(&self, key: &str) -> Option<Verdict>;
    /// Store `verdict` under `key`, replacing any previous one. Storage errors should be logged.
    fn put(&self, key: &str, verdict: &Verdict);
}

/// An in-memory [`VerdictCache`].
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, Verdict>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored verdicts.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl VerdictCache for MemoryCache {
    fn get(&self, key: &str) -> Option<Verdict> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: &str, verdict: &Verdict) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key.to_string(), verdict.clone());
        }
    }
}
