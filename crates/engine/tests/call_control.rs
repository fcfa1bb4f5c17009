//! Call control against real phones (baresip) through Kamailio: hold with music both ways,
//! mute, and blind transfers by keypad code (`##` number `#`), checked by who hears whom; and
//! against sipp callers that misbehave on purpose (a REFER refused as pending, a hold answered
//! late or never).

mod support;

use frontdesk_api::{
    Backend, CallAction, CallInfo, CallState, DialRequest, Event, RegistrationState,
    TransferRequest,
};
use frontdesk_testbed::{
    analyze_window, assert_contains_tone, Baresip, BaresipOptions, CallEvent, Kamailio,
    KamailioOptions,
};
use std::path::Path;
use std::time::{Duration, Instant};
use support::{tone, Frontdesk, Setup, WAIT};

/// Our microphone (the receptionist).
const OURS_HZ: f64 = 2700.0;
/// The caller's tone.
const CALLER_HZ: f64 = 1300.0;
/// The colleague's tone.
const COLLEAGUE_HZ: f64 = 1900.0;
/// The notes of assets/hold-music.wav (see assets/make-hold-music.py).
const MUSIC_HZ: [f64; 10] = [
    349.23, 392.00, 440.00, 493.88, 523.25, 587.33, 659.25, 698.46, 783.99, 1046.50,
];

async fn phone(k: &Kamailio, user: &str, hz: f64, auto_answer: bool, dir: &Path) -> Baresip {
    let mut options = BaresipOptions::new(user);
    options.registrar = Some(k.addr());
    options.codecs = vec!["PCMU".into()];
    let wav = dir.join(format!("phone-{user}.wav"));
    // At the codec rate: baresip's own resampler would muffle higher tones.
    frontdesk_testbed::tone_wav(&wav, hz, 30.0, 8000).unwrap();
    options.play_wav = Some(wav);
    options.record = true;
    options.auto_answer = auto_answer;
    let mut b = Baresip::start(options).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();
    b
}

async fn receptionist(k: &Kamailio, dir: &Path) -> Frontdesk {
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(k),
        play: Some(tone(dir, OURS_HZ)),
        codecs: &["pcmu"],
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    fd
}

/// A caller rings us and we answer; returns our call.
async fn answered_call_from(fd: &mut Frontdesk, caller: &mut Baresip, k: &Kamailio) -> CallInfo {
    caller.dial(&k.aor("101")).await.unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine.answer(Some(ringing.id.clone())).await.unwrap();
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    fd.wait_state(&ringing.id, CallState::Active).await
}

/// We call `target`, who answers at once; returns our answered call.
async fn call_out(fd: &mut Frontdesk, target: &str) -> CallInfo {
    let call = fd
        .engine
        .dial(DialRequest {
            target: target.into(),
            account: None,
        })
        .await
        .unwrap();
    fd.wait_state(&call.id, CallState::Active).await
}

async fn wait_notice(fd: &mut Frontdesk, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    loop {
        let event = tokio::time::timeout_at(deadline, fd.events.recv())
            .await
            .unwrap_or_else(|_| panic!("no notice containing {needle:?}"))
            .unwrap();
        if let Event::Notice { message } = event {
            if message.contains(needle) {
                return message;
            }
        }
    }
}

