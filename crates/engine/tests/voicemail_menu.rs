//! The voicemail's menu against real phones on loopback: keys pressed during the greeting
//! (RFC 4733 from baresip) forward the caller to a colleague registered at Kamailio, a full
//! extension is transferred to, `0` leaves a message at once, a forward nobody answers comes
//! back to the voicemail, and the greeting for the time of day is the one that plays.

mod support;
mod voicemail_support;

use frontdesk_api::{Backend, CallInfo, CallState, RegistrationState};
use frontdesk_store::MessageKind;
use frontdesk_testbed::{
    analyze_window, assert_contains_tone, Baresip, BaresipOptions, CallEvent, Kamailio,
    KamailioOptions,
};
use std::path::Path;
use std::time::{Duration, Instant};
use support::{Frontdesk, Setup, WAIT};
use voicemail_support::*;

/// The greeting the menu tests play: long enough to press keys during it.
const GREETING_HZ: f64 = 600.0;
const GREETING_SECS: f64 = 8.0;
/// The caller's voice where speech is not needed.
const CALLER_HZ: f64 = 1300.0;
/// The colleague's voice.
const COLLEAGUE_HZ: f64 = 1900.0;

/// A phone registered at `k` as `user`, playing `play` into its calls and recording them.
async fn phone(k: &Kamailio, user: &str, play: PlayWav<'_>, auto_answer: bool) -> Baresip {
    let mut options = BaresipOptions::new(user);
    options.registrar = Some(k.addr());
    options.codecs = vec!["PCMU".into()];
    options.play_wav = Some(match play {
        PlayWav::File(path) => path.to_path_buf(),
        PlayWav::Tone(dir, hz) => {
            let wav = dir.join(format!("phone-{user}.wav"));
            // At the codec rate: baresip's own resampler would muffle higher tones.
            frontdesk_testbed::tone_wav(&wav, hz, 120.0, 8000).unwrap();
            wav
        }
    });
    options.record = true;
    options.auto_answer = auto_answer;
    let mut b = Baresip::start(options).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();
    b
}

