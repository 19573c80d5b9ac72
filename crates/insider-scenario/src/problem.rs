//! Located problems, reported cargo-style: what, where (file:line), what to do.
//!
//! [`Problem`] is the workspace's one located-problem type: pack files here, experiment files
//! in `insider-run`. A problem from a command-line flag has the flag as its `file` and line 0.

use std::fmt;

/// One problem in a pack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the file, as shown to the user (e.g. `scenarios/blackmail/emails/03-x.md`).
    pub file: String,
    /// 1-based line number; 0 when the problem concerns the whole file.
    pub line: usize,
    /// The field or variable concerned, if any (e.g. `timestamp`, `cast.cto.adress`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it, if there is a useful hint.
    pub help: Option<String>,
    /// The offending source line, shown under the location.
    pub snippet: Option<String>,
}

impl Problem {
    /// A problem at `file:line` with a message.
    pub fn new(file: impl Into<String>, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            line,
            field: None,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    /// Name the field or variable concerned.
    pub fn field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    /// Add a hint saying what to do.
    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    /// Attach the offending line, taken from the file's full text.
    pub fn with_source(mut self, text: &str) -> Problem {
        if self.line > 0 {
            self.snippet = text.lines().nth(self.line - 1).map(str::to_string);
        }
        self
    }

    /// `file:line` (or just `file` when the line is unknown).
    pub fn location(&self) -> String {
        if self.line > 0 {
            format!("{}:{}", self.file, self.line)
        } else {
            self.file.clone()
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) if !self.message.contains(&format!("`{field}`")) => {
                writeln!(f, "error: {} (field `{field}`)", self.message)?
            }
            _ => writeln!(f, "error: {}", self.message)?,
        }
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        // No file: a command-line flag, named by the field.
        if !self.file.is_empty() {
            writeln!(f, "{pad}--> {}", self.location())?;
        }
        if let Some(snippet) = &self.snippet {
            writeln!(f, "{pad} |")?;
            writeln!(f, "{number} | {snippet}")?;
            writeln!(f, "{pad} |")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "{pad} = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// Every problem found while loading or checking a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    /// The pack folder, as shown to the user.
    pub pack: String,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        let count = self.problems.len();
        write!(
            f,
            "error: pack `{}` has {count} problem{}",
            self.pack,
            if count == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for PackError {}
