//! Sample-rate conversion with `rubato`, for the paths device ↔ codec and
//! WAV file ↔ codec. Mono `f32` only: the engine downmixes before resampling.

use crate::MediaError;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _, WindowFunction};

/// A streaming mono resampler: feed any number of samples, get what is ready.
/// Identity when both rates are equal (no filtering delay).
pub struct Resampler {
    from: u32,
    to: u32,
    inner: Option<Fft<f32>>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Resampler({} Hz -> {} Hz)", self.from, self.to)
    }
}

impl Resampler {
    /// Build a resampler working in 20 ms input chunks: one RTP packet's worth, so it adds no
    /// wait of its own, and long enough for a sharp anti-aliasing filter (with 10 ms chunks the
    /// filter already cut 3.3 kHz by 5 dB, inside the telephone band G.711 carries).
    pub fn new(from: u32, to: u32) -> Result<Self, MediaError> {
        let err = |reason: String| MediaError::Resample { from, to, reason };
        if from == 0 || to == 0 {
            return Err(err("sample rate must be non-zero".into()));
        }
        let inner = if from == to {
            None
        } else {
            let chunk = (from / 50).max(1) as usize;
            Some(
                // One FFT per chunk: rubato's default splits chunks of over 256 samples
                // (48 kHz devices) into sub-chunks whose shorter filter cuts the band.
                Fft::new_custom(
                    from as usize,
                    to as usize,
                    chunk,
                    1,
                    1,
                    WindowFunction::BlackmanHarris2,
                    FixedSync::Input,
                )
                .map_err(|e| err(e.to_string()))?,
            )
        };
        Ok(Self {
            from,
            to,
            inner,
            pending: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Input rate.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// Output rate.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Resample `input`, appending every complete output chunk to `output`.
    /// Samples that do not fill a chunk yet are kept for the next call.
    pub fn process(&mut self, input: &[f32], output: &mut Vec<f32>) {
        let Some(inner) = self.inner.as_mut() else {
            output.extend_from_slice(input);
            return;
        };
        self.pending.extend_from_slice(input);
        let mut consumed = 0;
        loop {
            let need = inner.input_frames_next();
            if self.pending.len() - consumed < need {
                break;
            }
            let out_len = inner.output_frames_max();
            self.scratch.resize(out_len, 0.0);
            let chunk = &self.pending[consumed..consumed + need];
            let (Ok(inp), Ok(mut out)) = (
                InterleavedSlice::new(chunk, 1, need),
                InterleavedSlice::new_mut(&mut self.scratch, 1, out_len),
            ) else {
                break;
            };
            match inner.process_into_buffer(&inp, &mut out, None) {
                Ok((used, produced)) => {
                    consumed += used.max(1).min(need);
                    output.extend_from_slice(&self.scratch[..produced]);
                }
                Err(e) => {
                    tracing::warn!(
                        "resampler {}->{}: {e}; dropping a chunk",
                        self.from,
                        self.to
                    );
                    consumed += need;
                }
            }
        }
        self.pending.drain(..consumed);
    }
}

/// Resample a whole clip in one go (used to prepare a WAV file for playback).
pub fn resample_all(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>, MediaError> {
    if from == to {
        return Ok(input.to_vec());
    }
    let mut r = Resampler::new(from, to)?;
    let mut out = Vec::with_capacity(input.len() * to as usize / from as usize + 1024);
    r.process(input, &mut out);
    // Flush the tail (and the filter delay) with silence, then trim to length.
    let pad = vec![0.0; (from / 10) as usize];
    r.process(&pad, &mut out);
    out.truncate((input.len() as u64 * to as u64 / from as u64) as usize);
    Ok(out)
}

/// Convert a 16-bit sample to `f32` in [-1, 1).
pub fn i16_to_f32(s: i16) -> f32 {
    s as f32 / 32768.0
}

/// Convert an `f32` sample to 16 bits with clipping.
pub fn f32_to_i16(s: f32) -> i16 {
    (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{sine, tone_ratio};

    #[test]
    fn converts_rates_and_keeps_the_tone() {
        for (from, to) in [(8000, 48000), (48000, 8000), (44100, 16000), (16000, 44100)] {
            let input = sine(1000.0, from, from as usize); // one second
            let mut r = Resampler::new(from, to).unwrap();
            let mut out = Vec::new();
            for chunk in input.chunks(333) {
                r.process(chunk, &mut out);
            }
            let expected = to as usize;
            assert!(
                out.len() > expected * 9 / 10 && out.len() <= expected,
                "{from}->{to}: {}",
                out.len()
            );
            let ratio = tone_ratio(&out[out.len() / 4..], to, 1000.0);
            assert!(ratio > 0.9, "{from}->{to}: {ratio}");
        }
    }

    fn rms(samples: &[f32]) -> f32 {
        (samples.iter().map(|x| x * x).sum::<f32>() / samples.len() as f32).sqrt()
    }

    /// A tone's level after resampling one second of it, relative to before (the middle
    /// half, past the filter's delay).
    fn gain(hz: f32, from: u32, to: u32) -> f32 {
        let input = sine(hz, from, from as usize);
        let out = resample_all(&input, from, to).unwrap();
        rms(&out[out.len() / 4..out.len() * 3 / 4]) / rms(&input)
    }

    #[test]
    fn the_telephone_band_keeps_its_level_both_ways() {
        // G.711 carries 300-3400 Hz; voicemail records it at 16 kHz for Whisper, devices run
        // at 48 kHz.
        for (from, to) in [(8000, 16000), (8000, 48000), (48000, 8000), (16000, 8000)] {
            for hz in [300.0, 1000.0, 2500.0, 3000.0, 3300.0, 3400.0] {
                let gain = gain(hz, from, to);
                assert!(
                    (0.94..1.06).contains(&gain),
                    "{from}->{to} Hz: {hz} Hz comes out at {gain:.3} of its level"
                );
            }
        }
    }

    #[test]
    fn what_the_lower_rate_cannot_carry_is_filtered_not_folded() {
        for (from, to) in [(48000, 8000), (16000, 8000), (48000, 16000)] {
            let nyquist = to as f32 / 2.0;
            for hz in [nyquist + 300.0, nyquist * 1.5] {
                let gain = gain(hz, from, to);
                assert!(
                    gain < 0.01,
                    "{from}->{to} Hz: {hz} Hz folds back at {gain:.4} of its level"
                );
            }
        }
    }

    #[test]
    fn resample_all_has_exact_length() {
        let input = sine(700.0, 44100, 44100);
        let out = resample_all(&input, 44100, 8000).unwrap();
        assert_eq!(out.len(), 8000);
        assert!(tone_ratio(&out, 8000, 700.0) > 0.9);
        assert!(Resampler::new(0, 8000).is_err());
    }

    #[test]
    fn sample_conversion_clips() {
        assert_eq!(f32_to_i16(2.0), 32767);
        assert_eq!(f32_to_i16(-2.0), -32768);
        assert_eq!(f32_to_i16(i16_to_f32(1234)), 1234);
    }
}
