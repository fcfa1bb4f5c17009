//! Announced transfers by keypad code (`*` number `#`, `**`, hang up to hand over) with
//! linphonec as caller and colleague — it acts on `Refer-To: …?Replaces=` and on INVITEs with
//! Replaces, which baresip does not — through Kamailio, checked by who hears whom.

mod support;

use frontdesk_api::{Backend, CallInfo, CallState, RegistrationState};
use frontdesk_testbed::{
    assert_contains_tone, Kamailio, KamailioOptions, Linphone, LinphoneEventKind as Ev,
    LinphoneOptions,
};
use std::path::Path;
use std::time::Duration;
use support::{tone, Frontdesk, Setup, WAIT};

const OURS_HZ: f64 = 2700.0;
const CALLER_HZ: f64 = 1000.0;
const COLLEAGUE_HZ: f64 = 600.0;

async fn linphone(k: &Kamailio, user: &str, hz: f64, dir: &Path) -> Linphone {
    let mut options = LinphoneOptions::new(user);
    options.registrar = Some(k.addr());
    let wav = dir.join(format!("linphone-{user}.wav"));
    frontdesk_testbed::tone_wav(&wav, hz, 60.0, 8000).unwrap();
    options.play_wav = Some(wav);
    options.record = true;
    let mut phone = Linphone::start(options).await.unwrap();
    phone.wait_registered(WAIT).await.unwrap();
    phone
}

struct Scene {
    _k: Kamailio,
    _dir: tempfile::TempDir,
    fd: Frontdesk,
    caller: Linphone,
    colleague: Linphone,
    /// Our call with the caller.
    call: CallInfo,
    /// The caller's id for that call in linphonec.
    caller_call: u32,
}

/// The caller (201) rings us (101) and we answer; the colleague (203) waits.
async fn scene() -> Scene {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        play: Some(tone(dir.path(), OURS_HZ)),
        codecs: &["pcmu"],
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut caller = linphone(&k, "201", CALLER_HZ, dir.path()).await;
    let colleague = linphone(&k, "203", COLLEAGUE_HZ, dir.path()).await;
    let caller_call = caller.dial(&k.aor("101")).await.unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine.answer(Some(ringing.id.clone())).await.unwrap();
    caller
        .wait_call_event(caller_call, Ev::StreamsRunning, WAIT)
        .await
        .unwrap();
    let call = fd.wait_state(&ringing.id, CallState::Active).await;
    Scene {
        _k: k,
        _dir: dir,
        fd,
        caller,
        colleague,
        call,
        caller_call,
    }
}

/// Keys `*203#`: the caller is held, the colleague rings and answers; returns the
/// consultation call and the colleague's id for it.
async fn consult(s: &mut Scene) -> (CallInfo, u32) {
    s.fd.engine
        .keys("*203#".into(), Some(s.call.id.clone()))
        .await
        .unwrap();
    s.caller
        .wait_call_event(s.caller_call, Ev::PausedByRemote, WAIT)
        .await
        .unwrap();
    let incoming = s.colleague.wait_event(Ev::Incoming, WAIT).await.unwrap();
    let colleague_call = incoming.call.unwrap();
    s.colleague.answer_call(colleague_call).await.unwrap();
    let consultation =
        s.fd.wait_call(|c| c.id != s.call.id && c.state == CallState::Active)
            .await;
    assert_eq!(
        consultation.linked_call.as_deref(),
        Some(s.call.id.as_str())
    );
    (consultation, colleague_call)
}