#[tokio::test]
async fn hold_plays_music_to_the_far_end_and_resume_brings_us_back() {
    // The far end is a second Frontdesk: its recording spans the re-INVITEs (baresip starts
    // a new, unrecorded stream on every re-INVITE), so one file shows before, during, after.
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut far = Frontdesk::start(Setup {
        kamailio: Some(&k),
        user: "202",
        play: Some(tone(dir.path(), CALLER_HZ)),
        codecs: &["pcmu"],
        ..Setup::default()
    })
    .await;
    far.wait_account(RegistrationState::Registered).await;

    let call = fd
        .engine
        .dial(DialRequest {
            target: "202".into(),
            account: None,
        })
        .await
        .unwrap();
    let ringing = far.wait_call(|c| c.state == CallState::Incoming).await;
    far.engine.answer(Some(ringing.id.clone())).await.unwrap();
    far.wait_state(&ringing.id, CallState::Active).await;
    let answered = Instant::now();
    fd.wait_state(&call.id, CallState::Active).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    fd.engine
        .act(Some(call.id.clone()), CallAction::Hold)
        .await
        .unwrap();
    let held = fd.wait_call(|c| c.id == call.id && c.on_hold).await;
    assert!(!held.held_by_remote);
    let hold_at = answered.elapsed().as_secs_f64();
    far.wait_call(|c| c.id == ringing.id && c.held_by_remote)
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    fd.engine
        .act(Some(call.id.clone()), CallAction::Resume)
        .await
        .unwrap();
    fd.wait_call(|c| c.id == call.id && !c.on_hold).await;
    let resume_at = answered.elapsed().as_secs_f64();
    far.wait_call(|c| c.id == ringing.id && !c.held_by_remote)
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    far.wait_state(&ringing.id, CallState::Ended).await;

    let heard = far.recording(&ringing.id);
    let window =
        |freqs: &[f64], from: f64, to: f64| analyze_window(&heard, freqs, from, to).unwrap();
    let before = window(&[OURS_HZ], 0.5, hold_at - 0.3);
    let music = window(&MUSIC_HZ, hold_at + 0.7, resume_at - 0.3);
    let voice_in_hold = window(&[OURS_HZ], hold_at + 0.7, resume_at - 0.3);
    let after = window(&[OURS_HZ], resume_at + 0.7, resume_at + 1.7);
    assert!(before.ratio > 0.3, "our voice before the hold: {before:?}");
    assert!(
        music.ratio > 0.3 && music.rms > 0.01,
        "hold music while held: {music:?}"
    );
    assert!(
        voice_in_hold.ratio < 0.05,
        "our microphone leaked into the hold: {voice_in_hold:?}"
    );
    assert!(after.ratio > 0.3, "our voice after resuming: {after:?}");
}

#[tokio::test]
async fn a_third_party_phone_holds_and_resumes_us() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut b = phone(&k, "202", CALLER_HZ, true, dir.path()).await;
    let call = call_out(&mut fd, "202").await;

    // We hold baresip and take it back: it accepts both re-INVITEs.
    fd.engine
        .act(Some(call.id.clone()), CallAction::Hold)
        .await
        .unwrap();
    fd.wait_call(|c| c.id == call.id && c.on_hold).await;
    fd.engine
        .act(Some(call.id.clone()), CallAction::Resume)
        .await
        .unwrap();
    fd.wait_call(|c| c.id == call.id && !c.on_hold).await;

    // baresip holds us: we only listen, and show it.
    b.command("hold", "").await.unwrap();
    fd.wait_call(|c| c.id == call.id && c.held_by_remote).await;
    b.command("resume", "").await.unwrap();
    fd.wait_call(|c| c.id == call.id && !c.held_by_remote).await;

    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
}

