//! Errors that stop a whole operation (a bad file, a bad country); problems with single
//! rows or cards are [`crate::ImportProblem`]s instead.

use std::path::PathBuf;

/// Why contacts could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    /// The default country is not a country.
    #[error("default country \"{country}\": {reason}")]
    Country {
        /// As given.
        country: String,
        /// What is wrong, from the dial plan.
        reason: String,
    },
    /// The file could not be read.
    #[error("cannot read contacts from {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file is larger than any contact list.
    #[error(
        "{} is {size} bytes; contact files above {limit} bytes are refused: is it the right file?",
        path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
}
