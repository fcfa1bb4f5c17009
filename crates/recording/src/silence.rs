//! Silence detection for the voicemail: when has the caller stopped talking,
//! and did they say anything at all?
//!
//! Each 30 ms frame is speech when the WebRTC VAD (libfvad, "aggressive"
//! mode) says so *and* the frame is louder than an absolute floor
//! ([`ABSOLUTE_FLOOR_DBFS`]) and than the recent noise floor (the quietest
//! frame of the last [`NOISE_WINDOW`]) by [`NOISE_MARGIN_DB`]. The two floors
//! make comfort noise, hiss and line hum — steady sounds — count as silence even
//! where the VAD alone would call them speech. Speech must last two frames in a
//! row (60 ms) to count, so clicks and pops do not reset the silence timer.

use std::collections::VecDeque;
use std::time::Duration;

use webrtc_vad::{SampleRate, Vad, VadMode};

use crate::RecordingError;

/// Length of one analysis frame (libfvad accepts 10, 20 or 30 ms).
pub const FRAME: Duration = Duration::from_millis(30);
/// Frames quieter than this (RMS, dB relative to full scale) are silence whatever the VAD says.
pub const ABSOLUTE_FLOOR_DBFS: f32 = -50.0;
/// Speech must stand this far above the recent noise floor.
pub const NOISE_MARGIN_DB: f32 = 8.0;
/// The noise floor is the quietest frame within this window.
pub const NOISE_WINDOW: Duration = Duration::from_secs(2);
/// Speech needed for a recording to count as a message rather than a silent call.
pub const MIN_SPEECH: Duration = Duration::from_millis(250);
/// Rates libfvad accepts.
pub const VAD_RATES: &str = "8000, 16000, 32000 or 48000 Hz";

/// Consecutive speech frames before they count (clicks are shorter).
const MIN_RUN: u32 = 2;

/// What the detector knows after the audio pushed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceState {
    /// At least [`MIN_SPEECH`] of speech has been heard since the start.
    pub speech_seen: bool,
    /// Time since the last speech (since the start if there was none).
    pub silent_for: Duration,
    /// `silent_for` has reached the silence limit: end the recording.
    pub limit_reached: bool,
}

/// Streaming silence detector: push received audio, learn when the silence limit is reached.
pub struct SilenceDetector {
    vad: SendVad,
    frame_len: usize,
    limit: Duration,
    pending: Vec<i16>,
    recent_db: VecDeque<f32>,
    window_frames: usize,
    run: u32,
    speech: Duration,
    silent_for: Duration,
}

impl std::fmt::Debug for SilenceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SilenceDetector")
            .field("limit", &self.limit)
            .field("speech", &self.speech)
            .field("silent_for", &self.silent_for)
            .finish()
    }
}

impl SilenceDetector {
    /// A detector for mono audio at `sample_rate` that reports `limit_reached`
    /// after `silence_limit` without speech.
    pub fn new(sample_rate: u32, silence_limit: Duration) -> Result<Self, RecordingError> {
        let rate = match sample_rate {
            8000 => SampleRate::Rate8kHz,
            16000 => SampleRate::Rate16kHz,
            32000 => SampleRate::Rate32kHz,
            48000 => SampleRate::Rate48kHz,
            _ => {
                return Err(RecordingError::UnsupportedRate {
                    rate: sample_rate,
                    supported: VAD_RATES,
                })
            }
        };
        let frame_len = (sample_rate as u128 * FRAME.as_millis() / 1000) as usize;
        Ok(Self {
            vad: SendVad(Vad::new_with_rate_and_mode(rate, VadMode::Aggressive)),
            frame_len,
            limit: silence_limit,
            pending: Vec::with_capacity(frame_len * 2),
            recent_db: VecDeque::new(),
            window_frames: (NOISE_WINDOW.as_millis() / FRAME.as_millis()) as usize,
            run: 0,
            speech: Duration::ZERO,
            silent_for: Duration::ZERO,
        })
    }

