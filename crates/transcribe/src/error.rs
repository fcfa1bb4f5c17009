//! What can go wrong when transcribing, phrased so the user knows what to do about it.

use std::path::PathBuf;

/// Everything that can fail in this crate. The messages name the file concerned and the fix
/// (which setting to change, which file to replace), because they end up in the inbox and on
/// the command line as they are.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// The model file does not exist.
    #[error(
        "Whisper model {path} does not exist: set `[voicemail] model` in the config (or \
         FRONTDESK_WHISPER_MODEL) to a ggml model file, or install a model such as \
         ggml-tiny.en.bin into {models_dir}",
        models_dir = crate::model::models_dir_for_messages()
    )]
    ModelMissing {
        /// The path that was tried.
        path: PathBuf,
    },
    /// The model path exists but cannot be read (a directory, no permission, I/O error).
    #[error(
        "Whisper model {path} cannot be read: {reason}; point `[voicemail] model` at a \
         readable ggml model file"
    )]
    ModelUnreadable {
        /// The path that was tried.
        path: PathBuf,
        /// Why reading failed.
        reason: String,
    },
    /// The file is not a ggml model at all (wrong magic number).
    #[error(
        "{path} is not a ggml Whisper model (it does not start with the ggml magic number); \
         point `[voicemail] model` at a ggml-*.bin file such as ggml-tiny.en.bin"
    )]
    NotAModel {
        /// The file concerned.
        path: PathBuf,
    },
    /// The file starts like a ggml model but whisper.cpp could not load it.
    #[error(
        "Whisper model {path} is corrupt or incomplete (whisper.cpp could not load it): \
         download or convert it again"
    )]
    ModelCorrupt {
        /// The file concerned.
        path: PathBuf,
    },
    /// The requested language is not one Whisper knows.
    #[error(
        "language {language:?} is not one Whisper knows: use a code such as en or de, or \
         `auto` (or nothing) to detect it"
    )]
    UnknownLanguage {
        /// The language as given.
        language: String,
    },
    /// The model is English-only and another language was requested.
    #[error(
        "the Whisper model {model} is English-only and cannot transcribe {language:?}: use a \
         multilingual model (e.g. ggml-base.bin) or set the language to en"
    )]
    LanguageNotInModel {
        /// The language as requested.
        language: String,
        /// The English-only model.
        model: PathBuf,
    },
    /// The audio file cannot be opened or read.
    #[error("audio file {path} cannot be read: {source}")]
    AudioUnreadable {
        /// The file concerned.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The audio file is not a WAV file this crate can decode.
    #[error(
        "audio file {path} is not a usable WAV file: {reason} (use an 8/16/24/32-bit integer \
         or 32-bit float PCM WAV)"
    )]
    BadWav {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// whisper.cpp failed while transcribing (out of memory, internal error).
    #[error("Whisper could not transcribe the audio: {reason}; retry, or try a smaller model")]
    Whisper {
        /// whisper-rs's description.
        reason: String,
    },
}
