//! What can go wrong managing models, each in words that say what to do next.

use std::path::PathBuf;

/// A model manager failure.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The model name could not name a file.
    #[error(
        "`{name}` is not a model name: use letters, digits, `.`, `-` and `_`, e.g. `base.en` \
         (`frontdesk model list` shows the catalogue)"
    )]
    BadName {
        /// What was given.
        name: String,
    },
    /// The download URL is not an http(s) URL.
    #[error(
        "`{url}` is not a usable download URL ({reason}); give an http:// or https:// URL of \
         the folder holding the ggml-*.bin files, e.g. {default}",
        default = crate::DEFAULT_BASE_URL
    )]
    BadUrl {
        /// What was given.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// No expected digest, and the user did not allow an unchecked install.
    #[error(
        "no SHA-256 to check {file} against: {reason}; pass the model's SHA-256 from a source \
         you trust (--sha256 HEX, or [voicemail] model_sha256 for the configured model), or \
         --no-verify to install it unchecked (its SHA-256 is printed)"
    )]
    NoDigest {
        /// The model file.
        file: String,
        /// Why none was found (no `SHA256SUMS`, or it does not list the file).
        reason: String,
    },
    /// The `SHA256SUMS` file could not be used.
    #[error(
        "{url} is damaged: {reason}; fix the file on the server, or pass --sha256 HEX instead"
    )]
    BadSums {
        /// Where it was read from.
        url: String,
        /// What is wrong, with the line.
        reason: String,
    },
    /// The downloaded bytes are not the expected ones; the partial file was deleted.
    #[error(
        "the download of {url} does not match its SHA-256 (expected {expected}, got {actual}), \
         so it was not installed and the partial file was deleted; check the digest you gave, \
         then try again"
    )]
    DigestMismatch {
        /// What was downloaded.
        url: String,
        /// The digest it should have had.
        expected: crate::Sha256Digest,
        /// The digest it had.
        actual: crate::Sha256Digest,
    },
    /// The download is not a ggml model (an error page, a wrong URL); it was deleted.
    #[error(
        "{url} is not a Whisper ggml model (it does not start with the ggml header), so it \
         was not installed and the partial file was deleted; check the URL"
    )]
    NotAModel {
        /// What was downloaded.
        url: String,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}; {hint}")]
    Http {
        /// What was asked for.
        url: String,
        /// The status code.
        status: u16,
        /// What to do about it.
        hint: String,
    },
    /// The server could not be reached or the transfer broke off.
    #[error(
        "cannot download {url}: {reason}; check the network and the URL, then run the same \
         install again (it resumes where it stopped)"
    )]
    Network {
        /// What was asked for.
        url: String,
        /// What failed, as the HTTP client said.
        reason: String,
    },
    /// The server closed the connection before sending everything.
    #[error(
        "the download of {url} stopped after {done} of {total} bytes; run the same install \
         again to resume it"
    )]
    Truncated {
        /// What was asked for.
        url: String,
        /// Bytes in the partial file.
        done: u64,
        /// Bytes the server announced.
        total: u64,
    },
    /// Another install of the same model is running.
    #[error(
        "another install of {file} is running ({path} is locked); wait for it to finish, or \
         stop it"
    )]
    Busy {
        /// The model file.
        file: String,
        /// The locked partial file.
        path: PathBuf,
    },
    /// A file in the models folder could not be read or written.
    #[error(
        "{path}: {reason}; check that the folder is writable and the disk has room for the \
         model"
    )]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// `remove` found nothing to remove.
    #[error(
        "model {name} is not installed in {dir} (`frontdesk model list` shows what is)",
        dir = dir.display()
    )]
    NotInstalled {
        /// The model name.
        name: String,
        /// The models folder looked in.
        dir: PathBuf,
    },
    /// The TLS setup of the HTTP client failed (no usable crypto provider).
    #[error("cannot set up HTTPS downloads: {reason}")]
    Client {
        /// What failed.
        reason: String,
    },
}

impl ModelError {
    /// Wraps an I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> ModelError {
        ModelError::Io {
            path: path.into(),
            reason: error.to_string(),
        }
    }
}
