//! Bad input from the network never takes the engine down; calls from outside the proxy
//! of a proxied account are refused.

mod support;

use frontdesk_api::{Backend, RegistrationState};
use frontdesk_testbed::sip::{options_request, request_udp, status_code};
use frontdesk_testbed::{send_raw_udp, Kamailio, KamailioOptions};
use std::net::SocketAddr;
use std::time::Duration;
use support::{Frontdesk, Setup};

fn invite(to: SocketAddr, user: &str, from_tag: &str, body: &str) -> String {
    format!(
        "INVITE sip:{user}@{to} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {{local}};branch=z9hG4bK-robust-{from_tag};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:scanner@{{local}}>{tag}\r\n\
         To: <sip:{user}@{to}>\r\n\
         Call-ID: robust-{from_tag}@127.0.0.1\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:scanner@{{local}}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len(),
        tag = if from_tag.is_empty() {
            String::new()
        } else {
            format!(";tag={from_tag}")
        },
    )
}

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

async fn still_answers(to: SocketAddr) {
    let answer = request_udp(to, &options_request(to, None), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        answer.as_deref().and_then(status_code),
        Some(200),
        "{answer:?}"
    );
}

#[tokio::test]
async fn malformed_sip_and_sdp_get_errors_and_the_engine_keeps_working() {
    let fd = Frontdesk::start(Setup::default()).await;
    let to = fd.engine.sip_listen_addr();
    still_answers(to).await;

    let garbage: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\r\n\r\n".to_vec(),
        vec![0xff; 1400],
        b"INVITE\r\n\r\n".to_vec(),
        b"INVITE sip:101@127.0.0.1 SIP/2.0\r\nVia: nonsense\r\n\r\n".to_vec(),
        b"SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n".to_vec(),
        b"OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999\r\n\r\nshort".to_vec(),
        invite(to, "101", "t1", "v=0\r\n").into_bytes()[..60].to_vec(),
    ];
    for datagram in &garbage {
        send_raw_udp(to, datagram).unwrap();
    }
    still_answers(to).await;

    // An INVITE without a From tag cannot start a dialog: 400, not a crash.
    let no_tag = request_udp(to, &invite(to, "101", "", SDP), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        no_tag.as_deref().and_then(status_code),
        Some(400),
        "{no_tag:?}"
    );
    // An INVITE whose SDP is nonsense is refused with 488.
    let bad_sdp = request_udp(
        to,
        &invite(to, "101", "t2", "this is not sdp"),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(
        bad_sdp.as_deref().and_then(status_code),
        Some(488),
        "{bad_sdp:?}"
    );
    still_answers(to).await;
    assert_eq!(fd.engine.calls().await.unwrap().len(), 0);
}

#[tokio::test]
async fn calls_that_bypass_the_proxy_are_refused() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let to = fd.engine.sip_listen_addr();

    // A SIP scanner somewhere else on the network (another loopback address here).
    let socket = tokio::net::UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let local = socket.local_addr().unwrap().to_string();
    let message = invite(to, "101", "ghost", SDP).replace("{local}", &local);
    socket.send_to(message.as_bytes(), to).await.unwrap();
    let mut buf = vec![0; 65536];
    let answer = loop {
        let (n, _) = tokio::time::timeout(Duration::from_secs(5), socket.recv_from(&mut buf))
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if status_code(&text).is_some_and(|c| c >= 200) {
            break text;
        }
    };
    assert_eq!(status_code(&answer), Some(403), "{answer}");
    assert!(
        fd.engine.calls().await.unwrap().is_empty(),
        "a ghost call must never ring"
    );
}
