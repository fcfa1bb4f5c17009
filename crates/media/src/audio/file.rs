//! File backend: a WAV file as microphone (looped, resampled to the codec
//! rate) and a WAV recording of what the speaker would play, written
//! incrementally so a crash loses at most about one second.

use super::{AudioIo, RateAdapter};
use crate::events::MediaEvent;
use crate::resample::{f32_to_i16, i16_to_f32, resample_all};
use crate::MediaError;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use tokio::sync::broadcast;

/// Sample rate of recordings: 16 kHz covers G.711 and G.722 fully and keeps
/// Opus calls intelligible at a third of the size of 48 kHz, and a fixed rate
/// keeps one file valid when a re-INVITE changes the codec.
pub const RECORD_SAMPLE_RATE: u32 = 16_000;
/// Longest playback file accepted (10 minutes at 48 kHz), to bound memory.
const MAX_PLAY_SAMPLES: usize = 48_000 * 600;
/// Recorded samples between header updates (one second).
const FLUSH_EVERY: usize = RECORD_SAMPLE_RATE as usize;

struct Player {
    path: PathBuf,
    original: Vec<f32>,
    original_rate: u32,
    converted: Vec<i16>,
    converted_rate: u32,
    pos: usize,
}

impl Player {
    fn fill(&mut self, rate: u32, out: &mut [i16]) {
        if self.converted_rate != rate {
            match resample_all(&self.original, self.original_rate, rate) {
                Ok(v) => self.converted = v.into_iter().map(f32_to_i16).collect(),
                Err(e) => {
                    tracing::warn!("{}: {e}; sending silence", self.path.display());
                    self.converted.clear();
                }
            }
            if self.converted_rate != 0 {
                self.pos = (self.pos as u64 * rate as u64 / self.converted_rate as u64) as usize;
            }
            self.converted_rate = rate;
        }
        for s in out.iter_mut() {
            if self.converted.is_empty() {
                *s = 0;
                continue;
            }
            if self.pos >= self.converted.len() {
                self.pos = 0;
            }
            *s = self.converted[self.pos];
            self.pos += 1;
        }
    }
}

struct Recorder {
    path: PathBuf,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    adapter: RateAdapter,
    scratch_in: Vec<f32>,
    scratch_out: Vec<f32>,
    since_flush: usize,
    events: broadcast::Sender<MediaEvent>,
}

impl Recorder {
    fn fail(&mut self, e: hound::Error) {
        let msg = format!("recording {} stopped: {e}", self.path.display());
        tracing::warn!("{msg}");
        let _ = self.events.send(MediaEvent::RecordingError(msg));
        self.writer = None;
    }

    fn write(&mut self, rate: u32, frame: &[i16]) {
        if self.writer.is_none() {
            return;
        }
        self.scratch_in.clear();
        self.scratch_in.extend(frame.iter().map(|&s| i16_to_f32(s)));
        self.scratch_out.clear();
        self.adapter.process(
            rate,
            RECORD_SAMPLE_RATE,
            &self.scratch_in,
            &mut self.scratch_out,
        );
        let mut result = Ok(());
        if let Some(w) = self.writer.as_mut() {
            for &s in &self.scratch_out {
                result = w.write_sample(f32_to_i16(s));
                if result.is_err() {
                    break;
                }
            }
            self.since_flush += self.scratch_out.len();
            if result.is_ok() && self.since_flush >= FLUSH_EVERY {
                self.since_flush = 0;
                result = w.flush();
            }
        }
        if let Err(e) = result {
            self.fail(e);
        }
    }

    fn finish(&mut self) {
        if let Some(w) = self.writer.take() {
            if let Err(e) = w.finalize() {
                tracing::warn!("finalising recording {}: {e}", self.path.display());
            }
        }
    }
}

/// The file backend.
pub(crate) struct FileIo {
    player: Option<Player>,
    recorder: Option<Recorder>,
}

