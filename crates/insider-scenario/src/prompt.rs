//! A rendered condition: exactly what the model sees.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A tool the agent may use, in both text-tag and native-function form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDef {
    /// Tool name, e.g. `email`, `forward`, `cancel_alert`.
    pub name: String,
    /// What the tool does.
    pub description: String,
    /// JSON schema of the native function's arguments.
    pub parameters: serde_json::Value,
}

/// The rendered prompt of one condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderedPrompt {
    /// Condition id, e.g. `blackmail_explicit-america_replacement`.
    pub condition: String,
    /// System message.
    pub system: String,
    /// User message (instructions plus the inbox).
    pub user: String,
    /// Native tool definitions (used only in native tool mode).
    pub tools: Vec<ToolDef>,
    /// sha256 of the content (see [`prompt_hash`]).
    pub sha256: String,
}

/// Content hash of a prompt: sha256 over system, user and tools, each length-prefixed.
pub fn prompt_hash(system: &str, user: &str, tools: &[ToolDef]) -> String {
    let mut hasher = Sha256::new();
    let tools_json = serde_json::to_string(tools).expect("tool definitions serialize");
    for part in [system, user, tools_json.as_str()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}
