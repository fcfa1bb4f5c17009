//! linphonec (Debian linphone-cli 5.1) as a third-party phone: registration at
//! Kamailio, a call with baresip carrying audio both ways, an INVITE with
//! Replaces for its confirmed call, and an attended transfer between three
//! linphonecs (REFER with `?Replaces=` acted on, INVITE with Replaces accepted).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use frontdesk_testbed::{
    assert_contains_tone, tone_wav, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions,
    Linphone, LinphoneEventKind as K, LinphoneOptions, LinphoneRegState, Sipp,
};

const WAIT: Duration = Duration::from_secs(10);
/// How long a transferor may wait to hear how its REFER went: liblinphone reports the transfer
/// when the transferee's NOTIFY arrives, which can take longer than [`WAIT`] on a loaded 2-core
/// machine running these scenarios side by side.
const TRANSFER_OUTCOME_WAIT: Duration = Duration::from_secs(30);

fn tone(dir: &Path, name: &str, freq: f64) -> PathBuf {
    let p = dir.join(name);
    // Longer than any call here; 8 kHz like PCMU.
    tone_wav(&p, freq, 30.0, 8000).unwrap();
    p
}

async fn linphone(k: Option<&Kamailio>, user: &str, wav: &Path) -> Linphone {
    let mut o = LinphoneOptions::new(user);
    o.registrar = k.map(Kamailio::addr);
    o.play_wav = Some(wav.to_path_buf());
    o.record = true;
    let mut lp = Linphone::start(o).await.unwrap();
    if k.is_some() {
        lp.wait_registered(WAIT).await.unwrap();
    }
    lp
}

