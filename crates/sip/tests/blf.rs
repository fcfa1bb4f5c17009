//! Busy lamps against real Kamailio (presence, presence_dialoginfo, pua_dialoginfo) with
//! baresip phones calling each other, plus one scripted notifier on raw UDP for what no
//! real server sends on demand: a NOTIFY before the 2xx, a broken body, a stale version.

use frontdesk_sip::blf::{self, BlfConfig, BlfHandle, ExtensionChange, ExtensionState};
use frontdesk_sip::{AccountSpec, SipStack, StackConfig, Transport};
use frontdesk_testbed::sip::header_values;
use frontdesk_testbed::{
    send_raw_udp, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;

const WAIT: Duration = Duration::from_secs(10);
/// The issue's bound: a lamp shows a change within a second.
const LAMP_DELAY: Duration = Duration::from_secs(1);

async fn stack() -> Arc<SipStack> {
    SipStack::start(StackConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        try_next_ports: 0,
        user_agent: "frontdesk-blf-test".into(),
        extra_ca_files: Vec::new(),
        tls_listen: None,
    })
    .await
    .unwrap()
}

/// Account 101 of the test PBX, everything through `server`.
fn account(server: SocketAddr) -> AccountSpec {
    AccountSpec {
        name: "office".into(),
        user: "101".into(),
        auth_user: None,
        display_name: Some("Reception".into()),
        domain: "127.0.0.1".into(),
        proxy: Some(server.to_string()),
        transport: Transport::Udp,
        register_expires: Duration::from_secs(600),
        keepalive_interval: Duration::from_secs(30),
    }
}

fn watch(
    stack: &Arc<SipStack>,
    server: SocketAddr,
    password: Option<String>,
    config: BlfConfig,
) -> (BlfHandle, Lamps) {
    let (handle, changes) = blf::spawn(stack.clone(), account(server), password, config);
    (handle, Lamps::new(changes))
}

fn extensions(list: &[&str]) -> Vec<String> {
    list.iter().map(|e| e.to_string()).collect()
}

/// The lamps as the change channel reports them.
struct Lamps {
    changes: mpsc::UnboundedReceiver<ExtensionChange>,
    current: HashMap<String, ExtensionState>,
    /// Every change seen, in order.
    history: Vec<ExtensionChange>,
}

impl Lamps {
    fn new(changes: mpsc::UnboundedReceiver<ExtensionChange>) -> Lamps {
        Lamps {
            changes,
            current: HashMap::new(),
            history: Vec::new(),
        }
    }

    fn get(&self, extension: &str) -> ExtensionState {
        self.current.get(extension).cloned().unwrap_or_default()
    }

    /// Waits until `extension`'s lamp satisfies `wanted`, at the latest at `deadline`.
    async fn wait_until(
        &mut self,
        extension: &str,
        wanted: impl Fn(&ExtensionState) -> bool,
        deadline: Instant,
    ) -> ExtensionState {
        loop {
            let state = self.get(extension);
            if wanted(&state) {
                return state;
            }
            match tokio::time::timeout_at(deadline, self.changes.recv()).await {
                Ok(Some(change)) => self.record(change),
                Ok(None) => panic!("the subscriber stopped"),
                Err(_) => panic!(
                    "lamp {extension} did not change as expected in time; it shows {state:?}"
                ),
            }
        }
    }

    async fn wait(
        &mut self,
        extension: &str,
        wanted: impl Fn(&ExtensionState) -> bool,
        timeout: Duration,
    ) -> ExtensionState {
        self.wait_until(extension, wanted, Instant::now() + timeout)
            .await
    }

    fn record(&mut self, change: ExtensionChange) {
        self.current
            .insert(change.extension.clone(), change.state.clone());
        self.history.push(change);
    }

    /// Takes whatever changes arrived, without waiting.
    fn drain(&mut self) -> Vec<ExtensionChange> {
        let mut seen = Vec::new();
        while let Ok(change) = self.changes.try_recv() {
            self.record(change.clone());
            seen.push(change);
        }
        seen
    }

    /// The states `extension` went through, in order.
    fn states_of(&self, extension: &str) -> Vec<&'static str> {
        self.history
            .iter()
            .filter(|c| c.extension == extension)
            .map(|c| c.state.as_str())
            .collect()
    }
}

