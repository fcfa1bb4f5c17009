//! Decoding a recording back to PCM (for Whisper and playback) and WAV export.

use std::path::{Path, PathBuf};
use std::time::Duration;

use opus::Channels;

use crate::header::GRANULE_RATE;
use crate::recorder::samples_to_duration;
use crate::{stream, RecordingError};

/// The rate [`read_pcm`] decodes to: what Whisper wants and voicemail uses throughout.
pub const OUTPUT_RATE: u32 = 16_000;

/// Decode an Ogg Opus recording to mono 16-bit PCM at [`OUTPUT_RATE`]; returns
/// the samples and their rate. Encoder delay and end padding are trimmed, so
/// the length matches what was recorded. A file not yet recovered after a
/// crash is read up to its last complete page.
pub fn read_pcm(path: &Path) -> Result<(Vec<i16>, u32), RecordingError> {
    let data = std::fs::read(path).map_err(|e| RecordingError::io(path, "read", e))?;
    let stream = stream::parse(path, &data)?;
    let decode_err = |e: opus::Error| RecordingError::Codec {
        path: path.to_path_buf(),
        action: "decoding",
        reason: e.to_string(),
    };
    let channels = stream.head.channels as usize;
    let mut decoder = opus::Decoder::new(
        OUTPUT_RATE,
        if channels == 2 {
            Channels::Stereo
        } else {
            Channels::Mono
        },
    )
    .map_err(decode_err)?;
    // 120 ms is the longest Opus packet.
    let mut buf = vec![0i16; OUTPUT_RATE as usize * 120 / 1000 * channels];
    let mut pcm = Vec::new();
    for packet in &stream.audio {
        let n = decoder
            .decode(packet, &mut buf, false)
            .map_err(decode_err)?;
        if channels == 2 {
            pcm.extend(
                buf[..n * 2]
                    .chunks(2)
                    .map(|c| ((c[0] as i32 + c[1] as i32) / 2) as i16),
            );
        } else {
            pcm.extend_from_slice(&buf[..n]);
        }
    }
    let to_output = |granules: u64| (granules * OUTPUT_RATE as u64 / GRANULE_RATE) as usize;
    let skip = to_output(stream.head.pre_skip as u64).min(pcm.len());
    pcm.drain(..skip);
    pcm.truncate(to_output(stream.playable_granules()));
    if stream.head.output_gain != 0 {
        let gain = 10f32.powf(stream.head.output_gain as f32 / (20.0 * 256.0));
        for s in &mut pcm {
            *s = (*s as f32 * gain).round().clamp(-32768.0, 32767.0) as i16;
        }
    }
    Ok((pcm, OUTPUT_RATE))
}

/// [`read_pcm`] as `f32` in [-1, 1) at 16 kHz: the input Whisper expects.
pub fn read_f32_16k(path: &Path) -> Result<Vec<f32>, RecordingError> {
    let (pcm, _) = read_pcm(path)?;
    Ok(pcm.into_iter().map(|s| s as f32 / 32768.0).collect())
}

/// Export a recording as a 16-bit mono 16 kHz WAV at `out` (written to a
/// temporary name first, so `out` is never left half-written). Returns the
/// exported duration.
pub fn export_wav(path: &Path, out: &Path) -> Result<Duration, RecordingError> {
    let (pcm, rate) = read_pcm(path)?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut partial = out.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    let wav_err = |source| RecordingError::Wav {
        path: out.to_path_buf(),
        source,
    };
    let write = || -> Result<(), RecordingError> {
        let mut w = hound::WavWriter::create(&partial, spec).map_err(wav_err)?;
        let mut i16_writer = w.get_i16_writer(pcm.len() as u32);
        for &s in &pcm {
            i16_writer.write_sample(s);
        }
        i16_writer.flush().map_err(wav_err)?;
        w.finalize().map_err(wav_err)?;
        std::fs::rename(&partial, out).map_err(|e| RecordingError::io(out, "rename into", e))
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    Ok(samples_to_duration(pcm.len() as u64, rate))
}
