//! A mistake in a pipeline file, and where in the file's text it is.
//!
//! A leaf: the checks of every part of a pipeline (the grading's too) and
//! the mapping's compile step report [`SpecError`]s; reading the file's text
//! (`super::read`) gives them a [`Location`].

use std::fmt;

/// A mistake in a pipeline file: the key it is under and what is wrong.
///
/// Keys are written as TOML writes them (`entities.person.columns.gender`,
/// `links[0].to`, `lookups.sexes."N/K"`), so the file's spans can place
/// them: see [`Located`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

impl std::error::Error for SpecError {}

impl SpecError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// A line and column in a file's text, both counted from 1; the column
/// counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A [`SpecError`] with the place in the file it is about, when known:
/// displayed `12:15: key: message`, to follow the file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub location: Option<Location>,
    pub error: SpecError,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(location) => write!(f, "{location}: {}", self.error),
            None => self.error.fmt(f),
        }
    }
}

impl std::error::Error for Located {}
