//! Test tones: write a sine WAV, check that a recording contains a frequency.

use std::path::Path;

use crate::{Error, Result};

/// Writes a mono 16-bit WAV with a sine of `freq` Hz at half full scale,
/// `secs` seconds long at `rate` Hz.
pub fn tone_wav(path: impl AsRef<Path>, freq: f64, secs: f64, rate: u32) -> Result<()> {
    let path = path.as_ref();
    let wav_err = |source| Error::Wav {
        path: path.to_path_buf(),
        source,
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(wav_err)?;
    let n = (secs * rate as f64).round() as u64;
    for i in 0..n {
        let t = i as f64 / rate as f64;
        let s = (std::f64::consts::TAU * freq * t).sin() * 0.5 * i16::MAX as f64;
        w.write_sample(s as i16).map_err(wav_err)?;
    }
    w.finalize().map_err(wav_err)
}

/// What [`analyze`] measured in a WAV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneReport {
    /// Frequency looked for, in Hz.
    pub freq: f64,
    /// Share of the signal's energy at `freq` (0..=1; a clean tone is ~1).
    pub ratio: f64,
    /// RMS level relative to full scale (0..=1).
    pub rms: f64,
    /// Duration in seconds.
    pub secs: f64,
    /// Sample rate in Hz.
    pub rate: u32,
}

/// Reads a 16-bit or float WAV (channels are averaged) and measures the
/// energy at `freq` (Goertzel over 20 ms blocks) against the total energy.
pub fn analyze(path: impl AsRef<Path>, freq: f64) -> Result<ToneReport> {
    analyze_window(path, &[freq], 0.0, f64::MAX)
}

/// Like [`analyze`], for the part of the WAV between `from` and `to` seconds, and for the
/// summed energy at several frequencies (e.g. the notes of a tune).
pub fn analyze_window(
    path: impl AsRef<Path>,
    freqs: &[f64],
    from: f64,
    to: f64,
) -> Result<ToneReport> {
    let (mono, rate) = read_mono(path.as_ref())?;
    let start = ((from.max(0.0) * rate as f64) as usize).min(mono.len());
    let end = ((to.max(from) * rate as f64).min(mono.len() as f64) as usize).max(start);
    let window = &mono[start..end];
    let block = (rate as usize / 50).max(1);
    let (mut tone, mut total) = (0.0, 0.0);
    for b in window.chunks(block).filter(|b| b.len() == block) {
        tone += freqs
            .iter()
            .map(|&f| goertzel_power(b, f, rate as f64))
            .sum::<f64>();
        total += b.iter().map(|x| x * x).sum::<f64>();
    }
    Ok(ToneReport {
        freq: freqs.first().copied().unwrap_or_default(),
        ratio: if total > 0.0 { tone / total } else { 0.0 },
        rms: if window.is_empty() {
            0.0
        } else {
            (window.iter().map(|x| x * x).sum::<f64>() / window.len() as f64).sqrt()
        },
        secs: window.len() as f64 / rate as f64,
        rate,
    })
}

/// A 16-bit or float WAV as mono samples in [-1, 1] (channels averaged) and its rate.
fn read_mono(path: &Path) -> Result<(Vec<f64>, u32)> {
    let wav_err = |source| Error::Wav {
        path: path.to_path_buf(),
        source,
    };
    let mut r = hound::WavReader::open(path).map_err(wav_err)?;
    let spec = r.spec();
    let raw: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f64;
            r.samples::<i32>()
                .map(|s| s.map(|v| v as f64 / scale))
                .collect::<std::result::Result<_, _>>()
                .map_err(wav_err)?
        }
        hound::SampleFormat::Float => r
            .samples::<f32>()
            .map(|s| s.map(f64::from))
            .collect::<std::result::Result<_, _>>()
            .map_err(wav_err)?,
    };
    let ch = spec.channels.max(1) as usize;
    let mono = raw
        .chunks(ch)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    Ok((mono, spec.sample_rate))
}

/// Energy of `x` at `freq`, scaled so that a pure sine at `freq` gives
/// (about) the block's total energy `sum(x^2)`.
fn goertzel_power(x: &[f64], freq: f64, rate: f64) -> f64 {
    let w = std::f64::consts::TAU * freq / rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &v in x {
        let s0 = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power / x.len() as f64
}

/// Panics unless the WAV at `path` holds a clear tone at `freq`: at least
/// 0.5 s long, RMS above 0.01 and more than 30 % of its energy at `freq`.
/// Returns the measurement.
pub fn assert_contains_tone(path: impl AsRef<Path>, freq: f64) -> ToneReport {
    let path = path.as_ref();
    let r =
        analyze(path, freq).unwrap_or_else(|e| panic!("cannot analyse {}: {e}", path.display()));
    assert!(
        r.secs >= 0.5 && r.rms > 0.01 && r.ratio > 0.3,
        "{} does not contain a {freq} Hz tone: energy ratio at {freq} Hz {:.3} (need > 0.3), \
         RMS {:.4} (need > 0.01), duration {:.2} s (need >= 0.5), rate {} Hz",
        path.display(),
        r.ratio,
        r.rms,
        r.secs,
        r.rate
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_is_found_and_other_frequency_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.wav");
        tone_wav(&p, 700.0, 1.0, 8000).unwrap();
        let r = assert_contains_tone(&p, 700.0);
        assert!(r.ratio > 0.9, "{r:?}");
        assert!((r.rms - 0.3535).abs() < 0.01, "{r:?}");
        assert!((r.secs - 1.0).abs() < 1e-6);
        let other = analyze(&p, 1300.0).unwrap();
        assert!(other.ratio < 0.01, "{other:?}");
    }

    #[test]
    #[should_panic(expected = "does not contain a 1300 Hz tone")]
    fn assertion_fails_for_wrong_tone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.wav");
        tone_wav(&p, 700.0, 1.0, 48000).unwrap();
        assert_contains_tone(&p, 1300.0);
    }
}
