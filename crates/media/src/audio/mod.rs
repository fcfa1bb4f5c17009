//! Audio I/O backends: where a call's microphone audio comes from and where
//! the received audio goes. The session calls them once per ptime tick, at the
//! codec's sample rate; the backends resample to their own rates.

mod cpal;
mod file;
mod program;

use crate::events::MediaEvent;
use crate::resample::Resampler;
use crate::MediaError;
use std::path::PathBuf;
use tokio::sync::broadcast;

pub use file::RECORD_SAMPLE_RATE;
pub use program::{HeardAudio, ProgramAudio, PROGRAM_SAMPLE_RATE};

/// Where the call's audio comes from / goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioConfig {
    /// Real sound devices via cpal; `None` means the system default. A missing
    /// or failing named device falls back to the default (with an event).
    Cpal {
        /// Microphone device name.
        input_device: Option<String>,
        /// Speaker device name.
        output_device: Option<String>,
    },
    /// Headless: `play` is a WAV used as the microphone (looped; silence when
    /// `None`), `record` receives what the speaker would play, as mono 16-bit
    /// PCM at [`RECORD_SAMPLE_RATE`], flushed every second.
    File {
        /// WAV file to send.
        play: Option<PathBuf>,
        /// WAV file to write.
        record: Option<PathBuf>,
    },
    /// Software answers the call (the voicemail): it plays prompts and hears the caller.
    Program(ProgramAudio),
}

/// One call's audio endpoint, driven by the session's ptime tick.
pub(crate) trait AudioIo: Send {
    /// Fill `out` with the next frame of microphone audio at `rate` Hz.
    fn capture(&mut self, rate: u32, out: &mut [i16]);
    /// Hand over one frame of received audio at `rate` Hz for the speaker.
    fn play(&mut self, rate: u32, frame: &[i16]);
    /// Flush and close (finalises recordings). Called once at the end.
    fn finish(&mut self);
}

/// Open the backend described by `cfg`.
pub(crate) fn open(
    cfg: AudioConfig,
    events: broadcast::Sender<MediaEvent>,
) -> Result<Box<dyn AudioIo>, MediaError> {
    match cfg {
        AudioConfig::File { play, record } => {
            Ok(Box::new(file::FileIo::open(play, record, events)?))
        }
        AudioConfig::Program(program) => Ok(Box::new(program::ProgramIo::new(program))),
        AudioConfig::Cpal {
            input_device,
            output_device,
        } => Ok(Box::new(cpal::CpalIo::open(
            input_device,
            output_device,
            events,
        )?)),
    }
}

/// A resampler that follows a changing input or output rate (codec changes
/// on re-INVITE, device fallback), rebuilding itself when a rate changes.
#[derive(Debug, Default)]
pub(crate) struct RateAdapter {
    inner: Option<Resampler>,
}

impl RateAdapter {
    /// Resample `input` from `from` to `to` Hz, appending to `out`.
    pub(crate) fn process(&mut self, from: u32, to: u32, input: &[f32], out: &mut Vec<f32>) {
        let stale = self
            .inner
            .as_ref()
            .is_none_or(|r| r.from_rate() != from || r.to_rate() != to);
        if stale {
            match Resampler::new(from, to) {
                Ok(r) => self.inner = Some(r),
                Err(e) => {
                    tracing::warn!("{e}; audio dropped");
                    self.inner = None;
                    return;
                }
            }
        }
        if let Some(r) = self.inner.as_mut() {
            r.process(input, out);
        }
    }
}
