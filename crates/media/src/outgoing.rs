//! What a call sends instead of the microphone: nothing while muted, music while the far end
//! waits on hold. Switching is a command to the running call, so the device stays open.

use crate::resample::{f32_to_i16, resample_all};
use crate::tone::read_wav_mono;
use crate::MediaError;
use std::path::Path;
use std::sync::Arc;

/// The source of the audio a call sends.
#[derive(Debug, Clone, Default)]
pub enum Outgoing {
    /// The microphone (or the `file` backend's WAV), as normal.
    #[default]
    Microphone,
    /// Digital silence: the microphone is muted.
    Silence,
    /// A looping clip, e.g. music on hold while we consult a colleague.
    Music(Arc<HoldMusic>),
}

/// A clip that loops for as long as a call is held; loaded once, shared by all calls.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldMusic {
    samples: Vec<f32>,
    rate: u32,
}

impl HoldMusic {
    /// Loads a WAV file (any rate and channel count; mixed down to mono).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, MediaError> {
        let (samples, rate) = read_wav_mono(path)?;
        Self::from_samples(samples, rate)
    }

    /// Loads a WAV file held in memory, e.g. the music shipped inside the binary.
    pub fn from_wav_bytes(bytes: &[u8]) -> Result<Self, MediaError> {
        let invalid = |reason: String| MediaError::Wav {
            path: "built-in hold music".into(),
            reason,
        };
        let reader = hound::WavReader::new(std::io::Cursor::new(bytes))
            .map_err(|e| invalid(e.to_string()))?;
        let spec = reader.spec();
        if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
            return Err(invalid("only 16-bit PCM is supported here".into()));
        }
        let channels = spec.channels.max(1) as usize;
        let interleaved = reader
            .into_samples::<i16>()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(e.to_string()))?;
        let mono = interleaved
            .chunks(channels)
            .map(|frame| frame.iter().map(|&s| s as f32 / 32768.0).sum::<f32>() / channels as f32)
            .collect();
        Self::from_samples(mono, spec.sample_rate)
    }

    /// Music from samples in [-1, 1] at `rate` Hz; fails for an empty clip, which could not loop.
    pub fn from_samples(samples: Vec<f32>, rate: u32) -> Result<Self, MediaError> {
        if samples.is_empty() || rate == 0 {
            return Err(MediaError::Wav {
                path: "hold music".into(),
                reason: "it has no audio".into(),
            });
        }
        Ok(Self { samples, rate })
    }

    /// The clip's length in seconds.
    pub fn seconds(&self) -> f32 {
        self.samples.len() as f32 / self.rate as f32
    }
}

/// Plays a [`HoldMusic`] at one codec rate, remembering where it is, so the loop is seamless
/// across frames and survives a codec change (it is re-prepared at the new rate).
#[derive(Debug, Default)]
pub(crate) struct MusicPlayer {
    prepared: Option<(u32, Vec<i16>)>,
    position: usize,
}

impl MusicPlayer {
    /// Overwrites `frame` with the next samples of `music` at `rate` Hz.
    pub(crate) fn fill(&mut self, music: &HoldMusic, rate: u32, frame: &mut [i16]) {
        if self.prepared.as_ref().is_none_or(|(r, _)| *r != rate) {
            let pcm = resample_all(&music.samples, music.rate, rate)
                .unwrap_or_default()
                .into_iter()
                .map(f32_to_i16)
                .collect::<Vec<_>>();
            self.position = 0;
            self.prepared = Some((rate, pcm));
        }
        let Some((_, pcm)) = &self.prepared else {
            return;
        };
        if pcm.is_empty() {
            frame.fill(0);
            return;
        }
        for sample in frame.iter_mut() {
            *sample = pcm[self.position];
            self.position = (self.position + 1) % pcm.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{sine, tone_ratio};

    #[test]
    fn music_loops_seamlessly_at_the_codec_rate() {
        let music = HoldMusic::from_samples(sine(440.0, 16_000, 1600), 16_000).unwrap();
        let mut player = MusicPlayer::default();
        let mut out = Vec::new();
        for _ in 0..50 {
            let mut frame = [0i16; 160];
            player.fill(&music, 8_000, &mut frame);
            out.extend(frame.iter().map(|&s| s as f32 / 32768.0));
        }
        assert!(
            tone_ratio(&out, 8_000, 440.0) > 0.8,
            "the loop keeps the tone"
        );
    }

    #[test]
    fn an_empty_clip_is_refused() {
        assert!(HoldMusic::from_samples(vec![], 8_000).is_err());
    }
}
