//! Mailbox mode, for an always-on machine that extensions forward to: every call is taken at
//! once and filed in the mailbox of the extension that forwarded it (Diversion header). The
//! caller (sipp) says nothing, so it is a call attempt.

mod support;

use frontdesk_api::CallState;
use frontdesk_store::{InboxQuery, MessageKind, Store};
use support::{Frontdesk, Setup, WAIT};

#[tokio::test]
async fn a_forwarded_call_lands_in_the_forwarding_extensions_mailbox() {
    let mut fd = Frontdesk::start(Setup {
        extra: "[voicemail]\nmailbox_mode = true\nsilence_seconds = 2\n",
        ..Setup::default()
    })
    .await;
    let us = format!("127.0.0.1:{}", fd.engine.sip_listen_addr().port());
    let caller = frontdesk_testbed::Sipp::spawn(
        include_str!("scenarios/forwarded_silent_caller.xml"),
        &[&us],
    )
    .unwrap();
    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    let answered = fd.wait_state(&ringing.id, CallState::Active).await;
    assert!(
        answered.answered_at.unwrap() - ringing.started_at < 1000,
        "mailbox mode answers at once"
    );
    // The shipped greeting (about 10 s), the beep, 2 s of silence: the voicemail hangs up.
    let ended = fd
        .wait_call_within(WAIT * 3, |c| {
            c.id == ringing.id && c.state == CallState::Ended
        })
        .await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    caller.wait(WAIT).await.unwrap().assert_success();

    let store = Store::open(&fd.path("data/frontdesk.db")).unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    let filed = loop {
        let inbox = store.inbox(&InboxQuery::default()).unwrap();
        if let Some(first) = inbox.into_iter().next() {
            break first;
        }
        assert!(std::time::Instant::now() < deadline, "nothing filed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(filed.mailbox, "201");
    assert_eq!(
        filed.kind,
        MessageKind::Attempt,
        "silent throughout: {filed:?}"
    );
    assert_eq!(filed.caller_number, "0301111222");
    assert!(!filed.has_audio, "an attempt keeps no audio");
    let leftovers: Vec<_> = walk(&fd.path("data/voicemail"));
    assert!(leftovers.is_empty(), "no files left behind: {leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}