#[tokio::test]
async fn linphonec_registers_with_digest_and_reports_a_wrong_password() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let t0 = Instant::now();
    let mut o = LinphoneOptions::new("301");
    o.registrar = Some(k.addr());
    let mut lp = Linphone::start(o).await.unwrap();
    let started = t0.elapsed();
    lp.wait_registered(WAIT).await.unwrap();
    let registered = t0.elapsed();
    eprintln!(
        "linphonec: started (answers OPTIONS) after {started:?}, registered after {registered:?}"
    );
    let contacts = k.wait_registered("301", WAIT).await.unwrap();
    assert!(
        contacts
            .iter()
            .any(|c| c.contains(&format!("127.0.0.1:{}", lp.sip_port()))),
        "{contacts:?}"
    );
    let trace = lp.debug_log();
    assert!(
        trace.contains("401 Unauthorized") && trace.contains("Authorization:"),
        "no digest exchange in {}",
        lp.debug_log_path().display()
    );

    let mut o = LinphoneOptions::new("302");
    o.registrar = Some(k.addr());
    o.password = Some("not-the-password".into());
    let mut wrong = Linphone::start(o).await.unwrap();
    let refused = wrong.wait_registered(WAIT).await.unwrap_err().to_string();
    assert!(
        refused.contains("password was refused") || refused.contains("registration failed"),
        "{refused}"
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let state = wrong.reg_state().await.unwrap();
        if state == LinphoneRegState::Failed {
            break;
        }
        assert_ne!(
            state,
            LinphoneRegState::Ok,
            "registered with a wrong password"
        );
        assert!(Instant::now() < deadline, "still {state:?} after {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(k.contacts("302").await.unwrap().is_empty());
}

#[tokio::test]
async fn only_the_configured_codecs_are_enabled() {
    let mut o = LinphoneOptions::new("309");
    o.codecs = vec!["opus".into(), "PCMA".into(), "G722".into()];
    let mut lp = Linphone::start(o).await.unwrap();
    let list = lp.command("codec list").await.unwrap();
    let enabled: Vec<&str> = list
        .iter()
        .filter(|l| l.ends_with(" enabled"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(enabled, ["opus", "PCMA", "G722"], "{list:?}");
    let err = lp.command("no-such-command").await.unwrap_err().to_string();
    assert!(err.contains("Cannot understand this."), "{err}");
}

#[tokio::test]
async fn baresip_calls_linphonec_and_both_hear_each_other() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut lp = linphone(Some(&k), "301", &tone(dir.path(), "l.wav", 1300.0)).await;
    let mut o = BaresipOptions::new("201");
    o.registrar = Some(k.addr());
    o.codecs = vec!["PCMU".into()];
    o.play_wav = Some(tone(dir.path(), "b.wav", 700.0));
    o.record = true;
    let mut b = Baresip::start(o).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();

    b.dial(&k.aor("301")).await.unwrap();
    let inc = lp.wait_event(K::Incoming, WAIT).await.unwrap();
    assert!(inc.peer.contains("sip:201@127.0.0.1"), "{inc:?}");
    let id = inc.call.unwrap();
    b.wait_event(CallEvent::Ringing, WAIT).await.unwrap();
    lp.answer_call(id).await.unwrap();
    lp.wait_call_event(id, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    assert_eq!(lp.calls(), vec![(id, K::StreamsRunning)]);
    tokio::time::sleep(Duration::from_secs(3)).await;

    lp.hangup().await.unwrap();
    let end = lp.wait_call_event(id, K::Ended, WAIT).await.unwrap();
    assert_eq!(end.detail, "No error", "{end:?}");
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    assert!(lp.calls().is_empty());

    let heard_by_linphonec = assert_contains_tone(lp.recording(id, WAIT).await.unwrap(), 700.0);
    let heard_by_baresip = assert_contains_tone(b.last_recording(WAIT).await.unwrap(), 1300.0);
    eprintln!("linphonec heard {heard_by_linphonec:?}\nbaresip heard {heard_by_baresip:?}");
    assert!(heard_by_linphonec.secs > 2.0 && heard_by_baresip.secs > 2.0);
}

/// Calls linphonec directly, logs the confirmed dialog (`DIALOG call-id
/// to-tag`), and expects the BYE that ends it once it is replaced.
const UAC_CALL_UNTIL_BYE: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call until replaced">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[from_tag]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[caller]@[local_ip]:[local_port]>
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
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true">
    <action>
      <ereg regexp=";tag=([^;> ]+)" search_in="hdr" header="To:" check_it="true" assign_to="to_param,to_tag"/>
      <log message="DIALOG [call_id] [$to_tag] [$to_param]"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[from_tag]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv request="BYE" timeout="30000"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
</scenario>
"#;

/// Sends an INVITE carrying `Replaces: [replaces]`, talks 3 s, hangs up.
const UAC_REPLACES: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="invite with replaces">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]fdtbR[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[caller]@[local_ip]:[local_port]>
      Replaces: [replaces]
      Require: replaces
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 2 2 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]fdtbR[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="3000"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]fdtbR[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
</scenario>
"#;

/// Waits for sipp's `<log>` line `DIALOG call-id to-tag ...` in `log`.
async fn logged_dialog(log: &Path) -> (String, String) {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.starts_with("DIALOG ")) {
            let words: Vec<&str> = line.split_whitespace().collect();
            return (words[1].to_owned(), words[2].to_owned());
        }
        assert!(
            Instant::now() < deadline,
            "sipp logged no dialog in {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn linphonec_replaces_its_confirmed_call_on_invite_with_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let mut lp = linphone(None, "301", &tone(dir.path(), "l.wav", 1300.0)).await;
    let target = lp.sip_addr().to_string();
    let from_tag = format!("fdtbA{}", std::process::id());
    let log = dir.path().join("a-actions.log");
    let log_arg = log.to_string_lossy().into_owned();
    let first = Sipp::spawn(
        UAC_CALL_UNTIL_BYE,
        &[
            &target,
            "-s",
            "301",
            "-key",
            "caller",
            "alice",
            "-key",
            "from_tag",
            &from_tag,
            "-rtp_echo",
            "-trace_logs",
            "-log_file",
            &log_arg,
        ],
    )
    .unwrap();
    let inc = lp.wait_event(K::Incoming, WAIT).await.unwrap();
    let old = inc.call.unwrap();
    lp.answer_call(old).await.unwrap();
    lp.wait_call_event(old, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    let (call_id, to_tag) = logged_dialog(&log).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    // RFC 3891: to-tag is the recipient's (linphonec's) tag, from-tag the peer's.
    let replaces = format!("{call_id};to-tag={to_tag};from-tag={from_tag}");
    let second = Sipp::spawn(
        UAC_REPLACES,
        &[
            &target,
            "-s",
            "301",
            "-key",
            "caller",
            "bob",
            "-key",
            "replaces",
            &replaces,
            "-rtp_echo",
        ],
    )
    .unwrap();
    let inc = lp.wait_event(K::Incoming, WAIT).await.unwrap();
    assert!(inc.peer.contains("bob"), "{inc:?}");
    let new = inc.call.unwrap();
    // Accepted by liblinphone itself (no `answer`), the old call ended.
    lp.wait_call_event(new, K::Connected, WAIT).await.unwrap();
    lp.wait_call_event(new, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    lp.wait_call_event(old, K::Ended, WAIT).await.unwrap();
    assert_eq!(lp.calls(), vec![(new, K::StreamsRunning)]);
    first.wait(WAIT).await.unwrap().assert_success();
    second.wait(WAIT).await.unwrap().assert_success();
    lp.wait_call_event(new, K::Ended, WAIT).await.unwrap();

    // sipp echoes linphonec's own tone: audio flowed on the new dialog.
    let echoed = assert_contains_tone(lp.recording(new, WAIT).await.unwrap(), 1300.0);
    eprintln!("replacing call: linphonec heard {echoed:?}");
    assert!(echoed.secs > 2.0, "{echoed:?}");
    assert!(
        lp.debug_log()
            .contains("replacing call is going to be accepted and replaced call terminated"),
        "liblinphone did not auto-accept the replacing call"
    );
}

#[tokio::test]
async fn attended_transfer_between_three_linphonecs() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = linphone(Some(&k), "301", &tone(dir.path(), "a.wav", 700.0)).await;
    let mut b = linphone(Some(&k), "302", &tone(dir.path(), "b.wav", 1300.0)).await;
    let mut c = linphone(Some(&k), "303", &tone(dir.path(), "c.wav", 1900.0)).await;

    // A calls B; B holds A and calls C.
    let a1 = a.dial(&k.aor("302")).await.unwrap();
    let b1 = b.wait_event(K::Incoming, WAIT).await.unwrap().call.unwrap();
    b.answer_call(b1).await.unwrap();
    a.wait_call_event(a1, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    b.wait_call_event(b1, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.pause().await.unwrap();
    b.wait_call_event(b1, K::Paused, WAIT).await.unwrap();
    a.wait_call_event(a1, K::PausedByRemote, WAIT)
        .await
        .unwrap();
    let b2 = b.dial(&k.aor("303")).await.unwrap();
    let c1 = c.wait_event(K::Incoming, WAIT).await.unwrap().call.unwrap();
    c.answer_call(c1).await.unwrap();
    b.wait_call_event(b2, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    c.wait_call_event(c1, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // B joins A and C: REFER to A with Refer-To C?Replaces=<B-C dialog>.
    b.transfer_to_call(b1, b2).await.unwrap();
    b.wait_call_event(b1, K::AttendedTransferStarted, WAIT)
        .await
        .unwrap();
    let a2 = a.wait_event(K::OutgoingInit, WAIT).await.unwrap();
    assert!(
        a2.peer.contains("sip:303@") && a2.peer.contains("Replaces="),
        "{a2:?}"
    );
    let a2 = a2.call.unwrap();
    let c2 = c.wait_event(K::Incoming, WAIT).await.unwrap();
    assert!(c2.peer.contains("sip:301@"), "{c2:?}");
    let c2 = c2.call.unwrap();
    a.wait_call_event(a2, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    c.wait_call_event(c2, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    c.wait_call_event(c1, K::Ended, WAIT).await.unwrap();
    b.wait_call_event(b1, K::Transferred, TRANSFER_OUTCOME_WAIT)
        .await
        .unwrap();
    b.wait_call_event(b2, K::Ended, WAIT).await.unwrap();
    b.wait_call_event(b1, K::Ended, WAIT).await.unwrap();
    a.wait_call_event(a1, K::Ended, WAIT).await.unwrap();
    assert!(b.calls().is_empty(), "{:?}", b.calls());
    tokio::time::sleep(Duration::from_secs(3)).await;
    a.hangup().await.unwrap();
    a.wait_call_event(a2, K::Ended, WAIT).await.unwrap();
    c.wait_call_event(c2, K::Ended, WAIT).await.unwrap();

    let a_after = assert_contains_tone(a.recording(a2, WAIT).await.unwrap(), 1900.0);
    let c_after = assert_contains_tone(c.recording(c2, WAIT).await.unwrap(), 700.0);
    let a_before = assert_contains_tone(a.recording(a1, WAIT).await.unwrap(), 1300.0);
    let c_before = assert_contains_tone(c.recording(c1, WAIT).await.unwrap(), 1300.0);
    eprintln!(
        "A heard B {a_before:?} then C {a_after:?}\nC heard B {c_before:?} then A {c_after:?}"
    );
    assert!(
        a_after.secs > 2.0 && c_after.secs > 2.0,
        "{a_after:?} {c_after:?}"
    );
}

/// Rings (180 with To tag `[uas_tag]`) without answering, logs the early
/// dialog (`EARLY call-id from-tag ...`), expects CANCEL and answers 487.
const UAS_RING_UNTIL_CANCEL: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ring until cancelled">
  <recv request="INVITE">
    <action>
      <ereg regexp=";tag=([^;> ]+)" search_in="hdr" header="From:" check_it="true" assign_to="from_param,from_tag"/>
      <ereg regexp="([0-9]+)" search_in="hdr" header="CSeq:" check_it="true" assign_to="cseq_all,cseq"/>
      <log message="EARLY [call_id] [$from_tag] [$from_param] [$cseq_all]"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[uas_tag]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:ringer@[local_ip]:[local_port]>
      Content-Length: 0
    ]]>
  </send>
  <recv request="CANCEL" timeout="30000"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[uas_tag]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <send>
    <![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[uas_tag]
      [last_Call-ID:]
      CSeq: [$cseq] INVITE
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
</scenario>
"#;

/// Directed pickup as seen by the caller: INVITE with `Replaces;early-only`
/// for linphonec's ringing outgoing call.
#[tokio::test]
async fn linphonec_as_caller_replaces_its_early_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let mut lp = linphone(None, "301", &tone(dir.path(), "l.wav", 1300.0)).await;
    let uas_tag = format!("fdtbU{}", std::process::id());
    let log = dir.path().join("uas-actions.log");
    let log_arg = log.to_string_lossy().into_owned();
    let ringer = Sipp::spawn(
        UAS_RING_UNTIL_CANCEL,
        &[
            "-key",
            "uas_tag",
            &uas_tag,
            "-trace_logs",
            "-log_file",
            &log_arg,
        ],
    )
    .unwrap();
    let old = lp
        .dial(&format!("sip:ringer@{}", ringer.addr()))
        .await
        .unwrap();
    lp.wait_call_event(old, K::Ringing, WAIT).await.unwrap();
    let deadline = Instant::now() + WAIT;
    let (call_id, caller_tag) = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.starts_with("EARLY ")) {
            let w: Vec<&str> = line.split_whitespace().collect();
            break (w[1].to_owned(), w[2].to_owned());
        }
        assert!(Instant::now() < deadline, "sipp logged no early dialog");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let replaces = format!("{call_id};to-tag={caller_tag};from-tag={uas_tag};early-only");
    let picker = Sipp::spawn(
        UAC_REPLACES,
        &[
            &lp.sip_addr().to_string(),
            "-s",
            "301",
            "-key",
            "caller",
            "picker",
            "-key",
            "replaces",
            &replaces,
            "-rtp_echo",
        ],
    )
    .unwrap();
    let inc = lp.wait_event(K::Incoming, WAIT).await.unwrap();
    let new = inc.call.unwrap();
    // Not accepted by itself (liblinphone auto-accepts only when the replaced
    // call is confirmed): it rings like any call until answered.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(lp.calls().contains(&(new, K::Incoming)), "{:?}", lp.calls());
    lp.answer_call(new).await.unwrap();
    lp.wait_call_event(new, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    lp.wait_call_event(old, K::Ended, WAIT).await.unwrap();
    assert!(
        lp.debug_log()
            .contains("This last one is going to be terminated automatically"),
        "liblinphone did not match the Replaces header to call {old}"
    );
    ringer.wait(WAIT).await.unwrap().assert_success();
    picker.wait(WAIT).await.unwrap().assert_success();
    let echoed = assert_contains_tone(lp.recording(new, WAIT).await.unwrap(), 1300.0);
    assert!(echoed.secs > 2.0, "{echoed:?}");
}

/// Blind transfer by linphonec: baresip 201 calls linphonec, linphonec sends
/// REFER to 202; baresip 201 calls 202 and they talk.
#[tokio::test]
async fn linphonec_transfers_blind_to_another_baresip() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut lp = linphone(Some(&k), "301", &tone(dir.path(), "l.wav", 1300.0)).await;
    let baresip = |user: &str, wav: PathBuf, auto_answer: bool| {
        let mut o = BaresipOptions::new(user);
        o.registrar = Some(k.addr());
        o.codecs = vec!["PCMU".into()];
        o.play_wav = Some(wav);
        o.record = true;
        o.auto_answer = auto_answer;
        o
    };
    let mut caller = Baresip::start(baresip("201", tone(dir.path(), "c.wav", 700.0), false))
        .await
        .unwrap();
    let mut target = Baresip::start(baresip("202", tone(dir.path(), "t.wav", 1900.0), true))
        .await
        .unwrap();
    caller.wait_registered(WAIT).await.unwrap();
    target.wait_registered(WAIT).await.unwrap();

    caller.dial(&k.aor("301")).await.unwrap();
    let id = lp
        .wait_event(K::Incoming, WAIT)
        .await
        .unwrap()
        .call
        .unwrap();
    lp.answer().await.unwrap();
    lp.wait_call_event(id, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();

    lp.transfer(id, &k.aor("202")).await.unwrap();
    let est = target
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    assert!(
        est.peer_uri.as_deref().unwrap_or("").contains("201"),
        "{est:?}"
    );
    // liblinphone reports the transfer (and ends its call) only on the transferee's final
    // NOTIFY, which baresip 1.0 sometimes never sends (seen in CI even after 30 s); the
    // transfer itself is proven above and by the audio below, so without it 301 hangs up.
    match lp
        .wait_call_event(id, K::Transferred, TRANSFER_OUTCOME_WAIT)
        .await
    {
        Ok(_) => {
            lp.wait_call_event(id, K::Ended, TRANSFER_OUTCOME_WAIT)
                .await
                .unwrap();
        }
        Err(e) => {
            eprintln!("baresip sent no final NOTIFY ({e}); 301 hangs up itself");
            lp.hangup_call(id).await.unwrap();
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    caller.hangup().await.unwrap();
    target.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    let heard = assert_contains_tone(target.last_recording(WAIT).await.unwrap(), 700.0);
    assert!(heard.secs > 2.0, "{heard:?}");
}

/// Two linphonecs without registrar: direct call, keypad digits, hold and
/// resume, hang-up by the callee.
#[tokio::test]
async fn direct_call_with_dtmf_hold_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = linphone(None, "401", &tone(dir.path(), "a.wav", 700.0)).await;
    let mut b = linphone(None, "402", &tone(dir.path(), "b.wav", 1300.0)).await;
    assert_eq!(b.reg_state().await.unwrap(), LinphoneRegState::NoAccount);

    let a1 = a.dial(&b.uri()).await.unwrap();
    a.wait_call_event(a1, K::Ringing, WAIT).await.unwrap();
    let b1 = b.wait_event(K::Incoming, WAIT).await.unwrap().call.unwrap();
    b.answer().await.unwrap();
    a.wait_call_event(a1, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    b.wait_call_event(b1, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    let busy = a.dial(&b.uri()).await.unwrap_err().to_string();
    assert!(
        busy.contains("Terminate or hold on the current call first"),
        "{busy}"
    );

    a.send_dtmf("5#").await.unwrap();
    for digit in ["5", "#"] {
        let d = b.wait_event(K::DtmfReceived, WAIT).await.unwrap();
        assert_eq!(d.detail, digit, "{d:?}");
    }
    a.pause().await.unwrap();
    a.wait_call_event(a1, K::Paused, WAIT).await.unwrap();
    b.wait_call_event(b1, K::PausedByRemote, WAIT)
        .await
        .unwrap();
    a.resume(a1).await.unwrap();
    a.wait_call_event(a1, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    b.wait_call_event(b1, K::StreamsRunning, WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.hangup_call(b1).await.unwrap();
    a.wait_call_event(a1, K::Ended, WAIT).await.unwrap();
    b.wait_call_event(b1, K::Ended, WAIT).await.unwrap();

    assert_contains_tone(a.last_recording(WAIT).await.unwrap(), 1300.0);
    assert_contains_tone(b.last_recording(WAIT).await.unwrap(), 700.0);
}
