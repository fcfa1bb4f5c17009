//! Speech for test callers and for Whisper: espeak-ng's voice, resampled by sox, with silence
//! before and after it and, for a caller who keeps talking, repeated to a length.
//!
//! Every voicemail test, the `frontdesk-lab` driver of the browser tests and the voicemail
//! benchmark make their speech here, so the voice that Whisper tiny is known to follow is set
//! in one place:
//!
//! ```no_run
//! use frontdesk_testbed::speech::Speech;
//! # fn main() -> frontdesk_testbed::Result<()> {
//! // A caller who speaks after the greeting and the beep, then falls silent.
//! let message = Speech::caller("Please call me back about the invoice.").write("/tmp/m.wav")?;
//! // The same at Whisper's rate, straight to the transcriber, 30 s of it.
//! let long = Speech {
//!     repeat: frontdesk_testbed::speech::Repeat::AtLeast(30.0),
//!     ..Speech::for_whisper("My window is broken.")
//! }
//! .write("/tmp/w.wav")?;
//! # let _ = (message, long);
//! # Ok(())
//! # }
//! ```

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, Result};

/// espeak-ng's voice: American English, the accent Whisper's English models hear best.
pub const VOICE: &str = "en-us";

/// Words per minute (`espeak-ng -s`): slower than espeak's 175. Slow and with gaps between
/// words ([`WORD_GAP`]) is how Whisper tiny follows espeak-ng's synthetic voice best, also
/// after G.711 and Opus (what the voicemail tests settled on).
pub const WORDS_PER_MINUTE: u32 = 120;

/// Pause between words in units of 10 ms (`espeak-ng -g`): 60 ms keeps the words apart.
pub const WORD_GAP: u32 = 6;

/// 8 kHz, for test callers: the rate of the G.711 calls they make. baresip plays a WAV at the
/// file's rate and resamples it itself, which muffles speech enough that Whisper tiny misses
/// words; at the codec's rate nothing is resampled.
pub const CALLER_RATE: u32 = 8_000;

/// 16 kHz, for audio that goes to Whisper directly (or into a recorder, as the voicemail
/// records): the rate Whisper works at, so nothing is resampled on the way.
pub const WHISPER_RATE: u32 = 16_000;

/// Seconds a caller waits before speaking: the greeting and the beep (about 5 s in the tests)
/// are over by then, as with a real caller, so the whole text is in the recording. (Whisper
/// itself needs no silence before speech: frontdesk's transcriber cuts leading silence down to
/// 0.5 s anyway, and tiny.en heard the first word of speech starting at the first sample.)
pub const CALLER_LEAD: f64 = 5.0;

/// Seconds of silence after a caller has spoken: a caller who has finished stays on the line
/// until the voicemail's silence limit ends the message, because baresip hangs up as soon as
/// the WAV it plays runs out.
pub const CALLER_TAIL: f64 = 60.0;

/// How often the text is spoken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Repeat {
    /// Once.
    Once,
    /// This many times in all (at least once), [`Speech::pause`] apart.
    Times(u32),
    /// As often as it takes for the speech, pauses included, to last at least this many
    /// seconds: a caller who keeps talking.
    AtLeast(f64),
}

/// What to say and how: build one with [`Speech::caller`] or [`Speech::for_whisper`], change
/// fields with struct update syntax, then [`Speech::write`] it.
#[derive(Debug, Clone, PartialEq)]
pub struct Speech {
    /// The words. It must not start with `-` (espeak-ng would take it for an option).
    pub text: String,
    /// espeak-ng voice (`-v`), [`VOICE`] unless changed.
    pub voice: String,
    /// Speed in words per minute (`-s`), [`WORDS_PER_MINUTE`] unless changed.
    pub words_per_minute: u32,
    /// Pause between words in 10 ms units (`-g`), [`WORD_GAP`] unless changed.
    pub word_gap: u32,
    /// Sample rate of the WAV (resampled with sox); `None` keeps espeak-ng's own 22,050 Hz.
    pub rate: Option<u32>,
    /// Seconds of silence before the first word.
    pub before: f64,
    /// Seconds of silence after the last word.
    pub after: f64,
    /// How often the text is spoken.
    pub repeat: Repeat,
    /// Seconds of silence between two repetitions.
    pub pause: f64,
}