#[tokio::test]
async fn mute_sends_silence_until_unmuted() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut b = phone(&k, "202", CALLER_HZ, true, dir.path()).await;
    let call = call_out(&mut fd, "202").await;
    let answered = Instant::now();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let muted = fd
        .engine
        .act(Some(call.id.clone()), CallAction::Mute)
        .await
        .unwrap();
    fd.wait_call(|c| c.id == call.id && c.muted).await;
    let muted_at = answered.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let unmuted = fd
        .engine
        .act(Some(call.id.clone()), CallAction::Unmute)
        .await
        .unwrap();
    // Front ends order snapshots by revision: each change has a higher one.
    assert!(
        call.revision < muted.revision && muted.revision < unmuted.revision,
        "revisions {} → {} → {}",
        call.revision,
        muted.revision,
        unmuted.revision
    );
    let unmuted_at = answered.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    let heard = b.last_recording(WAIT).await.unwrap();
    let muted = analyze_window(&heard, &[OURS_HZ], muted_at + 0.5, unmuted_at - 0.3).unwrap();
    let after = analyze_window(&heard, &[OURS_HZ], unmuted_at + 0.6, unmuted_at + 1.6).unwrap();
    assert!(muted.rms < 0.005, "muted, yet they heard us: {muted:?}");
    assert!(
        after.ratio > 0.3,
        "unmuted, yet they do not hear us: {after:?}"
    );
    // The caller's voice kept reaching us while we were muted.
    assert_contains_tone(fd.recording(&call.id), CALLER_HZ);
}

#[tokio::test]
async fn blind_transfer_by_keypad_hands_the_caller_to_the_colleague() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut caller = phone(&k, "201", CALLER_HZ, false, dir.path()).await;
    let mut colleague = phone(&k, "203", COLLEAGUE_HZ, true, dir.path()).await;

    let call = answered_call_from(&mut fd, &mut caller, &k).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    fd.engine
        .keys("##203#".into(), Some(call.id.clone()))
        .await
        .unwrap();

    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("transferred"));
    colleague
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    eprintln!(
        "blind transfer: # to colleague talking in {:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    caller.hangup().await.unwrap();
    colleague.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    // The caller and the colleague hear each other, and no key reached them as DTMF.
    assert_contains_tone(colleague.last_recording(WAIT).await.unwrap(), CALLER_HZ);
    assert_contains_tone(caller.last_recording(WAIT).await.unwrap(), COLLEAGUE_HZ);
    assert!(
        !caller.events().iter().any(|e| e.kind == "CALL_DTMF_START"),
        "keypad codes leaked to the caller as DTMF"
    );
    let history = fd.engine.history(1).await.unwrap();
    assert_eq!(history[0].end_reason.as_deref(), Some("transferred"));
}

#[tokio::test]
async fn a_blind_transfer_to_nobody_gives_the_caller_back() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut caller = phone(&k, "201", CALLER_HZ, false, dir.path()).await;

    let call = answered_call_from(&mut fd, &mut caller, &k).await;
    fd.engine
        .keys("##299#".into(), Some(call.id.clone()))
        .await
        .unwrap();
    let notice = wait_notice(&mut fd, "299").await;
    assert!(
        notice.contains("caller"),
        "the notice says where the caller is: {notice}"
    );
    let back = fd.wait_live(&call.id, |c| !c.on_hold).await;
    assert_eq!(
        back.state,
        CallState::Active,
        "the caller must not be dropped"
    );

    // We talk to the caller again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    caller.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    assert_contains_tone(fd.recording(&call.id), CALLER_HZ);
}

#[tokio::test]
async fn blind_transfer_to_a_frontdesk_colleague() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut caller = phone(&k, "201", CALLER_HZ, false, dir.path()).await;
    let mut colleague = Frontdesk::start(Setup {
        kamailio: Some(&k),
        user: "203",
        play: Some(tone(dir.path(), COLLEAGUE_HZ)),
        codecs: &["pcmu"],
        ..Setup::default()
    })
    .await;
    colleague.wait_account(RegistrationState::Registered).await;

    let call = answered_call_from(&mut fd, &mut caller, &k).await;
    fd.engine
        .keys("##203#".into(), Some(call.id.clone()))
        .await
        .unwrap();
    let ringing = colleague
        .wait_call(|c| c.state == CallState::Incoming)
        .await;
    colleague
        .engine
        .answer(Some(ringing.id.clone()))
        .await
        .unwrap();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("transferred"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    caller.hangup().await.unwrap();
    colleague.wait_state(&ringing.id, CallState::Ended).await;
    assert_contains_tone(colleague.recording(&ringing.id), CALLER_HZ);
    assert_contains_tone(caller.last_recording(WAIT).await.unwrap(), COLLEAGUE_HZ);
}

