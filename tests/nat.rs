//! Frontdesk behind a NAT: the real daemon runs on a private LAN (a network namespace) behind
//! a router that masquerades with port translation (`frontdesk_testbed::netns`); Kamailio
//! and the caller (sipp) are on the public side, which has no route to the LAN. Checks, over
//! UDP and TCP, that the registered Contact is the address the NAT gives us (never the LAN
//! one), that calls come in through that binding with RTP both ways (the caller echoes our
//! packets back to where they came from, as a media relay does for NATed phones), that
//! keep-alives hold the binding open past the NAT's timeout, that a new mapping or a new LAN
//! address is noticed and registered in place of the old binding, and that an outgoing call's
//! answers (the 407, the callee's 180/200, the 200 to our BYE) come back through the NAT.
//!
//! Needs root for the namespaces; without CAP_NET_ADMIN each test says it is skipped.
//! `FRONTDESK_NAT_LOG` overrides the daemon's `RUST_LOG`.

use frontdesk_testbed::netns::{expose_kamailio, NatLab};
use frontdesk_testbed::sipp::scenarios;
use frontdesk_testbed::{assert_contains_tone, tone_wav, Kamailio, KamailioOptions, Sipp};
use serde_json::Value;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");
const WAIT: Duration = Duration::from_secs(20);
/// The daemon's SIP port on the private LAN (the NAT maps it to another one).
const LAN_SIP_PORT: u16 = 5060;
/// Seconds between the daemon's keep-alives.
const KEEPALIVE_SECONDS: u32 = 2;
/// The tone the daemon plays into calls.
const DAEMON_TONE: f64 = 700.0;

/// Builds the lab, or says why this machine cannot.
fn lab() -> Option<NatLab> {
    if let Some(why) = NatLab::unavailable() {
        eprintln!("{why}");
        return None;
    }
    Some(NatLab::create().expect("build the NAT namespaces"))
}

/// Kamailio on the public network, reachable at `NatLab::PUBLIC_IP`.
async fn public_kamailio() -> (Kamailio, SocketAddr) {
    let mut k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let public = expose_kamailio(&mut k, NatLab::PUBLIC_IP).await.unwrap();
    (k, public)
}

/// The daemon on the private LAN, with its own config, data dir and log.
struct LanDaemon {
    dir: tempfile::TempDir,
    config: PathBuf,
    namespace: String,
    child: Child,
}

impl LanDaemon {
    /// Starts `frontdesk daemon` inside the lab's private namespace, listening on
    /// 0.0.0.0:5060 with one account registering at `registrar` over `transport`, sending
    /// keep-alives every [`KEEPALIVE_SECONDS`].
    fn start(lab: &NatLab, registrar: SocketAddr, user: &str, transport: &str) -> LanDaemon {
        Self::start_with_keepalive(lab, registrar, user, transport, KEEPALIVE_SECONDS)
    }

