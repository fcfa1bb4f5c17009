//! Test audio: espeak-ng speech at 16 kHz, tones, noise and hum.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use frontdesk_media::resample::{f32_to_i16, resample_all};

pub const RATE: u32 = 16_000;

/// `text` spoken by espeak-ng, resampled from its 22,050 Hz to 16 kHz.
pub fn speech(dir: &Path, text: &str) -> Vec<i16> {
    let wav = dir.join(format!("speech-{}.wav", text.len()));
    let status = Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg(text)
        .status()
        .expect("espeak-ng is needed for these tests: apt-get install espeak-ng");
    assert!(status.success(), "espeak-ng failed: {status}");
    let mut r = hound::WavReader::open(&wav).unwrap();
    let rate = r.spec().sample_rate;
    let input: Vec<f32> = r
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    assert!(
        input.len() > rate as usize / 2,
        "espeak-ng wrote almost nothing"
    );
    resample_all(&input, rate, RATE)
        .unwrap()
        .into_iter()
        .map(f32_to_i16)
        .collect()
}

/// A sine of `freq` Hz at `dbfs` (peak level relative to full scale).
pub fn sine(freq: f64, secs: f64, dbfs: f64) -> Vec<i16> {
    let amp = 32767.0 * 10f64.powf(dbfs / 20.0);
    (0..(secs * RATE as f64) as usize)
        .map(|i| (amp * (std::f64::consts::TAU * freq * i as f64 / RATE as f64).sin()) as i16)
        .collect()
}

/// White noise with an RMS of `dbfs` (deterministic).
pub fn noise(secs: f64, dbfs: f64, seed: u64) -> Vec<i16> {
    let rms = 32767.0 * 10f64.powf(dbfs / 20.0);
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..(secs * RATE as f64) as usize)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Uniform in [-1, 1) has RMS 1/sqrt(3).
            let u = ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
            (u * rms * 3f64.sqrt()) as i16
        })
        .collect()
}

/// Mains hum: 50 Hz with harmonics at 100, 150 and 250 Hz, peak around `dbfs`.
pub fn hum(secs: f64, dbfs: f64) -> Vec<i16> {
    let amp = 32767.0 * 10f64.powf(dbfs / 20.0) / 2.0;
    (0..(secs * RATE as f64) as usize)
        .map(|i| {
            let t = i as f64 / RATE as f64;
            let s: f64 = [(50.0, 1.0), (100.0, 0.5), (150.0, 0.3), (250.0, 0.2)]
                .iter()
                .map(|(f, a)| a * (std::f64::consts::TAU * f * t).sin())
                .sum();
            (amp * s) as i16
        })
        .collect()
}

/// Mix `b` into `a` (sample-wise sum, clipped), to the length of `a`.
pub fn mix(a: &[i16], b: &[i16]) -> Vec<i16> {
    a.iter()
        .enumerate()
        .map(|(i, &x)| (x as i32 + *b.get(i).unwrap_or(&0) as i32).clamp(-32768, 32767) as i16)
        .collect()
}

/// Normalised cross-correlation of two equally aligned signals, searching
/// ±`max_lag` samples; returns the best value in [-1, 1].
pub fn best_correlation(a: &[i16], b: &[i16], max_lag: usize) -> f64 {
    let n = a.len().min(b.len());
    let mut best = f64::MIN;
    for lag in 0..=2 * max_lag {
        let shift = lag as isize - max_lag as isize;
        let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
        for i in max_lag..n.saturating_sub(max_lag) {
            let x = a[i] as f64;
            let y = b[(i as isize + shift) as usize] as f64;
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        if aa > 0.0 && bb > 0.0 {
            best = best.max(ab / (aa * bb).sqrt());
        }
    }
    best
}
