//! The harness the end-to-end tests share: the real `frontdesk daemon` on a config in a
//! directory of its own, `frontdesk ctl` against it (as text or parsed JSON), polling until the
//! daemon reports what a test waits for, the log tail when something fails, and a clean stop.
//! Each test file keeps its own scenario; only the plumbing lives here.

// Every test binary uses a different part of the harness.
#![allow(dead_code)]

use frontdesk_testbed::tone_wav;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::process::{Child, Command};

/// The `frontdesk` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");

/// How long anything on loopback may take before a test gives up.
pub const WAIT: Duration = Duration::from_secs(15);

/// How the daemon process is started, beyond its config: the log level and the environment.
pub struct Launch<'a> {
    /// `RUST_LOG` for the daemon.
    pub rust_log: &'a str,
    /// Variables set for the daemon.
    pub env: &'a [(&'a str, &'a str)],
    /// Variables the daemon must not inherit from the test run.
    pub env_remove: &'a [&'a str],
}

impl Default for Launch<'_> {
    fn default() -> Self {
        Launch {
            rust_log: "info",
            env: &[],
            env_remove: &[],
        }
    }
}

/// A running daemon: its `HOME` directory, config and log file, and the process itself.
pub struct Daemon {
    /// `HOME` for the daemon and every `ctl`, and where `ctl` runs.
    pub home: PathBuf,
    /// The config file the daemon and `ctl` read.
    pub config: PathBuf,
    /// The file the daemon's stdout and stderr go to.
    pub log_path: PathBuf,
    /// The SIP port the daemon listens on, when the harness chose it.
    sip_port: Option<u16>,
    /// The process, for tests that kill it themselves.
    pub child: Child,
    /// The temporary directory `home` is, when the harness made it (deleted with the daemon).
    temp: Option<tempfile::TempDir>,
}

impl Daemon {
    /// A daemon in a fresh temporary directory: SIP on a free loopback port, the file audio
    /// backend playing a 700 Hz tone (`mic.wav`) and recording `rec-{call}.wav`, data in
    /// `data/`, then `extra` (more TOML) appended to the config; logs into `daemon.log`.
    /// Does not wait for the daemon to answer.
    pub async fn start(extra: &str) -> Daemon {
        Daemon::start_with(extra, &Launch::default()).await
    }

    /// [`Daemon::start`] with the log level and environment of `launch`.
    pub async fn start_with(extra: &str, launch: &Launch<'_>) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        tone_wav(dir.path().join("mic.wav"), 700.0, 10.0, 16000).unwrap();
        let sip_port = frontdesk_testbed::free_port().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[sip]\nlisten = \"127.0.0.1:{sip_port}\"\n[audio]\nbackend = \"file\"\nplay = \"mic.wav\"\nrecord = \"rec-{{call}}.wav\"\n[data]\ndir = \"data\"\n{extra}"
            ),
        )
        .unwrap();
        let mut daemon = Daemon::spawn(dir.path(), &config, &dir.path().join("daemon.log"), launch);
        daemon.sip_port = Some(sip_port);
        daemon.temp = Some(dir);
        daemon
    }

    /// Starts `frontdesk daemon --config <config>` with `HOME` = `home`, appending its output to
    /// `log` (so a restarted daemon adds to the same file). Does not wait for it to answer.
    pub fn spawn(home: &Path, config: &Path, log: &Path, launch: &Launch<'_>) -> Daemon {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut command = Command::new(BIN);
        command
            .args(["daemon", "--config"])
            .arg(config)
            .env("RUST_LOG", launch.rust_log)
            .env("HOME", home)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .kill_on_drop(true);
        for (key, value) in launch.env {
            command.env(key, value);
        }
        for key in launch.env_remove {
            command.env_remove(key);
        }
        Daemon {
            home: home.to_path_buf(),
            config: config.to_path_buf(),
            log_path: log.to_path_buf(),
            sip_port: None,
            child: command.spawn().unwrap(),
            temp: None,
        }
    }

    /// Waits until `ctl status` gets an answer.
    pub async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.run(&["status"]).await.status.success() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the daemon never answered; log:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The SIP port [`Daemon::start`] chose.
    pub fn sip_port(&self) -> u16 {
        self.sip_port
            .expect("only a daemon from Daemon::start has a SIP port the harness knows")
    }

    /// `name` inside the daemon's home directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.home.join(name)
    }

    /// The daemon's data directory (`data` in the config [`Daemon::start`] writes).
    pub fn data(&self) -> PathBuf {
        self.path("data")
    }

    /// `frontdesk ctl <args>` against this daemon, in its home directory, not yet started: for
    /// tests that read its output while it runs (`ctl events`).
    pub fn ctl_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .current_dir(&self.home)
            .arg("ctl")
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("HOME", &self.home);
        command
    }

    /// Runs `frontdesk ctl <args>` in `cwd`, as it is.
    pub async fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        self.ctl_command(args)
            .current_dir(cwd)
            .output()
            .await
            .unwrap()
    }

    /// Runs `frontdesk ctl <args>` in the daemon's home directory, as it is.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_in(&self.home, args).await
    }

    /// Runs `frontdesk ctl <args> --json`, which must succeed, and parses its JSON.
    pub async fn ctl(&self, args: &[&str]) -> Value {
        let output = self.run(&[args, &["--json"]].concat()).await;
        assert!(
            output.status.success(),
            "ctl {args:?}: {}\nlog:\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log_tail()
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Runs `frontdesk ctl <args>`, which must succeed, and returns what it printed.
    pub async fn text(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        assert!(output.status.success(), "ctl {args:?}");
        String::from_utf8(output.stdout).unwrap()
    }

    /// Polls `ctl <args> --json` until `check` holds.
    pub async fn wait_for(
        &self,
        args: &[&str],
        within: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let output = self.run(&[args, &["--json"]].concat()).await;
            if output.status.success() {
                let value: Value = serde_json::from_slice(&output.stdout).unwrap();
                if check(&value) {
                    return value;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "ctl {args:?} never matched; last answer {value:#}\nlog:\n{}",
                    self.log_tail()
                );
            } else {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "ctl {args:?} kept failing: {}\nlog:\n{}",
                    String::from_utf8_lossy(&output.stderr),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// SIGTERM, then waits for a clean exit. Returns the temporary directory
    /// [`Daemon::start`] made, so a test can look at what the daemon left behind.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
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
        self.temp.take()
    }

    /// Everything the daemon logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The last 40 lines of the log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

/// The Whisper model the tests use: `$FRONTDESK_WHISPER_MODEL`, else `../shared/models/`.
pub fn model() -> PathBuf {
    let path = std::env::var_os("FRONTDESK_WHISPER_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models/ggml-tiny.en.bin")
        });
    assert!(
        path.is_file(),
        "no Whisper model at {}: put ggml-tiny.en.bin into ../shared/models or set FRONTDESK_WHISPER_MODEL",
        path.display()
    );
    path
}
