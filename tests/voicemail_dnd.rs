//! Do-not-disturb through the real daemon: `frontdesk ctl dnd [on|off]` reads and switches it,
//! `ctl status` and `ctl events` show it, and the daemon keeps it across a restart.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");
const WAIT: Duration = Duration::from_secs(15);

/// A daemon on the config in `dir` (its data dir `dir/data` outlives the process).
struct Daemon {
    config: PathBuf,
    home: PathBuf,
    child: Child,
}

impl Daemon {
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
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("daemon.log"))
            .unwrap();
        let child = Command::new(BIN)
            .args(["daemon", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info")
            .env("HOME", dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let daemon = Daemon {
            config,
            home: dir.to_path_buf(),
            child,
        };
        // Ready once `ctl status` answers.
        let deadline = tokio::time::Instant::now() + WAIT;
        while !daemon.run(&["status"]).await.status.success() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the daemon never answered; log:\n{}",
                daemon.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        daemon
    }

    fn ctl_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("ctl")
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("HOME", &self.home);
        command
    }

    /// `frontdesk ctl <args>` as it is.
    async fn run(&self, args: &[&str]) -> Output {
        self.ctl_command(args).output().await.unwrap()
    }

    /// `frontdesk ctl <args> --json`, which must succeed.
    async fn json(&self, args: &[&str]) -> Value {
        let output = self.run(&[args, &["--json"]].concat()).await;
        assert!(
            output.status.success(),
            "ctl {args:?}: {}\nlog:\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// `frontdesk ctl <args>` as text, which must succeed.
    async fn text(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(output.status.success(), "ctl {args:?}");
        String::from_utf8(output.stdout).unwrap()
    }

    /// SIGTERM, then waits for a clean exit.
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
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.home.join("daemon.log")).unwrap_or_default()
    }
}

#[tokio::test]
async fn ctl_dnd_reads_and_switches_it_and_the_daemon_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start(dir.path()).await;
    assert_eq!(
        daemon.json(&["dnd"]).await,
        serde_json::json!({"on": false})
    );
    assert_eq!(
        daemon.text(&["dnd"]).await,
        "do-not-disturb is off: calls ring\n"
    );
    assert_eq!(daemon.json(&["status"]).await["do_not_disturb"], false);

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
            daemon.json(&["dnd", "on"]).await,
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
        daemon.json(&["dnd", "off"]).await;
    };
    assert_eq!(
        event,
        serde_json::json!({"type": "do_not_disturb", "on": true})
    );
    events.kill().await.unwrap();

    assert_eq!(daemon.json(&["dnd"]).await["on"], true);
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
    let daemon = Daemon::start(dir.path()).await;
    assert_eq!(daemon.json(&["dnd"]).await, serde_json::json!({"on": true}));
    assert_eq!(daemon.json(&["status"]).await["do_not_disturb"], true);
    assert_eq!(
        daemon.json(&["dnd", "off"]).await,
        serde_json::json!({"on": false})
    );
    daemon.stop().await;
}
