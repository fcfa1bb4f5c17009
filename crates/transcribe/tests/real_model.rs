//! Transcription with the real Whisper model (`../shared/models/ggml-tiny.en.bin` next to the
//! repository, or `$FRONTDESK_WHISPER_MODEL`) on speech synthesised by espeak-ng.

use frontdesk_testbed::Speech;
use frontdesk_transcribe::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The test model: `$FRONTDESK_WHISPER_MODEL`, else the shared tiny.en model.
fn model_path() -> PathBuf {
    match std::env::var_os(MODEL_ENV).filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/models/ggml-tiny.en.bin"
        )),
    }
}

/// One model for all tests of this file, as the voicemail worker shares one.
fn transcriber() -> Arc<Transcriber> {
    static MODEL: OnceLock<Arc<Transcriber>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let path = model_path();
            Arc::new(Transcriber::load(&path).unwrap_or_else(|e| {
                panic!("the test model must load ({e}); set {MODEL_ENV} to a ggml model")
            }))
        })
        .clone()
}

/// espeak-ng settings tiny.en understands reliably here: the testbed's voice a little faster
/// (130 words a minute, 50 ms between words; with espeak's default voice and speed it hears
/// "back" as "Mac"), at espeak-ng's own 22,050 Hz so that `load_wav_16k` resamples.
fn clearly(text: &str) -> Speech {
    Speech {
        words_per_minute: 130,
        word_gap: 5,
        rate: None,
        ..Speech::for_whisper(text)
    }
}

/// Speaks `text` clearly into a WAV file `name` in `dir`.
fn speak(dir: &Path, name: &str, text: &str) -> PathBuf {
    write(dir, name, &clearly(text))
}

/// Writes `speech` to `name` in `dir`.
fn write(dir: &Path, name: &str, speech: &Speech) -> PathBuf {
    speech
        .write(dir.join(name))
        .unwrap_or_else(|e| panic!("cannot speak {name} ({e}); CI installs espeak-ng"))
        .path
}

fn assert_words(text: &str, words: &[&str]) {
    let lower = text.to_lowercase();
    for word in words {
        assert!(lower.contains(word), "{word:?} missing from {text:?}");
    }
}

#[test]
fn spoken_words_come_out_as_text_with_segments() {
    let dir = tempfile::tempdir().unwrap();
    let wav = speak(
        dir.path(),
        "message.wav",
        "Please call me back about the invoice",
    );
    let audio = load_wav_16k(&wav).unwrap();
    let transcript = transcriber()
        .transcribe(&audio, &TranscribeOptions::default())
        .unwrap();
    assert_words(&transcript.text, &["call", "back", "invoice"]);
    assert_eq!(transcript.language, "en");
    assert!(!transcript.text.contains('['), "{transcript:?}");
    // Without timestamps: one segment, from the first sound to the last (espeak-ng starts
    // speaking at once and ends with a little silence).
    let audio_ms = audio.len() as u64 * 1000 / 16_000;
    assert_eq!(transcript.segments.len(), 1, "{transcript:?}");
    let segment = &transcript.segments[0];
    assert_eq!(segment.text, transcript.text);
    assert_eq!(segment.start_ms, 0, "{transcript:?}");
    assert!(
        (audio_ms - 1000..=audio_ms).contains(&segment.end_ms),
        "{audio_ms} ms: {transcript:?}"
    );
}

#[test]
fn timed_segments_follow_the_speech() {
    let dir = tempfile::tempdir().unwrap();
    let wav = speak(
        dir.path(),
        "two.wav",
        "Please call me back about the invoice. My window is broken.",
    );
    let audio = load_wav_16k(&wav).unwrap();
    let options = TranscribeOptions {
        timestamps: true,
        ..TranscribeOptions::default()
    };
    let transcript = transcriber().transcribe(&audio, &options).unwrap();
    assert_words(
        &transcript.text,
        &["call", "back", "invoice", "window", "broken"],
    );
    assert!(!transcript.text.contains('['), "{transcript:?}");
    assert!(!transcript.segments.is_empty());
    let audio_ms = audio.len() as u64 * 1000 / 16_000;
    let mut previous_end = 0;
    for segment in &transcript.segments {
        assert!(!segment.text.is_empty());
        assert!(segment.start_ms >= previous_end, "{transcript:?}");
        assert!(segment.start_ms < segment.end_ms, "{transcript:?}");
        assert!(segment.end_ms <= audio_ms, "{transcript:?}");
        previous_end = segment.end_ms;
    }
    let joined: Vec<&str> = transcript
        .segments
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(clean_transcript(&joined.join(" ")), transcript.text);
}

