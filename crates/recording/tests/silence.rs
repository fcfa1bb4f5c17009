//! The silence detector on espeak-ng speech, silence, comfort noise and hum.

mod common;

use std::time::Duration;

use common::{hum, mix, noise, sine, speech, RATE};
use frontdesk_recording::{
    has_speech, read_pcm, speech_duration, Recorder, SilenceDetector, VoiceState,
};

const LIMIT: Duration = Duration::from_secs(10);
const CHUNK: usize = RATE as usize / 50; // 20 ms, as the engine delivers audio

/// Feed `audio` in 20 ms chunks; return the time at which the limit was first
/// reached (if ever) and the final state.
fn run(audio: &[i16]) -> (Option<f64>, VoiceState, Duration) {
    let mut d = SilenceDetector::new(RATE, LIMIT).unwrap();
    let mut reached = None;
    let mut state = d.state();
    for (i, chunk) in audio.chunks(CHUNK).enumerate() {
        state = d.push(chunk);
        if state.limit_reached && reached.is_none() {
            reached = Some(((i + 1) * CHUNK) as f64 / RATE as f64);
        }
    }
    (reached, state, d.speech_duration())
}

fn secs(samples: &[i16]) -> f64 {
    samples.len() as f64 / RATE as f64
}

const MESSAGE: &str = "Hello, this is Peter Jones from the bakery. I wanted to ask whether \
    the package arrived. Please call me back tomorrow morning. Thank you.";

#[test]
fn speech_then_comfort_noise_ends_about_ten_seconds_after_the_last_word() {
    let dir = tempfile::tempdir().unwrap();
    let voice = speech(dir.path(), MESSAGE);
    assert!(secs(&voice) > 6.0, "espeak clip only {:.1} s", secs(&voice));
    for (name, after) in [
        ("digital silence", vec![0; 12 * RATE as usize]),
        ("comfort noise at -60 dBFS", noise(12.0, -60.0, 1)),
        (
            "hum at -30 dBFS with hiss at -45 dBFS",
            mix(&hum(12.0, -30.0), &noise(12.0, -45.0, 2)),
        ),
    ] {
        // The same background runs under the speech too.
        let bed_under_speech = match name {
            "digital silence" => vec![0; voice.len()],
            "comfort noise at -60 dBFS" => noise(secs(&voice), -60.0, 3),
            _ => mix(&hum(secs(&voice), -30.0), &noise(secs(&voice), -45.0, 4)),
        };
        let mut audio = mix(&voice, &bed_under_speech);
        audio.extend_from_slice(&after);
        let (reached, state, speech) = run(&audio);
        let end_of_speech = secs(&voice);
        let reached = reached.unwrap_or_else(|| panic!("{name}: limit never reached"));
        println!(
            "{name}: speech ends at {end_of_speech:.2} s, {speech:?} of it detected, \
             limit reached at {reached:.2} s"
        );
        // espeak ends its clip with a short pause, so the last word ends a little earlier.
        assert!(
            reached > end_of_speech + 9.0 && reached <= end_of_speech + 10.05,
            "{name}: limit reached at {reached:.2} s, speech ended at {end_of_speech:.2} s"
        );
        assert!(state.speech_seen, "{name}");
        assert!(
            speech.as_secs_f64() > 0.3 * end_of_speech && speech.as_secs_f64() <= end_of_speech,
            "{name}: {speech:?} of speech in {end_of_speech:.1} s"
        );
    }
}

#[test]
fn pauses_between_sentences_do_not_end_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let first = speech(dir.path(), "Hi, it's Anna.");
    let second = speech(
        dir.path(),
        "Sorry, I had to look for the order number. It is four, two, seven.",
    );
    let mut audio = first.clone();
    audio.extend(noise(6.0, -60.0, 5)); // a long pause to look something up
    audio.extend_from_slice(&second);
    audio.extend(noise(3.0, -60.0, 6));
    let (reached, state, _) = run(&audio);
    assert_eq!(reached, None, "{state:?}");
    assert!(state.speech_seen);
    // The silence clock restarted with the second sentence.
    assert!(state.silent_for < Duration::from_secs(4), "{state:?}");
}

#[test]
fn a_silent_call_has_no_speech_and_ends_after_the_limit() {
    for (name, audio) in [
        ("digital silence", vec![0i16; 12 * RATE as usize]),
        ("comfort noise", noise(12.0, -55.0, 7)),
        ("loud hiss", noise(12.0, -35.0, 8)),
        ("mains hum", hum(12.0, -20.0)),
        (
            "hum and hiss",
            mix(&hum(12.0, -25.0), &noise(12.0, -40.0, 9)),
        ),
    ] {
        let (reached, state, speech) = run(&audio);
        assert!(!state.speech_seen, "{name}: {speech:?} of speech");
        assert!(speech < Duration::from_millis(100), "{name}: {speech:?}");
        let reached = reached.unwrap_or_else(|| panic!("{name}: limit never reached"));
        assert!(
            (reached - 10.0).abs() < 0.05,
            "{name}: reached at {reached}"
        );
        assert!(!has_speech(&audio, RATE).unwrap(), "{name}");
    }
}

#[test]
fn speech_is_found_in_a_clip_and_after_an_opus_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let voice = speech(dir.path(), "Please send me the invoice again.");
    assert!(has_speech(&voice, RATE).unwrap());
    let noisy = mix(&voice, &noise(secs(&voice), -45.0, 10));
    assert!(has_speech(&noisy, RATE).unwrap());

    // What the voicemail reads back from disk still counts as a message.
    let path = dir.path().join("m.opus");
    let mut rec = Recorder::create(&path, RATE).unwrap();
    rec.push(&noisy).unwrap();
    rec.finish().unwrap();
    let (decoded, _) = read_pcm(&path).unwrap();
    let before = speech_duration(&noisy, RATE).unwrap();
    let after = speech_duration(&decoded, RATE).unwrap();
    assert!(
        after.as_secs_f64() > 0.7 * before.as_secs_f64(),
        "speech {before:?} before, {after:?} after Opus"
    );

    // A steady tone is not a voice.
    assert!(!has_speech(&sine(1000.0, 3.0, -20.0), RATE).unwrap());
}

#[test]
fn detector_and_recorder_can_move_to_another_thread() {
    fn is_send<T: Send>() {}
    is_send::<SilenceDetector>();
    is_send::<Recorder>();
    let mut d = SilenceDetector::new(RATE, LIMIT).unwrap();
    let state = std::thread::spawn(move || d.push(&[0; 480]))
        .join()
        .unwrap();
    assert_eq!(state.silent_for, Duration::from_millis(30));
}
