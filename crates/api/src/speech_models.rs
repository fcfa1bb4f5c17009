//! The Whisper speech models as the front ends see them: which can be installed, which are,
//! which one the voicemail transcribes with, and installing one with progress — so the
//! desktop app can set up transcription without a terminal.

use serde::{Deserialize, Serialize};

/// One model: from the catalogue of standard whisper.cpp models, or installed outside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpeechModel {
    /// The name (`base`, `small.en`); the file is `ggml-<name>.bin`.
    pub name: String,
    /// Rough download size in megabytes; `None` for a model outside the catalogue.
    pub approx_mb: Option<u32>,
    /// English only (`.en` models) rather than multilingual.
    pub english_only: bool,
    /// When to choose it, in a few words.
    pub note: String,
    /// Whether it is installed.
    pub installed: bool,
    /// Bytes of an interrupted download that installing again resumes.
    pub partial_bytes: Option<u64>,
}

/// The models and what the voicemail uses (`GET /api/v1/models`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SpeechModels {
    /// The catalogue, then installed models outside it.
    pub models: Vec<SpeechModel>,
    /// The model installed when none is named: `[voicemail] model_name`, else `base`.
    pub preferred: String,
    /// The model file the voicemail transcribes with; `None`: messages get no transcript.
    pub in_use: Option<String>,
    /// The folder installs go to (`<data dir>/models`).
    pub models_dir: String,
    /// Where models are downloaded from (`[voicemail] model_url` or whisper.cpp's).
    pub download_url: String,
    /// The install running now or the last one's outcome, if any since the start.
    pub install: Option<ModelInstallProgress>,
}

/// What to install (`POST /api/v1/models/install`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct ModelInstallRequest {
    /// The model; none installs [`SpeechModels::preferred`].
    #[serde(default)]
    pub name: Option<String>,
    /// Install even though no SHA-256 is known to check the download against: only after
    /// the user agreed (an install without it fails with `no_digest` first).
    #[serde(default)]
    pub no_verify: bool,
}

/// Where an install is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ModelInstallState {
    /// Downloading (or checking) it.
    Downloading,
    /// Installed and checked; the voicemail uses it if it is the one it looks for.
    Installed,
    /// It failed; `message` says why and what to do.
    Failed,
}

/// An install's progress, sent as [`crate::Event::ModelInstall`] while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelInstallProgress {
    /// The model.
    pub name: String,
    /// Where it is.
    pub state: ModelInstallState,
    /// Bytes downloaded so far (including a resumed part).
    pub done_bytes: u64,
    /// The whole file's size, when the server said.
    pub total_bytes: Option<u64>,
    /// For `failed`, why and what to do; for `installed`, what its SHA-256 was checked
    /// against.
    pub message: Option<String>,
    /// The SHA-256 of the installed file.
    pub sha256: Option<String>,
    /// `failed` because no SHA-256 is published for this model: a front end may ask the user
    /// and install again with `no_verify`.
    pub no_digest: bool,
}