    /// Analyse more audio (any length; partial frames wait for the next call).
    pub fn push(&mut self, samples: &[i16]) -> VoiceState {
        self.pending.extend_from_slice(samples);
        let mut start = 0;
        while self.pending.len() - start >= self.frame_len {
            let frame = self.pending[start..start + self.frame_len].to_vec();
            self.frame(&frame);
            start += self.frame_len;
        }
        self.pending.drain(..start);
        self.state()
    }

    /// The state after everything pushed so far.
    pub fn state(&self) -> VoiceState {
        VoiceState {
            speech_seen: self.speech >= MIN_SPEECH,
            silent_for: self.silent_for,
            limit_reached: self.silent_for >= self.limit,
        }
    }

    /// Total speech heard so far.
    pub fn speech_duration(&self) -> Duration {
        self.speech
    }

    fn frame(&mut self, frame: &[i16]) {
        let db = dbfs(frame);
        let noise_floor = self
            .recent_db
            .iter()
            .copied()
            .reduce(f32::min)
            .unwrap_or(-100.0);
        if self.recent_db.len() == self.window_frames {
            self.recent_db.pop_front();
        }
        self.recent_db.push_back(db);
        let loud_enough = db > ABSOLUTE_FLOOR_DBFS && db > noise_floor + NOISE_MARGIN_DB;
        // Only ask the VAD when the level could be speech (saves CPU in silence).
        let voiced = loud_enough && self.vad.0.is_voice_segment(frame).unwrap_or(false);
        self.run = if voiced { self.run + 1 } else { 0 };
        if self.run >= MIN_RUN {
            let credited = if self.run == MIN_RUN { MIN_RUN } else { 1 };
            self.speech += FRAME * credited;
            self.silent_for = Duration::ZERO;
        } else {
            self.silent_for += FRAME;
        }
    }
}

/// Speech heard in a whole clip (mono, `sample_rate`).
pub fn speech_duration(samples: &[i16], sample_rate: u32) -> Result<Duration, RecordingError> {
    let mut d = SilenceDetector::new(sample_rate, Duration::MAX)?;
    d.push(samples);
    Ok(d.speech_duration())
}

/// Whether a clip holds a message's worth of speech ([`MIN_SPEECH`]); false
/// for a silent call, comfort noise or hum.
pub fn has_speech(samples: &[i16], sample_rate: u32) -> Result<bool, RecordingError> {
    Ok(speech_duration(samples, sample_rate)? >= MIN_SPEECH)
}

/// RMS level of a frame in dB relative to full scale (-100 for digital silence).
fn dbfs(frame: &[i16]) -> f32 {
    let energy: f64 = frame.iter().map(|&s| (s as f64) * (s as f64)).sum();
    let rms = (energy / frame.len().max(1) as f64).sqrt() / 32768.0;
    if rms <= 1e-5 {
        -100.0
    } else {
        (20.0 * rms.log10()) as f32
    }
}

/// libfvad's instance is plain heap memory with no thread affinity and no
/// global state, used only through `&mut`; the binding merely lacks `Send`
/// because it holds a raw pointer. Sending it lets a detector live in a task.
struct SendVad(Vad);

// SAFETY: see above — the pointee is owned exclusively by this value and libfvad
// keeps no thread-local or shared state, so moving it to another thread is sound.
unsafe impl Send for SendVad {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digital_silence_reaches_the_limit_on_time_and_is_not_speech() {
        let mut d = SilenceDetector::new(16000, Duration::from_secs(1)).unwrap();
        let s = d.push(&vec![0; 16000 * 9 / 10]);
        assert!(!s.limit_reached && !s.speech_seen, "{s:?}");
        let s = d.push(&vec![0; 16000 / 10 + 480]);
        assert!(s.limit_reached, "{s:?}");
        assert_eq!(d.speech_duration(), Duration::ZERO);
        assert!(!has_speech(&[0; 32000], 16000).unwrap());
    }

    #[test]
    fn unsupported_rates_are_refused_with_the_list() {
        let e = SilenceDetector::new(22050, Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().contains("16000"), "{e}");
    }

    #[test]
    fn levels() {
        assert_eq!(dbfs(&[0; 480]), -100.0);
        let full: Vec<i16> = (0..480)
            .map(|i| if i % 2 == 0 { 32767 } else { -32767 })
            .collect();
        assert!(dbfs(&full).abs() < 0.01);
    }
}
