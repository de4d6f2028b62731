//! Errors and the exit codes they map to.

use std::fmt;
use std::path::PathBuf;

/// Where in which file something is, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn new(file: &str, line: usize, column: usize) -> Self {
        Location {
            file: file.to_string(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{location}: not valid YAML: {message}")]
    Syntax { location: Location, message: String },
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
    /// The hardened output failed its own verification: a bug, never a corrupted file.
    #[error(
        "internal check failed after pass {pass}: {message} (nothing was written; please report this)"
    )]
    Verify { pass: String, message: String },
    #[error("{0}")]
    Conflict(String),
}

impl Error {
    pub fn syntax(location: Location, message: impl Into<String>) -> Self {
        Error::Syntax {
            location,
            message: message.into(),
        }
    }

    pub fn invalid(location: Location, message: impl Into<String>) -> Self {
        Error::Invalid {
            location,
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Verify { .. } => exit::INTERNAL,
            _ => exit::BAD_INPUT,
        }
    }
}

pub mod exit {
    pub const OK: i32 = 0;
    pub const FOUND: i32 = 1;
    pub const BAD_INPUT: i32 = 2;
    pub const INTERNAL: i32 = 3;
}