#[tokio::test]
async fn hanging_up_the_consultation_hands_the_caller_over() {
    let mut s = scene().await;
    let (consultation, colleague_call) = consult(&mut s).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // We hang up: the caller replaces our consultation at the colleague.
    s.fd.engine
        .hangup(Some(consultation.id.clone()))
        .await
        .unwrap();
    let ours = s.fd.wait_state(&s.call.id, CallState::Ended).await;
    assert_eq!(ours.end_reason.as_deref(), Some("transferred"));
    let joined = s.caller.wait_event(Ev::OutgoingInit, WAIT).await.unwrap();
    let caller_new = joined.call.unwrap();
    s.caller
        .wait_call_event(caller_new, Ev::StreamsRunning, WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    s.caller.hangup_all().await.unwrap();
    s.colleague
        .wait_call_event(colleague_call, Ev::Ended, WAIT)
        .await
        .ok();

    // The caller and the colleague hear each other; we are out of the path.
    let caller_heard = s.caller.recording(caller_new, WAIT).await.unwrap();
    assert_contains_tone(&caller_heard, COLLEAGUE_HZ);
    let colleague_heard = s.colleague.last_recording(WAIT).await.unwrap();
    assert_contains_tone(&colleague_heard, CALLER_HZ);
    let deadline = std::time::Instant::now() + WAIT;
    while !s.fd.engine.calls().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "our calls did not end"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn star_star_returns_to_the_caller() {
    let mut s = scene().await;
    let (consultation, colleague_call) = consult(&mut s).await;
    s.fd.engine
        .keys("**".into(), Some(consultation.id.clone()))
        .await
        .unwrap();
    s.colleague
        .wait_call_event(colleague_call, Ev::Ended, WAIT)
        .await
        .unwrap();
    let back = s.fd.wait_live(&s.call.id, |c| !c.on_hold).await;
    assert_eq!(back.state, CallState::Active);
    s.caller
        .wait_call_event(s.caller_call, Ev::StreamsRunning, WAIT)
        .await
        .unwrap();
    // We talk to the caller again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    s.fd.engine.hangup(Some(s.call.id.clone())).await.unwrap();
    s.caller
        .wait_call_event(s.caller_call, Ev::Ended, WAIT)
        .await
        .unwrap();
    assert_contains_tone(s.fd.recording(&s.call.id), CALLER_HZ);
}

#[tokio::test]
async fn the_consultation_goes_on_when_the_caller_hangs_up() {
    let mut s = scene().await;
    let (consultation, colleague_call) = consult(&mut s).await;
    s.caller.hangup_call(s.caller_call).await.unwrap();
    s.fd.wait_state(&s.call.id, CallState::Ended).await;
    let alone =
        s.fd.wait_live(&consultation.id, |c| c.linked_call.is_none())
            .await;
    assert_eq!(alone.state, CallState::Active);
    tokio::time::sleep(Duration::from_secs(2)).await;
    s.fd.engine
        .hangup(Some(consultation.id.clone()))
        .await
        .unwrap();
    let ended = s.fd.wait_state(&consultation.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    s.colleague
        .wait_call_event(colleague_call, Ev::Ended, WAIT)
        .await
        .unwrap();
    assert_contains_tone(s.fd.recording(&consultation.id), COLLEAGUE_HZ);
}

/// linphonec 202 talks to `first` and to `second`, then joins them with an attended transfer
/// (`transfer --to-call`): REFER to `first` with `Refer-To: <second>?Replaces=…`.
async fn joined_by_a_third_party(we_are_transferee: bool) {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        play: Some(tone(dir.path(), OURS_HZ)),
        codecs: &["pcmu"],
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut transferor = linphone(&k, "202", CALLER_HZ, dir.path()).await;
    let mut other = linphone(&k, "203", COLLEAGUE_HZ, dir.path()).await;

    // The transferor calls us, then the other phone (holding us meanwhile).
    let to_us = transferor.dial(&k.aor("101")).await.unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine.answer(Some(ringing.id.clone())).await.unwrap();
    transferor
        .wait_call_event(to_us, Ev::StreamsRunning, WAIT)
        .await
        .unwrap();
    transferor.pause().await.unwrap();
    fd.wait_live(&ringing.id, |c| c.held_by_remote).await;
    let to_other = transferor.dial(&k.aor("203")).await.unwrap();
    let incoming = other.wait_event(Ev::Incoming, WAIT).await.unwrap();
    other.answer_call(incoming.call.unwrap()).await.unwrap();
    transferor
        .wait_call_event(to_other, Ev::StreamsRunning, WAIT)
        .await
        .unwrap();

    // Join: the REFER goes to us (we call 203 with Replaces), or to 203 (which calls us
    // with Replaces, and we take it over without ringing).
    if we_are_transferee {
        transferor.transfer_to_call(to_us, to_other).await.unwrap();
    } else {
        transferor.transfer_to_call(to_other, to_us).await.unwrap();
    }
    let deadline = std::time::Instant::now() + WAIT;
    let joined = loop {
        let calls = fd.engine.calls().await.unwrap();
        if let Some(call) = calls
            .iter()
            .find(|c| c.id != ringing.id && c.state == CallState::Active)
        {
            break call.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never joined: {calls:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(joined.remote_number, "203", "{joined:?}");
    let old = fd.wait_state(&ringing.id, CallState::Ended).await;
    if we_are_transferee {
        assert_eq!(old.end_reason.as_deref(), Some("transferred"));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    fd.engine.hangup(Some(joined.id.clone())).await.unwrap();
    fd.wait_state(&joined.id, CallState::Ended).await;
    assert_contains_tone(fd.recording(&joined.id), COLLEAGUE_HZ);
    let other_heard = other.last_recording(WAIT).await.unwrap();
    assert_contains_tone(&other_heard, OURS_HZ);
}

#[tokio::test]
async fn a_third_party_joins_us_to_a_colleague_as_transferee() {
    joined_by_a_third_party(true).await;
}

#[tokio::test]
async fn a_third_party_joins_a_colleague_to_us_with_replaces() {
    joined_by_a_third_party(false).await;
}
