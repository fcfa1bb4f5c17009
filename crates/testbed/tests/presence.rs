//! Kamailio with the dialog event package: it answers SUBSCRIBE `Event: dialog` and sends
//! dialog-info NOTIFYs for calls through it.

use std::net::SocketAddr;
use std::time::Duration;

use frontdesk_testbed::sip::header_values;
use frontdesk_testbed::{Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions};
use tokio::net::UdpSocket;

const WAIT: Duration = Duration::from_secs(10);

/// A raw SIP watcher on its own UDP port, from a foreign domain (no credentials needed to
/// watch local users).
struct Watcher {
    sock: UdpSocket,
    local: SocketAddr,
    kamailio: SocketAddr,
}

impl Watcher {
    async fn new(kamailio: SocketAddr) -> Watcher {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let local = sock.local_addr().unwrap();
        Watcher {
            sock,
            local,
            kamailio,
        }
    }

    async fn subscribe(&self, user: &str) {
        let (local, to) = (self.local, format!("sip:{user}@127.0.0.1"));
        let subscribe = format!(
            "SUBSCRIBE {to} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-tbsub-{user};rport\r\n\
             Max-Forwards: 10\r\n\
             From: <sip:watcher@192.0.2.7>;tag=tbw-{user}\r\n\
             To: <{to}>\r\n\
             Call-ID: tb-presence-{user}@127.0.0.1\r\n\
             CSeq: 1 SUBSCRIBE\r\n\
             Contact: <sip:watcher@{local}>\r\n\
             Event: dialog\r\n\
             Accept: application/dialog-info+xml\r\n\
             Expires: 120\r\n\
             Content-Length: 0\r\n\r\n"
        );
        self.sock
            .send_to(subscribe.as_bytes(), self.kamailio)
            .await
            .unwrap();
    }

    /// The next NOTIFY (answered with 200), skipping responses.
    async fn notify(&self) -> Option<String> {
        let mut buf = vec![0u8; 65536];
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (n, from) = tokio::time::timeout_at(deadline, self.sock.recv_from(&mut buf))
                .await
                .ok()?
                .unwrap();
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if !text.starts_with("NOTIFY ") {
                continue;
            }
            let head = text.split("\r\n\r\n").next().unwrap_or_default();
            let mut ok = String::from("SIP/2.0 200 OK\r\n");
            for line in head.lines().skip(1) {
                let name = line
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if ["via", "from", "to", "call-id", "cseq"].contains(&name.as_str()) {
                    ok.push_str(line);
                    ok.push_str("\r\n");
                }
            }
            ok.push_str("Content-Length: 0\r\n\r\n");
            self.sock.send_to(ok.as_bytes(), from).await.unwrap();
            return Some(text);
        }
    }

    /// NOTIFYs until one for `user` contains `needle`; returns that one.
    async fn notify_containing(&self, user: &str, needle: &str) -> String {
        loop {
            let notify = self
                .notify()
                .await
                .unwrap_or_else(|| panic!("no NOTIFY for {user} with {needle}"));
            println!("{notify}");
            let entity = format!("entity=\"sip:{user}@127.0.0.1\"");
            if notify.contains(&entity) && notify.contains(needle) {
                return notify;
            }
        }
    }
}

#[tokio::test]
async fn calls_are_published_as_dialog_info() {
    let k = Kamailio::start(KamailioOptions {
        presence: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let watcher = Watcher::new(k.addr()).await;
    watcher.subscribe("102").await;
    watcher.subscribe("103").await;
    // The first NOTIFY of each subscription: idle users have no dialogs (empty body).
    for _ in 0..2 {
        let first = watcher.notify().await.expect("initial NOTIFY");
        assert_eq!(header_values(&first, "Event"), vec!["dialog"], "{first}");
        assert!(
            header_values(&first, "Subscription-State")[0].starts_with("active"),
            "{first}"
        );
    }

    let mut caller = BaresipOptions::new("102");
    caller.registrar = Some(k.addr());
    let mut caller = Baresip::start(caller).await.unwrap();
    let mut callee = BaresipOptions::new("103");
    callee.registrar = Some(k.addr());
    let mut callee = Baresip::start(callee).await.unwrap();
    caller.wait_registered(WAIT).await.unwrap();
    callee.wait_registered(WAIT).await.unwrap();

    caller.dial(&k.aor("103")).await.unwrap();
    callee.wait_event(CallEvent::Incoming, WAIT).await.unwrap();
    let early = watcher
        .notify_containing("103", "<state>early</state>")
        .await;
    // The ringing dialog carries what directed pickup needs.
    for attribute in [
        "call-id=",
        "local-tag=",
        "remote-tag=",
        "direction=\"recipient\"",
    ] {
        assert!(early.contains(attribute), "{attribute} missing:\n{early}");
    }
    assert!(
        early.contains("sip:102@127.0.0.1"),
        "caller missing:\n{early}"
    );

    callee.answer().await.unwrap();
    watcher
        .notify_containing("103", "<state>confirmed</state>")
        .await;
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    caller.hangup().await.unwrap();
    watcher
        .notify_containing("103", "<state>terminated</state>")
        .await;
}