/// A WAV that [`Speech::write`] made.
#[derive(Debug, Clone, PartialEq)]
pub struct Spoken {
    /// The WAV file: mono, 16-bit.
    pub path: PathBuf,
    /// Its sample rate.
    pub rate: u32,
    /// How long the text takes to say once, in seconds (espeak-ng ends it with a short pause).
    pub utterance_secs: f64,
    /// How often the text was said.
    pub repetitions: u32,
    /// The length of the whole file in seconds, silences included.
    pub secs: f64,
}

impl Speech {
    /// A test caller: [`CALLER_RATE`], speaking once after [`CALLER_LEAD`] seconds of silence
    /// and followed by [`CALLER_TAIL`] seconds of it.
    pub fn caller(text: impl Into<String>) -> Self {
        Speech {
            rate: Some(CALLER_RATE),
            before: CALLER_LEAD,
            after: CALLER_TAIL,
            ..Self::plain(text)
        }
    }

    /// Input for Whisper or a recorder at [`WHISPER_RATE`]: the text once, no silence around
    /// it (add some with `before` and `after`).
    pub fn for_whisper(text: impl Into<String>) -> Self {
        Speech {
            rate: Some(WHISPER_RATE),
            ..Self::plain(text)
        }
    }

    /// The voice with no rate and no silence.
    fn plain(text: impl Into<String>) -> Self {
        Speech {
            text: text.into(),
            voice: VOICE.to_owned(),
            words_per_minute: WORDS_PER_MINUTE,
            word_gap: WORD_GAP,
            rate: None,
            before: 0.0,
            after: 0.0,
            repeat: Repeat::Once,
            pause: 0.0,
        }
    }

    /// Speaks the text into a mono 16-bit WAV at `path` (espeak-ng, then sox for the rate).
    /// Needs `espeak-ng` and, unless `rate` is `None`, `sox` (`scripts/install-deps`).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<Spoken> {
        let path = path.as_ref();
        self.check()?;
        let scratch = tempfile::Builder::new()
            .prefix("frontdesk-speech-")
            .tempdir()
            .map_err(|e| Error::io("create a scratch directory for espeak-ng", e))?;
        let raw = scratch.path().join("espeak.wav");
        let status = Command::new("espeak-ng")
            .args(["-v", &self.voice])
            .args(["-s", &self.words_per_minute.to_string()])
            .args(["-g", &self.word_gap.to_string()])
            .arg("-w")
            .arg(&raw)
            .arg(&self.text)
            .status()
            .map_err(|e| not_installed(e, "espeak-ng", "speak a test message"))?;
        if !status.success() {
            return Err(Error::Other(format!(
                "espeak-ng failed ({status}) speaking {:?}",
                self.text
            )));
        }
        let (raw_samples, raw_rate) = read_mono_i16(&raw)?;
        let utterance_secs = raw_samples.len() as f64 / f64::from(raw_rate);
        let (once, rate) = match self.rate {
            Some(rate) if rate != raw_rate => {
                let resampled = scratch.path().join("resampled.wav");
                let status = Command::new("sox")
                    .arg(&raw)
                    .args(["-r", &rate.to_string(), "-c", "1", "-b", "16"])
                    .arg(&resampled)
                    .status()
                    .map_err(|e| not_installed(e, "sox", "resample espeak-ng's speech"))?;
                if !status.success() {
                    return Err(Error::Other(format!(
                        "sox failed ({status}) resampling espeak-ng's speech to {rate} Hz"
                    )));
                }
                read_mono_i16(&resampled)?
            }
            _ => (raw_samples, raw_rate),
        };
        let repetitions = self.repetitions(once.len() as f64 / f64::from(rate));
        let silence = |secs: f64| vec![0i16; (secs * f64::from(rate)).round() as usize];
        let mut samples = silence(self.before);
        for i in 0..repetitions {
            if i > 0 {
                samples.extend(silence(self.pause));
            }
            samples.extend_from_slice(&once);
        }
        samples.extend(silence(self.after));
        write_mono_i16(path, &samples, rate)?;
        Ok(Spoken {
            path: path.to_path_buf(),
            rate,
            utterance_secs,
            repetitions,
            secs: samples.len() as f64 / f64::from(rate),
        })
    }

    /// How often to say a text that takes `once` seconds.
    fn repetitions(&self, once: f64) -> u32 {
        match self.repeat {
            Repeat::Once => 1,
            Repeat::Times(n) => n.max(1),
            // n utterances with n - 1 pauses between them last at least `secs`.
            Repeat::AtLeast(secs) => {
                let n = ((secs + self.pause) / (once + self.pause).max(1e-3)).ceil();
                n.clamp(1.0, f64::from(u32::MAX)) as u32
            }
        }
    }

    /// Rejects settings espeak-ng or the WAV cannot take, before anything runs.
    fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::Other(format!("speech {:?}: {what}", self.text)));
        if self.text.trim().is_empty() {
            return bad("there is nothing to say".into());
        }
        if self.text.starts_with('-') {
            return bad(
                "the text must not start with '-' (espeak-ng reads it as an option)".into(),
            );
        }
        for (name, secs) in [
            ("before", self.before),
            ("after", self.after),
            ("pause", self.pause),
        ] {
            if !secs.is_finite() || secs < 0.0 {
                return bad(format!(
                    "`{name}` must be a number of seconds >= 0, not {secs}"
                ));
            }
        }
        if let Repeat::AtLeast(secs) = self.repeat {
            if !secs.is_finite() || secs <= 0.0 || secs > 24.0 * 3600.0 {
                return bad(format!(
                    "`Repeat::AtLeast` must be between 0 and 24 hours, not {secs} s"
                ));
            }
        }
        if self.rate == Some(0) {
            return bad("the sample rate must be above 0 Hz".into());
        }
        Ok(())
    }
}

