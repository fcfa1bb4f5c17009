//! RFC 4733 keypad digits reach a third-party phone (baresip) and are reported when they
//! arrive from one, for G.711 and for Opus (whose events run on the 48 kHz clock).

mod support;

use frontdesk_api::{Backend, CallState, DialRequest, Event};
use frontdesk_testbed::{Baresip, BaresipOptions, CallEvent};
use std::time::Duration;
use support::{tone, Frontdesk, Setup, WAIT};

async fn keys_reach_baresip(codec: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup::default()).await;
    let mut options = BaresipOptions::new("ivr");
    options.auto_answer = true;
    options.codecs = vec![codec.to_string()];
    options.play_wav = Some(tone(dir.path(), 1300.0));
    let mut b = Baresip::start(options).await.unwrap();

    let call = fd
        .engine
        .dial(DialRequest {
            target: b.uri(),
            account: None,
        })
        .await
        .unwrap();
    fd.wait_state(&call.id, CallState::Active).await;
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    fd.engine.keys("4#7".into(), None).await.unwrap();
    let mut received = String::new();
    for _ in 0..3 {
        let event = b.wait_event("CALL_DTMF_START", WAIT).await.unwrap();
        received.push_str(event.param.trim());
    }
    assert_eq!(received, "4#7", "baresip log:\n{}", b.log());
    fd.engine.hangup(None).await.unwrap();
    fd.wait_state(&call.id, CallState::Ended).await;
}

#[tokio::test]
async fn keys_reach_a_pcmu_phone() {
    keys_reach_baresip("PCMU").await;
}

#[tokio::test]
async fn keys_reach_an_opus_phone() {
    keys_reach_baresip("opus").await;
}

#[tokio::test]
async fn keys_between_two_frontdesks_are_reported_once_each() {
    let mut caller = Frontdesk::start(Setup::default()).await;
    let mut callee = Frontdesk::start(Setup::default()).await;
    let port = callee.engine.sip_listen_addr().port();
    let call = caller
        .engine
        .dial(DialRequest {
            target: format!("sip:desk@127.0.0.1:{port}"),
            account: None,
        })
        .await
        .unwrap();
    let ringing = callee.wait_call(|c| c.state == CallState::Incoming).await;
    callee
        .engine
        .answer(Some(ringing.id.clone()))
        .await
        .unwrap();
    caller.wait_state(&call.id, CallState::Active).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    caller
        .engine
        .keys("0*9".into(), Some(call.id.clone()))
        .await
        .unwrap();

    let mut digits = String::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while digits.len() < 3 {
        match tokio::time::timeout_at(deadline, callee.events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            Event::Dtmf { digit, call_id } if call_id == ringing.id => digits.push(digit),
            _ => {}
        }
    }
    assert_eq!(digits, "0*9");
    // Nothing more arrives: each digit is reported once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(event) = callee.events.try_recv() {
        assert!(
            !matches!(event, Event::Dtmf { .. }),
            "a digit was reported twice: {event:?}"
        );
    }
    caller.engine.hangup(None).await.unwrap();
    callee.wait_state(&ringing.id, CallState::Ended).await;
}

/// Calls Frontdesk directly, then sends the key `7` as SIP INFO (`application/dtmf-relay`),
/// expects 200 and hangs up.
const UAC_INFO_DTMF: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="frontdesk uac info dtmf">
  <send retrans="500">
    <![CDATA[
      INVITE sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:frontdesk@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200"/>
  <send>
    <![CDATA[
      ACK sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:frontdesk@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="500"/>
  <send retrans="500">
    <![CDATA[
      INFO sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:frontdesk@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 INFO
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=7
      Duration=160
    ]]>
  </send>
  <recv response="200"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:frontdesk@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:frontdesk@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
</scenario>
"#;

#[tokio::test]
async fn keys_sent_as_sip_info_are_reported() {
    let mut fd = Frontdesk::start(Setup::default()).await;
    let target = format!("127.0.0.1:{}", fd.engine.sip_listen_addr().port());
    let sipp = frontdesk_testbed::Sipp::spawn(UAC_INFO_DTMF, &[&target]).unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    fd.engine.answer(Some(ringing.id.clone())).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let digit = loop {
        let event = tokio::time::timeout_at(deadline, fd.events.recv())
            .await
            .expect("no key reported")
            .unwrap();
        if let Event::Dtmf { call_id, digit } = event {
            assert_eq!(call_id, ringing.id);
            break digit;
        }
    };
    assert_eq!(digit, '7');
    sipp.wait(WAIT).await.unwrap().assert_success();
}
