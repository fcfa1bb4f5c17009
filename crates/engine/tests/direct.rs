//! The embedded default: no account, direct SIP calls on the local network.

mod support;

use frontdesk_api::{Backend, CallState, DialRequest};
use frontdesk_testbed::{assert_contains_tone, Baresip, BaresipOptions, CallEvent};
use std::time::Duration;
use support::{tone, Frontdesk, Setup, WAIT};

#[tokio::test]
async fn direct_calls_both_ways_without_any_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        play: Some(tone(dir.path(), 700.0)),
        ..Setup::default()
    })
    .await;
    let mut options = BaresipOptions::new("alice");
    options.play_wav = Some(tone(dir.path(), 1300.0));
    options.record = true;
    options.auto_answer = true;
    options.codecs = vec!["PCMA".into()];
    let mut b = Baresip::start(options).await.unwrap();

    // We call them by URI.
    let call = fd
        .engine
        .dial(DialRequest {
            target: b.uri(),
            account: None,
        })
        .await
        .unwrap();
    let active = fd.wait_state(&call.id, CallState::Active).await;
    assert_eq!(active.codec.as_deref(), Some("PCMA"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    fd.engine.hangup(None).await.unwrap();
    fd.wait_state(&call.id, CallState::Ended).await;
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    assert_contains_tone(fd.recording(&call.id), 1300.0);

    // They call us by our address.
    let port = fd.engine.sip_listen_addr().port();
    b.dial(&format!("sip:reception@127.0.0.1:{port}"))
        .await
        .unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    assert_eq!(ringing.account, None);
    fd.engine.answer(Some(ringing.id.clone())).await.unwrap();
    fd.wait_state(&ringing.id, CallState::Active).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.hangup().await.unwrap();
    let ended = fd.wait_state(&ringing.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("remote_hangup"));
    assert_contains_tone(fd.recording(&ringing.id), 1300.0);
}