/// What a phone plays into its calls: a WAV (8 kHz) or a tone of this many Hz.
enum PlayWav<'a> {
    File(&'a Path),
    Tone(&'a Path, f64),
}

/// Frontdesk as 101 at `k`, its voicemail configured by `voicemail` (TOML under
/// `[voicemail]`, more tables may follow).
async fn frontdesk(k: &Kamailio, voicemail: &str) -> Frontdesk {
    start_frontdesk(k, None, voicemail).await
}

/// [`frontdesk`] reading the time of day from `clock`.
async fn frontdesk_with_clock(
    k: &Kamailio,
    clock: std::sync::Arc<TestClock>,
    voicemail: &str,
) -> Frontdesk {
    start_frontdesk(k, Some(clock), voicemail).await
}

async fn start_frontdesk(
    k: &Kamailio,
    clock: Option<std::sync::Arc<TestClock>>,
    voicemail: &str,
) -> Frontdesk {
    let extra = format!("[voicemail]\nanswer_after_seconds = 1\n{voicemail}");
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(k),
        codecs: &["pcmu"],
        extra: &extra,
        clock: clock.map(|c| c as std::sync::Arc<dyn frontdesk_engine::LocalClock>),
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    fd
}

/// The caller rings 101 through Kamailio and the voicemail answers; returns our call and when
/// the caller's audio started.
async fn voicemail_answers(
    fd: &mut Frontdesk,
    caller: &mut Baresip,
    k: &Kamailio,
) -> (CallInfo, Instant) {
    caller.dial(&k.aor("101")).await.unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    let answered = fd.wait_state(&ringing.id, CallState::Active).await;
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    (answered, Instant::now())
}

/// Keys as RFC 4733 events from baresip (`sndcode`), one after the other.
async fn press(caller: &mut Baresip, keys: &str) {
    for key in keys.chars() {
        caller.command("sndcode", &key.to_string()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The call the forward must lead to: the colleague answers, caller and colleague hear each
/// other through the voicemail's bridge until the caller hangs up (then the voicemail hangs
/// up the colleague), and the voicemail filed a call attempt.
async fn caller_talks_to_colleague(
    fd: &mut Frontdesk,
    ours: &CallInfo,
    caller: &mut Baresip,
    colleague: &mut Baresip,
    target: &str,
) {
    colleague
        .wait_event(CallEvent::Established, WAIT * 2)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let calls = fd.engine.calls().await.unwrap();
    assert!(
        calls
            .iter()
            .any(|c| c.id == ours.id && c.state == CallState::Active),
        "the caller is still connected: {calls:#?}"
    );
    caller.hangup().await.unwrap();
    let ended = fd
        .wait_call_within(WAIT, |c| c.id == ours.id && c.state == CallState::Ended)
        .await;
    assert_eq!(ended.end_reason.as_deref(), Some("remote_hangup"));
    colleague.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    assert_contains_tone(colleague.last_recording(WAIT).await.unwrap(), CALLER_HZ);
    assert_contains_tone(caller.last_recording(WAIT).await.unwrap(), COLLEAGUE_HZ);

    // The voicemail files a call attempt and keeps no audio.
    let db = fd.path("data/frontdesk.db");
    let entries = wait_inbox(&db, WAIT, |e| !e.is_empty()).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0].kind, MessageKind::Attempt);
    assert_eq!(entries[0].audio_path, None);
    assert_eq!(
        entries[0].connected_to.as_deref(),
        Some(target),
        "the inbox says where the caller went"
    );
    assert_eq!(
        voicemail_files(&fd.path("data")),
        Vec::<std::path::PathBuf>::new()
    );
}

/// The greeting is heard until `key_at` and stops within a second of the key.
fn greeting_stops_at_the_key(heard: &Path, key_at: f64) {
    let before = analyze_window(heard, &[GREETING_HZ], 0.3, key_at - 0.2).unwrap();
    assert!(
        before.ratio > 0.5 && before.rms > 0.02,
        "the caller hears the greeting until the key: {before:?}"
    );
    let after = analyze_window(heard, &[GREETING_HZ], key_at + 1.0, key_at + 1.8).unwrap();
    assert!(
        after.rms < 0.01 || after.ratio < 0.2,
        "the greeting stops at the key ({key_at:.1} s): {after:?}"
    );
}

#[tokio::test]
async fn a_menu_key_during_the_greeting_forwards_the_caller() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let greeting = tone_greeting(dir.path(), "greeting", GREETING_HZ, GREETING_SECS);
    let mut fd = frontdesk(
        &k,
        &format!(
            "greeting = \"{}\"\n[voicemail.menu]\n1 = \"202\"\n",
            greeting.display()
        ),
    )
    .await;
    let mut colleague = phone(&k, "202", PlayWav::Tone(dir.path(), COLLEAGUE_HZ), true).await;
    let mut caller = phone(&k, "201", PlayWav::Tone(dir.path(), CALLER_HZ), false).await;

    let (ours, talking) = voicemail_answers(&mut fd, &mut caller, &k).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let key_at = talking.elapsed().as_secs_f64();
    press(&mut caller, "1").await;

    caller_talks_to_colleague(&mut fd, &ours, &mut caller, &mut colleague, "202").await;
    // The first of the caller's recordings is the call with the voicemail.
    let heard = caller.recordings().remove(0);
    greeting_stops_at_the_key(&heard, key_at);
}

#[tokio::test]
async fn an_extension_dialled_during_the_greeting_is_transferred_to() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let greeting = tone_greeting(dir.path(), "greeting", GREETING_HZ, GREETING_SECS);
    // No menu: the caller types the colleague's extension, which the account's dial plan
    // turns into sip:203@<Kamailio> for the REFER.
    let mut fd = frontdesk(&k, &format!("greeting = \"{}\"\n", greeting.display())).await;
    let mut colleague = phone(&k, "203", PlayWav::Tone(dir.path(), COLLEAGUE_HZ), true).await;
    let mut caller = phone(&k, "201", PlayWav::Tone(dir.path(), CALLER_HZ), false).await;

    let (ours, talking) = voicemail_answers(&mut fd, &mut caller, &k).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let key_at = talking.elapsed().as_secs_f64();
    press(&mut caller, "203").await;

    caller_talks_to_colleague(&mut fd, &ours, &mut caller, &mut colleague, "203").await;
    let heard = caller.recordings().remove(0);
    greeting_stops_at_the_key(&heard, key_at);
}