#[test]
fn a_fixed_language_is_used_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let wav = speak(
        dir.path(),
        "fixed.wav",
        "I would like an appointment on Monday",
    );
    let audio = load_wav_16k(&wav).unwrap();
    let options = TranscribeOptions {
        language: Some("English".into()),
        threads: 1,
        ..TranscribeOptions::default()
    };
    let transcript = transcriber().transcribe(&audio, &options).unwrap();
    assert_eq!(transcript.language, "en");
    assert_words(&transcript.text, &["appointment", "monday"]);
}

#[test]
fn a_word_shorter_than_a_second_is_still_heard() {
    let dir = tempfile::tempdir().unwrap();
    // espeak-ng's defaults (voice en, 175 words a minute, no gap): clearly spoken, "Hello"
    // takes more than a second.
    let defaults = Speech {
        voice: "en".into(),
        words_per_minute: 175,
        word_gap: 0,
        ..clearly("Hello")
    };
    let wav = write(dir.path(), "short.wav", &defaults);
    let audio = load_wav_16k(&wav).unwrap();
    assert!(audio.len() < 16_000, "espeak spoke {} samples", audio.len());
    let transcript = transcriber()
        .transcribe(&audio, &TranscribeOptions::default())
        .unwrap();
    assert_words(&transcript.text, &["hello"]);
}

#[test]
fn silence_and_tiny_clips_are_empty_text_not_errors() {
    let transcriber = transcriber();
    let options = TranscribeOptions::default();
    for (what, audio) in [
        ("no audio", Vec::new()),
        ("50 ms", vec![0.0; 800]),
        ("0.5 s of silence", vec![0.0; 8_000]),
        ("5 s of silence", vec![0.0; 80_000]),
        ("NaN samples", vec![f32::NAN; 32_000]),
        // Loud enough to go to Whisper, which hears no words in it.
        ("5 s of noise at -35 dBFS", noise(0.03, 80_000)),
    ] {
        let transcript = transcriber
            .transcribe(&audio, &options)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(transcript.text, "", "{what}: {transcript:?}");
        assert!(transcript.segments.is_empty(), "{what}: {transcript:?}");
        assert_eq!(transcript.language, "en", "{what}");
    }
}

/// Uniform white noise with peak `amplitude`, the same every run.
fn noise(amplitude: f32, samples: usize) -> Vec<f32> {
    let mut seed = 12_345u32;
    (0..samples)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((seed >> 8) as f32 / 16_777_216.0 * 2.0 - 1.0) * amplitude
        })
        .collect()
}

#[test]
fn digital_silence_around_speech_adds_no_words() {
    let dir = tempfile::tempdir().unwrap();
    let speech = load_wav_16k(&speak(dir.path(), "m.wav", "My window is broken")).unwrap();
    let options = TranscribeOptions::default();
    let alone = transcriber().transcribe(&speech, &options).unwrap();
    assert_words(&alone.text, &["window", "broken"]);
    // 10 s before, 40 s after (Whisper alone says "you" to a window of zeros).
    let mut padded = vec![0.0; 160_000];
    padded.extend_from_slice(&speech);
    padded.resize(padded.len() + 640_000, 0.0);
    let transcript = transcriber().transcribe(&padded, &options).unwrap();
    assert_eq!(transcript.text, alone.text, "{transcript:?}");
    assert_eq!(transcript.segments.len(), 1, "{transcript:?}");
    let segment = &transcript.segments[0];
    assert!(
        (9_500..10_100).contains(&segment.start_ms),
        "the segment starts where the speech does: {transcript:?}"
    );
    assert!(segment.end_ms < 10_000 + 3_000, "{transcript:?}");
}

