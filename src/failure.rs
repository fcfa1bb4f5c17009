//! Why a command failed, and the exit code that tells scripts which kind of failure it was.

use frontdesk_api::ApiError;
use frontdesk_control::DiscoverError;
use std::fmt;
use std::process::ExitCode;

/// A failed command. The exit codes are part of the documented CLI contract.
#[derive(Debug)]
pub enum Failure {
    /// The daemon (or the keyring) refused the request: exit 1.
    Refused(String),
    /// The command line or the config is wrong: exit 2.
    Usage(String),
    /// No daemon is running for the data directory: exit 3.
    NoDaemon(String),
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::Refused(_) => 1,
            Failure::Usage(_) => 2,
            Failure::NoDaemon(_) => 3,
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused(m) | Failure::Usage(m) | Failure::NoDaemon(m) => f.write_str(m),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure::Refused(error.message)
    }
}

impl From<DiscoverError> for Failure {
    fn from(error: DiscoverError) -> Self {
        match error {
            DiscoverError::NotRunning { .. } => Failure::NoDaemon(error.to_string()),
            DiscoverError::Unusable { .. } => Failure::Usage(error.to_string()),
        }
    }
}