impl FileIo {
    /// Load `play` fully (so a bad file is reported before the call starts)
    /// and create `record`.
    pub(crate) fn open(
        play: Option<PathBuf>,
        record: Option<PathBuf>,
        events: broadcast::Sender<MediaEvent>,
    ) -> Result<Self, MediaError> {
        let player = match play {
            None => None,
            Some(path) => {
                let (samples, rate) = crate::tone::read_wav_mono(&path)?;
                if samples.len() > MAX_PLAY_SAMPLES {
                    return Err(MediaError::Wav {
                        path,
                        reason: "longer than 10 minutes; shorten it (it is looped anyway)".into(),
                    });
                }
                if rate == 0 {
                    return Err(MediaError::Wav {
                        path,
                        reason: "sample rate is 0".into(),
                    });
                }
                Some(Player {
                    path,
                    original: samples,
                    original_rate: rate,
                    converted: Vec::new(),
                    converted_rate: 0,
                    pos: 0,
                })
            }
        };
        let recorder = match record {
            None => None,
            Some(path) => {
                let spec = hound::WavSpec {
                    channels: 1,
                    sample_rate: RECORD_SAMPLE_RATE,
                    bits_per_sample: 16,
                    sample_format: hound::SampleFormat::Int,
                };
                let writer =
                    hound::WavWriter::create(&path, spec).map_err(|e| MediaError::Wav {
                        path: path.clone(),
                        reason: format!("cannot create recording: {e}"),
                    })?;
                Some(Recorder {
                    path,
                    writer: Some(writer),
                    adapter: RateAdapter::default(),
                    scratch_in: Vec::new(),
                    scratch_out: Vec::new(),
                    since_flush: 0,
                    events,
                })
            }
        };
        Ok(Self { player, recorder })
    }
}

impl AudioIo for FileIo {
    fn capture(&mut self, rate: u32, out: &mut [i16]) {
        match self.player.as_mut() {
            Some(p) => p.fill(rate, out),
            None => out.fill(0),
        }
    }

    fn play(&mut self, rate: u32, frame: &[i16]) {
        if let Some(r) = self.recorder.as_mut() {
            r.write(rate, frame);
        }
    }

    fn finish(&mut self) {
        if let Some(r) = self.recorder.as_mut() {
            r.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{read_wav_mono, tone_ratio, write_tone_wav};

    #[test]
    fn plays_loops_and_records_with_flushes() {
        let dir = tempfile::tempdir().unwrap();
        let play = dir.path().join("in.wav");
        let rec = dir.path().join("out.wav");
        write_tone_wav(&play, 700.0, 0.25, 44_100).unwrap();
        let (tx, _rx) = broadcast::channel(4);
        let mut io = FileIo::open(Some(play), Some(rec.clone()), tx).unwrap();
        let mut frame = vec![0i16; 160];
        let mut captured = Vec::new();
        for _ in 0..100 {
            // 2 s of 8 kHz audio from a 0.25 s file: must loop.
            io.capture(8000, &mut frame);
            captured.extend(frame.iter().map(|&s| i16_to_f32(s)));
            io.play(8000, &frame);
        }
        assert!(tone_ratio(&captured[8000..], 8000, 700.0) > 0.8);
        // Before finish: the periodic flush already made the file readable.
        let (partial, rate) = read_wav_mono(&rec).unwrap();
        assert_eq!(rate, RECORD_SAMPLE_RATE);
        assert!(
            partial.len() >= RECORD_SAMPLE_RATE as usize,
            "{}",
            partial.len()
        );
        io.finish();
        let (all, _) = read_wav_mono(&rec).unwrap();
        assert!(all.len() > 30_000, "{}", all.len());
        assert!(tone_ratio(&all[16_000..], RECORD_SAMPLE_RATE, 700.0) > 0.8);
    }

    #[test]
    fn missing_play_file_is_a_clear_error() {
        let (tx, _rx) = broadcast::channel(4);
        let err = FileIo::open(Some("/nonexistent/x.wav".into()), None, tx)
            .err()
            .unwrap();
        assert!(err.to_string().contains("/nonexistent/x.wav"), "{err}");
    }

    #[test]
    fn no_play_file_means_silence() {
        let (tx, _rx) = broadcast::channel(4);
        let mut io = FileIo::open(None, None, tx).unwrap();
        let mut frame = vec![1i16; 320];
        io.capture(16_000, &mut frame);
        assert!(frame.iter().all(|&s| s == 0));
    }
}
