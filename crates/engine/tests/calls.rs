//! Calls between Frontdesk and baresip through Kamailio, with real audio checked by frequency.

mod support;

use frontdesk_api::{Backend, CallAction, CallState, DialRequest, ErrorKind, RegistrationState};
use frontdesk_testbed::{
    assert_contains_tone, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions,
};
use std::time::Duration;
use support::{tone, Frontdesk, Setup, WAIT};

const OURS_HZ: f64 = 700.0;
const THEIRS_HZ: f64 = 1300.0;

async fn colleague(
    k: &Kamailio,
    user: &str,
    codec: &str,
    auto_answer: bool,
    dir: &std::path::Path,
) -> Baresip {
    let mut options = BaresipOptions::new(user);
    options.registrar = Some(k.addr());
    options.codecs = vec![codec.to_string()];
    options.play_wav = Some(tone(dir, THEIRS_HZ));
    options.record = true;
    options.auto_answer = auto_answer;
    let mut b = Baresip::start(options).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();
    b
}

async fn call_out_and_hear_each_other(codec: &str, baresip_codec: &str) {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        play: Some(tone(dir.path(), OURS_HZ)),
        codecs: &[codec],
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut b = colleague(&k, "202", baresip_codec, true, dir.path()).await;

    let call = fd
        .engine
        .dial(DialRequest {
            target: "202".into(),
            account: None,
        })
        .await
        .unwrap();
    let active = fd.wait_state(&call.id, CallState::Active).await;
    assert_eq!(
        active.codec.as_deref().map(str::to_ascii_lowercase),
        Some(codec.to_string())
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    fd.engine.hangup(Some(call.id.clone())).await.unwrap();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    assert_contains_tone(fd.recording(&call.id), THEIRS_HZ);
    assert_contains_tone(b.last_recording(WAIT).await.unwrap(), OURS_HZ);
    let history = fd.engine.history(5).await.unwrap();
    assert_eq!(history[0].end_reason.as_deref(), Some("local_hangup"));
    assert!(history[0].duration_seconds >= 2, "{history:?}");
}

#[tokio::test]
async fn outgoing_pcmu_call_carries_audio_both_ways() {
    call_out_and_hear_each_other("pcmu", "PCMU").await;
}

#[tokio::test]
async fn outgoing_opus_call_carries_audio_both_ways() {
    call_out_and_hear_each_other("opus", "opus").await;
}

#[tokio::test]
async fn incoming_pcmu_call_rings_is_answered_and_the_caller_hangs_up() {
    incoming_call_is_answered_and_the_caller_hangs_up("PCMU").await;
}

#[tokio::test]
async fn incoming_opus_call_rings_is_answered_and_the_caller_hangs_up() {
    incoming_call_is_answered_and_the_caller_hangs_up("opus").await;
}

async fn incoming_call_is_answered_and_the_caller_hangs_up(codec: &str) {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        play: Some(tone(dir.path(), OURS_HZ)),
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut b = colleague(&k, "202", codec, true, dir.path()).await;

    b.dial(&k.aor("101")).await.unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    assert_eq!(ringing.remote_number, "202");
    fd.engine.answer(None).await.unwrap();
    let active = fd.wait_state(&ringing.id, CallState::Active).await;
    assert_eq!(
        active.codec.map(|c| c.to_ascii_lowercase()),
        Some(codec.to_ascii_lowercase())
    );
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    b.hangup().await.unwrap();
    let ended = fd.wait_state(&ringing.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("remote_hangup"));

    assert_contains_tone(fd.recording(&ringing.id), THEIRS_HZ);
    assert_contains_tone(b.last_recording(WAIT).await.unwrap(), OURS_HZ);
}

#[tokio::test]
async fn cancelling_while_it_rings_and_declining() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut b = colleague(&k, "202", "PCMU", false, dir.path()).await;

    // We call and give up while it rings.
    let call = fd
        .engine
        .dial(DialRequest {
            target: "202".into(),
            account: None,
        })
        .await
        .unwrap();
    fd.wait_state(&call.id, CallState::Ringing).await;
    b.wait_event(CallEvent::Incoming, WAIT).await.unwrap();
    fd.engine.hangup(None).await.unwrap();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("cancelled"));
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    // They call and we decline.
    b.dial(&k.aor("101")).await.unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine.hangup(Some(ringing.id.clone())).await.unwrap();
    let ended = fd.wait_state(&ringing.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("declined"));
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    // They call again and we say we are busy (486); `busy` is refused for calls not ringing.
    b.dial(&k.aor("101")).await.unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine
        .act(Some(ringing.id.clone()), CallAction::Busy)
        .await
        .unwrap();
    let ended = fd.wait_state(&ringing.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("busy"));
    let closed = b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    assert!(closed.param.contains("486"), "baresip saw {closed:?}");
    let not_ringing = fd
        .engine
        .act(Some(ringing.id.clone()), CallAction::Busy)
        .await
        .unwrap_err();
    assert_eq!(not_ringing.kind, ErrorKind::NotFound, "{not_ringing}");

    let history = fd.engine.history(10).await.unwrap();
    let reasons: Vec<_> = history
        .iter()
        .map(|h| h.end_reason.clone().unwrap_or_default())
        .collect();
    assert_eq!(reasons, ["busy", "declined", "cancelled"]);
}