#[tokio::test]
async fn zero_skips_the_greeting_when_a_menu_is_configured_and_a_message_is_recorded() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let greeting = tone_greeting(dir.path(), "greeting", GREETING_HZ, GREETING_SECS);
    let mut fd = frontdesk(
        &k,
        &format!(
            "greeting = \"{}\"\nsilence_seconds = 2\nmodel = \"{}\"\n[voicemail.menu]\n1 = \"202\"\n",
            greeting.display(),
            no_model(dir.path()).display()
        ),
    )
    .await;
    // The caller presses 0 after a second and speaks two seconds later, long before the
    // greeting would have ended.
    const SPEECH_AT: f64 = 3.0;
    let (message, speech_secs) = speak(
        dir.path(),
        "message",
        "Hello, this is Peter. Please call me back.",
        8000,
        SPEECH_AT,
        60.0,
    );
    let mut caller = phone(&k, "201", PlayWav::File(&message), false).await;

    let (ours, talking) = voicemail_answers(&mut fd, &mut caller, &k).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let key_at = talking.elapsed().as_secs_f64();
    press(&mut caller, "0").await;

    // The voicemail hangs up 2 s after the caller fell silent.
    let ended = fd
        .wait_call_within(WAIT * 2, |c| c.id == ours.id && c.state == CallState::Ended)
        .await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    let talked = (ended.ended_at.unwrap() - ours.answered_at.unwrap()) as f64 / 1000.0;
    caller.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    let heard = caller.last_recording(WAIT).await.unwrap();
    let beep = beep_at(&heard, 0.0).expect("the caller hears the beep");
    assert!(
        beep > key_at - 0.3 && beep < key_at + 1.5,
        "the beep follows the 0 ({key_at:.1} s), not the greeting's end ({GREETING_SECS} s): at {beep:.2} s"
    );
    let expected_end = SPEECH_AT + speech_secs + 2.0;
    assert!(
        (talked - expected_end).abs() < 2.0,
        "the call ends 2 s after the caller fell silent ({expected_end:.1} s): {talked:.1} s"
    );

    let entries = wait_inbox(&fd.path("data/frontdesk.db"), WAIT, |e| !e.is_empty()).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let message = &entries[0];
    assert_eq!(message.kind, MessageKind::Message, "{message:#?}");
    let audio = fd.path("data").join(message.audio_path.as_ref().unwrap());
    let seconds = message_seconds(&audio);
    let expected = talked - (beep + 0.4);
    eprintln!(
        "0 at {key_at:.2} s, beep at {beep:.2} s, recorded {seconds:.2} s of {expected:.2} s"
    );
    assert!(
        (seconds - expected).abs() < 1.5,
        "recorded {seconds:.2} s from the beep to the hang-up, expected about {expected:.2} s"
    );
    assert!(
        (message.duration_ms as f64 / 1000.0 - seconds).abs() < 0.5,
        "the inbox says {} ms, the file holds {seconds:.2} s",
        message.duration_ms
    );
    // The caller's words are in it.
    let speech_in_message = SPEECH_AT - (beep + 0.4);
    let level = message_rms(
        &audio,
        speech_in_message + 0.3,
        speech_in_message + speech_secs - 0.3,
    );
    assert!(level > 0.02, "no speech in the message: rms {level:.4}");
}

/// Forwards that reach nobody: the caller comes back to the voicemail, hears the beep and
/// leaves a message. `target` is what menu key 1 forwards to; `colleague` rings there.
async fn forward_to_nobody(target: &str, colleague_rings: bool) {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let greeting = tone_greeting(dir.path(), "greeting", GREETING_HZ, GREETING_SECS);
    let mut fd = frontdesk(
        &k,
        &format!(
            "greeting = \"{}\"\nforward_timeout_seconds = 5\nmax_seconds = 6\nmodel = \"{}\"\n[voicemail.menu]\n1 = \"{target}\"\n",
            greeting.display(),
            no_model(dir.path()).display()
        ),
    )
    .await;
    // Nobody answers this phone.
    let mut colleague = match colleague_rings {
        true => Some(phone(&k, target, PlayWav::Tone(dir.path(), COLLEAGUE_HZ), false).await),
        false => None,
    };
    let talk = keeps_talking(
        dir.path(),
        "caller",
        "I need the invoice for my repair.",
        0.0,
        120.0,
    );
    let mut caller = phone(&k, "201", PlayWav::File(&talk), false).await;

    let (ours, _) = voicemail_answers(&mut fd, &mut caller, &k).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    press(&mut caller, "1").await;
    if let Some(colleague) = &mut colleague {
        colleague
            .wait_event(CallEvent::Incoming, WAIT)
            .await
            .expect("the forward rings at the colleague");
    }

    // Back with the voicemail: the beep, a message of at most 6 s, and the voicemail hangs up.
    let ended = fd
        .wait_call_within(WAIT * 3, |c| c.id == ours.id && c.state == CallState::Ended)
        .await;
    assert_eq!(
        ended.end_reason.as_deref(),
        Some("local_hangup"),
        "the voicemail ends the message at its maximum length"
    );
    let entries = wait_inbox(&fd.path("data/frontdesk.db"), WAIT, |e| !e.is_empty()).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0].kind, MessageKind::Message, "{entries:#?}");
    assert_eq!(entries[0].connected_to, None, "nobody answered the forward");
    let seconds = entries[0].duration_ms as f64 / 1000.0;
    assert!(
        (seconds - 6.0).abs() < 1.5,
        "the caller spoke until the 6 s limit: {seconds:.2} s"
    );
    // The colleague's phone does not ring on for a caller who is gone.
    if let Some(colleague) = &mut colleague {
        colleague
            .wait_event(CallEvent::Closed, WAIT)
            .await
            .expect("the forward stops ringing");
    }
}

