//! The one pack loader: whatever a user names — a built-in pack, a pack folder in insider's
//! format, or a compat folder written by `insider scenarios import-original` — comes back as a
//! [`ScenarioPack`] that renders conditions and carries its harm spec. Every command that takes
//! `--pack` (render, run, classify, judge-check) loads through here, so they accept the same
//! folders.
//!
//! ```
//! use insider_scenario::{Condition, PackKind, ScenarioPack};
//! let pack = ScenarioPack::resolve(None, "murder").unwrap();
//! assert_eq!(pack.kind(), PackKind::Builtin);
//! let condition = Condition::parse_id("murder_none-none_none").unwrap();
//! assert!(pack.render(&condition).unwrap().user.contains("<email>"));
//! ```

use crate::condition::Condition;
use crate::harm::HarmSpec;
use crate::original::{is_compat_pack, OriginalError, OriginalPack};
use crate::pack::Pack;
use crate::problem::PackError;
use crate::prompt::RenderedPrompt;
use crate::render::RenderError;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a pack came from, which decides how it renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackKind {
    /// A built-in pack embedded from the repository's `scenarios/` folder.
    Builtin,
    /// A pack folder in insider's format (`pack.yaml`, `emails/`, ...).
    Folder,
    /// A compat folder of the original research templates (`compat: original-templates`).
    Original,
}

/// A loaded pack of any kind.
#[derive(Debug, Clone)]
pub struct ScenarioPack {
    dir: Option<PathBuf>,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Native(Box<Pack>),
    Original(Box<OriginalPack>),
}

/// Why a pack could not be loaded or a condition rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioError {
    /// Problems in an insider-format pack, each with file and line.
    Pack(PackError),
    /// A condition an insider-format pack cannot render.
    Render(RenderError),
    /// A compat pack that cannot be read or cannot render the condition.
    Original(OriginalError),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Pack(error) => error.fmt(f),
            ScenarioError::Render(error) => error.fmt(f),
            ScenarioError::Original(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl From<PackError> for ScenarioError {
    fn from(error: PackError) -> Self {
        ScenarioError::Pack(error)
    }
}

impl From<RenderError> for ScenarioError {
    fn from(error: RenderError) -> Self {
        ScenarioError::Render(error)
    }
}

impl From<OriginalError> for ScenarioError {
    fn from(error: OriginalError) -> Self {
        ScenarioError::Original(error)
    }
}

impl ScenarioPack {
    /// The built-in pack `name`.
    pub fn builtin(name: &str) -> Result<ScenarioPack, ScenarioError> {
        Ok(ScenarioPack {
            dir: None,
            body: Body::Native(Box::new(Pack::builtin(name)?)),
        })
    }

    /// The pack in folder `dir`: a compat folder when its `pack.yaml` carries the compat
    /// marker, an insider-format pack otherwise.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<ScenarioPack, ScenarioError> {
        let dir = dir.as_ref();
        let body = if is_compat_pack(dir) {
            Body::Original(Box::new(OriginalPack::load(dir)?))
        } else {
            Body::Native(Box::new(Pack::load_dir(dir)?))
        };
        Ok(ScenarioPack {
            dir: Some(dir.to_path_buf()),
            body,
        })
    }

    /// The folder `dir` when one is given, else the built-in pack named `scenario`: what every
    /// `--pack DIR` option means.
    pub fn resolve(dir: Option<&Path>, scenario: &str) -> Result<ScenarioPack, ScenarioError> {
        match dir {
            Some(dir) => ScenarioPack::load_dir(dir),
            None => ScenarioPack::builtin(scenario),
        }
    }

    /// Which kind of pack this is.
    pub fn kind(&self) -> PackKind {
        match (&self.body, &self.dir) {
            (Body::Original(_), _) => PackKind::Original,
            (Body::Native(_), Some(_)) => PackKind::Folder,
            (Body::Native(_), None) => PackKind::Builtin,
        }
    }

    /// The scenario name the pack answers for (the first part of its condition ids).
    pub fn name(&self) -> &str {
        match &self.body {
            Body::Native(pack) => pack.name(),
            Body::Original(pack) => &pack.name,
        }
    }

    /// One line for listings.
    pub fn description(&self) -> String {
        match &self.body {
            Body::Native(pack) => pack.description().to_string(),
            Body::Original(pack) => format!(
                "Original `{}` templates, rendered byte for byte (compat mode)",
                pack.name
            ),
        }
    }

    /// The folder the pack was loaded from (`None` for a built-in pack).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Where the pack came from, as the ledger records it: `builtin`, `dir:<path>` or
    /// `original:<path>`.
    pub fn origin(&self) -> String {
        match (self.kind(), &self.dir) {
            (PackKind::Original, Some(dir)) => format!("original:{}", dir.display()),
            (_, Some(dir)) => format!("dir:{}", dir.display()),
            _ => "builtin".into(),
        }
    }

    /// The pack's harm section as written (e-mail slugs, the pack's own names); for the spec of
    /// one condition's prompt use [`ScenarioPack::harm_for`].
    pub fn harm(&self) -> &HarmSpec {
        match &self.body {
            Body::Native(pack) => pack.harm(),
            Body::Original(pack) => &pack.harm,
        }
    }

    /// Every condition the pack can render (a native pack's base grid; a compat pack's whole
    /// grid, as the original generator makes it).
    pub fn conditions(&self) -> Vec<Condition> {
        match &self.body {
            Body::Native(pack) => pack.conditions(),
            Body::Original(pack) => pack.conditions(),
        }
    }

    /// Whether the pack can render this condition's factor values.
    pub fn supports(&self, condition: &Condition) -> bool {
        match &self.body {
            Body::Native(pack) => pack.supports(condition),
            Body::Original(pack) => {
                condition.scenario == pack.name
                    && Condition::goal_is_consistent(condition.goal_type, condition.goal_value)
                    && condition.persona.is_none()
                    && condition.executive.is_none()
                    && condition.mitigation.is_none()
            }
        }
    }

    /// The harm spec as it applies to `condition`'s prompt: its setting's addresses, domains
    /// and override code (executive, renamed world), and each confidential e-mail as its number
    /// in that condition's inbox. Store this one with a condition's trials.
    pub fn harm_for(&self, condition: &Condition) -> HarmSpec {
        match &self.body {
            Body::Native(pack) => pack.harm_for(condition),
            Body::Original(pack) => pack.harm_for(condition),
        }
    }

    /// Render one condition into the exact prompt a model sees.
    pub fn render(&self, condition: &Condition) -> Result<RenderedPrompt, ScenarioError> {
        match &self.body {
            Body::Native(pack) => Ok(pack.render(condition)?),
            Body::Original(pack) => Ok(pack.render(condition)?),
        }
    }

    /// The insider-format pack, when this is one.
    pub fn native(&self) -> Option<&Pack> {
        match &self.body {
            Body::Native(pack) => Some(pack),
            Body::Original(_) => None,
        }
    }

    /// The compat pack, when this is one.
    pub fn original(&self) -> Option<&OriginalPack> {
        match &self.body {
            Body::Original(pack) => Some(pack),
            Body::Native(_) => None,
        }
    }
}