#[tokio::test]
async fn answering_a_waiting_call_holds_the_first_and_resuming_switches_back() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut first = phone(&k, "201", CALLER_HZ, false, dir.path()).await;
    let mut second = phone(&k, "202", COLLEAGUE_HZ, false, dir.path()).await;

    let one = answered_call_from(&mut fd, &mut first, &k).await;
    second.dial(&k.aor("101")).await.unwrap();
    let waiting = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine.answer(Some(waiting.id.clone())).await.unwrap();
    // Polled, not awaited as events: the two calls' events may come in either order.
    fd.wait_live(&one.id, |c| c.on_hold).await;
    fd.wait_live(&waiting.id, |c| c.state == CallState::Active)
        .await;

    // Back to the first caller: the second waits on hold now.
    fd.engine
        .act(Some(one.id.clone()), CallAction::Resume)
        .await
        .unwrap();
    fd.wait_live(&waiting.id, |c| c.on_hold).await;
    fd.wait_live(&one.id, |c| !c.on_hold).await;

    fd.engine.hangup(Some(one.id.clone())).await.unwrap();
    fd.engine.hangup(Some(waiting.id.clone())).await.unwrap();
    first.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    second.wait_event(CallEvent::Closed, WAIT).await.unwrap();
}

#[tokio::test]
async fn a_third_party_phone_transfers_us_blind() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut transferor = phone(&k, "201", CALLER_HZ, false, dir.path()).await;
    let mut target = phone(&k, "203", COLLEAGUE_HZ, true, dir.path()).await;

    let call = answered_call_from(&mut fd, &mut transferor, &k).await;
    transferor.command("transfer", &k.aor("203")).await.unwrap();
    // We call the target ourselves, and our first call ends as transferred.
    let new = fd
        .wait_call(|c| c.id != call.id && c.state == CallState::Active)
        .await;
    assert_eq!(new.remote_number, "203");
    let old = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(old.end_reason.as_deref(), Some("transferred"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    fd.engine.hangup(Some(new.id.clone())).await.unwrap();
    target.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    assert_contains_tone(fd.recording(&new.id), COLLEAGUE_HZ);
    assert_contains_tone(target.last_recording(WAIT).await.unwrap(), OURS_HZ);
}

#[tokio::test]
async fn with_keys_as_dtmf_codes_reach_a_remote_menu() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = receptionist(&k, dir.path()).await;
    let mut menu = phone(&k, "202", CALLER_HZ, true, dir.path()).await;
    let call = call_out(&mut fd, "202").await;
    fd.engine
        .act(Some(call.id.clone()), CallAction::KeysAsDtmf)
        .await
        .unwrap();
    fd.wait_live(&call.id, |c| c.keys_as_dtmf).await;
    fd.engine
        .keys("##9#".into(), Some(call.id.clone()))
        .await
        .unwrap();
    let mut heard = String::new();
    while heard.len() < 4 {
        let event = menu.wait_event("CALL_DTMF_START", WAIT).await.unwrap();
        heard.push_str(&event.param);
    }
    assert_eq!(heard, "##9#", "every key reached the menu, in order");
    // The call is still ours: no transfer happened.
    let still = fd.wait_live(&call.id, |_| true).await;
    assert_eq!(still.state, CallState::Active);
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    menu.wait_event(CallEvent::Closed, WAIT).await.unwrap();
}