    fn start_with_keepalive(
        lab: &NatLab,
        registrar: SocketAddr,
        user: &str,
        transport: &str,
        keepalive_seconds: u32,
    ) -> LanDaemon {
        let dir = tempfile::tempdir().unwrap();
        tone_wav(dir.path().join("mic.wav"), DAEMON_TONE, 20.0, 16000).unwrap();
        let config = dir.path().join("config.toml");
        let registrar = match transport {
            "udp" => registrar.to_string(),
            other => format!("sip:{registrar};transport={other}"),
        };
        std::fs::write(
            &config,
            format!(
                "[sip]\nlisten = \"0.0.0.0:{LAN_SIP_PORT}\"\n\
                 [audio]\nbackend = \"file\"\nplay = \"mic.wav\"\nrecord = \"rec-{{call}}.wav\"\n\
                 [data]\ndir = \"data\"\n\
                 [[account]]\nname = \"office\"\nuser = \"{user}\"\ndomain = \"127.0.0.1\"\n\
                 registrar = \"{registrar}\"\ncodecs = [\"pcmu\"]\npassword_env = \"OFFICE_PASSWORD\"\n\
                 keepalive_seconds = {keepalive_seconds}\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("daemon.log")).unwrap();
        let mut command = Command::from(lab.private_command(BIN));
        command
            .args(["daemon", "--config"])
            .arg(&config)
            .env(
                "RUST_LOG",
                std::env::var("FRONTDESK_NAT_LOG").unwrap_or("info,frontdesk_sip=debug".into()),
            )
            .env("HOME", dir.path())
            .env("OFFICE_PASSWORD", Kamailio::password_for(user))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true);
        let child = command.spawn().unwrap();
        LanDaemon {
            dir,
            config,
            namespace: lab.private_namespace().to_string(),
            child,
        }
    }

    /// `frontdesk ctl <args> --json` inside the private namespace; `None` while the daemon
    /// is not up yet.
    async fn try_ctl(&self, args: &[&str]) -> Option<Value> {
        let output = Command::new("ip")
            .args(["netns", "exec", &self.namespace, BIN, "ctl", "--config"])
            .arg(&self.config)
            .args(args)
            .arg("--json")
            .env("HOME", self.dir.path())
            .output()
            .await
            .unwrap();
        if !output.status.success() {
            return None;
        }
        Some(serde_json::from_slice(&output.stdout).unwrap())
    }

    async fn ctl(&self, args: &[&str]) -> Value {
        match self.try_ctl(args).await {
            Some(value) => value,
            None => panic!("ctl {args:?} failed; log:\n{}", self.log_tail()),
        }
    }

    /// Polls `ctl <args>` until `check` holds.
    async fn wait_for(&self, args: &[&str], check: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(value) = self.try_ctl(args).await {
                if check(&value) {
                    return value;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "ctl {args:?} never matched; log:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn wait_registered(&self) {
        self.wait_for(&["status"], |s| s["accounts"][0]["state"] == "registered")
            .await;
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    fn recording(&self, call: &str) -> PathBuf {
        self.dir.path().join(format!("rec-{call}.wav"))
    }

    /// SIGTERM (`ip netns exec` has become the daemon), then waits for a clean exit.
    async fn stop(mut self) {
        let pid = self.child.id().unwrap() as i32;
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = tokio::time::timeout(WAIT, self.child.wait())
            .await
            .unwrap()
            .unwrap();
        assert!(
            status.success(),
            "daemon exit {status:?}; log:\n{}",
            self.log_tail()
        );
    }
}

/// The one contact Kamailio holds for `user`, as `ip:port` plus the raw URI.
async fn only_contact(k: &Kamailio, user: &str) -> (SocketAddr, String) {
    let contacts = k.wait_registered(user, WAIT).await.unwrap();
    assert_eq!(contacts.len(), 1, "one binding expected: {contacts:?}");
    let uri = contacts[0].clone();
    (contact_address(&uri, user), uri)
}

/// `sip:user@ip:port;params` → `ip:port`.
fn contact_address(uri: &str, user: &str) -> SocketAddr {
    uri.strip_prefix(&format!("sip:{user}@"))
        .and_then(|rest| rest.split(';').next())
        .and_then(|hostport| hostport.parse().ok())
        .unwrap_or_else(|| panic!("unexpected contact {uri}"))
}

/// Asserts the registered contact is the NAT's public address with a translated port.
fn assert_is_nat_address(contact: SocketAddr, uri: &str) {
    assert_eq!(
        contact.ip(),
        NatLab::NAT_PUBLIC_IP,
        "the Contact must be the address the registrar saw, not the LAN one: {uri}"
    );
    assert!(
        NatLab::NAT_PORTS.contains(&contact.port()),
        "the Contact must carry the port the NAT mapped to (rport), not {LAN_SIP_PORT}: {uri}"
    );
}

/// Waits until Kamailio holds exactly one contact for `user` and it satisfies `check`.
async fn wait_contact(
    k: &Kamailio,
    user: &str,
    daemon: &LanDaemon,
    check: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let contacts = k.contacts(user).await.unwrap();
        if check(&contacts) {
            return contacts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "contacts never matched, last {contacts:?}; daemon log:\n{}",
            daemon.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A caller on the public side (sipp through Kamailio) rings `user`; the daemon answers,
/// the caller holds the call for 3 s echoing every RTP packet back to where it came from
/// (as a media relay latches onto a NATed phone), then hangs up. Returns the call id.
async fn call_in_through_the_nat(k: &Kamailio, daemon: &LanDaemon, user: &str) -> String {
    // Kamailio always challenges the first INVITE (407), so the answered one is CSeq 2 and
    // the BYE follows as 3: ezk's dialog layer holds back a request whose CSeq skips
    // numbers (the canned scenario's BYE is CSeq 10) waiting for the ones in between.
    let scenario = scenarios::UAC_INVITE_BYE
        .replace(
            "<pause milliseconds=\"1000\"/>",
            "<pause milliseconds=\"3000\"/>",
        )
        .replace("CSeq: 10 BYE", "CSeq: 3 BYE");
    assert_eq!(
        scenario.matches("3000").count() + scenario.matches("CSeq: 3 BYE").count(),
        2,
        "the canned scenario changed"
    );
    let caller = "sipp";
    let password = Kamailio::password_for(caller);
    let remote = k.addr().to_string();
    let public_ip = NatLab::PUBLIC_IP.to_string();
    let sipp = Sipp::spawn(
        &scenario,
        &[
            &remote,
            "-s",
            user,
            "-au",
            caller,
            "-ap",
            &password,
            "-mi",
            &public_ip,
            "-rtp_echo",
        ],
    )
    .unwrap();
    let calls = daemon
        .wait_for(&["calls"], |c| c[0]["state"] == "incoming")
        .await;
    let id = calls[0]["id"].as_str().unwrap().to_string();
    daemon.ctl(&["answer", &id]).await;
    let outcome = sipp.wait(Duration::from_secs(60)).await.unwrap();
    if !outcome.success() {
        eprintln!("daemon log:\n{}", daemon.log_tail());
    }
    outcome.assert_success();
    let history = daemon
        .wait_for(&["history"], |h| h[0]["end_reason"].is_string())
        .await;
    assert_eq!(history[0]["end_reason"], "remote_hangup", "{history}");
    id
}

/// Nothing on the public side can reach the LAN except through the NAT's mappings.
fn assert_lan_unroutable_from_public(lab: &NatLab) {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let lan = SocketAddr::from((lab.private_ip(), LAN_SIP_PORT));
    assert!(
        probe.connect(lan).is_err(),
        "the public namespace must have no route to the LAN ({lan})"
    );
}

#[tokio::test]
async fn over_udp_the_registered_contact_is_the_nat_mapping_and_calls_come_through_it() {
    let Some(lab) = lab() else { return };
    let (k, registrar) = public_kamailio().await;
    let user = "7401";
    let daemon = LanDaemon::start(&lab, registrar, user, "udp");
    daemon.wait_registered().await;
    let (contact, uri) = only_contact(&k, user).await;
    assert_is_nat_address(contact, &uri);
    assert_lan_unroutable_from_public(&lab);

    let call = call_in_through_the_nat(&k, &daemon, user).await;
    // The daemon hears its own tone: it went out through the NAT and came back through the
    // mapping the RTP opened.
    assert_contains_tone(daemon.recording(&call), DAEMON_TONE);
    assert!(lab.masqueraded_packets().unwrap() > 0);
    // Still one binding, still the NAT's: no re-registration churn on keep-alives.
    let (again, uri) = only_contact(&k, user).await;
    assert_eq!(again, contact, "{uri}");
    let registering = daemon.log().matches("registering again").count();
    assert_eq!(
        registering,
        0,
        "re-registered without cause:\n{}",
        daemon.log_tail()
    );

    // Shutting down removes the binding it holds, the NAT's address.
    daemon.stop().await;
    assert_eq!(k.contacts(user).await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn over_tcp_the_registered_contact_is_the_nat_mapping_and_calls_come_through_it() {
    let Some(lab) = lab() else { return };
    let (k, registrar) = public_kamailio().await;
    let user = "7402";
    let daemon = LanDaemon::start(&lab, registrar, user, "tcp");
    daemon.wait_registered().await;
    let (contact, uri) = only_contact(&k, user).await;
    assert_is_nat_address(contact, &uri);
    assert!(uri.contains("transport=tcp"), "{uri}");
    assert_lan_unroutable_from_public(&lab);

    let call = call_in_through_the_nat(&k, &daemon, user).await;
    assert_contains_tone(daemon.recording(&call), DAEMON_TONE);
}

#[tokio::test]
async fn keepalives_hold_the_udp_mapping_open_past_the_nat_timeout() {
    let Some(lab) = lab() else { return };
    // The router forgets an idle UDP flow after 5 s; the daemon sends a keep-alive every 2 s
    // and re-registers only after ~48 s, so only keep-alives can hold the mapping.
    lab.set_udp_mapping_timeout(Duration::from_secs(5)).unwrap();
    let (k, registrar) = public_kamailio().await;
    let user = "7403";
    let daemon = LanDaemon::start(&lab, registrar, user, "udp");
    daemon.wait_registered().await;
    let (contact, uri) = only_contact(&k, user).await;
    assert_is_nat_address(contact, &uri);
    tokio::time::sleep(Duration::from_secs(12)).await;
    let (still, _) = only_contact(&k, user).await;
    assert_eq!(still, contact);
    call_in_through_the_nat(&k, &daemon, user).await;
}

#[tokio::test]
async fn a_new_nat_mapping_seen_by_a_keepalive_is_registered() {
    let Some(lab) = lab() else { return };
    // The router forgets idle flows after 3 s but the keep-alives come every 5 s: each one
    // finds a new mapping (a new random port), which the OPTIONS answer's rport reveals.
    lab.set_udp_mapping_timeout(Duration::from_secs(3)).unwrap();
    let (k, registrar) = public_kamailio().await;
    let user = "7406";
    let daemon = LanDaemon::start_with_keepalive(&lab, registrar, user, "udp", 5);
    daemon.wait_registered().await;
    let (first, uri) = only_contact(&k, user).await;
    assert_is_nat_address(first, &uri);
    let contacts = wait_contact(&k, user, &daemon, |c| {
        c.len() == 1 && contact_address(&c[0], user) != first
    })
    .await;
    assert_is_nat_address(contact_address(&contacts[0], user), &contacts[0]);
    assert!(
        daemon.log().contains("NAT mapping changed"),
        "{}",
        daemon.log_tail()
    );

    // With a patient router again the binding settles; the call follows the latest mapping.
    lab.set_udp_mapping_timeout(Duration::from_secs(60))
        .unwrap();
    tokio::time::sleep(Duration::from_secs(11)).await;
    let (settled, uri) = only_contact(&k, user).await;
    assert_is_nat_address(settled, &uri);
    call_in_through_the_nat(&k, &daemon, user).await;
}

#[tokio::test]
async fn a_new_lan_address_is_noticed_and_registered_in_place_of_the_old_binding_over_udp() {
    a_new_lan_address_is_registered("7404", "udp").await;
}

#[tokio::test]
async fn a_new_lan_address_is_noticed_and_registered_in_place_of_the_old_binding_over_tcp() {
    a_new_lan_address_is_registered("7405", "tcp").await;
}

async fn a_new_lan_address_is_registered(user: &str, transport: &str) {
    let Some(mut lab) = lab() else { return };
    let (k, registrar) = public_kamailio().await;
    let daemon = LanDaemon::start(&lab, registrar, user, transport);
    daemon.wait_registered().await;
    let (before, uri) = only_contact(&k, user).await;
    assert_is_nat_address(before, &uri);

    let renumbered = Ipv4Addr::new(10, 0, 1, 3);
    lab.change_private_ip(renumbered).unwrap();
    let changed_at = tokio::time::Instant::now();
    // The old binding points at a mapping that leads to an address that is gone: it must be
    // replaced, not kept beside the new one (calls would fork to a dead contact).
    let contacts = wait_contact(&k, user, &daemon, |c| {
        c.len() == 1 && contact_address(&c[0], user) != before
    })
    .await;
    let after = contact_address(&contacts[0], user);
    assert_is_nat_address(after, &contacts[0]);
    let took = changed_at.elapsed();
    assert!(
        took < Duration::from_secs(3 * KEEPALIVE_SECONDS as u64 + 5),
        "noticing the new address took {took:?}"
    );
    daemon.wait_registered().await;
    assert!(
        daemon.log().contains("the local network address changed"),
        "{}",
        daemon.log_tail()
    );

    let call = call_in_through_the_nat(&k, &daemon, user).await;
    assert_contains_tone(daemon.recording(&call), DAEMON_TONE);
}

#[tokio::test]
async fn over_udp_an_outgoing_call_gets_its_answers_back_through_the_nat() {
    let Some(lab) = lab() else { return };
    let (mut k, registrar) = public_kamailio().await;
    serve_public_address_as_domain(&mut k, registrar).await;
    let user = "7407";
    let callee = "7408";
    let daemon = LanDaemon::start(&lab, registrar, user, "udp");
    daemon.wait_registered().await;

    // The callee: sipp on the public side, registered at Kamailio, echoing our RTP.
    let public_ip = NatLab::PUBLIC_IP.to_string();
    let uas = Sipp::spawn(scenarios::UAS_ANSWER, &["-mi", &public_ip, "-rtp_echo"]).unwrap();
    let uas_port = uas.port().to_string();
    let password = Kamailio::password_for(callee);
    let kamailio = k.addr().to_string();
    Sipp::run(
        scenarios::REGISTER,
        &[
            &kamailio,
            "-s",
            callee,
            "-au",
            callee,
            "-ap",
            &password,
            "-key",
            "contact_port",
            &uas_port,
        ],
    )
    .await
    .unwrap()
    .assert_success();
    k.wait_registered(callee, WAIT).await.unwrap();

    // The account's proxy is Kamailio's public address, so the extension is addressed there.
    // Kamailio challenges the INVITE (407) and relays the callee's answers: each reaches the
    // daemon only if our Via asks for rport (the NAT maps our port 5060 to a random one).
    let dialed = daemon.ctl(&["dial", callee]).await;
    let id = dialed["id"]
        .as_str()
        .expect("dial returns the call")
        .to_string();
    daemon
        .wait_for(&["calls"], |c| {
            c.as_array().is_some_and(|calls| {
                calls
                    .iter()
                    .any(|c| c["id"] == id && c["state"] == "active")
            })
        })
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    daemon.ctl(&["hangup", &id]).await;

    // The callee saw the ACK and our BYE (through Kamailio's Record-Route) and answered it.
    let outcome = uas.wait(Duration::from_secs(30)).await.unwrap();
    if !outcome.success() {
        eprintln!("daemon log:\n{}", daemon.log_tail());
    }
    outcome.assert_success();
    // Kamailio filled in the port it saw because our Via asked for it.
    let our_via = format!("Via: SIP/2.0/UDP {}:{LAN_SIP_PORT};", lab.private_ip());
    assert!(
        outcome
            .messages
            .lines()
            .any(|line| line.starts_with(&our_via) && line.contains(";rport=")),
        "our Vias ask for rport:\n{}",
        outcome.messages
    );
    let history = daemon
        .wait_for(&["history"], |h| h[0]["end_reason"].is_string())
        .await;
    assert_eq!(history[0]["end_reason"], "local_hangup", "{history}");
    // The daemon hears its own tone: its RTP went out through the NAT and came back.
    assert_contains_tone(daemon.recording(&id), DAEMON_TONE);
}

/// Lets Kamailio treat Request-URIs at its public address as its own domain (as a PBX
/// reached by IP does): the daemon, with Kamailio as its proxy, addresses extensions there.
async fn serve_public_address_as_domain(k: &mut Kamailio, public: SocketAddr) {
    let path = k.config_path().to_path_buf();
    let text = std::fs::read_to_string(&path).unwrap();
    let own = format!("if ($rd != \"{}\" ||", k.domain());
    assert!(
        text.contains(&own),
        "the testbed's Kamailio routing changed"
    );
    let text = text.replacen(
        &own,
        &format!(
            "if ($rd != \"{}\" && $rd != \"{}\" ||",
            k.domain(),
            public.ip()
        ),
        1,
    );
    std::fs::write(&path, text).unwrap();
    k.restart().await.unwrap();
}
