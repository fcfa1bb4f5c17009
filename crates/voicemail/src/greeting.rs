//! Greetings: which one plays now (weekday and time windows, e.g. office hours and evenings,
//! the default outside them all) and loading them from WAV or MP3 files into the 16 kHz mono
//! clips the call plays.

use crate::VoicemailError;
use jiff::civil::{DateTime, Time, Weekday};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The rate clips are played at (the media layer's program rate).
pub const CLIP_RATE: u32 = 16_000;

/// The greeting shipped with Frontdesk, used when none is configured or a file is broken.
pub const DEFAULT_GREETING_WAV: &[u8] = include_bytes!("../../../assets/greeting-default.wav");

/// A greeting for some hours of some days.
#[derive(Debug, Clone, PartialEq)]
pub struct GreetingWindow {
    /// The days it applies on.
    pub days: Vec<Weekday>,
    /// From this time of day (inclusive)...
    pub from: Time,
    /// ...to this one (exclusive); earlier than `from` means the window runs past midnight
    /// (then it starts on the listed days and ends the morning after).
    pub to: Time,
    /// The audio file (WAV or MP3).
    pub file: PathBuf,
}

impl GreetingWindow {
    /// Whether `at` (local time) falls into this window.
    pub fn contains(&self, at: DateTime) -> bool {
        let time = at.time();
        let day = at.date().weekday();
        if self.from <= self.to {
            self.days.contains(&day) && self.from <= time && time < self.to
        } else {
            // Past midnight: the evening part on the day itself, the morning part the day after.
            (self.days.contains(&day) && time >= self.from)
                || (self.days.contains(&day.previous()) && time < self.to)
        }
    }
}

/// Which greeting plays when: the first window that contains the moment, else the default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GreetingSchedule {
    /// Checked in order; the first match wins.
    pub windows: Vec<GreetingWindow>,
    /// Outside every window; `None` plays the greeting shipped with Frontdesk.
    pub default: Option<PathBuf>,
}

impl GreetingSchedule {
    /// The greeting file for `at` (local time); `None` means the shipped greeting.
    pub fn pick(&self, at: DateTime) -> Option<&Path> {
        self.windows
            .iter()
            .find(|w| w.contains(at))
            .map(|w| w.file.as_path())
            .or(self.default.as_deref())
    }
}

/// A clip ready to play: mono 16-bit at [`CLIP_RATE`].
pub type Clip = Arc<[i16]>;

/// Loads a greeting (WAV or MP3, any rate and channel count) as a clip; the error names the
/// file and what is wrong with it.
pub fn load_clip(path: &Path) -> Result<Clip, VoicemailError> {
    let bytes = std::fs::read(path).map_err(|e| VoicemailError::Greeting {
        path: path.to_path_buf(),
        reason: format!("cannot read it: {e}"),
    })?;
    let hint = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    decode_clip(bytes, hint.as_deref()).map_err(|reason| VoicemailError::Greeting {
        path: path.to_path_buf(),
        reason,
    })
}

/// The greeting shipped with Frontdesk.
pub fn default_clip() -> Clip {
    decode_clip(DEFAULT_GREETING_WAV.to_vec(), Some("wav"))
        .expect("the shipped greeting is a valid WAV")
}

/// The tone before the recording: 400 ms at 1 kHz with soft edges.
pub fn beep_clip() -> Clip {
    let samples = CLIP_RATE as usize * 2 / 5;
    let fade = CLIP_RATE as usize / 100;
    (0..samples)
        .map(|i| {
            let edge = (i.min(samples - 1 - i) as f32 / fade as f32).min(1.0);
            let phase = 2.0 * std::f32::consts::PI * 1000.0 * i as f32 / CLIP_RATE as f32;
            (phase.sin() * edge * 0.4 * i16::MAX as f32) as i16
        })
        .collect()
}

/// What a forwarded caller hears while we call the target: the European ringing tone,
/// 425 Hz for 1 s then 4 s of silence (one cadence; play it again to keep ringing).
pub fn ringback_clip() -> Clip {
    let on = CLIP_RATE as usize;
    let off = CLIP_RATE as usize * 4;
    let fade = CLIP_RATE as usize / 100;
    (0..on + off)
        .map(|i| {
            if i >= on {
                return 0;
            }
            let edge = (i.min(on - 1 - i) as f32 / fade as f32).min(1.0);
            let phase = 2.0 * std::f32::consts::PI * 425.0 * i as f32 / CLIP_RATE as f32;
            (phase.sin() * edge * 0.3 * i16::MAX as f32) as i16
        })
        .collect()
}

