//! The one error type of this crate.

use std::path::PathBuf;

use crate::CallId;

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

    /// Any other SQLite failure (disk full, I/O error, ...).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