/// A failed spawn of `program`: "not installed" when it is missing, else the I/O error.
fn not_installed(e: std::io::Error, program: &'static str, doing: &str) -> Error {
    if e.kind() == ErrorKind::NotFound {
        Error::NotInstalled {
            program,
            package: program,
        }
    } else {
        Error::io(format!("run {program} to {doing}"), e)
    }
}

/// The samples of a 16-bit WAV (channels averaged) and its rate.
fn read_mono_i16(path: &Path) -> Result<(Vec<i16>, u32)> {
    let wav_err = |source| Error::Wav {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = hound::WavReader::open(path).map_err(wav_err)?;
    let spec = reader.spec();
    if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
        return Err(Error::Other(format!(
            "{}: expected 16-bit PCM, got {} bits {:?}",
            path.display(),
            spec.bits_per_sample,
            spec.sample_format
        )));
    }
    let all: Vec<i16> = reader
        .samples::<i16>()
        .collect::<std::result::Result<_, _>>()
        .map_err(wav_err)?;
    let channels = usize::from(spec.channels.max(1));
    let mono = all
        .chunks(channels)
        .map(|c| (c.iter().map(|&s| i32::from(s)).sum::<i32>() / c.len() as i32) as i16)
        .collect();
    Ok((mono, spec.sample_rate))
}

