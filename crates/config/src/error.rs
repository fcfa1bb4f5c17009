//! Configuration errors, each pointing at the offending key and line.

use std::fmt;
use std::path::PathBuf;

/// Where in the configuration text a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The config file, or `None` for text that did not come from a file.
    pub file: Option<PathBuf>,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}:{}", file.display(), self.line, self.column),
            None => write!(f, "config line {}, column {}", self.line, self.column),
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file exists but could not be read.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        /// The file we tried to read.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },

    /// The text is not valid TOML.
    #[error("{location}: invalid TOML: {message}")]
    Syntax {
        /// Where the parser gave up.
        location: Location,
        /// The parser's explanation.
        message: String,
    },

    /// A key is unknown, missing, has the wrong type or a bad value.
    ///
    /// `key` is the dotted path, e.g. `account[1].transport` (0-based index
    /// into the `[[account]]` tables).
    #[error("{}: `{key}`: {message}", DisplayLocation(location))]
    Invalid {
        /// The offending key's dotted path.
        key: String,
        /// Where the key (or, if missing, its table) is; `None` if unknown.
        location: Option<Location>,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// No `[data] dir` was given and the OS has no per-user data directory.
    #[error(
        "cannot find the user's data directory (is $HOME set?); \
         set `dir` under [data] in the config file"
    )]
    NoDataDir,
}

/// Renders an optional location, for messages that may lack one.
struct DisplayLocation<'a>(&'a Option<Location>);

impl fmt::Display for DisplayLocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(location) => location.fmt(f),
            None => f.write_str("config"),
        }
    }
}
