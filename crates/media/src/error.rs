//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the media engine, phrased so that the
/// caller (or the user reading a log) knows what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// A socket or file operation failed.
    #[error("media I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A WAV file could not be opened, read or written.
    #[error("WAV file {path}: {reason} (use a 8/16/24/32-bit integer or 32-bit float PCM WAV)")]
    Wav {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The codec library refused to encode or decode.
    #[error("codec error: {0}")]
    Codec(String),
    /// An audio device could not be opened and no fallback was possible.
    #[error("audio device error: {0} (check the device name, or that a sound server is running)")]
    AudioDevice(String),
    /// The DTMF digit is not one of 0-9 * # A-D.
    #[error("invalid DTMF digit {0:?}: use one of 0-9, *, #, A-D")]
    InvalidDtmfDigit(char),
    /// The session was already started; use `update` to change parameters.
    #[error("media session already started; call update() to change parameters")]
    AlreadyStarted,
    /// The session has not been started (or has ended).
    #[error("media session is not running; call start() first")]
    NotRunning,
    /// The session is not allowed to send (direction is recvonly or inactive).
    #[error("media direction does not allow sending; DTMF needs sendrecv or sendonly")]
    NotSending,
    /// DTMF was requested but the remote did not negotiate telephone-event.
    #[error(
        "remote did not negotiate telephone-event (RFC 4733); DTMF cannot be sent on this call"
    )]
    NoTelephoneEvent,
    /// `start` was called outside a Tokio runtime.
    #[error("MediaSession::start must be called from within a Tokio runtime")]
    NoRuntime,
    /// A resampler could not be built for this pair of rates.
    #[error("cannot resample from {from} Hz to {to} Hz: {reason}")]
    Resample {
        /// Input rate.
        from: u32,
        /// Output rate.
        to: u32,
        /// Why rubato refused.
        reason: String,
    },
}