/// Writes `samples` as a mono 16-bit WAV at `rate`.
fn write_mono_i16(path: &Path, samples: &[i16], rate: u32) -> Result<()> {
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
    let mut writer = hound::WavWriter::create(path, spec).map_err(wav_err)?;
    let mut fast = writer.get_i16_writer(samples.len() as u32);
    for &s in samples {
        fast.write_sample(s);
    }
    fast.flush().map_err(wav_err)?;
    writer.finalize().map_err(wav_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(path: &Path) -> f64 {
        let r = hound::WavReader::open(path).unwrap();
        r.duration() as f64 / f64::from(r.spec().sample_rate)
    }

    /// RMS of the samples between `from` and `to` seconds (0..=1).
    fn rms(path: &Path, from: f64, to: f64) -> f64 {
        let r = hound::WavReader::open(path).unwrap();
        let rate = f64::from(r.spec().sample_rate);
        let s: Vec<i16> = r.into_samples().map(|s| s.unwrap()).collect();
        let w = &s[(from * rate) as usize..((to * rate) as usize).min(s.len())];
        (w.iter()
            .map(|&x| (f64::from(x) / 32768.0).powi(2))
            .sum::<f64>()
            / w.len() as f64)
            .sqrt()
    }

    #[test]
    fn a_caller_speaks_at_8_khz_between_silences() {
        let dir = tempfile::tempdir().unwrap();
        let spoken = Speech {
            before: 1.0,
            after: 2.0,
            ..Speech::caller("Please call me back.")
        }
        .write(dir.path().join("m.wav"))
        .unwrap();
        assert_eq!(spoken.rate, CALLER_RATE);
        assert_eq!(spoken.repetitions, 1);
        let total = seconds(&spoken.path);
        assert!((total - spoken.secs).abs() < 1e-3, "{spoken:?}");
        // The utterance at 8 kHz lasts as long as espeak-ng's own at 22,050 Hz.
        assert!(
            (total - 3.0 - spoken.utterance_secs).abs() < 0.01,
            "{spoken:?}"
        );
        assert!(spoken.utterance_secs > 0.8, "{spoken:?}");
        assert_eq!(rms(&spoken.path, 0.0, 1.0), 0.0, "silent before");
        assert!(rms(&spoken.path, 1.0, 1.0 + spoken.utterance_secs) > 0.02);
        assert_eq!(rms(&spoken.path, total - 1.9, total), 0.0, "silent after");
    }

    #[test]
    fn repeated_to_a_length_with_pauses() {
        let dir = tempfile::tempdir().unwrap();
        let spoken = Speech {
            repeat: Repeat::AtLeast(10.0),
            pause: 0.5,
            ..Speech::for_whisper("Hello there.")
        }
        .write(dir.path().join("w.wav"))
        .unwrap();
        assert_eq!(spoken.rate, WHISPER_RATE);
        let once = spoken.utterance_secs;
        let n = f64::from(spoken.repetitions);
        assert!(spoken.secs >= 10.0, "{spoken:?}");
        // One repetition fewer would be too short.
        assert!((n - 1.0) * once + (n - 2.0) * 0.5 < 10.0, "{spoken:?}");
        assert!(
            (spoken.secs - (n * once + (n - 1.0) * 0.5)).abs() < 0.01,
            "{spoken:?}"
        );
        assert!((seconds(&spoken.path) - spoken.secs).abs() < 1e-3);

        let three = Speech {
            repeat: Repeat::Times(3),
            pause: 1.0,
            ..Speech::for_whisper("Hello there.")
        }
        .write(dir.path().join("three.wav"))
        .unwrap();
        assert_eq!(three.repetitions, 3);
        assert!((three.secs - (3.0 * once + 2.0)).abs() < 0.01, "{three:?}");
    }

    #[test]
    fn espeak_ngs_own_rate_is_kept_without_a_rate() {
        let dir = tempfile::tempdir().unwrap();
        let spoken = Speech {
            rate: None,
            ..Speech::for_whisper("Hello")
        }
        .write(dir.path().join("raw.wav"))
        .unwrap();
        assert_eq!(spoken.rate, 22_050);
        assert!((spoken.secs - spoken.utterance_secs).abs() < 1e-9);
    }

    #[test]
    fn bad_settings_are_explained_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.wav");
        for (speech, expected) in [
            (Speech::caller("  "), "nothing to say"),
            (Speech::caller("-v de hello"), "must not start with '-'"),
            (
                Speech {
                    before: -1.0,
                    ..Speech::caller("hi")
                },
                "`before` must be",
            ),
            (
                Speech {
                    pause: f64::NAN,
                    ..Speech::caller("hi")
                },
                "`pause` must be",
            ),
            (
                Speech {
                    repeat: Repeat::AtLeast(f64::INFINITY),
                    ..Speech::caller("hi")
                },
                "Repeat::AtLeast",
            ),
            (
                Speech {
                    rate: Some(0),
                    ..Speech::caller("hi")
                },
                "above 0 Hz",
            ),
        ] {
            let error = speech.write(&out).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
        assert!(!out.exists());
    }
}
