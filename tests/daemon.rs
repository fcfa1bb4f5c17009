//! The real daemon and `frontdesk ctl` against real SIP software: Kamailio as registrar and
//! baresip as the colleague. Also checks that a password never reaches the config file, the
//! data directory or the logs, even at trace level.

mod support;

use frontdesk_testbed::{
    assert_contains_tone, tone_wav, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use support::{Daemon, Launch, BIN, WAIT};
use tokio::process::Command;

/// Writes the config (`account` is TOML for one `[[account]]`), starts the daemon with `env`
/// set and logging at trace level (the password must not show even there).
async fn start(account: &str, env: &[(&str, &str)]) -> Daemon {
    Daemon::start_with(
        account,
        &Launch {
            rust_log: "trace",
            env,
            ..Launch::default()
        },
    )
    .await
}

fn account(k: &Kamailio, user: &str, password_env: Option<&str>) -> String {
    let env = password_env
        .map(|e| format!("password_env = \"{e}\"\n"))
        .unwrap_or_default();
    format!(
        "[[account]]\nname = \"office\"\nuser = \"{user}\"\ndomain = \"{}\"\nregistrar = \"{}\"\ncodecs = [\"pcmu\"]\n{env}",
        k.domain(),
        k.addr()
    )
}

fn registered(status: &Value) -> bool {
    status["accounts"][0]["state"] == "registered"
}

/// Every file under `dir` (recursively) that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test]
async fn ctl_drives_a_real_call_and_the_password_stays_secret() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let user = "7319";
    let password = Kamailio::password_for(user);
    let daemon = start(
        &account(&k, user, Some("OFFICE_PASSWORD")),
        &[("OFFICE_PASSWORD", &password)],
    )
    .await;
    daemon.wait_for(&["status"], WAIT, registered).await;

    let scratch = tempfile::tempdir().unwrap();
    let mut colleague = BaresipOptions::new("202");
    colleague.registrar = Some(k.addr());
    colleague.codecs = vec!["PCMU".into()];
    colleague.auto_answer = true;
    colleague.record = true;
    colleague.play_wav = Some(scratch.path().join("colleague.wav"));
    tone_wav(scratch.path().join("colleague.wav"), 1300.0, 10.0, 16000).unwrap();
    let mut colleague = Baresip::start(colleague).await.unwrap();
    colleague.wait_registered(WAIT).await.unwrap();

    let call = daemon.ctl(&["dial", "202"]).await;
    let id = call["id"].as_str().unwrap().to_string();
    daemon
        .wait_for(&["calls"], WAIT, |calls| calls[0]["state"] == "active")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    daemon.ctl(&["hangup", &id]).await;
    colleague.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    let history = daemon
        .wait_for(&["history"], WAIT, |h| h[0]["end_reason"] == "local_hangup")
        .await;
    assert_eq!(history[0]["remote_number"], "202");
    assert_contains_tone(colleague.last_recording(WAIT).await.unwrap(), 700.0);

    let dir = daemon.stop().await.expect("the harness made the directory");
    assert!(
        k.contacts(user).await.unwrap().is_empty(),
        "SIGTERM must un-REGISTER"
    );
    let log = std::fs::read_to_string(dir.path().join("daemon.log")).unwrap();
    assert!(
        log.contains("REGISTER") && log.contains("Authorization"),
        "the trace log must show the signalling"
    );
    assert_eq!(
        files_containing(dir.path(), &password),
        Vec::<PathBuf>::new(),
        "the password leaked"
    );
    assert_contains_tone(dir.path().join(format!("rec-{id}.wav")), 1300.0);
}

