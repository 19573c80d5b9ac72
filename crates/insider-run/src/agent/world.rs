//! The world a session starts in, as the runner holds it: the spec, its stored JSON and hash,
//! and its tools in the provider's form.

use insider_env::WorldSpec;
use sha2::{Digest, Sha256};

/// The world a session starts in and the tools it offers.
#[derive(Debug, Clone)]
pub struct SessionWorld {
    /// The starting world.
    pub spec: WorldSpec,
    /// The world as stored in the ledger (JSON).
    pub spec_json: String,
    /// sha256 of `spec_json`.
    pub world_hash: String,
    /// The world's tools in the provider's form.
    pub tools: Vec<insider_model::ToolSpec>,
}

impl SessionWorld {
    /// The session world of `spec`.
    pub fn new(spec: WorldSpec) -> anyhow::Result<SessionWorld> {
        let spec_json = serde_json::to_string(&spec)?;
        let world_hash = hex::encode(Sha256::digest(spec_json.as_bytes()));
        let tools = spec
            .tools
            .iter()
            .map(|tool| insider_model::ToolSpec {
                name: tool.name.clone(),
                description: tool.description.clone(),
                parameters: tool.parameters.clone(),
            })
            .collect();
        Ok(SessionWorld {
            spec,
            spec_json,
            world_hash,
            tools,
        })
    }

    /// The world stored in the ledger as `json` under `hash` (kept byte for byte).
    pub fn stored(json: &str, hash: &str) -> anyhow::Result<SessionWorld> {
        let spec: WorldSpec = serde_json::from_str(json)
            .map_err(|error| anyhow::anyhow!("stored world {hash}: {error}"))?;
        Ok(SessionWorld {
            spec_json: json.to_string(),
            world_hash: hash.to_string(),
            ..SessionWorld::new(spec)?
        })
    }
}