#[test]
fn two_threads_share_one_model() {
    let dir = tempfile::tempdir().unwrap();
    let first = load_wav_16k(&speak(dir.path(), "a.wav", "Please call me back")).unwrap();
    let second =
        load_wav_16k(&speak(dir.path(), "b.wav", "Please send the invoice again")).unwrap();
    let options = TranscribeOptions {
        language: None,
        threads: 1,
        ..TranscribeOptions::default()
    };
    let handles: Vec<_> = [first, second]
        .into_iter()
        .map(|audio| {
            let transcriber = transcriber();
            let options = options.clone();
            std::thread::spawn(move || transcriber.transcribe(&audio, &options).unwrap())
        })
        .collect();
    let texts: Vec<String> = handles
        .into_iter()
        .map(|h| h.join().unwrap().text)
        .collect();
    assert_words(&texts[0], &["call", "back"]);
    assert_words(&texts[1], &["invoice", "again"]);
}

#[test]
fn languages_are_checked_against_the_model() {
    let transcriber = transcriber();
    assert!(!transcriber.is_multilingual());
    // Too short to run Whisper: the language is still checked first.
    let audio = vec![0.0; 800];
    let with = |language: &str| TranscribeOptions {
        language: Some(language.into()),
        threads: 1,
        ..TranscribeOptions::default()
    };
    for auto in ["auto", "AUTO", "", " "] {
        let transcript = transcriber.transcribe(&audio, &with(auto)).unwrap();
        assert_eq!(transcript.language, "en", "{auto:?}: an English-only model");
    }
    for unknown in ["klingon", "e\0n", "xx"] {
        let error = transcriber.transcribe(&audio, &with(unknown)).unwrap_err();
        assert!(
            matches!(error, TranscribeError::UnknownLanguage { .. }),
            "{unknown:?}: {error:?}"
        );
        assert!(error.to_string().contains("such as en or de"), "{error}");
    }
    let error = transcriber.transcribe(&audio, &with("de")).unwrap_err();
    assert!(
        matches!(error, TranscribeError::LanguageNotInModel { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("multilingual model"), "{error}");
}

#[test]
fn a_missing_model_says_where_to_configure_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ggml-nowhere.bin");
    let error = Transcriber::load(&path).unwrap_err();
    assert!(
        matches!(error, TranscribeError::ModelMissing { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(path.to_str().unwrap()), "{message}");
    assert!(message.contains("[voicemail] model"), "{message}");
    assert!(message.contains("install a model"), "{message}");
}

#[test]
fn a_file_that_is_no_model_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    // A WAV file picked by mistake.
    let wav = speak(dir.path(), "not-a-model.wav", "hello");
    let error = Transcriber::load(&wav).unwrap_err();
    assert!(
        matches!(error, TranscribeError::NotAModel { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("not-a-model.wav") && message.contains("not a ggml Whisper model"),
        "{message}"
    );
}

#[test]
fn a_truncated_model_is_reported_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(model_path()).unwrap();
    let path = dir.path().join("ggml-cut.bin");
    std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
    let error = Transcriber::load(&path).unwrap_err();
    assert!(
        matches!(error, TranscribeError::ModelCorrupt { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("ggml-cut.bin") && message.contains("corrupt"),
        "{message}"
    );
}

#[test]
fn a_corrupt_wav_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(speak(dir.path(), "good.wav", "hello")).unwrap();
    // Same size, but the header overwritten with noise.
    let mut bad = good.clone();
    for (i, byte) in bad.iter_mut().take(44).enumerate() {
        *byte = (i as u8).wrapping_mul(37);
    }
    let path = dir.path().join("corrupt.wav");
    std::fs::write(&path, &bad).unwrap();
    let error = load_wav_16k(&path).unwrap_err();
    assert!(matches!(error, TranscribeError::BadWav { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("corrupt.wav") && message.contains("not a usable WAV"),
        "{message}"
    );
}
