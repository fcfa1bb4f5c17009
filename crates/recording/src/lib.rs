//! Voicemail recordings for Frontdesk.
//!
//! - [`Recorder`] streams mono 16 kHz audio into an Ogg Opus file (RFC 7845;
//!   20 ms VoIP frames at 24 kbit/s, about 180 kB per minute). A completed page
//!   is written and synced every half second, so a crash or `SIGKILL` loses at
//!   most the last ~0.5 s.
//! - [`recover`] finalises what a crash left behind; run it on every
//!   unfinished recording at start-up. It is idempotent.
//! - [`read_pcm`] / [`read_f32_16k`] decode a recording for playback and for
//!   Whisper; [`export_wav`] writes a WAV on demand.
//! - [`SilenceDetector`] ends a message after continuous silence and tells a
//!   message from a silent call ([`has_speech`]).

mod decode;
mod error;
mod header;
mod page;
mod recorder;
mod recover;
mod silence;
mod stream;

pub use decode::{export_wav, read_f32_16k, read_pcm, OUTPUT_RATE};
pub use error::RecordingError;
pub use recorder::{
    Recorder, RecordingInfo, BITRATE, FRAME_DURATION, PAGE_DURATION, SUPPORTED_RATES,
};
pub use recover::{recover, Recovered};
pub use silence::{
    has_speech, speech_duration, SilenceDetector, VoiceState, ABSOLUTE_FLOOR_DBFS, MIN_SPEECH,
    NOISE_MARGIN_DB, NOISE_WINDOW,
};