#[tokio::test]
async fn a_forward_nobody_answers_comes_back_to_the_voicemail() {
    forward_to_nobody("203", true).await;
}

#[tokio::test]
async fn a_forward_to_an_unknown_number_comes_back_to_the_voicemail() {
    forward_to_nobody("299", false).await;
}

/// The time of day as the test sets it: the engine reads it instead of the machine's clock.
struct TestClock(std::sync::Mutex<jiff::civil::DateTime>);

impl TestClock {
    /// A clock standing at `hour`:00 on a Monday.
    fn at(hour: i8) -> std::sync::Arc<TestClock> {
        std::sync::Arc::new(TestClock(std::sync::Mutex::new(monday_at(hour))))
    }

    fn set(&self, hour: i8) {
        *self.0.lock().unwrap() = monday_at(hour);
    }
}

fn monday_at(hour: i8) -> jiff::civil::DateTime {
    jiff::civil::date(2026, 11, 23).at(hour, 0, 0, 0)
}

impl frontdesk_engine::LocalClock for TestClock {
    fn now(&self) -> jiff::civil::DateTime {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn the_greeting_of_the_time_window_plays() {
    const OFFICE_HZ: f64 = 500.0;
    const EVENING_HZ: f64 = 800.0;
    const DEFAULT_HZ: f64 = 1500.0;
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let office = tone_greeting(dir.path(), "office", OFFICE_HZ, 3.0);
    let evening = tone_greeting(dir.path(), "evening", EVENING_HZ, 3.0);
    let default = tone_greeting(dir.path(), "default", DEFAULT_HZ, 3.0);
    let all_days = r#"["mon", "tue", "wed", "thu", "fri", "sat", "sun"]"#;
    let clock = TestClock::at(10);
    let mut fd = frontdesk_with_clock(
        &k,
        clock.clone(),
        &format!(
            "greeting = \"{}\"\n\
             [[voicemail.greetings]]\ndays = {all_days}\nfrom = \"08:00\"\nto = \"12:00\"\nfile = \"{}\"\n\
             [[voicemail.greetings]]\ndays = {all_days}\nfrom = \"18:00\"\nto = \"22:00\"\nfile = \"{}\"\n",
            default.display(),
            office.display(),
            evening.display()
        ),
    )
    .await;
    let mut caller = phone(&k, "201", PlayWav::Tone(dir.path(), CALLER_HZ), false).await;

    let all = [OFFICE_HZ, EVENING_HZ, DEFAULT_HZ];
    for (hour, expected) in [(10, OFFICE_HZ), (20, EVENING_HZ), (15, DEFAULT_HZ)] {
        clock.set(hour);
        let (ours, _) = voicemail_answers(&mut fd, &mut caller, &k).await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        caller.hangup().await.unwrap();
        caller.wait_event(CallEvent::Closed, WAIT).await.unwrap();
        fd.wait_state(&ours.id, CallState::Ended).await;
        let heard = caller.last_recording(WAIT).await.unwrap();
        for hz in all {
            let report = analyze_window(&heard, &[hz], 0.3, 1.8).unwrap();
            if hz == expected {
                assert!(
                    report.ratio > 0.5 && report.rms > 0.02,
                    "at {hour}:00 the caller hears the {hz} Hz greeting: {report:?}"
                );
            } else {
                assert!(
                    report.ratio < 0.1,
                    "at {hour}:00 the caller hears the {hz} Hz greeting too: {report:?}"
                );
            }
        }
        // Each call gets its own recording (baresip names them by the second).
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
}
