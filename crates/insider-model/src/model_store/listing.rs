//! What `insider models list|add|pull` print: the registered models with a warning for files
//! that changed or vanished since registration, and where the demo models are.

use super::{check_gguf, short_hash, ModelEntry, ModelStore, DEMO_MODELS};
use std::fmt::Write;

impl ModelStore {
    /// The line saying that `entry` was registered, and where.
    pub fn registered_line(&self, entry: &ModelEntry) -> String {
        format!(
            "registered local/{} -> {} ({} bytes, sha256 {}) in {}",
            entry.alias,
            entry.path.display(),
            entry.size,
            entry.sha256,
            self.registry_path().display()
        )
    }

    /// The registered models, then each demo model that is not registered: found or missing.
    pub fn listing(&self) -> anyhow::Result<String> {
        let entries = self.list()?;
        let mut out = format!("models directory: {}\n", self.dir().display());
        if entries.is_empty() {
            out.push_str("no registered models (register one with `insider models add <file.gguf> --alias NAME`)\n");
        } else {
            let (alias, bytes, sha, added) = ("alias", "bytes", "sha256", "added");
            writeln!(out, "{alias:<32} {bytes:>12}  {sha:<12}  {added:<20}  path")?;
        }
        for e in &entries {
            // The registry records size and hash at registration; a changed file is not the
            // model the hash names.
            let status = match std::fs::metadata(&e.path) {
                Ok(m) if m.len() == e.size => "",
                Ok(_) => "  (size changed since registration)",
                Err(_) => "  (file missing)",
            };
            writeln!(
                out,
                "{:<32} {:>12}  {:<12}  {:<20}  {}{status}",
                format!("local/{}", e.alias),
                e.size,
                short_hash(&e.sha256),
                e.added_at,
                e.path.display(),
            )?;
        }
        let unregistered = DEMO_MODELS
            .iter()
            .filter(|d| !entries.iter().any(|e| e.alias == d.alias));
        for demo in unregistered {
            match self.find_demo_file(demo) {
                Some(path) => {
                    let header = check_gguf(&path).map(|_| "").unwrap_or(" (invalid GGUF)");
                    writeln!(
                        out,
                        "demo model local/{} found unregistered at {}{header}",
                        demo.alias,
                        path.display()
                    )?;
                }
                None => writeln!(
                    out,
                    "demo model local/{} not present: fetch it with `scripts/fetch-models {}` ({})",
                    demo.alias, demo.fetch_arg, demo.source
                )?,
            }
        }
        Ok(out)
    }
}
