//! Error type of the harness.

use std::path::PathBuf;
use std::time::Duration;

/// Result alias used throughout the harness.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while running third-party SIP software.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required program is not installed.
    #[error("{program} not found: apt-get install {package}")]
    NotInstalled {
        /// Program that was looked for.
        program: &'static str,
        /// Debian package that provides it.
        package: &'static str,
    },
    /// An I/O operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What the harness was doing.
        context: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A bounded wait ran out.
    #[error("timed out after {waited:?} waiting for {what}\n--- last lines of {log} ---\n{tail}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// How long the harness waited.
        waited: Duration,
        /// Log file of the process concerned.
        log: PathBuf,
        /// Last lines of that log.
        tail: String,
    },
    /// A process exited or misbehaved.
    #[error("{what}\n--- last lines of {log} ---\n{tail}")]
    Process {
        /// Description of the failure.
        what: String,
        /// Log file of the process concerned.
        log: PathBuf,
        /// Last lines of that log.
        tail: String,
    },
    /// A WAV file could not be read or written.
    #[error("WAV {path}: {source}")]
    Wav {
        /// The file concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: hound::Error,
    },
    /// Any other failure, described in words.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Wraps an I/O error with a description of what was being done.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