fn idle(s: &ExtensionState) -> bool {
    *s == ExtensionState::Idle
}
fn busy(s: &ExtensionState) -> bool {
    *s == ExtensionState::Busy
}
fn ringing(s: &ExtensionState) -> bool {
    matches!(s, ExtensionState::Ringing(_))
}
fn unknown(s: &ExtensionState) -> bool {
    *s == ExtensionState::Unknown
}

async fn phone(k: &Kamailio, user: &str) -> Baresip {
    let mut options = BaresipOptions::new(user);
    options.registrar = Some(k.addr());
    let mut phone = Baresip::start(options).await.unwrap();
    phone.wait_registered(WAIT).await.unwrap();
    phone
}

async fn presence_kamailio() -> Kamailio {
    Kamailio::start(KamailioOptions {
        presence: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn lamps_follow_a_call_between_watched_extensions() {
    let k = presence_kamailio().await;
    let stack = stack().await;
    let (handle, mut lamps) = watch(
        &stack,
        k.addr(),
        Some(Kamailio::password_for("101")),
        BlfConfig::new(extensions(&["102", "103", "104"])),
    );
    for extension in ["102", "103", "104"] {
        lamps.wait(extension, idle, WAIT).await;
    }
    let mut p102 = phone(&k, "102").await;
    let mut p103 = phone(&k, "103").await;
    let _p104 = phone(&k, "104").await;

    // Garbage and a NOTIFY for no subscription reach the stack and change nothing.
    send_raw_udp(stack.listen_addr(), b"NOTIFY nonsense\r\n\r\n<dialog-info").unwrap();
    send_raw_udp(
        stack.listen_addr(),
        format!(
            "NOTIFY sip:101@{addr} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\n\
             From: <sip:102@127.0.0.1>;tag=a\r\nTo: <sip:101@127.0.0.1>;tag=b\r\nCall-ID: nobody\r\n\
             CSeq: 1 NOTIFY\r\nEvent: dialog\r\nSubscription-State: active\r\n\
             Content-Type: application/dialog-info+xml\r\nContent-Length: 5\r\n\r\n<oops",
            addr = stack.listen_addr()
        )
        .as_bytes(),
    )
    .unwrap();

    // 102 calls 103: 103 rings with 102 as the caller and the ids a pickup needs.
    let dialled = Instant::now();
    p102.dial(&k.aor("103")).await.unwrap();
    let state = lamps.wait_until("103", ringing, dialled + LAMP_DELAY).await;
    let ExtensionState::Ringing(call) = state else {
        unreachable!()
    };
    let caller = call.caller.clone().expect("the caller is known");
    assert_eq!(caller.uri, "sip:102@127.0.0.1");
    let (call_id, local_tag, remote_tag) = call.replaces_ids().expect("call-id and tags");
    assert!(!call_id.is_empty() && !local_tag.is_empty() && !remote_tag.is_empty());
    assert_eq!(call.direction, Some(blf::Direction::Recipient));
    lamps.wait_until("102", busy, dialled + LAMP_DELAY).await;
    p103.wait_event(CallEvent::Incoming, WAIT).await.unwrap();

    // Answered: both busy.
    let answered = Instant::now();
    p103.answer().await.unwrap();
    lamps.wait_until("103", busy, answered + LAMP_DELAY).await;
    assert_eq!(lamps.get("102"), ExtensionState::Busy);
    p102.wait_event(CallEvent::Established, WAIT).await.unwrap();

    // Hung up: both idle.
    let hung_up = Instant::now();
    p102.hangup().await.unwrap();
    lamps.wait_until("103", idle, hung_up + LAMP_DELAY).await;
    lamps.wait_until("102", idle, hung_up + LAMP_DELAY).await;

    // 104 never had a call.
    assert_eq!(lamps.get("104"), ExtensionState::Idle);
    let snapshot = handle.snapshot();
    assert_eq!(
        snapshot
            .iter()
            .map(|s| (s.extension.as_str(), s.state.as_str(), s.problem.is_none()))
            .collect::<Vec<_>>(),
        vec![
            ("102", "idle", true),
            ("103", "idle", true),
            ("104", "idle", true)
        ]
    );
    assert!(handle.state("104") == Some(ExtensionState::Idle));
    let stopping = Instant::now();
    handle.stop().await;
    assert!(stopping.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_panel_of_500_extensions() {
    let k = presence_kamailio().await;
    let stack = stack().await;
    let watched: Vec<String> = (2000..2500).map(|n| n.to_string()).collect();
    let started = Instant::now();
    let (handle, mut lamps) = watch(
        &stack,
        k.addr(),
        Some(Kamailio::password_for("101")),
        BlfConfig::new(watched.clone()),
    );
    let deadline = started + Duration::from_secs(60);
    for extension in &watched {
        lamps.wait_until(extension, idle, deadline).await;
    }
    println!(
        "500 subscriptions accepted and notified in {:?}",
        started.elapsed()
    );
    assert!(handle.snapshot().iter().all(|s| s.problem.is_none()));

    // Lamps still follow calls among the 500.
    let mut caller = phone(&k, "2000").await;
    let _callee = phone(&k, "2499").await;
    let dialled = Instant::now();
    caller.dial(&k.aor("2499")).await.unwrap();
    lamps
        .wait_until("2499", ringing, dialled + LAMP_DELAY)
        .await;
    lamps.wait_until("2000", busy, dialled + LAMP_DELAY).await;
    let cancelled = Instant::now();
    caller.hangup().await.unwrap();
    lamps.wait_until("2499", idle, cancelled + LAMP_DELAY).await;
    lamps.wait_until("2000", idle, cancelled + LAMP_DELAY).await;
    let others_changed = lamps
        .drain()
        .iter()
        .any(|c| c.extension != "2000" && c.extension != "2499");
    assert!(!others_changed);
    assert!(!k.log().contains("ERROR"), "{}", k.log());

    let stopping = Instant::now();
    handle.stop().await;
    println!("500 subscriptions removed in {:?}", stopping.elapsed());
    assert!(stopping.elapsed() < Duration::from_secs(7));
}

#[tokio::test]
async fn lamps_come_back_after_kamailio_restarts() {
    let mut k = presence_kamailio().await;
    let stack = stack().await;
    let mut config = BlfConfig::new(extensions(&["102", "103"]));
    config.probe_interval = Duration::from_secs(2);
    let (handle, mut lamps) = watch(
        &stack,
        k.addr(),
        Some(Kamailio::password_for("101")),
        config,
    );
    lamps.wait("102", idle, WAIT).await;
    lamps.wait("103", idle, WAIT).await;

    // A quick restart: the lamps keep their state while the subscriptions are renewed;
    // a call ringing afterwards shows (the full state of a new subscription includes it).
    k.restart().await.unwrap();
    let mut p102 = phone(&k, "102").await;
    let mut p103 = phone(&k, "103").await;
    let dialled = Instant::now();
    p102.dial(&k.aor("103")).await.unwrap();
    p103.wait_event(CallEvent::Incoming, WAIT).await.unwrap();
    lamps
        .wait_until("103", ringing, dialled + Duration::from_secs(6))
        .await;
    println!("ringing shown {:?} after the dial", dialled.elapsed());
    p102.hangup().await.unwrap();
    lamps.wait("103", idle, WAIT).await;

    // A longer outage: the lamps turn unknown, then come back and follow calls again.
    k.stop();
    lamps.wait("102", unknown, Duration::from_secs(15)).await;
    assert!(handle.snapshot()[0]
        .problem
        .as_deref()
        .is_some_and(|p| p.contains("does not answer")));
    k.restart().await.unwrap();
    lamps.wait("102", idle, Duration::from_secs(15)).await;
    lamps.wait("103", idle, Duration::from_secs(15)).await;
    assert!(handle.snapshot().iter().all(|s| s.problem.is_none()));
    drop((p102, p103));
    let mut p102 = phone(&k, "102").await;
    let mut p103 = phone(&k, "103").await;
    let dialled = Instant::now();
    p102.dial(&k.aor("103")).await.unwrap();
    lamps.wait_until("103", ringing, dialled + LAMP_DELAY).await;
    p103.wait_event(CallEvent::Incoming, WAIT).await.unwrap();
    p102.hangup().await.unwrap();
    lamps.wait("103", idle, WAIT).await;
    handle.stop().await;
}

/// A notifier scripted on raw UDP: reads our SUBSCRIBEs and answers as it is told.
struct ScriptedNotifier {
    sock: UdpSocket,
    tag: String,
    cseq: u32,
}

/// A SUBSCRIBE as the scripted notifier received it.
struct Received {
    text: String,
    from: SocketAddr,
}

impl Received {
    fn header(&self, name: &str) -> String {
        header_values(&self.text, name)
            .first()
            .unwrap_or_else(|| panic!("no {name} in\n{}", self.text))
            .to_string()
    }

    /// The tag parameter of From (ours) in the SUBSCRIBE.
    fn subscriber_tag(&self) -> String {
        let from = self.header("From");
        from.split(";tag=").nth(1).unwrap().to_string()
    }

    /// The URI inside our Contact.
    fn contact_uri(&self) -> String {
        let contact = self.header("Contact");
        contact
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_string()
    }
}

impl ScriptedNotifier {
    async fn new() -> ScriptedNotifier {
        ScriptedNotifier {
            sock: UdpSocket::bind("127.0.0.1:0").await.unwrap(),
            tag: "notifier-tag".into(),
            cseq: 0,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.sock.local_addr().unwrap()
    }

    /// The next request (responses to our NOTIFYs are skipped).
    async fn next_request(&self, what: &str) -> Received {
        let mut buf = vec![0u8; 65536];
        loop {
            let (n, from) = tokio::time::timeout(WAIT, self.sock.recv_from(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("no {what} arrived"))
                .unwrap();
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if !text.starts_with("SIP/2.0") {
                return Received { text, from };
            }
        }
    }

    /// The status of the next response (to one of our NOTIFYs).
    async fn next_response(&self) -> u16 {
        let mut buf = vec![0u8; 65536];
        loop {
            let (n, _) = tokio::time::timeout(WAIT, self.sock.recv_from(&mut buf))
                .await
                .expect("no answer to NOTIFY")
                .unwrap();
            let text = String::from_utf8_lossy(&buf[..n]);
            if let Some(code) = frontdesk_testbed::sip::status_code(&text) {
                return code;
            }
        }
    }

    async fn answer(&self, request: &Received, status: &str, expires: Option<u32>) {
        let mut response = format!("SIP/2.0 {status}\r\n");
        for name in ["Via", "From", "Call-ID", "CSeq"] {
            response.push_str(&format!("{name}: {}\r\n", request.header(name)));
        }
        let to = request.header("To");
        let to = if to.contains(";tag=") {
            to
        } else {
            format!("{to};tag={}", self.tag)
        };
        response.push_str(&format!(
            "To: {to}\r\nContact: <sip:notifier@{}>\r\n",
            self.addr()
        ));
        if let Some(expires) = expires {
            response.push_str(&format!("Expires: {expires}\r\n"));
        }
        response.push_str("Content-Length: 0\r\n\r\n");
        self.sock
            .send_to(response.as_bytes(), request.from)
            .await
            .unwrap();
    }

    /// A NOTIFY in the dialog `subscribe` started, as raw text.
    fn notify(&mut self, subscribe: &Received, state: &str, body: &str) -> String {
        self.cseq += 1;
        let content = if body.is_empty() {
            String::new()
        } else {
            "Content-Type: application/dialog-info+xml\r\n".into()
        };
        format!(
            "NOTIFY {contact} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {me};branch=z9hG4bK-notify-{cseq}\r\n\
             From: <sip:201@127.0.0.1>;tag={tag}\r\n\
             To: <sip:101@127.0.0.1>;tag={from_tag}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} NOTIFY\r\n\
             Contact: <sip:notifier@{me}>\r\n\
             Event: dialog\r\n\
             Subscription-State: {state}\r\n\
             {content}Content-Length: {length}\r\n\r\n{body}",
            contact = subscribe.contact_uri(),
            me = self.addr(),
            tag = self.tag,
            from_tag = subscribe.subscriber_tag(),
            call_id = subscribe.header("Call-ID"),
            cseq = self.cseq,
            length = body.len(),
        )
    }

    async fn send(&self, message: &str, to: SocketAddr) {
        self.sock.send_to(message.as_bytes(), to).await.unwrap();
    }
}

fn document(version: u32, state: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="{version}" state="full" entity="sip:201@127.0.0.1">
  <dialog id="d1" call-id="abc" local-tag="l1" remote-tag="r1" direction="recipient">
    <state>{state}</state>
    <remote><identity display="Lobby">sip:200@127.0.0.1</identity></remote>
  </dialog>
</dialog-info>"#
    )
}

/// Log lines written while the test runs, for asserting on warnings.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Prints the captured log when the test fails.
struct DumpOnPanic(CapturedLog);

impl Drop for DumpOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- log of the failed test ---\n{}", self.0.text());
        }
    }
}

#[tokio::test]
async fn early_notify_broken_bodies_termination_and_unsubscribe() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime is single-threaded: every task logs through this subscriber.
    let _log_guard = tracing_subscriber::util::SubscriberInitExt::set_default(subscriber);
    let _dump = DumpOnPanic(log.clone());

    let stack = stack().await;
    let mut notifier = ScriptedNotifier::new().await;
    let (handle, mut lamps) = watch(
        &stack,
        notifier.addr(),
        None,
        BlfConfig::new(extensions(&["201"])),
    );
    let subscribe = notifier.next_request("SUBSCRIBE").await;
    assert!(subscribe
        .text
        .starts_with("SUBSCRIBE sip:201@127.0.0.1 SIP/2.0"));
    assert_eq!(subscribe.header("Event"), "dialog");
    assert_eq!(subscribe.header("Accept"), "application/dialog-info+xml");
    assert_eq!(subscribe.header("Expires"), "600");

    // The first NOTIFY overtakes the 2xx.
    let notify = notifier.notify(&subscribe, "active;expires=600", &document(0, "early"));
    notifier.send(&notify, stack.listen_addr()).await;
    assert_eq!(notifier.next_response().await, 200);
    notifier.answer(&subscribe, "200 OK", Some(600)).await;
    let ExtensionState::Ringing(call) = lamps.wait("201", ringing, WAIT).await else {
        unreachable!()
    };
    assert_eq!(
        call.caller.as_ref().unwrap().display_name.as_deref(),
        Some("Lobby")
    );
    assert_eq!(call.replaces_ids(), Some(("abc", "l1", "r1")));

    // A broken body: answered (an error response would end the subscription), warned
    // about, otherwise ignored.
    let broken = notifier.notify(
        &subscribe,
        "active;expires=600",
        "<dialog-info version=\"1\" state=\"full\"><dialog id=\"d1\"><state>early",
    );
    notifier.send(&broken, stack.listen_addr()).await;
    assert_eq!(notifier.next_response().await, 200);
    // A stale version is ignored too; the next one counts.
    let stale = notifier.notify(&subscribe, "active;expires=600", &document(0, "terminated"));
    notifier.send(&stale, stack.listen_addr()).await;
    assert_eq!(notifier.next_response().await, 200);
    let confirmed = notifier.notify(&subscribe, "active;expires=600", &document(1, "confirmed"));
    notifier.send(&confirmed, stack.listen_addr()).await;
    assert_eq!(notifier.next_response().await, 200);
    lamps.wait("201", busy, WAIT).await;
    assert!(lamps.drain().is_empty());
    assert_eq!(lamps.states_of("201"), vec!["ringing", "busy"]);
    assert!(
        log.text().contains("ignoring a NOTIFY with a broken body"),
        "{}",
        log.text()
    );

    // The server ends the subscription: a new one follows at once.
    let ended = notifier.notify(&subscribe, "terminated;reason=deactivated", "");
    notifier.send(&ended, stack.listen_addr()).await;
    assert_eq!(notifier.next_response().await, 200);
    let again = notifier.next_request("a new SUBSCRIBE").await;
    assert!(again.text.starts_with("SUBSCRIBE "));
    assert_ne!(again.header("Call-ID"), subscribe.header("Call-ID"));
    notifier.answer(&again, "200 OK", Some(600)).await;
    let idle_now = notifier.notify(&again, "active;expires=600", "");
    notifier.send(&idle_now, stack.listen_addr()).await;
    assert_eq!(notifier.next_response().await, 200);
    lamps.wait("201", idle, WAIT).await;

    // Stopping removes the subscription.
    let stopping = tokio::spawn(handle.stop());
    let unsubscribe = notifier.next_request("the unsubscribe").await;
    assert_eq!(unsubscribe.header("Call-ID"), again.header("Call-ID"));
    assert_eq!(unsubscribe.header("Expires"), "0");
    assert!(unsubscribe.header("To").contains("tag=notifier-tag"));
    notifier.answer(&unsubscribe, "200 OK", Some(0)).await;
    stopping.await.unwrap();
}
