//! On-device speech-to-text for voicemail: Whisper (whisper.cpp through `whisper-rs`) on a
//! local ggml model, so no audio or text leaves the machine.
//!
//! - [`Transcriber::load`] loads a model once; [`Transcriber::transcribe`] turns 16 kHz mono
//!   `f32` audio into a cleaned [`Transcript`]. A `Transcriber` is `Send + Sync` (one model,
//!   a fresh decoding state per call), so a background worker can own or share it.
//! - [`load_wav_16k`] reads any PCM or float WAV into the 16 kHz mono audio Whisper wants.
//! - [`clean_transcript`] strips Whisper's non-speech tags (`[BLANK_AUDIO]`, `(beep)`, ...).
//! - [`default_model_path`] says where the app looks for a model when none is configured.

mod clean;
mod error;
mod model;
mod transcriber;
mod wav;

pub use clean::clean_transcript;
pub use error::TranscribeError;
pub use model::{default_model_path, model_in_dir, models_dir, MODEL_ENV};
pub use transcriber::{
    Segment, TranscribeOptions, Transcriber, Transcript, DEFAULT_THREADS, SAMPLE_RATE,
};
pub use wav::load_wav_16k;