#[tokio::test]
async fn a_password_stored_in_the_keyring_is_used_for_registration() {
    if std::env::var_os("FRONTDESK_REQUIRE_KEYRING").is_none()
        && frontdesk_config::secrets::keyring_status().is_err()
    {
        eprintln!("no OS keyring here; run through scripts/with-keyring (CI does)");
        return;
    }
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let user = "7320";
    let password = Kamailio::password_for(user);
    let scratch = tempfile::tempdir().unwrap();
    let name = format!("office-{}", std::process::id());
    let config_text =
        account(&k, user, None).replace("name = \"office\"", &format!("name = \"{name}\""));
    let config = scratch.path().join("config.toml");
    std::fs::write(&config, &config_text).unwrap();
    let mut set = Command::new(BIN)
        .args(["account", "set-password", &name, "--config"])
        .arg(&config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    set.stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .await
        .unwrap();
    let output = set.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&password));

    let daemon = start(&config_text, &[]).await;
    daemon.wait_for(&["status"], WAIT, registered).await;
    let dir = daemon.stop().await.expect("the harness made the directory");
    frontdesk_config::secrets::delete_password(&name).unwrap();
    assert_eq!(
        files_containing(dir.path(), &password),
        Vec::<PathBuf>::new(),
        "the password leaked"
    );
}

#[tokio::test]
async fn ctl_runs_the_desk_lamps_hold_and_a_keypad_transfer() {
    let k = Kamailio::start(KamailioOptions {
        presence: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let user = "7320";
    let password = Kamailio::password_for(user);
    let daemon = start(
        &format!(
            "{}blf = [\"203\"]\n",
            account(&k, user, Some("OFFICE_PASSWORD"))
        ),
        &[("OFFICE_PASSWORD", &password)],
    )
    .await;
    daemon.wait_for(&["status"], WAIT, registered).await;
    daemon
        .wait_for(&["blf"], WAIT, |lamps| lamps[0]["state"] == "idle")
        .await;

    let scratch = tempfile::tempdir().unwrap();
    let phone = |user: &str, hz: f64, auto_answer: bool| {
        let mut options = BaresipOptions::new(user);
        options.registrar = Some(k.addr());
        options.codecs = vec!["PCMU".into()];
        options.auto_answer = auto_answer;
        options.record = true;
        let wav = scratch.path().join(format!("{user}.wav"));
        tone_wav(&wav, hz, 30.0, 8000).unwrap();
        options.play_wav = Some(wav);
        options
    };
    let mut caller = Baresip::start(phone("201", 1000.0, false)).await.unwrap();
    caller.wait_registered(WAIT).await.unwrap();
    let mut colleague = Baresip::start(phone("203", 600.0, false)).await.unwrap();
    colleague.wait_registered(WAIT).await.unwrap();

    // The caller rings; we answer, hold (music) and take them back, all with ctl.
    caller.dial(&k.aor(user)).await.unwrap();
    let calls = daemon
        .wait_for(&["calls"], WAIT, |calls| calls[0]["state"] == "incoming")
        .await;
    let id = calls[0]["id"].as_str().unwrap().to_string();
    daemon.ctl(&["answer", &id]).await;
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    daemon
        .wait_for(&["calls"], WAIT, |calls| calls[0]["state"] == "active")
        .await;
    daemon.ctl(&["hold", &id]).await;
    daemon
        .wait_for(&["calls"], WAIT, |calls| calls[0]["on_hold"] == true)
        .await;
    daemon.ctl(&["resume", &id]).await;
    daemon
        .wait_for(&["calls"], WAIT, |calls| calls[0]["on_hold"] == false)
        .await;

    // `##203#` hands the caller to the colleague; the lamp shows 203 ringing, busy, idle.
    // (The colleague answers by hand: Kamailio may publish an instantly answered call's
    // early and confirmed states out of order.)
    daemon.ctl(&["keys", "##203#", &id]).await;
    colleague
        .wait_event(CallEvent::Incoming, WAIT)
        .await
        .unwrap();
    daemon
        .wait_for(&["blf"], WAIT, |lamps| lamps[0]["state"] == "ringing")
        .await;
    colleague.answer().await.unwrap();
    colleague
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    daemon
        .wait_for(&["history"], WAIT, |h| h[0]["end_reason"] == "transferred")
        .await;
    daemon
        .wait_for(&["blf"], WAIT, |lamps| lamps[0]["state"] == "busy")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    caller.hangup().await.unwrap();
    colleague.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    daemon
        .wait_for(&["blf"], WAIT, |lamps| lamps[0]["state"] == "idle")
        .await;
    assert_contains_tone(colleague.last_recording(WAIT).await.unwrap(), 1000.0);
    daemon.stop().await;
}
