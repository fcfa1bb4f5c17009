//! The busy-lamp panel against Kamailio's dialog event package, with baresip colleagues
//! calling each other: every change shows within a second; `*8` picks up a ringing call
//! (linphonec as the caller, which honours INVITEs with Replaces), or says there is none.

mod support;

use frontdesk_api::{
    Backend, CallState, DialRequest, ErrorKind, Lamp, LampState, RegistrationState,
};
use frontdesk_testbed::{
    assert_contains_tone, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions, Linphone,
    LinphoneEventKind as Ev, LinphoneOptions,
};
use std::time::{Duration, Instant};
use support::{tone, Frontdesk, Setup, WAIT};

const CALLER_HZ: f64 = 1000.0;

async fn colleague(k: &Kamailio, user: &str, auto_answer: bool) -> Baresip {
    let mut options = BaresipOptions::new(user);
    options.registrar = Some(k.addr());
    options.codecs = vec!["PCMU".into()];
    options.auto_answer = auto_answer;
    let mut b = Baresip::start(options).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();
    b
}

/// Waits until `extension`'s lamp shows `state`; returns it and how long that took.
async fn lamp(
    fd: &Frontdesk,
    extension: &str,
    state: LampState,
    within: Duration,
) -> (Lamp, Duration) {
    let start = Instant::now();
    loop {
        let lamps = fd.engine.lamps().await.unwrap();
        if let Some(lamp) = lamps
            .iter()
            .find(|l| l.extension == extension && l.state == state)
        {
            return (lamp.clone(), start.elapsed());
        }
        assert!(
            start.elapsed() < within,
            "lamp {extension} did not become {state:?} within {within:?}: {lamps:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn lamps_follow_colleagues_calls_and_an_empty_pickup_says_so() {
    let k = Kamailio::start(KamailioOptions {
        presence: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        account_extra: "blf = [\"102\", \"103\", \"104\"]",
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut b102 = colleague(&k, "102", false).await;
    let mut b103 = colleague(&k, "103", false).await;
    for ext in ["102", "103", "104"] {
        lamp(&fd, ext, LampState::Idle, WAIT).await;
    }

    // Nothing rings: `*8` places no call and says why.
    let none = fd
        .engine
        .dial(DialRequest {
            target: "*8".into(),
            account: None,
        })
        .await
        .unwrap_err();
    assert_eq!(none.kind, ErrorKind::Conflict, "{none}");
    assert!(fd.engine.calls().await.unwrap().is_empty());

    // 102 calls 103: 103 rings (with the caller), 102 is busy.
    b102.dial(&k.aor("103")).await.unwrap();
    b103.wait_event(CallEvent::Incoming, WAIT).await.unwrap();
    let (ringing, after) = lamp(&fd, "103", LampState::Ringing, Duration::from_secs(1)).await;
    assert_eq!(
        ringing.caller.as_deref(),
        Some("102"),
        "the lamp names the caller by number: {ringing:?}"
    );
    eprintln!("ringing shown {after:?} after baresip saw the call");
    lamp(&fd, "102", LampState::Busy, Duration::from_secs(1)).await;

    // 103 answers: both busy; 102 hangs up: both idle again.
    b103.answer().await.unwrap();
    b103.wait_event(CallEvent::Established, WAIT).await.unwrap();
    lamp(&fd, "103", LampState::Busy, Duration::from_secs(1)).await;
    b102.hangup().await.unwrap();
    b103.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    lamp(&fd, "103", LampState::Idle, Duration::from_secs(1)).await;
    // Kamailio publishes the caller's end of the call on its own; on a loaded CI machine its
    // NOTIFY has come more than a second after the callee's (the SIP-level BLF test times
    // each NOTIFY against the action that caused it).
    lamp(&fd, "102", LampState::Idle, Duration::from_secs(3)).await;
    lamp(&fd, "104", LampState::Idle, Duration::from_secs(1)).await;

    // Shutdown removes the subscriptions too.
    fd.engine.shutdown().await;
}

/// 102 (linphonec) calls 103 (baresip), which rings; we pick the call up with `code`.
async fn pick_up_with(code: &str) {
    let k = Kamailio::start(KamailioOptions {
        presence: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        account_extra: "blf = [\"103\", \"104\"]",
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let mut options = LinphoneOptions::new("102");
    options.registrar = Some(k.addr());
    let wav = dir.path().join("caller.wav");
    frontdesk_testbed::tone_wav(&wav, CALLER_HZ, 60.0, 8000).unwrap();
    options.play_wav = Some(wav);
    let mut caller = Linphone::start(options).await.unwrap();
    caller.wait_registered(WAIT).await.unwrap();
    let mut callee = colleague(&k, "103", false).await;
    lamp(&fd, "103", LampState::Idle, WAIT).await;

    let original = caller.dial(&k.aor("103")).await.unwrap();
    callee.wait_event(CallEvent::Incoming, WAIT).await.unwrap();
    lamp(&fd, "103", LampState::Ringing, Duration::from_secs(1)).await;

    let picked = fd
        .engine
        .dial(DialRequest {
            target: code.into(),
            account: None,
        })
        .await
        .unwrap();
    assert_eq!(picked.remote_number, "102", "{picked:?}");
    // liblinphone rings our INVITE with Replaces;early-only like a new call; once answered it
    // cancels its call to 103.
    let replacing = caller.wait_event(Ev::Incoming, WAIT).await.unwrap();
    caller.answer_call(replacing.call.unwrap()).await.unwrap();
    fd.wait_state(&picked.id, CallState::Active).await;
    callee.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    caller
        .wait_call_event(original, Ev::Ended, WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    fd.engine.hangup(Some(picked.id.clone())).await.unwrap();
    fd.wait_state(&picked.id, CallState::Ended).await;
    assert_contains_tone(fd.recording(&picked.id), CALLER_HZ);
}

#[tokio::test]
async fn star_eight_and_the_extension_picks_up_the_call_ringing_there() {
    pick_up_with("*8103").await;
}

#[tokio::test]
async fn star_eight_alone_picks_up_any_ringing_call() {
    pick_up_with("*8").await;
}

/// We call 103, whose desk rings; colleague 104 (a second Frontdesk watching 103) picks the
/// call up with `*8103`. Its INVITE with `Replaces;early-only` names our ringing call: we take
/// the new call at once, cancel ours to 103 (its desk stops ringing), and talk to 104.
#[tokio::test]
async fn a_colleague_picks_up_a_call_we_placed_while_it_rings() {
    const OURS_HZ: f64 = 1500.0;
    const COLLEAGUE_HZ: f64 = 700.0;
    let k = Kamailio::start(KamailioOptions {
        presence: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        codecs: &["pcmu"],
        play: Some(tone(dir.path(), OURS_HZ)),
        ..Setup::default()
    })
    .await;
    let mut desk = colleague(&k, "103", false).await;
    let mut picker = Frontdesk::start(Setup {
        kamailio: Some(&k),
        user: "104",
        codecs: &["pcmu"],
        play: Some(tone(dir.path(), COLLEAGUE_HZ)),
        account_extra: "blf = [\"103\"]",
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    picker.wait_account(RegistrationState::Registered).await;
    lamp(&picker, "103", LampState::Idle, WAIT).await;

    let ours = fd
        .engine
        .dial(DialRequest {
            target: "103".into(),
            account: None,
        })
        .await
        .unwrap();
    desk.wait_event(CallEvent::Incoming, WAIT).await.unwrap();
    lamp(&picker, "103", LampState::Ringing, WAIT).await;

    let picked = picker
        .engine
        .dial(DialRequest {
            target: "*8103".into(),
            account: None,
        })
        .await
        .unwrap();
    picker.wait_state(&picked.id, CallState::Active).await;
    desk.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    let deadline = Instant::now() + WAIT;
    let replacing = loop {
        let calls = fd.engine.calls().await.unwrap();
        if let [only] = calls.as_slice() {
            if only.id != ours.id && only.state == CallState::Active {
                break only.clone();
            }
        }
        assert!(Instant::now() < deadline, "not replaced: {calls:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(replacing.remote_number, "104", "{replacing:#?}");
    let history = fd.engine.history(10).await.unwrap();
    let placed = history
        .iter()
        .find(|h| h.remote_number == "103")
        .expect("our call to 103 in the history");
    assert_eq!(
        placed.end_reason.as_deref(),
        Some("cancelled"),
        "{placed:#?}"
    );
    assert_eq!(placed.answered_at, None);

    tokio::time::sleep(Duration::from_secs(2)).await;
    picker.engine.hangup(Some(picked.id.clone())).await.unwrap();
    fd.wait_call(|c| c.id == replacing.id && c.state == CallState::Ended)
        .await;
    assert_contains_tone(picker.recording(&picked.id), OURS_HZ);
    assert_contains_tone(fd.recording(&replacing.id), COLLEAGUE_HZ);
}
