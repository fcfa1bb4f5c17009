//! What the voicemail scenario tests share: speech and tones for callers and greetings, the
//! beep in a caller's recording, the inbox and the files in the data directory.

#![allow(dead_code)]

use frontdesk_store::{InboxQuery, Message, Store};
use frontdesk_testbed::speech::{Repeat, Speech};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Writes `text` spoken by espeak-ng (the testbed's voice) as mono 16-bit WAV at `rate`, after
/// `before` and followed by `after` seconds of silence; returns the path and the length of the
/// speech in seconds.
pub fn speak(
    dir: &Path,
    name: &str,
    text: &str,
    rate: u32,
    before: f64,
    after: f64,
) -> (PathBuf, f64) {
    let spoken = Speech {
        rate: Some(rate),
        before,
        after,
        ..Speech::caller(text)
    }
    .write(dir.join(format!("{name}.wav")))
    .unwrap_or_else(|e| panic!("cannot speak {name}: {e}"));
    (spoken.path, spoken.utterance_secs)
}

/// `text` spoken over and over for `seconds`, after `before` seconds of silence: a caller who
/// keeps talking. 8 kHz, the rate of the PCMU calls (baresip's resampler muffles speech).
pub fn keeps_talking(dir: &Path, name: &str, text: &str, before: f64, seconds: f64) -> PathBuf {
    const PAUSE: f64 = 0.3;
    let once = Speech::caller(text);
    // One utterance more than fit into `seconds`, each followed by the pause.
    let utterance = Speech {
        before: 0.0,
        after: 0.0,
        ..once.clone()
    }
    .write(dir.join(format!("{name}-once.wav")))
    .unwrap_or_else(|e| panic!("cannot speak {name}: {e}"))
    .utterance_secs;
    let repeats = (seconds / (utterance + PAUSE)).ceil() as u32 + 1;
    Speech {
        before,
        after: PAUSE,
        pause: PAUSE,
        repeat: Repeat::Times(repeats),
        ..once
    }
    .write(dir.join(format!("{name}.wav")))
    .unwrap_or_else(|e| panic!("cannot speak {name}: {e}"))
    .path
}

/// `seconds` of digital silence as a mono 16-bit WAV at `rate`.
pub fn silence(dir: &Path, name: &str, seconds: f64, rate: u32) -> PathBuf {
    let path = dir.join(format!("{name}.wav"));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    for _ in 0..(seconds * rate as f64) as usize {
        writer.write_sample(0i16).unwrap();
    }
    writer.finalize().unwrap();
    path
}

/// A tone greeting: `seconds` of `freq` Hz at 16 kHz, easy to tell apart in a recording.
pub fn tone_greeting(dir: &Path, name: &str, freq: f64, seconds: f64) -> PathBuf {
    let path = dir.join(format!("{name}.wav"));
    frontdesk_testbed::tone_wav(&path, freq, seconds, 16000).unwrap();
    path
}

/// Length of a WAV in seconds.
pub fn wav_seconds(path: &Path) -> f64 {
    let reader = hound::WavReader::open(path).unwrap();
    reader.duration() as f64 / reader.spec().sample_rate as f64
}

/// When the first 200 ms of a clean 1 kHz tone (the beep) starts in `recording`, looking
/// from `from` seconds on.
pub fn beep_at(recording: &Path, from: f64) -> Option<f64> {
    let mut at = from;
    while at < from + 60.0 {
        let report = frontdesk_testbed::analyze_window(recording, &[1000.0], at, at + 0.2).ok()?;
        if report.secs < 0.19 {
            return None;
        }
        if report.ratio > 0.7 && report.rms > 0.05 {
            return Some(at);
        }
        at += 0.05;
    }
    None
}

/// The Whisper model the tests use: `$FRONTDESK_WHISPER_MODEL`, else `../shared/models/`.
pub fn model() -> PathBuf {
    let path = std::env::var_os("FRONTDESK_WHISPER_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models/ggml-tiny.en.bin")
        });
    assert!(
        path.is_file(),
        "no Whisper model at {}: put ggml-tiny.en.bin into ../shared/models or set FRONTDESK_WHISPER_MODEL",
        path.display()
    );
    path
}

/// A model path that does not exist: the voicemail records without transcribing (and the
/// tests spare the CPU where the transcript is not what they check).
pub fn no_model(dir: &Path) -> PathBuf {
    dir.join("no-such-model.bin")
}

/// Every inbox entry (messages and call attempts), newest first, with all details.
pub fn inbox(db: &Path) -> Vec<Message> {
    let store = Store::open(db).unwrap();
    store
        .inbox(&InboxQuery::default())
        .unwrap()
        .into_iter()
        .map(|summary| store.message(summary.id).unwrap().unwrap())
        .collect()
}

/// Polls the inbox until `ready` holds for its entries; returns them.
pub async fn wait_inbox(
    db: &Path,
    within: Duration,
    ready: impl Fn(&[Message]) -> bool,
) -> Vec<Message> {
    let deadline = Instant::now() + within;
    loop {
        let entries = if db.is_file() { inbox(db) } else { Vec::new() };
        if ready(&entries) {
            return entries;
        }
        assert!(
            Instant::now() < deadline,
            "the inbox never got there: {entries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every file under `<data dir>/voicemail` (recordings and their metadata).
pub fn voicemail_files(data_dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&data_dir.join("voicemail"), &mut found);
    found.sort();
    found
}

/// The RMS level (0..=1) of a message's audio between `from` and `to` seconds, decoded the
/// way the transcriber reads it.
pub fn message_rms(audio: &Path, from: f64, to: f64) -> f64 {
    let samples = frontdesk_recording::read_f32_16k(audio).unwrap();
    let start = ((from * 16000.0) as usize).min(samples.len());
    let end = ((to * 16000.0) as usize).clamp(start, samples.len());
    let window = &samples[start..end];
    if window.is_empty() {
        return 0.0;
    }
    (window.iter().map(|x| x * x).sum::<f32>() / window.len() as f32).sqrt() as f64
}

/// The length of a message's audio in seconds, decoded.
pub fn message_seconds(audio: &Path) -> f64 {
    frontdesk_recording::read_f32_16k(audio).unwrap().len() as f64 / 16000.0
}
