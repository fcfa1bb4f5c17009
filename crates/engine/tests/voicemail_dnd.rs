//! Do-not-disturb switched at run time, against a real caller (baresip) on loopback: off, a
//! call rings; switched on through the Backend, the next call is the voicemail's at once, and
//! so is a call ringing at the moment it is switched on. The switch outlives a restart and
//! wins over the config file from then on.

mod support;
mod voicemail_support;

use frontdesk_api::{Backend, CallInfo, CallState, DoNotDisturb, ErrorKind, Event};
use frontdesk_config::Config;
use frontdesk_engine::Engine;
use frontdesk_testbed::{free_port, Baresip, BaresipOptions, CallEvent};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::{Frontdesk, Setup, WAIT};
use voicemail_support::*;

/// Long enough that a call the voicemail takes within it was taken at once.
const ANSWER_AFTER: u64 = 30;
/// How long a call that must keep ringing is watched.
const STILL_RINGING: Duration = Duration::from_secs(3);
/// Taking a call "at once": answering and the 200 OK on loopback, with slack for a busy CI.
const AT_ONCE_MS: i64 = 2000;

/// A caller who says nothing (the recording is not what these tests look at).
async fn caller(dir: &Path) -> Baresip {
    let mut options = BaresipOptions::new("caller");
    options.codecs = vec!["PCMU".into()];
    options.play_wav = Some(silence(dir, "quiet", 30.0, 8000));
    Baresip::start(options).await.unwrap()
}

async fn ring(fd: &mut Frontdesk, b: &mut Baresip) -> CallInfo {
    b.dial(&format!("sip:101@{}", fd.engine.sip_listen_addr()))
        .await
        .unwrap();
    fd.wait_call(|c| c.state == CallState::Incoming).await
}

/// Waits until the do-not-disturb event arrives; other events are skipped.
async fn dnd_event(fd: &mut Frontdesk) -> bool {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let event = tokio::time::timeout_at(deadline, fd.events.recv())
            .await
            .expect("no do-not-disturb event")
            .unwrap();
        if let Event::DoNotDisturb { on } = event {
            return on;
        }
    }
}

/// The caller hangs up a call the voicemail took; waits until it ended on our side.
async fn hang_up(fd: &mut Frontdesk, b: &mut Baresip, id: &str) {
    b.hangup().await.unwrap();
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    fd.wait_state(id, CallState::Ended).await;
}

#[tokio::test]
async fn switched_on_the_next_call_goes_to_the_voicemail_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        codecs: &["pcmu"],
        extra: &format!(
            "[voicemail]\nanswer_after_seconds = {ANSWER_AFTER}\nmodel = \"{}\"\n",
            no_model(dir.path()).display()
        ),
        ..Setup::default()
    })
    .await;
    assert!(!fd.engine.status().await.unwrap().do_not_disturb);
    assert_eq!(
        fd.engine.do_not_disturb().await.unwrap(),
        DoNotDisturb { on: false }
    );

    // Off: the call rings and nobody takes it.
    let mut b = caller(dir.path()).await;
    let ringing = ring(&mut fd, &mut b).await;
    tokio::time::sleep(STILL_RINGING).await;
    let calls = fd.engine.calls().await.unwrap();
    let still = calls.iter().find(|c| c.id == ringing.id).unwrap();
    assert_eq!(
        still.state,
        CallState::Incoming,
        "without do-not-disturb the call rings"
    );
    fd.engine.hangup(Some(ringing.id.clone())).await.unwrap();
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    fd.wait_state(&ringing.id, CallState::Ended).await;

    // Switched on through the Backend: every front end hears of it.
    assert_eq!(
        fd.engine.set_do_not_disturb(true).await.unwrap(),
        DoNotDisturb { on: true }
    );
    assert!(dnd_event(&mut fd).await);
    assert!(fd.engine.status().await.unwrap().do_not_disturb);

    // The next call is taken at once.
    let ringing = ring(&mut fd, &mut b).await;
    let answered = fd.wait_state(&ringing.id, CallState::Active).await;
    let after = answered.answered_at.unwrap() - answered.started_at;
    assert!(
        after < AT_ONCE_MS,
        "the voicemail answered {after} ms after the call came in"
    );
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    hang_up(&mut fd, &mut b, &ringing.id).await;

    // Switching to the state it is in changes nothing and tells nobody.
    fd.engine.set_do_not_disturb(true).await.unwrap();
    assert_eq!(
        fd.engine.set_do_not_disturb(false).await.unwrap(),
        DoNotDisturb { on: false }
    );
    assert!(!dnd_event(&mut fd).await, "one event, for the real change");
}

#[tokio::test]
async fn switched_on_while_a_call_rings_the_voicemail_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut fd = Frontdesk::start(Setup {
        codecs: &["pcmu"],
        extra: &format!(
            "[voicemail]\nanswer_after_seconds = {ANSWER_AFTER}\nmodel = \"{}\"\n",
            no_model(dir.path()).display()
        ),
        ..Setup::default()
    })
    .await;
    let mut b = caller(dir.path()).await;
    let ringing = ring(&mut fd, &mut b).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let switched = std::time::Instant::now();
    fd.engine.set_do_not_disturb(true).await.unwrap();
    fd.wait_state(&ringing.id, CallState::Active).await;
    let took = switched.elapsed();
    assert!(
        took < Duration::from_millis(AT_ONCE_MS as u64),
        "the voicemail took the ringing call {took:?} after the switch"
    );
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    hang_up(&mut fd, &mut b, &ringing.id).await;
}

/// An engine on `data` (kept between starts) with `voicemail` under `[voicemail]`.
async fn engine_on(data: &Path, voicemail: &str) -> Arc<Engine> {
    let toml = format!(
        "[sip]\nlisten = \"127.0.0.1:{}\"\n[audio]\nbackend = \"file\"\n[data]\ndir = \"{}\"\n[voicemail]\nmodel = \"{}\"\n{voicemail}",
        free_port().unwrap(),
        data.display(),
        no_model(data).display()
    );
    Engine::start(Config::from_str_with_base(&toml, data).unwrap())
        .await
        .unwrap()
}

async fn dnd_of(engine: &Engine) -> bool {
    let on = engine.do_not_disturb().await.unwrap().on;
    assert_eq!(engine.status().await.unwrap().do_not_disturb, on);
    on
}

#[tokio::test]
async fn the_switch_outlives_a_restart_and_then_wins_over_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    // The config's value until the user switches.
    let engine = engine_on(&data, "do_not_disturb = true\n").await;
    assert!(
        dnd_of(&engine).await,
        "the config file's value to begin with"
    );
    engine.shutdown().await;
    drop(engine);
    let engine = engine_on(&data, "").await;
    assert!(!dnd_of(&engine).await, "never switched: the config decides");

    engine.set_do_not_disturb(true).await.unwrap();
    engine.shutdown().await;
    drop(engine);
    let engine = engine_on(&data, "").await;
    assert!(dnd_of(&engine).await, "switched on, kept after a restart");

    engine.set_do_not_disturb(false).await.unwrap();
    engine.shutdown().await;
    drop(engine);
    let engine = engine_on(&data, "do_not_disturb = true\n").await;
    assert!(
        !dnd_of(&engine).await,
        "switched off, it stays off although the config says on"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn without_a_voicemail_there_is_nothing_to_switch() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_on(&dir.path().join("data"), "enabled = false\n").await;
    let error = engine.set_do_not_disturb(true).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Conflict);
    assert!(error.message.contains("enabled = true"), "{error}");
    assert!(!dnd_of(&engine).await);
    engine.shutdown().await;
}
