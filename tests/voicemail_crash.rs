//! The real daemon killed with SIGKILL while a caller (baresip) leaves a message: after a
//! restart on the same data directory the message is in the inbox (`frontdesk ctl inbox`) with
//! the audio up to the kill, and it gets transcribed.

mod support;

use frontdesk_testbed::speech::{Repeat, Speech};
use frontdesk_testbed::{Baresip, BaresipOptions, CallEvent};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{model, Daemon, Launch, WAIT};

/// The daemon on `config` in `dir`, logging into `daemon-<run>.log`, ready once `ctl status`
/// answers.
async fn start(dir: &Path, config: &Path, run: u32) -> Daemon {
    let log = dir.join(format!("daemon-{run}.log"));
    let daemon = Daemon::spawn(dir, config, &log, &Launch::default());
    daemon.wait_ready().await;
    daemon
}

/// Writes `text` spoken by espeak-ng (the testbed's voice) as 16-bit mono WAV at `rate` after
/// `before` seconds of silence, repeated `repeat` more times with `pause` seconds of silence
/// before each repetition; returns the path and the length of one utterance.
fn speak(
    dir: &Path,
    name: &str,
    text: &str,
    rate: u32,
    (before, pause): (f64, f64),
    repeat: u32,
) -> (PathBuf, f64) {
    let spoken = Speech {
        rate: Some(rate),
        before,
        after: 0.0,
        pause,
        repeat: Repeat::Times(repeat + 1),
        ..Speech::caller(text)
    }
    .write(dir.join(format!("{name}.wav")))
    .unwrap_or_else(|e| panic!("cannot speak {name}: {e}"));
    (spoken.path, spoken.utterance_secs)
}

/// Files under `dir` whose name ends with `suffix`, two levels down (the month folders).
fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for month in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(month.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            if path.to_string_lossy().ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test]
async fn a_message_cut_off_by_sigkill_is_filed_and_transcribed_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (greeting, greeting_secs) = speak(
        dir.path(),
        "greeting",
        "Please leave a message.",
        16000,
        (0.0, 0.0),
        0,
    );
    let port = frontdesk_testbed::free_port().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[sip]\nlisten = \"127.0.0.1:{port}\"\n[audio]\nbackend = \"file\"\n[data]\ndir = \"data\"\n\
             [voicemail]\nanswer_after_seconds = 1\ngreeting = \"{}\"\nmodel = \"{}\"\n",
            greeting.display(),
            model().display()
        ),
    )
    .unwrap();
    let mut daemon = start(dir.path(), &config, 1).await;

    // The caller starts speaking about a second after the beep (the beep is 0.4 s) and goes on
    // and on, with long pauses (shorter than the 10 s silence limit). The kill comes in the
    // middle of the first pause, seconds away from either sentence: a kill that cuts a word
    // leaves Whisper a fragment it may drop with the sentence around it, and how far the
    // caller's audio runs ahead of the greeting varies by a few hundred milliseconds between
    // machines. At the codec's rate: baresip's own resampler would muffle the voice.
    const SPEECH_AFTER_BEEP: f64 = 1.0;
    const PAUSE: f64 = 6.0;
    let (talk, utterance_secs) = speak(
        dir.path(),
        "caller",
        "Hello, this is Maria. The repair is urgent.",
        8000,
        (greeting_secs + 0.4 + SPEECH_AFTER_BEEP, PAUSE),
        20,
    );
    let kill_after = Duration::from_secs_f64(SPEECH_AFTER_BEEP + utterance_secs + PAUSE / 2.0);
    let mut options = BaresipOptions::new("caller");
    options.codecs = vec!["PCMU".into()];
    options.play_wav = Some(talk);
    let mut caller = Baresip::start(options).await.unwrap();
    caller
        .dial(&format!("sip:101@127.0.0.1:{port}"))
        .await
        .unwrap();
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();

    // The recording starts with the metadata file beside it.
    let voicemail = dir.path().join("data/voicemail");
    let deadline = Instant::now() + WAIT;
    while files_ending(&voicemail, ".json").is_empty() {
        assert!(
            Instant::now() < deadline,
            "the voicemail never started recording; log:\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let recording_started = Instant::now();
    tokio::time::sleep(kill_after).await;
    daemon.child.start_kill().unwrap();
    let recorded = recording_started.elapsed().as_secs_f64();
    daemon.child.wait().await.unwrap();
    drop(caller);

    // What the kill left: a recording without its end, and its metadata.
    let audio = files_ending(&voicemail, ".opus");
    assert_eq!(audio.len(), 1, "{audio:?}");
    assert_eq!(files_ending(&voicemail, ".json").len(), 1);

    let daemon = start(dir.path(), &config, 2).await;
    let deadline = Instant::now() + WAIT * 4;
    let entry = loop {
        let inbox = daemon.ctl(&["inbox"]).await;
        let entries = inbox.as_array().unwrap();
        if let Some(entry) = entries.first() {
            if entry["transcription_state"] == "done" {
                assert_eq!(entries.len(), 1, "{inbox:#}");
                break entry.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "not filed and transcribed after the restart: {inbox:#}\nlog:\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(entry["kind"], "message", "{entry:#}");
    assert_eq!(entry["caller_number"], "caller");
    assert_eq!(entry["has_audio"], true);
    let seconds = entry["duration_ms"].as_i64().unwrap() as f64 / 1000.0;
    eprintln!("recorded {recorded:.2} s before the kill, {seconds:.2} s filed");
    assert!(
        (seconds - recorded).abs() < 1.0,
        "the audio up to the kill ({recorded:.2} s) is kept: {seconds:.2} s"
    );
    assert_eq!(
        files_ending(&voicemail, ".opus"),
        audio,
        "the recording stays"
    );
    assert!(
        files_ending(&voicemail, ".json").is_empty(),
        "the metadata goes once the message is filed"
    );
    let id = entry["id"].as_i64().unwrap().to_string();
    let shown = daemon.ctl(&["inbox", "show", &id]).await;
    let transcript = shown["transcript"].as_str().unwrap().to_lowercase();
    for word in ["maria", "repair"] {
        assert!(
            transcript.contains(word),
            "{word:?} missing in {transcript:?}"
        );
    }
}
