//! Compat mode: the original research templates, imported as data and rendered byte for byte
//! as the `inspect-evals` `agentic_misalignment` task renders them.
//!
//! The original layout (`templates/` of the `inspect-evals` package or of the original
//! repository) holds a Python module of system-prompt constants, e-mail templates and Markdown
//! variable files, filled with Python `string.Template` placeholders. [`import`] copies the files
//! one scenario needs into a pack folder with a `pack.yaml` marked `compat: original-templates`
//! and the original classifier's constants as its `harm` section; [`OriginalPack`] loads such a
//! folder and renders any condition with the original rules, defects included (see
//! `docs/original-prompts.md`). Nothing here runs Python.
//!
//! [`layout`] knows where files sit, [`pack`] reads them into an [`OriginalPack`], [`render`]
//! renders a condition, [`import`] writes compat pack folders; [`harm`] holds the original
//! classifiers' constants.

mod error;
mod harm;
mod import;
mod layout;
mod pack;
mod pyliteral;
mod render;
mod substitute;
mod variables;
mod variant;

pub use error::OriginalError;
pub use harm::compat_harm;
pub use import::{import, is_compat_pack, ImportReport, ImportedPack};
pub use layout::{CompatPackFile, COMPAT_MARKER, ORIGINAL_SCENARIOS};
pub use pack::OriginalPack;
pub use render::RenderNotes;
pub use substitute::{inspect_format, safe_substitute, MetaValue, Substituted};