/// Decodes audio bytes with symphonia, mixes down to mono and resamples to [`CLIP_RATE`].
fn decode_clip(bytes: Vec<u8>, extension: Option<&str>) -> Result<Clip, String> {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::errors::Error as SymphoniaError;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let source = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            source,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| format!("not a WAV or MP3 file Frontdesk can read ({e})"))?;
    let mut format = probed.format;
    let track = format
        .default_track()
        .ok_or("it contains no audio track")?
        .clone();
    let rate = track
        .codec_params
        .sample_rate
        .ok_or("its sample rate is unknown")?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| format!("its audio format is not supported ({e})"))?;
    let mut mono = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(format!("it is damaged ({e})")),
        };
        if packet.track_id() != track.id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // A damaged frame: skip it, as players do.
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) => return Err(format!("it is damaged ({e})")),
        };
        let channels = decoded.spec().channels.count().max(1);
        let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        buffer.copy_interleaved_ref(decoded);
        mono.extend(
            buffer
                .samples()
                .chunks(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
        if mono.len() > rate as usize * MAX_GREETING_SECONDS {
            return Err(format!(
                "it is longer than {MAX_GREETING_SECONDS} seconds; use a shorter greeting"
            ));
        }
    }
    if mono.is_empty() {
        return Err("it contains no audio".into());
    }
    let resampled = frontdesk_media::resample::resample_all(&mono, rate, CLIP_RATE)
        .map_err(|e| e.to_string())?;
    Ok(resampled
        .into_iter()
        .map(frontdesk_media::resample::f32_to_i16)
        .collect())
}

/// Longest greeting accepted: a greeting is not a podcast, and memory stays bounded.
const MAX_GREETING_SECONDS: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn window(days: &[Weekday], from: (i8, i8), to: (i8, i8), file: &str) -> GreetingWindow {
        GreetingWindow {
            days: days.to_vec(),
            from: Time::constant(from.0, from.1, 0, 0),
            to: Time::constant(to.0, to.1, 0, 0),
            file: file.into(),
        }
    }

    fn schedule() -> GreetingSchedule {
        use Weekday::*;
        GreetingSchedule {
            windows: vec![
                window(
                    &[Monday, Tuesday, Wednesday, Thursday, Friday],
                    (8, 0),
                    (17, 0),
                    "office.wav",
                ),
                window(
                    &[Monday, Tuesday, Wednesday, Thursday, Friday],
                    (17, 0),
                    (7, 0),
                    "evening.wav",
                ),
            ],
            default: Some("weekend.wav".into()),
        }
    }

    #[test]
    fn the_window_of_the_moment_wins_and_the_default_covers_the_rest() {
        let s = schedule();
        let at = |d: jiff::civil::Date, h, m| d.at(h, m, 0, 0);
        let monday = date(2026, 11, 23);
        assert_eq!(s.pick(at(monday, 9, 30)), Some(Path::new("office.wav")));
        assert_eq!(s.pick(at(monday, 17, 0)), Some(Path::new("evening.wav")));
        assert_eq!(s.pick(at(monday, 23, 59)), Some(Path::new("evening.wav")));
        // Tuesday 6:00 is still Monday's evening; Saturday 6:00 is Friday's.
        assert_eq!(
            s.pick(at(date(2026, 11, 24), 6, 0)),
            Some(Path::new("evening.wav"))
        );
        assert_eq!(
            s.pick(at(date(2026, 11, 28), 6, 0)),
            Some(Path::new("evening.wav"))
        );
        // Monday 6:00 follows Sunday, which has no evening window: the default.
        assert_eq!(s.pick(at(monday, 6, 0)), Some(Path::new("weekend.wav")));
        assert_eq!(
            s.pick(at(date(2026, 11, 29), 12, 0)),
            Some(Path::new("weekend.wav"))
        );
        assert_eq!(GreetingSchedule::default().pick(at(monday, 9, 0)), None);
    }

    #[test]
    fn the_shipped_greeting_and_the_beep_are_clips() {
        let greeting = default_clip();
        let seconds = greeting.len() as f32 / CLIP_RATE as f32;
        assert!((5.0..20.0).contains(&seconds), "{seconds} s");
        let beep = beep_clip();
        assert_eq!(beep.len(), 6400);
        assert!(beep.iter().map(|s| s.unsigned_abs()).max().unwrap() > 10_000);
    }

    #[test]
    fn ringback_rings_one_second_in_five() {
        let ring = ringback_clip();
        assert_eq!(ring.len(), 5 * CLIP_RATE as usize);
        let loud = |range: std::ops::Range<usize>| {
            ring[range].iter().map(|s| s.unsigned_abs()).max().unwrap()
        };
        let second = CLIP_RATE as usize;
        assert!(loud(0..second) > 5_000);
        assert_eq!(loud(second + 10..5 * second), 0);
    }

    #[test]
    fn broken_files_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let missing = load_clip(&dir.path().join("nope.wav")).unwrap_err();
        assert!(missing.to_string().contains("cannot read it"), "{missing}");
        let garbage = dir.path().join("garbage.mp3");
        std::fs::write(&garbage, b"this is not audio at all, just text").unwrap();
        let error = load_clip(&garbage).unwrap_err().to_string();
        assert!(error.contains("garbage.mp3"), "{error}");
        // A WAV header with its data cut off after a few samples.
        let cut = dir.path().join("cut.wav");
        std::fs::write(&cut, &DEFAULT_GREETING_WAV[..60]).unwrap();
        match load_clip(&cut) {
            Ok(clip) => assert!(clip.len() < 100),
            Err(e) => assert!(e.to_string().contains("cut.wav"), "{e}"),
        }
    }

    #[test]
    fn wav_files_at_other_rates_are_resampled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stereo-44k.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..44_100 {
            let s = ((i as f32 * 0.05).sin() * 8000.0) as i16;
            writer.write_sample(s).unwrap();
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
        let clip = load_clip(&path).unwrap();
        assert!((15_900..=16_100).contains(&clip.len()), "{}", clip.len());
    }
}
