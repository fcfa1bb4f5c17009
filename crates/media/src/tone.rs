//! Test-signal helpers shared by this crate's tests and other crates'
//! integration tests: generate a tone WAV, read any WAV as mono, and measure
//! how much of a signal's energy sits at a given frequency (Goertzel).

use crate::MediaError;
use std::path::Path;

fn wav_err(path: &Path, e: impl std::fmt::Display) -> MediaError {
    MediaError::Wav {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// `n` samples of a sine at `freq_hz`, amplitude 0.5.
pub fn sine(freq_hz: f32, sample_rate: u32, n: usize) -> Vec<f32> {
    let w = 2.0 * std::f64::consts::PI * freq_hz as f64 / sample_rate as f64;
    (0..n)
        .map(|i| (0.5 * (w * i as f64).sin()) as f32)
        .collect()
}

/// Write a mono 16-bit WAV containing a sine at `freq_hz` (amplitude 0.5).
pub fn write_tone_wav(
    path: impl AsRef<Path>,
    freq_hz: f32,
    seconds: f32,
    sample_rate: u32,
) -> Result<(), MediaError> {
    let path = path.as_ref();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(|e| wav_err(path, e))?;
    let n = (seconds * sample_rate as f32) as usize;
    for s in sine(freq_hz, sample_rate, n) {
        w.write_sample(crate::resample::f32_to_i16(s))
            .map_err(|e| wav_err(path, e))?;
    }
    w.finalize().map_err(|e| wav_err(path, e))
}

/// Read a WAV file (8/16/24/32-bit int or 32-bit float, any channel count),
/// downmixed to mono `f32` in [-1, 1]. Returns the samples and the sample rate.
pub fn read_wav_mono(path: impl AsRef<Path>) -> Result<(Vec<f32>, u32), MediaError> {
    let path = path.as_ref();
    let reader = hound::WavReader::open(path).map_err(|e| wav_err(path, e))?;
    let spec = reader.spec();
    let channels = spec.channels.max(1) as usize;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| wav_err(path, e))?,
        hound::SampleFormat::Int => {
            if !(1..=32).contains(&spec.bits_per_sample) {
                return Err(wav_err(path, "unsupported bit depth"));
            }
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(|e| wav_err(path, e))?
        }
    };
    let mono = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok((mono, spec.sample_rate))
}

/// Goertzel power of `samples` at `freq_hz`, normalised so that a full-block
/// sine of amplitude A gives A²/2 (its mean power).
pub fn goertzel_power(samples: &[f32], sample_rate: u32, freq_hz: f32) -> f32 {
    if samples.is_empty() || sample_rate == 0 {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * freq_hz as f64 / sample_rate as f64;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = x as f64 + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    let n = samples.len() as f64;
    (2.0 * power / (n * n)) as f32
}

/// Mean power (mean of squares) of a signal.
pub fn mean_power(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|&x| x as f64 * x as f64).sum::<f64>() / samples.len() as f64) as f32
}

/// Root-mean-square level, to tell a recording from near-silence.
pub fn rms(samples: &[f32]) -> f32 {
    mean_power(samples).sqrt()
}

/// Fraction (0..=1) of the signal's energy at `freq_hz`, measured over 100 ms
/// blocks so that phase jumps (loops, lost packets) do not hide the tone.
/// A clean tone gives ≈1, a different tone or noise ≈0.
pub fn tone_ratio(samples: &[f32], sample_rate: u32, freq_hz: f32) -> f32 {
    let block = (sample_rate / 10).max(1) as usize;
    let (mut tone, mut total) = (0.0f64, 0.0f64);
    for b in samples
        .chunks(block)
        .filter(|b| b.len() == block || samples.len() < block)
    {
        tone += goertzel_power(b, sample_rate, freq_hz) as f64 * b.len() as f64;
        total += mean_power(b) as f64 * b.len() as f64;
    }
    if total <= f64::EPSILON {
        0.0
    } else {
        (tone / total).min(1.0) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_tells_tones_apart() {
        let a = sine(700.0, 8000, 8000);
        assert!(tone_ratio(&a, 8000, 700.0) > 0.95);
        assert!(tone_ratio(&a, 8000, 1300.0) < 0.01);
        assert_eq!(tone_ratio(&[0.0; 100], 8000, 700.0), 0.0);
        assert!((rms(&a) - 0.5 / 2f32.sqrt()).abs() < 0.01);
    }

    #[test]
    fn wav_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.wav");
        write_tone_wav(&p, 1300.0, 0.5, 16000).unwrap();
        let (s, rate) = read_wav_mono(&p).unwrap();
        assert_eq!((s.len(), rate), (8000, 16000));
        assert!(tone_ratio(&s, rate, 1300.0) > 0.95);
        std::fs::write(dir.path().join("bad.wav"), b"RIFF not really").unwrap();
        let err = read_wav_mono(dir.path().join("bad.wav")).unwrap_err();
        assert!(err.to_string().contains("bad.wav"), "{err}");
    }
}
