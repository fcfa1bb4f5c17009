//! Sample-rate conversion with `rubato`, for the paths device ↔ codec and
//! WAV file ↔ codec. Mono `f32` only: the engine downmixes before resampling.

use crate::MediaError;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

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
    /// Build a resampler working in 10 ms input chunks.
    pub fn new(from: u32, to: u32) -> Result<Self, MediaError> {
        let err = |reason: String| MediaError::Resample { from, to, reason };
        if from == 0 || to == 0 {
            return Err(err("sample rate must be non-zero".into()));
        }
        let inner = if from == to {
            None
        } else {
            let chunk = (from / 100).max(1) as usize;
            Some(
                Fft::new(from as usize, to as usize, chunk, 1, FixedSync::Input)
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
