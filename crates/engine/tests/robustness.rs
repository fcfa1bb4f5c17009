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

/// An INVITE (From tag `tag`) whose SDP is nonsense gets 488 Not Acceptable Here.
async fn refuses_nonsense_sdp(to: SocketAddr, tag: &str) {
    let bad_sdp = request_udp(
        to,
        &invite(to, "101", tag, "this is not sdp"),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(
        bad_sdp.as_deref().and_then(status_code),
        Some(488),
        "{bad_sdp:?}"
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
    refuses_nonsense_sdp(to, "t2").await;
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

/// Well-formed requests and a response of the kinds a call sees, sent from `local`, each
/// `\r\n`-terminated: the seeds the mutations below start from.
fn seed_messages(to: SocketAddr, local: &str) -> Vec<Vec<u8>> {
    let in_dialog = |method: &str, cseq: u32, headers: &str, body: &str| {
        format!(
            "{method} sip:101@{to} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-mut-{method};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:caller@{local}>;tag=mut-from\r\n\
             To: <sip:101@{to}>;tag=mut-to\r\n\
             Call-ID: mutated@127.0.0.1\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:caller@{local}>\r\n\
             {headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let dialog_info = "<?xml version=\"1.0\"?>\r\n<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"3\" state=\"full\" entity=\"sip:102@127.0.0.1\">\r\n<dialog id=\"d1\" call-id=\"c1\" local-tag=\"l1\" remote-tag=\"r1\" direction=\"recipient\"><state>early</state></dialog>\r\n</dialog-info>\r\n";
    [
        invite(to, "101", "mut", SDP).replace("{local}", local),
        options_request(to, Some("101")).replace("{local}", local),
        in_dialog("BYE", 2, "", ""),
        in_dialog(
            "REFER",
            3,
            "Refer-To: <sip:202@127.0.0.1?Replaces=c1%3Bto-tag%3Dl1%3Bfrom-tag%3Dr1>\r\nReferred-By: <sip:caller@127.0.0.1>\r\n",
            "",
        ),
        in_dialog(
            "NOTIFY",
            4,
            "Event: dialog\r\nSubscription-State: active;expires=600\r\nContent-Type: application/dialog-info+xml\r\n",
            dialog_info,
        ),
        in_dialog(
            "NOTIFY",
            5,
            "Event: refer\r\nSubscription-State: terminated\r\nContent-Type: message/sipfrag;version=2.0\r\n",
            "SIP/2.0 200 OK\r\n",
        ),
        in_dialog(
            "INFO",
            6,
            "Content-Type: application/dtmf-relay\r\n",
            "Signal=5\r\nDuration=160\r\n",
        ),
        in_dialog(
            "INVITE",
            7,
            "Replaces: c1;to-tag=l1;from-tag=r1\r\nContent-Type: application/sdp\r\n",
            SDP,
        ),
        format!(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP {to};branch=z9hG4bK-ours\r\n\
             From: <sip:101@{to}>;tag=a\r\nTo: <sip:x@{local}>;tag=b\r\nCall-ID: ours@127.0.0.1\r\n\
             CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        ),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

/// Thousands of mutated requests and responses over UDP and TCP (bits flipped, ranges cut or
/// doubled, numbers at their limits, lines swapped): the engine answers what it can, drops
/// the rest, and still takes calls afterwards. (ezk-sip-core 0.9 indexes the first Via of
/// every message, so one without a Via panics inside ezk's own per-message task; tokio keeps
/// that to the one message, which this test shows.)
#[tokio::test]
async fn mutated_sip_never_takes_the_engine_down() {
    use frontdesk_testbed::mutate::Mutator;
    use tokio::io::AsyncWriteExt;

    let fd = Frontdesk::start(Setup::default()).await;
    let to = fd.engine.sip_listen_addr();
    still_answers(to).await;

    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let seeds = seed_messages(to, &udp.local_addr().unwrap().to_string());
    let mut mutator = Mutator::new(0x51b);
    for round in 0..3000 {
        let datagram = mutator.mutate_one_of(&seeds);
        let _ = udp.send_to(&datagram, to).await;
        if round % 50 == 49 {
            // Let the engine keep up; answers pile up unread in our socket.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    still_answers(to).await;

    // Over TCP each message on its own connection, some cut off mid-stream.
    for _ in 0..200 {
        let mut stream = tokio::net::TcpStream::connect(to).await.unwrap();
        let local = stream.local_addr().unwrap().to_string();
        let seeds = seed_messages(to, &local);
        let message = mutator.mutate_one_of(&seeds);
        let _ = stream.write_all(&message).await;
        drop(stream);
    }
    still_answers(to).await;

    // The call path still works: a real INVITE with nonsense SDP gets its 488.
    refuses_nonsense_sdp(to, "after-mutations").await;
    assert!(fd.engine.calls().await.is_ok(), "the engine still answers");
}