#[tokio::test]
async fn keys_go_as_sip_info_when_the_account_says_so() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        codecs: &["pcmu"],
        account_extra: "dtmf = \"info\"",
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut menu = phone(&k, "202", CALLER_HZ, true, dir.path()).await;
    let call = call_out(&mut fd, "202").await;
    fd.engine
        .keys("42".into(), Some(call.id.clone()))
        .await
        .unwrap();
    let mut heard = String::new();
    while heard.len() < 2 {
        let event = menu.wait_event("CALL_DTMF_START", WAIT).await.unwrap();
        heard.push_str(&event.param);
    }
    assert_eq!(heard, "42");
    // baresip logs this line for SIP INFO digits only (RFC 4733 events take another path).
    assert!(
        menu.log()
            .contains("call: received DTMF: '4' (duration=160)"),
        "the digits did not come as SIP INFO:\n{}",
        menu.log()
    );
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    menu.wait_event(CallEvent::Closed, WAIT).await.unwrap();
}

/// The caller (201) rings us and we answer; the colleague (203) rings when called and does
/// not answer on its own.
async fn desk_with_colleague(dir: &Path) -> (Kamailio, Frontdesk, Baresip, Baresip, CallInfo) {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let mut fd = receptionist(&k, dir).await;
    let mut caller = phone(&k, "201", CALLER_HZ, false, dir).await;
    let colleague = phone(&k, "203", COLLEAGUE_HZ, false, dir).await;
    let call = answered_call_from(&mut fd, &mut caller, &k).await;
    (k, fd, caller, colleague, call)
}

#[tokio::test]
async fn a_colleague_declining_the_announcement_gives_the_caller_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_k, mut fd, mut caller, mut colleague, call) = desk_with_colleague(dir.path()).await;
    fd.engine
        .keys("*203#".into(), Some(call.id.clone()))
        .await
        .unwrap();
    fd.wait_live(&call.id, |c| c.on_hold).await;
    colleague
        .wait_event(CallEvent::Incoming, WAIT)
        .await
        .unwrap();
    colleague.hangup().await.unwrap();
    let notice = wait_notice(&mut fd, "203").await;
    assert!(notice.contains("caller"), "{notice}");
    let back = fd.wait_live(&call.id, |c| !c.on_hold).await;
    assert_eq!(back.state, CallState::Active);
    assert_eq!(
        fd.engine.calls().await.unwrap().len(),
        1,
        "only the caller is left"
    );
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    caller.wait_event(CallEvent::Closed, WAIT).await.unwrap();
}

#[tokio::test]
async fn a_colleague_hanging_up_the_consultation_gives_the_caller_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_k, mut fd, mut caller, mut colleague, call) = desk_with_colleague(dir.path()).await;
    fd.engine
        .keys("*203#".into(), Some(call.id.clone()))
        .await
        .unwrap();
    colleague
        .wait_event(CallEvent::Incoming, WAIT)
        .await
        .unwrap();
    colleague.answer().await.unwrap();
    colleague
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    colleague.hangup().await.unwrap();
    let back = fd
        .wait_live(&call.id, |c| !c.on_hold && c.linked_call.is_none())
        .await;
    assert_eq!(back.state, CallState::Active);
    tokio::time::sleep(Duration::from_secs(2)).await;
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    caller.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    // We talked to the caller before and after the consultation.
    assert_contains_tone(fd.recording(&call.id), CALLER_HZ);
}

#[tokio::test]
async fn a_blind_transfer_to_a_busy_colleague_gives_the_caller_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_k, mut fd, mut caller, mut colleague, call) = desk_with_colleague(dir.path()).await;
    fd.engine
        .keys("##203#".into(), Some(call.id.clone()))
        .await
        .unwrap();
    // The caller calls the colleague for us; the colleague refuses (486 Busy Here).
    colleague
        .wait_event(CallEvent::Incoming, WAIT)
        .await
        .unwrap();
    colleague.hangup().await.unwrap();
    let notice = wait_notice(&mut fd, "203").await;
    assert!(
        notice.contains("busy") || notice.contains("Busy"),
        "{notice}"
    );
    let back = fd.wait_live(&call.id, |c| !c.on_hold).await;
    assert_eq!(
        back.state,
        CallState::Active,
        "the caller must not be dropped"
    );
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    caller.wait_event(CallEvent::Closed, WAIT).await.unwrap();
}

