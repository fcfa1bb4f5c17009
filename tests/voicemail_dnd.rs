//! Do-not-disturb through the real daemon: `frontdesk ctl dnd [on|off]` reads and switches it,
//! `ctl status` and `ctl events` show it, and the daemon keeps it across a restart.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use support::{Daemon, Launch, WAIT};
use tokio::io::{AsyncBufReadExt, BufReader};

/// A daemon on the config in `dir` (written on the first start; its data dir `dir/data`
/// outlives the process), ready once `ctl status` answers.
async fn start(dir: &Path) -> Daemon {
    let config = dir.join("config.toml");
    if !config.exists() {
        let port = frontdesk_testbed::free_port().unwrap();
        std::fs::write(
            &config,
            format!(
                "[sip]\nlisten = \"127.0.0.1:{port}\"\n[audio]\nbackend = \"file\"\n\
                 [data]\ndir = \"data\"\n[voicemail]\nmodel = \"no-such-model.bin\"\n"
            ),
        )
        .unwrap();
    }
    let daemon = Daemon::spawn(dir, &config, &dir.join("daemon.log"), &Launch::default());
    daemon.wait_ready().await;
    daemon
}

#[tokio::test]
async fn ctl_dnd_reads_and_switches_it_and_the_daemon_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = start(dir.path()).await;
    assert_eq!(daemon.ctl(&["dnd"]).await, serde_json::json!({"on": false}));
    assert_eq!(
        daemon.text(&["dnd"]).await,
        "do-not-disturb is off: calls ring\n"
    );
    assert_eq!(daemon.ctl(&["status"]).await["do_not_disturb"], false);

    // Another front end listening sees the switch.
    let mut events = daemon
        .ctl_command(&["events"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(events.stdout.take().unwrap()).lines();
    // `ctl events` prints nothing before it is connected: switch until it reports a switch on.
    let deadline = tokio::time::Instant::now() + WAIT;
    let event = loop {
        assert_eq!(
            daemon.ctl(&["dnd", "on"]).await,
            serde_json::json!({"on": true})
        );
        let seen = tokio::time::timeout(Duration::from_secs(1), async {
            loop {
                let line = lines.next_line().await.unwrap().expect("ctl events ended");
                let event: Value = serde_json::from_str(&line).unwrap();
                if event["type"] == "do_not_disturb" && event["on"] == true {
                    return event;
                }
            }
        })
        .await;
        if let Ok(event) = seen {
            break event;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "ctl events never showed the switch; log:\n{}",
            daemon.log()
        );
        daemon.ctl(&["dnd", "off"]).await;
    };
    assert_eq!(
        event,
        serde_json::json!({"type": "do_not_disturb", "on": true})
    );
    events.kill().await.unwrap();

    assert_eq!(daemon.ctl(&["dnd"]).await["on"], true);
    assert!(
        daemon
            .text(&["status"])
            .await
            .lines()
            .next()
            .unwrap()
            .ends_with("; do-not-disturb on"),
        "the status line says so"
    );
    assert_eq!(
        daemon.text(&["dnd"]).await,
        "do-not-disturb is on: the voicemail takes every call at once\n"
    );

    // A word that is no switch position is refused before anything is sent.
    let wrong = daemon.run(&["dnd", "maybe"]).await;
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("maybe") && stderr.contains("on") && stderr.contains("off"),
        "{stderr}"
    );

    // Kept across a restart of the daemon.
    daemon.stop().await;
    let daemon = start(dir.path()).await;
    assert_eq!(daemon.ctl(&["dnd"]).await, serde_json::json!({"on": true}));
    assert_eq!(daemon.ctl(&["status"]).await["do_not_disturb"], true);
    assert_eq!(
        daemon.ctl(&["dnd", "off"]).await,
        serde_json::json!({"on": false})
    );
    daemon.stop().await;
}
