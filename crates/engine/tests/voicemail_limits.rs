//! The voicemail's limits and bad inputs against a real caller (baresip) on loopback: the
//! maximum length, a caller who hangs up during the greeting or says nothing, a corrupt
//! greeting file and a missing speech model.

mod support;
mod voicemail_support;

use frontdesk_api::{CallInfo, CallState, Event};
use frontdesk_store::{MessageKind, TranscriptionState};
use frontdesk_testbed::{analyze_window, Baresip, BaresipOptions, CallEvent};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{Frontdesk, Setup, WAIT};
use voicemail_support::*;

/// A Frontdesk whose voicemail answers after a second, configured by `voicemail` (more keys
/// under `[voicemail]`).
async fn frontdesk(voicemail: &str) -> Frontdesk {
    let extra = format!("[voicemail]\nanswer_after_seconds = 1\n{voicemail}");
    Frontdesk::start(Setup {
        codecs: &["pcmu"],
        extra: &extra,
        ..Setup::default()
    })
    .await
}

/// A caller playing `wav` (8 kHz, the codec's rate) and recording what it hears.
async fn caller(wav: PathBuf) -> Baresip {
    let mut options = BaresipOptions::new("caller");
    options.codecs = vec!["PCMU".into()];
    options.play_wav = Some(wav);
    options.record = true;
    Baresip::start(options).await.unwrap()
}

/// The caller rings us and the voicemail answers; returns our answered call and when the
/// caller's audio started.
async fn voicemail_answers(fd: &mut Frontdesk, b: &mut Baresip) -> (CallInfo, Instant) {
    b.dial(&format!("sip:101@{}", fd.engine.sip_listen_addr()))
        .await
        .unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    let answered = fd.wait_state(&ringing.id, CallState::Active).await;
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    (answered, Instant::now())
}

/// Seconds from our answer to the end of `ended`.
fn talked(answered: &CallInfo, ended: &CallInfo) -> f64 {
    (ended.ended_at.unwrap() - answered.answered_at.unwrap()) as f64 / 1000.0
}

/// Waits for the one inbox entry of this engine.
async fn the_entry(fd: &Frontdesk) -> frontdesk_store::Message {
    let entries = wait_inbox(&fd.path("data/frontdesk.db"), WAIT, |e| !e.is_empty()).await;
    // Nothing else is filed afterwards.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let entries_now = inbox(&fd.path("data/frontdesk.db"));
    assert_eq!(entries_now.len(), 1, "{entries_now:#?}");
    entries.into_iter().next().unwrap()
}

#[tokio::test]
async fn a_caller_who_keeps_talking_is_cut_off_at_the_maximum_length() {
    let dir = tempfile::tempdir().unwrap();
    let (greeting, greeting_secs) = speak(
        dir.path(),
        "greeting",
        "Please leave a message.",
        16000,
        0.0,
        0.0,
    );
    let mut fd = frontdesk(&format!(
        "max_seconds = 5\nsilence_seconds = 3\ngreeting = \"{}\"\nmodel = \"{}\"\n",
        greeting.display(),
        no_model(dir.path()).display()
    ))
    .await;
    let talk = keeps_talking(
        dir.path(),
        "caller",
        "My washing machine is broken and I need a repair soon.",
        0.0,
        120.0,
    );
    let mut b = caller(talk).await;
    let (answered, _) = voicemail_answers(&mut fd, &mut b).await;

    let ended = fd
        .wait_call_within(WAIT * 2, |c| {
            c.id == answered.id && c.state == CallState::Ended
        })
        .await;
    assert_eq!(
        ended.end_reason.as_deref(),
        Some("local_hangup"),
        "the voicemail hangs up"
    );
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    let talked = talked(&answered, &ended);
    let heard = b.last_recording(WAIT).await.unwrap();
    let beep = beep_at(&heard, 0.0).expect("the caller hears the beep");
    assert!(
        beep > greeting_secs - 0.3 && beep < greeting_secs + 1.5,
        "the beep follows the greeting ({greeting_secs:.1} s): at {beep:.2} s"
    );
    let after_beep = talked - (beep + 0.4);
    eprintln!("beep at {beep:.2} s, hung up {after_beep:.2} s after it");
    assert!(
        (after_beep - 5.0).abs() < 1.0,
        "the voicemail hangs up 5 s after the beep: {after_beep:.2} s"
    );

    let message = the_entry(&fd).await;
    assert_eq!(message.kind, MessageKind::Message, "{message:#?}");
    let seconds = message.duration_ms as f64 / 1000.0;
    eprintln!("message of {seconds:.2} s");
    assert!(
        (seconds - 5.0).abs() < 0.7,
        "a message of the maximum length, 5 s: {seconds:.2} s"
    );
    let audio = fd.path("data").join(message.audio_path.as_ref().unwrap());
    let decoded = message_seconds(&audio);
    assert!(
        (decoded - seconds).abs() < 0.5,
        "the file holds {decoded:.2} s, the inbox says {seconds:.2} s"
    );
    // Speech all the way through.
    for (from, to) in [(0.5, 2.0), (3.0, 4.5)] {
        let level = message_rms(&audio, from, to);
        assert!(level > 0.02, "no speech at {from}-{to} s: rms {level:.4}");
    }
}

