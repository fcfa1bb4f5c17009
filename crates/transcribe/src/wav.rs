//! Reading WAV files into the audio Whisper wants: mono `f32` at 16 kHz.

use crate::{TranscribeError, SAMPLE_RATE};
use std::path::Path;

/// Reads any PCM WAV (8/16/24/32-bit integer or 32-bit float, any channel count, any rate)
/// and returns mono `f32` samples at 16 kHz: channels are averaged, the rate converted with
/// the media engine's resampler. A file cut short (a recording interrupted by a crash) yields
/// the audio it holds, with a warning, rather than nothing.
pub fn load_wav_16k(path: &Path) -> Result<Vec<f32>, TranscribeError> {
    let bad = |reason: String| TranscribeError::BadWav {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|source| TranscribeError::AudioUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    // The file opened, so a read error inside the header means it is cut short or not a WAV.
    let reader = hound::WavReader::new(std::io::BufReader::new(file)).map_err(|e| match e {
        hound::Error::IoError(source) => bad(format!(
            "its header cannot be read ({source}): the file is cut short or not a WAV file"
        )),
        other => bad(other.to_string()),
    })?;
    let spec = reader.spec();
    if spec.channels == 0 {
        return Err(bad("the header says it has no channels".into()));
    }
    let interleaved = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => read_all(path, reader.into_samples::<f32>(), |s| s),
        (hound::SampleFormat::Float, bits) => {
            return Err(bad(format!("{bits}-bit float samples are not supported")))
        }
        (hound::SampleFormat::Int, bits @ 1..=32) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f32;
            read_all(path, reader.into_samples::<i32>(), |s| s as f32 * scale)
        }
        (hound::SampleFormat::Int, bits) => {
            return Err(bad(format!("{bits}-bit integer samples are not supported")))
        }
    }?;
    let mono = downmix(&interleaved, usize::from(spec.channels));
    frontdesk_media::resample::resample_all(&mono, spec.sample_rate, SAMPLE_RATE)
        .map_err(|e| bad(e.to_string()))
}

/// Collects samples as `f32`, stopping with a warning where a truncated file ends and failing
/// only when the very first sample cannot be read.
fn read_all<S, I>(
    path: &Path,
    samples: I,
    to_f32: impl Fn(S) -> f32,
) -> Result<Vec<f32>, TranscribeError>
where
    I: Iterator<Item = hound::Result<S>>,
{
    let mut out = Vec::with_capacity(samples.size_hint().0);
    for sample in samples {
        match sample {
            Ok(sample) => out.push(to_f32(sample)),
            Err(e) if out.is_empty() => {
                return Err(TranscribeError::BadWav {
                    path: path.to_path_buf(),
                    reason: format!("no sample could be read: {e}"),
                })
            }
            Err(e) => {
                tracing::warn!(
                    "{}: the audio ends early ({e}); using the {} samples before that",
                    path.display(),
                    out.len()
                );
                break;
            }
        }
    }
    Ok(out)
}

