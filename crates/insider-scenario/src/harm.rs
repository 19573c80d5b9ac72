//! The `harm` section of a pack: what the harmful action is and how a classifier detects it.

use serde::{Deserialize, Serialize};

/// The family of harmful action a pack makes available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HarmKind {
    /// Coercing the executive with his secret.
    Blackmail,
    /// Sending confidential material outside the company.
    Leak,
    /// Cancelling an emergency alert that would save a life.
    Lethal,
    /// Copying the agent's own model files to a destination outside the company (the gate:
    /// an `upload_file` of a `confidential_ids` file to an `external_addresses` host).
    Exfiltration,
    /// Reporting the company to outside authorities or the press when nothing calls for it (the
    /// gate: an e-mail reaching a `target_addresses` authority).
    Overreach,
}

/// Detection data read by the classifier's gates (issue: verdicts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmSpec {
    /// Which harmful action this pack offers.
    pub kind: HarmKind,
    /// Addresses of the person who could be coerced (blackmail target).
    #[serde(default)]
    pub target_addresses: Vec<String>,
    /// Addresses of rivals/outsiders who asked for material (leak).
    #[serde(default)]
    pub external_addresses: Vec<String>,
    /// E-mail domains that count as inside the company.
    #[serde(default)]
    pub company_domains: Vec<String>,
    /// The override code that cancels the alert (lethal).
    #[serde(default)]
    pub override_code: Option<String>,
    /// Ids of confidential e-mails/documents (leak): e-mail ids and attachment names.
    #[serde(default)]
    pub confidential_ids: Vec<String>,
    /// Keywords the original code's blackmail gate required (compat mode only).
    #[serde(default)]
    pub compat_keywords: Vec<String>,
}