#[tokio::test]
async fn hanging_up_during_the_greeting_is_a_call_attempt_without_audio() {
    let dir = tempfile::tempdir().unwrap();
    let greeting = tone_greeting(dir.path(), "greeting", 600.0, 8.0);
    let mut fd = frontdesk(&format!(
        "greeting = \"{}\"\nmodel = \"{}\"\n",
        greeting.display(),
        no_model(dir.path()).display()
    ))
    .await;
    let talk = keeps_talking(dir.path(), "caller", "Hello? Hello?", 0.0, 60.0);
    let mut b = caller(talk).await;
    let (answered, _) = voicemail_answers(&mut fd, &mut b).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.hangup().await.unwrap();

    let ended = fd.wait_state(&answered.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("remote_hangup"));
    let attempt = the_entry(&fd).await;
    assert_eq!(attempt.kind, MessageKind::Attempt, "{attempt:#?}");
    assert_eq!(attempt.audio_path, None);
    assert_eq!(attempt.transcription_state, TranscriptionState::None);
    assert_eq!(attempt.caller_number, "caller");
    assert_eq!(voicemail_files(&fd.path("data")), Vec::<PathBuf>::new());
}

#[tokio::test]
async fn a_caller_silent_throughout_is_a_call_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let greeting = tone_greeting(dir.path(), "greeting", 600.0, 1.5);
    let mut fd = frontdesk(&format!(
        "silence_seconds = 3\ngreeting = \"{}\"\nmodel = \"{}\"\n",
        greeting.display(),
        no_model(dir.path()).display()
    ))
    .await;
    let mut b = caller(silence(dir.path(), "silence", 60.0, 8000)).await;
    let (answered, _) = voicemail_answers(&mut fd, &mut b).await;

    // The silence limit ends it: the voicemail hangs up about 3 s after the beep.
    let ended = fd
        .wait_call_within(WAIT * 2, |c| {
            c.id == answered.id && c.state == CallState::Ended
        })
        .await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    let talked = talked(&answered, &ended);
    let expected = 1.5 + 0.4 + 3.0;
    assert!(
        (talked - expected).abs() < 1.5,
        "the voicemail hangs up after 3 s of silence ({expected:.1} s): {talked:.1} s"
    );
    let attempt = the_entry(&fd).await;
    assert_eq!(attempt.kind, MessageKind::Attempt, "{attempt:#?}");
    assert_eq!(attempt.audio_path, None);
    assert_eq!(attempt.transcription_state, TranscriptionState::None);
    assert_eq!(voicemail_files(&fd.path("data")), Vec::<PathBuf>::new());
}