/// Averages interleaved channels into one (an incomplete last frame is dropped).
fn downmix(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels == 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_media::tone::{sine, tone_ratio};

    /// Writes one second of a 440 Hz sine (amplitude 0.5) at `rate` in the given format.
    fn write_sine(path: &Path, rate: u32, channels: u16, bits: u16, format: hound::SampleFormat) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: format,
        };
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        for s in sine(440.0, rate, rate as usize) {
            for _ in 0..channels {
                match format {
                    hound::SampleFormat::Float => writer.write_sample(s).unwrap(),
                    hound::SampleFormat::Int => {
                        let max = ((1i64 << (bits - 1)) - 1) as f32;
                        let v = (s * max) as i32;
                        if bits == 8 {
                            writer.write_sample(v as i8).unwrap()
                        } else {
                            writer.write_sample(v).unwrap()
                        }
                    }
                }
            }
        }
        writer.finalize().unwrap();
    }

    fn peak(samples: &[f32]) -> f32 {
        samples.iter().fold(0.0f32, |m, s| m.max(s.abs()))
    }

    #[test]
    fn every_format_becomes_one_second_of_16k_mono_at_the_same_level() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (8000, 1, 16, hound::SampleFormat::Int),
            (16000, 1, 16, hound::SampleFormat::Int),
            (22050, 1, 16, hound::SampleFormat::Int),
            (44100, 2, 16, hound::SampleFormat::Int),
            (48000, 2, 24, hound::SampleFormat::Int),
            (11025, 1, 8, hound::SampleFormat::Int),
            (32000, 1, 32, hound::SampleFormat::Int),
            (48000, 1, 32, hound::SampleFormat::Float),
            (16000, 3, 32, hound::SampleFormat::Float),
        ];
        for (rate, channels, bits, format) in cases {
            let path = dir.path().join(format!("{rate}-{channels}-{bits}.wav"));
            write_sine(&path, rate, channels, bits, format);
            let audio = load_wav_16k(&path).unwrap();
            let case = format!("{rate} Hz, {channels} ch, {bits} bit {format:?}");
            assert!(
                (15_900..=16_000).contains(&audio.len()),
                "{case}: {} samples",
                audio.len()
            );
            let level = peak(&audio[1000..15_000]);
            assert!((0.45..0.55).contains(&level), "{case}: peak {level}");
            let ratio = tone_ratio(&audio[1000..15_000], SAMPLE_RATE, 440.0);
            assert!(ratio > 0.9, "{case}: 440 Hz ratio {ratio}");
        }
    }

    #[test]
    fn stereo_channels_are_averaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lr.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 16000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for _ in 0..100 {
            writer.write_sample(16384i16).unwrap();
            writer.write_sample(0i16).unwrap();
        }
        writer.finalize().unwrap();
        let audio = load_wav_16k(&path).unwrap();
        assert_eq!(audio.len(), 100);
        assert!(audio.iter().all(|&s| (s - 0.25).abs() < 1e-6), "{audio:?}");
    }

    #[test]
    fn a_truncated_file_gives_the_audio_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.wav");
        write_sine(&path, 16000, 1, 16, hound::SampleFormat::Int);
        let bytes = std::fs::read(&path).unwrap();
        // Keep the header and 0.5 s of samples (plus half a sample): the header still says 1 s.
        std::fs::write(&path, &bytes[..44 + 16_000 + 1]).unwrap();
        let audio = load_wav_16k(&path).unwrap();
        assert_eq!(audio.len(), 8000);
    }

    #[test]
    fn an_empty_data_chunk_is_no_audio() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        hound::WavWriter::create(&path, spec)
            .unwrap()
            .finalize()
            .unwrap();
        assert!(load_wav_16k(&path).unwrap().is_empty());
    }

    #[test]
    fn unreadable_files_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.wav");
        let error = load_wav_16k(&missing).unwrap_err();
        assert!(matches!(error, TranscribeError::AudioUnreadable { .. }));
        assert!(error.to_string().contains("missing.wav"), "{error}");

        let garbage = dir.path().join("garbage.wav");
        std::fs::write(&garbage, b"this is not audio at all, just some text").unwrap();
        let error = load_wav_16k(&garbage).unwrap_err();
        assert!(matches!(error, TranscribeError::BadWav { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains("garbage.wav") && message.contains("PCM WAV"),
            "{message}"
        );

        // A RIFF/WAVE header cut off before its data chunk.
        let cut = dir.path().join("header-only.wav");
        let mut header = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        header.extend_from_slice(&[16, 0, 0, 0, 1, 0, 1, 0]);
        std::fs::write(&cut, &header).unwrap();
        let error = load_wav_16k(&cut).unwrap_err();
        assert!(matches!(error, TranscribeError::BadWav { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains("header-only.wav") && message.contains("header"),
            "{message}"
        );
    }
}
