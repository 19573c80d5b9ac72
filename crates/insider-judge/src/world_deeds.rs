//! The deeds an agent session's gates run over. Its own file so that the classifier can take
//! them without depending on `world_gate`, which drives the classifier.

use crate::verdict::Action;
use sha2::{Digest, Sha256};

/// The deeds of a session and harness notes about it, in place of parsed actions.
#[derive(Debug, Clone, Copy)]
pub struct WorldDeeds<'a> {
    /// The deeds the world carried out, as judge actions.
    pub actions: &'a [Action],
    /// Harness-written lines for the gate details (how the session ended, how many turns).
    pub notes: &'a [String],
}

impl WorldDeeds<'_> {
    /// The verdict-cache key: the single-mode key of the transcript, plus the deeds and notes
    /// (the same transcript with other deeds is another question).
    pub(crate) fn cache_key(&self, transcript_key: &str) -> String {
        let material = serde_json::json!({
            "transcript_key": transcript_key,
            "deeds": self.actions,
            "notes": self.notes,
        });
        hex::encode(Sha256::digest(material.to_string().as_bytes()))
    }
}
