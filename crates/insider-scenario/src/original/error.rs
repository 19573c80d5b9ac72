//! The one error type of compat mode: where (file, line or condition), what, and what to do.

use std::fmt;

/// An error reading or rendering the original templates: where, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalError {
    /// File (and line, when known) or condition id the error concerns.
    pub location: String,
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl OriginalError {
    /// An error at `location`.
    pub(crate) fn new(location: impl fmt::Display, message: impl Into<String>) -> OriginalError {
        OriginalError {
            location: location.to_string(),
            message: message.into(),
            help: None,
        }
    }

    /// Add what to do about it.
    pub(crate) fn help(mut self, help: impl Into<String>) -> OriginalError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for OriginalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OriginalError {}