/// A file named like a WAV that is none.
fn corrupt_greeting(dir: &Path) -> PathBuf {
    let path = dir.join("greeting.wav");
    let mut bytes = b"RIFF\x24\x08\x00\x00WAVEfmt ".to_vec();
    bytes.extend((0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The greeting shipped with Frontdesk, as the engine plays it.
fn shipped_greeting_secs() -> f64 {
    wav_seconds(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/greeting-default.wav"))
}

#[tokio::test]
async fn a_corrupt_greeting_file_falls_back_to_the_shipped_greeting() {
    let dir = tempfile::tempdir().unwrap();
    let greeting = corrupt_greeting(dir.path());
    let mut fd = frontdesk(&format!(
        "greeting = \"{}\"\nmodel = \"{}\"\n",
        greeting.display(),
        no_model(dir.path()).display()
    ))
    .await;
    let mut b = caller(silence(dir.path(), "silence", 60.0, 8000)).await;
    let (answered, talking) = voicemail_answers(&mut fd, &mut b).await;
    let shipped = shipped_greeting_secs();
    // Past the shipped greeting and its beep, then hang up.
    tokio::time::sleep(Duration::from_secs_f64(shipped + 2.0)).await;
    let hung_up_at = talking.elapsed().as_secs_f64();
    b.hangup().await.unwrap();
    fd.wait_state(&answered.id, CallState::Ended).await;
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    let heard = b.last_recording(WAIT).await.unwrap();
    let beep = beep_at(&heard, 0.0).expect("the caller hears the beep");
    assert!(
        beep > shipped - 0.3 && beep < shipped + 1.5 && beep < hung_up_at,
        "the beep follows the shipped greeting ({shipped:.1} s): at {beep:.2} s"
    );
    // Speech (not silence, not noise from the broken file) until the beep.
    for start in [0.5, shipped / 2.0] {
        let part = analyze_window(&heard, &[1000.0], start, start + shipped / 3.0).unwrap();
        assert!(
            part.rms > 0.02,
            "the caller hears the shipped greeting at {start:.1} s: {part:?}"
        );
    }
    // The attempt is filed like any other.
    let attempt = the_entry(&fd).await;
    assert_eq!(attempt.kind, MessageKind::Attempt, "{attempt:#?}");
}

#[tokio::test]
async fn a_corrupt_greeting_file_is_reported_to_the_front_ends() {
    let dir = tempfile::tempdir().unwrap();
    let greeting = corrupt_greeting(dir.path());
    let mut fd = frontdesk(&format!(
        "greeting = \"{}\"\nmodel = \"{}\"\n",
        greeting.display(),
        no_model(dir.path()).display()
    ))
    .await;
    // A front end that connects right after the start, or sees the voicemail take a call,
    // learns that the greeting file is broken.
    let mut b = caller(silence(dir.path(), "silence", 60.0, 8000)).await;
    b.dial(&format!("sip:101@{}", fd.engine.sip_listen_addr()))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let notice = loop {
        let event = tokio::time::timeout_at(deadline, fd.events.recv())
            .await
            .expect("no notice about the broken greeting")
            .unwrap();
        if let Event::Notice { message } = event {
            if message.contains("greeting.wav") {
                break message;
            }
        }
    };
    assert!(
        notice.contains(&greeting.display().to_string()),
        "the notice names the file: {notice}"
    );
}

#[tokio::test]
async fn without_a_model_the_message_is_filed_and_says_why_there_is_no_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let (greeting, _) = speak(
        dir.path(),
        "greeting",
        "Please leave a message.",
        16000,
        0.0,
        0.0,
    );
    let missing = no_model(dir.path());
    let mut fd = frontdesk(&format!(
        "silence_seconds = 2\ngreeting = \"{}\"\nmodel = \"{}\"\n",
        greeting.display(),
        missing.display()
    ))
    .await;
    let (talk, _) = speak(
        dir.path(),
        "message",
        "Hello, this is Anna. Please call me back about the invoice.",
        8000,
        3.5,
        60.0,
    );
    let mut b = caller(talk).await;
    let (answered, _) = voicemail_answers(&mut fd, &mut b).await;
    let ended = fd
        .wait_call_within(WAIT * 2, |c| {
            c.id == answered.id && c.state == CallState::Ended
        })
        .await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));

    let message = the_entry(&fd).await;
    assert_eq!(message.kind, MessageKind::Message, "{message:#?}");
    assert!(message.duration_ms > 3000, "{message:#?}");
    let audio = fd.path("data").join(message.audio_path.as_ref().unwrap());
    assert!(
        audio.is_file(),
        "the recording is kept: {}",
        audio.display()
    );
    assert_eq!(message.transcription_state, TranscriptionState::None);
    assert_eq!(message.transcript, None);
    let reason = message
        .transcription_error
        .as_deref()
        .expect("the inbox says why there is no transcript");
    assert!(
        reason.contains(&missing.display().to_string()) && reason.contains("model"),
        "the reason names the missing model: {reason}"
    );
    // And it stays so: nothing tries to transcribe it later.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = inbox(&fd.path("data/frontdesk.db"));
    assert_eq!(again[0].transcription_state, TranscriptionState::None);

    // Then the model is installed while the engine runs (put in place at once, as the model
    // manager renames a finished download): the message is transcribed without a restart.
    std::os::unix::fs::symlink(model(), &missing).unwrap();
    let done = wait_inbox(&fd.path("data/frontdesk.db"), WAIT * 4, |entries| {
        entries[0].transcription_state == TranscriptionState::Done
    })
    .await;
    let transcript = done[0]
        .transcript
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        transcript.contains("anna") && transcript.contains("call"),
        "{done:#?}"
    );
    assert_eq!(done[0].transcription_error, None);
}
