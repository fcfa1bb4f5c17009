//! The Whisper model manager: which ggml models exist, which are installed, and installing one
//! from a download URL with a SHA-256 check, so the voicemail can transcribe without the user
//! hunting for model files.
//!
//! - [`CATALOGUE`] lists the standard whisper.cpp ggml models by name (`tiny` … `large-v3-turbo`)
//!   with rough sizes; [`DEFAULT_MODEL`] is the one the app installs when nothing is chosen.
//! - Installed models live in `<data dir>/models` ([`models_dir`]) as `ggml-<name>.bin`;
//!   [`installed`] lists them, [`ModelLookup`] and [`find_model`] pick the one to use,
//!   [`remove`] deletes one.
//! - [`Downloader::install`] downloads `ggml-<name>.bin` from a base URL (default
//!   [`DEFAULT_BASE_URL`]), streaming into `ggml-<name>.bin.part` with progress callbacks,
//!   resuming a `.part` with an HTTP Range request, and renaming it into place only after its
//!   SHA-256 matched the expected digest ([`Verify`]). Digests come from the user or from a
//!   `SHA256SUMS` file next to the models ([`Sha256Sums`]) or the SHA-256 the server announces
//!   for the file (Hugging Face's `X-Linked-Etag`); none are built in, so a digest is
//!   never invented, and without one the install is refused unless the user says
//!   [`Verify::Skip`].

mod catalogue;
mod digest;
mod download;
mod error;
mod installed;

pub use catalogue::{
    file_name, lookup, name_from_file, validate_name, CatalogueEntry, Languages, CATALOGUE,
    DEFAULT_BASE_URL, DEFAULT_MODEL,
};
pub use digest::{Sha256Digest, Sha256Sums, SHA256SUMS};
pub use download::{
    DigestSource, DownloadSource, Downloader, InstallReport, InstallRequest, Progress, Verify,
};
pub use error::ModelError;
pub use installed::{
    find_model, installed, models_dir, part_path, remove, InstalledModel, ModelLookup,
};
