//! The one error type of this crate.

use std::path::PathBuf;

use crate::{CallId, ContactId, MessageId};

/// Everything that can go wrong while opening or using the store.
///
/// Messages are written for the person running Frontdesk: each says what
/// happened and, where there is something to do, what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory that should hold the database could not be created.
    #[error(
        "cannot create the data directory {path}: {source}; \
         check its permissions or set `dir` under [data] in the config"
    )]
    CreateDir {
        /// The directory we tried to create.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },

    /// SQLite refused to open (or initialise) the database file.
    #[error(
        "cannot open the database {path}: {source}; \
         check that the file is readable and writable and not corrupt"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// The database was written by a newer Frontdesk whose schema we do not know.
    #[error(
        "the database {path} has schema version {found}, but this Frontdesk only knows \
         versions up to {supported}; upgrade Frontdesk, or point `dir` under [data] \
         at another directory"
    )]
    TooNew {
        /// The database file (":memory:" for in-memory databases).
        path: PathBuf,
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The newest schema version this build can migrate to.
        supported: i64,
    },

    /// A schema migration step failed; the whole upgrade was rolled back.
    #[error(
        "upgrading the database to schema version {version} ({description}) failed: {source}; \
         the database was left unchanged"
    )]
    Migration {
        /// The version the failing step would have produced.
        version: i64,
        /// The step's description.
        description: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// The file system does not support SQLite's write-ahead log (e.g. some network shares).
    #[error(
        "the database {path} cannot use write-ahead logging (journal mode is `{mode}`); \
         put the data directory on a local disk"
    )]
    WalUnavailable {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite reported instead of `wal`.
        mode: String,
    },

    /// A call id that is not in the database was passed in.
    #[error("call {0} is not in the call history")]
    CallNotFound(CallId),

    /// An end reason that is empty or too long to be one of the short stable codes.
    #[error("invalid end reason {0:?}: use a short code such as \"remote_hangup\"")]
    InvalidReason(String),

    /// A message id that is not in the inbox was passed in (it may have been deleted).
    #[error(
        "message {0} is not in the inbox; it may have been deleted; list the inbox for current ids"
    )]
    MessageNotFound(MessageId),

    /// An audio path that is absolute, leaves the data directory or is not UTF-8.
    #[error(
        "invalid audio path {path:?}: {reason}; audio paths are stored relative to the \
         data directory"
    )]
    InvalidAudioPath {
        /// The path that was rejected.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A contact-match confidence outside 0.0..=1.0.
    #[error(
        "invalid contact confidence {0}: use 1.0 for a match by number and a value \
         between 0.0 and 1.0 for a guess"
    )]
    InvalidConfidence(f64),

    /// A category name that is empty, padded with spaces or too long.
    #[error(
        "invalid category {0:?}: use a short label without leading or trailing spaces, \
         e.g. \"invoice\""
    )]
    InvalidCategory(String),

    /// A new message whose fields contradict each other.
    #[error("cannot file the message: {0}")]
    InvalidMessage(String),

    /// A month key that is not `YYYY-MM`.
    #[error("invalid month {0:?}: pass the local month as \"YYYY-MM\", e.g. \"2026-11\"")]
    InvalidMonth(String),

    /// Transcription was asked for an entry that has no recording.
    #[error("message {0} has no recording to transcribe (it is a call attempt)")]
    NoAudio(MessageId),

    /// A UTC offset beyond the ±18 hours any time zone uses.
    #[error(
        "invalid UTC offset {0} minutes: pass local time minus UTC in minutes, \
         between -1080 and 1080 (e.g. 60 for CET)"
    )]
    InvalidUtcOffset(i32),

    /// A contact id that is not in the contact book (it may have been deleted).
    #[error("contact {0} is not in the contact book; list the contacts for current ids")]
    ContactNotFound(ContactId),

    /// A contact that cannot be stored as it is.
    #[error("cannot store the contact: {0}")]
    InvalidContact(String),

    /// Any other SQLite failure (disk full, I/O error, ...).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
