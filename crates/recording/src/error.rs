//! Errors of the recorder, recovery and decoder. Every message names the file
//! and says what the caller (or the user) should do about it.

use std::path::PathBuf;

/// Everything that can go wrong while recording, recovering or reading a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// A file operation failed (disk full, permissions, missing directory, file exists).
    #[error("cannot {action} {}: {source} (check the disk space and the permissions of the voicemail directory)", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What we tried to do, e.g. "create the recording".
        action: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The recorder or detector was asked for a rate the codec or VAD cannot handle.
    #[error("a sample rate of {rate} Hz is not supported here: use one of {supported}")]
    UnsupportedRate {
        /// The rate asked for.
        rate: u32,
        /// The rates that work, for the message.
        supported: &'static str,
    },
    /// The Opus library refused to encode or decode.
    #[error("Opus {action} failed for {}: {reason}", path.display())]
    Codec {
        /// The recording concerned.
        path: PathBuf,
        /// "encoding" or "decoding".
        action: &'static str,
        /// libopus' reason.
        reason: String,
    },
    /// The file ends before its first complete audio page: nothing playable was recorded.
    #[error("{} holds no complete audio (it ends after {bytes} bytes, before the first half second of sound was written): treat the call as a call attempt without a message", path.display())]
    NoAudio {
        /// The recording concerned.
        path: PathBuf,
        /// Its length in bytes.
        bytes: u64,
    },
    /// The file is not an Ogg Opus recording this crate can read.
    #[error("{} is not an Ogg Opus recording: {reason}", path.display())]
    NotOggOpus {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Writing the WAV export failed.
    #[error("cannot write the WAV export {}: {source}", path.display())]
    Wav {
        /// The WAV file being written.
        path: PathBuf,
        /// hound's reason.
        #[source]
        source: hound::Error,
    },
}

impl RecordingError {
    pub(crate) fn io(path: &std::path::Path, action: &'static str, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}