/// A Frontdesk on its own and a sipp caller playing `scenario` against it, the call answered.
async fn answered_sipp_caller(scenario: &str) -> (Frontdesk, frontdesk_testbed::Sipp, CallInfo) {
    let mut fd = Frontdesk::start(Setup::default()).await;
    let us = format!("127.0.0.1:{}", fd.engine.sip_listen_addr().port());
    let caller = frontdesk_testbed::Sipp::spawn(scenario, &[&us]).unwrap();
    let call = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine.answer(Some(call.id.clone())).await.unwrap();
    fd.wait_state(&call.id, CallState::Active).await;
    (fd, caller, call)
}

/// A caller's phone that is still settling after our hold re-INVITE answers the REFER with
/// 491 Request Pending (liblinphone does): the REFER goes again, and the transfer completes.
#[tokio::test]
async fn a_refer_answered_request_pending_is_sent_again() {
    let (mut fd, caller, call) =
        answered_sipp_caller(include_str!("scenarios/transferee_491_then_202.xml")).await;
    fd.engine
        .transfer(
            Some(call.id.clone()),
            TransferRequest {
                target: "sip:203@127.0.0.1:9".into(),
                attended: false,
            },
        )
        .await
        .unwrap();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("transferred"));
    caller.wait(WAIT).await.unwrap().assert_success();
}

/// A caller's phone that never answers our hold re-INVITE does not keep the receptionist on
/// the line: hanging up meanwhile sends the BYE at once, and the call stays off hold.
#[tokio::test]
async fn hanging_up_does_not_wait_for_a_hold_the_far_end_never_answers() {
    let (mut fd, caller, call) =
        answered_sipp_caller(include_str!("scenarios/caller_never_answers_hold.xml")).await;

    fd.engine
        .act(Some(call.id.clone()), CallAction::Hold)
        .await
        .unwrap();
    // The re-INVITE goes unanswered (its transaction would give up after 32 s).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let live = fd.engine.calls().await.unwrap();
    let waiting = live.iter().find(|c| c.id == call.id).expect("still live");
    assert!(!waiting.on_hold, "not held before the far end agreed");

    let hung_up = Instant::now();
    fd.engine
        .act(Some(call.id.clone()), CallAction::Hangup)
        .await
        .unwrap();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    assert!(
        hung_up.elapsed() < Duration::from_secs(5),
        "the hang-up waited {:?} for the re-INVITE",
        hung_up.elapsed()
    );
    caller.wait(WAIT).await.unwrap().assert_success();
}

/// A caller's phone that answers our hold late, after crossing it with a re-INVITE of its
/// own: the crossing one is refused with 491 Request Pending, the call goes on meanwhile, and
/// a resume the receptionist asked for before the answer follows once the hold is through.
#[tokio::test]
async fn a_resume_asked_while_the_hold_is_unanswered_follows_it() {
    let (mut fd, caller, call) =
        answered_sipp_caller(include_str!("scenarios/caller_crosses_hold.xml")).await;

    fd.engine
        .act(Some(call.id.clone()), CallAction::Hold)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    fd.engine
        .act(Some(call.id.clone()), CallAction::Resume)
        .await
        .unwrap();
    // The caller's phone answers the hold 2 s after it came, then takes the resume: the
    // scenario fails unless the resume re-INVITE offers sendrecv.
    let outcome = caller.wait(WAIT);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let live = fd.engine.calls().await.unwrap();
    let now = live.iter().find(|c| c.id == call.id).expect("still live");
    assert_eq!(now.state, CallState::Active);
    assert!(!now.on_hold, "the last wish wins: resumed");
    fd.engine
        .act(Some(call.id.clone()), CallAction::Hangup)
        .await
        .unwrap();
    outcome.await.unwrap().assert_success();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
}
