//! The `frontdesk` binary as users and scripts see it: exit codes, messages and output.
//!
//! `ctl` is exercised against the real control server from `frontdesk-control`, run inside
//! the test with a small scripted backend, so the binary's parsing, discovery, printing and
//! exit codes are tested without SIP. The daemon itself runs for real in the last test.

use async_trait::async_trait;
use frontdesk_api::*;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::broadcast;

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");

/// A scratch home: config, data and XDG directories inside one temp dir, so the binary
/// never sees the real user's files.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    /// Writes a config file with the given extra TOML and a `[data]` dir in this home.
    fn config(&self, extra: &str) -> PathBuf {
        let path = self.dir.path().join("config.toml");
        let text = format!(
            "{extra}\n[data]\ndir = {:?}\n",
            self.data_dir().to_str().unwrap()
        );
        std::fs::write(&path, text).unwrap();
        path
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }
    async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.unwrap()
    }
    async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        // The program may refuse (and exit) before it reads its input: a closed pipe is fine.
        if let Err(e) = input.write_all(stdin.as_bytes()).await {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        drop(input);
        child.wait_with_output().await.unwrap()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

#[tokio::test]
async fn usage_errors_exit_2_with_help() {
    let home = Home::new();
    let none = home.run(&[]).await;
    assert_exit(&none, 2);
    assert!(
        stderr(&none).contains("Usage: frontdesk"),
        "{}",
        stderr(&none)
    );

    let unknown = home.run(&["ctl", "frobnicate"]).await;
    assert_exit(&unknown, 2);
    assert!(stderr(&unknown).contains("frobnicate"));

    let limit = home.run(&["ctl", "history", "--limit", "many"]).await;
    assert_exit(&limit, 2);
    assert!(stderr(&limit).contains("--limit"));

    let missing = home.run(&["ctl", "keys"]).await;
    assert_exit(&missing, 2);
    assert!(stderr(&missing).contains("<SEQUENCE>"));

    let help = home.run(&["ctl", "--help"]).await;
    assert_exit(&help, 0);
    assert!(stdout(&help).contains("history"));
}

#[tokio::test]
async fn a_missing_or_broken_config_exits_2_naming_the_file() {
    let home = Home::new();
    let missing = home.dir.path().join("nope.toml");
    let output = home
        .run(&["ctl", "--config", missing.to_str().unwrap(), "status"])
        .await;
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("nope.toml"), "{}", stderr(&output));

    let broken = home.config("[sip]\nlisten = 5");
    let output = home
        .run(&["ctl", "status", "--config", broken.to_str().unwrap()])
        .await;
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("listen"), "{}", stderr(&output));
}

#[tokio::test]
async fn ctl_without_a_daemon_exits_3() {
    let home = Home::new();
    // No config anywhere: the built-in defaults put the data dir under XDG_DATA_HOME.
    let output = home.run(&["ctl", "status"]).await;
    assert_exit(&output, 3);
    let data_dir = home.dir.path().join("xdg-data").join("frontdesk");
    assert_eq!(
        stderr(&output).trim(),
        format!(
            "frontdesk: no Frontdesk daemon is running for data dir {}: start it with `frontdesk daemon --config FILE`",
            data_dir.display()
        )
    );

    // The same through an explicit config, for every verb.
    let config = home.config("");
    let config = config.to_str().unwrap();
    for verb in [&["calls"][..], &["dial", "101"], &["events"], &["history"]] {
        let mut args = vec!["ctl", "--config", config];
        args.extend_from_slice(verb);
        let output = home.run(&args).await;
        assert_exit(&output, 3);
        assert!(stderr(&output).contains(home.data_dir().to_str().unwrap()));
    }
}

const ACCOUNT: &str =
    "[[account]]\nname = \"office\"\nuser = \"101\"\ndomain = \"pbx.example.com\"\n";

#[tokio::test]
async fn set_password_for_an_unknown_account_names_it() {
    let home = Home::new();
    let config = home.config(ACCOUNT);
    let output = home
        .run_with_stdin(
            &[
                "account",
                "set-password",
                "ghost",
                "--config",
                config.to_str().unwrap(),
            ],
            "secret\n",
        )
        .await;
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert!(message.contains("`ghost`"), "{message}");
    assert!(message.contains("office"), "{message}");
    assert!(!message.contains("secret"));
}

#[tokio::test]
async fn set_password_refuses_an_empty_password() {
    let home = Home::new();
    let config = home.config(ACCOUNT);
    let output = home
        .run_with_stdin(
            &[
                "account",
                "set-password",
                "office",
                "--config",
                config.to_str().unwrap(),
            ],
            "\n",
        )
        .await;
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("empty"), "{}", stderr(&output));
}

#[tokio::test]
async fn set_email_password_needs_an_email_login_in_the_config() {
    let home = Home::new();
    let run = |config: std::path::PathBuf| {
        let home = &home;
        async move {
            home.run_with_stdin(
                &[
                    "voicemail",
                    "set-email-password",
                    "--config",
                    config.to_str().unwrap(),
                ],
                "secret\n",
            )
            .await
        }
    };
    let output = run(home.config("")).await;
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("[voicemail.email]"),
        "{}",
        stderr(&output)
    );
    let email = "[voicemail.email]\nserver = \"192.0.2.25\"\nfrom = \"a@example.test\"\nto = \"b@example.test\"\n";
    let output = run(home.config(email)).await;
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("no username"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("secret"));

    // Storing touches the keyring's one e-mail entry: only in the private keyring of
    // scripts/with-keyring (CI), never in a developer's own.
    if std::env::var_os("FRONTDESK_REQUIRE_KEYRING").is_none() {
        eprintln!("storing skipped: run through scripts/with-keyring (CI does)");
        return;
    }
    let with_login = format!("{email}username = \"frontdesk\"\n");
    let output = run(home.config(&with_login)).await;
    assert_exit(&output, 0);
    let config = frontdesk_config::Config::load(&home.config(&with_login)).unwrap();
    let stored =
        frontdesk_config::secrets::email_password(config.voicemail.email.as_ref().unwrap())
            .unwrap()
            .expect("stored in the keyring");
    assert_eq!(stored.expose(), "secret");
}

/// A backend with one incoming call `c1`; unknown call ids are not found.
struct Scripted {
    events: broadcast::Sender<Event>,
}

fn incoming_call(id: &str, state: CallState) -> CallInfo {
    CallInfo {
        id: id.into(),
        account: Some("office".into()),
        direction: CallDirection::Incoming,
        state,
        remote_uri: "sip:200@pbx.example.com".into(),
        remote_number: "200".into(),
        remote_display: "200".into(),
        remote_name: Some("Ada".into()),
        codec: Some("PCMU".into()),
        started_at: 1_700_000_000_000,
        answered_at: None,
        ended_at: None,
        end_reason: None,
        on_hold: false,
        held_by_remote: false,
        muted: false,
        keys_as_dtmf: false,
        revision: 0,
        linked_call: None,
    }
}

fn find(call: Option<String>) -> Result<String, ApiError> {
    match call.as_deref() {
        None | Some("c1") => Ok("c1".into()),
        Some(other) => Err(ApiError::not_found(format!(
            "no call {other}; see `frontdesk ctl calls`"
        ))),
    }
}

#[async_trait]
impl Backend for Scripted {
    async fn status(&self) -> Result<Status, ApiError> {
        Ok(Status {
            version: "0.1.0".into(),
            listening: vec!["udp:127.0.0.1:5060".into()],
            accounts: vec![AccountStatus {
                name: "office".into(),
                aor: "sip:101@pbx.example.com".into(),
                transport: "udp".into(),
                state: RegistrationState::Failed,
                reason: Some("wrong password".into()),
                since: 0,
            }],
            active_calls: 1,
            do_not_disturb: false,
        })
    }
    async fn dial(&self, request: DialRequest) -> Result<CallInfo, ApiError> {
        if request.account.as_deref() == Some("nope") {
            return Err(ApiError::not_found("no account nope"));
        }
        let mut call = incoming_call("c2", CallState::Dialing);
        call.direction = CallDirection::Outgoing;
        call.remote_number = request.target;
        Ok(call)
    }
    async fn act(&self, call: Option<String>, action: CallAction) -> Result<CallInfo, ApiError> {
        let after = match action {
            CallAction::Answer => CallState::Active,
            _ => CallState::Ended,
        };
        Ok(incoming_call(&find(call)?, after))
    }
    async fn transfer(
        &self,
        call: Option<String>,
        request: TransferRequest,
    ) -> Result<CallInfo, ApiError> {
        if request.target == "999" {
            return Err(ApiError::conflict("no such colleague"));
        }
        Ok(incoming_call(&find(call)?, CallState::Active))
    }
    async fn keys(&self, _keys: String, call: Option<String>) -> Result<(), ApiError> {
        find(call).map(drop)
    }
    async fn lamps(&self) -> Result<Vec<Lamp>, ApiError> {
        Ok(vec![Lamp {
            account: "office".into(),
            extension: "102".into(),
            state: LampState::Ringing,
            caller: Some("Ada".into()),
            problem: None,
            since: 0,
        }])
    }
    async fn calls(&self) -> Result<Vec<CallInfo>, ApiError> {
        Ok(vec![incoming_call("c1", CallState::Incoming)])
    }
    async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, ApiError> {
        Ok((0..limit as i64)
            .map(|id| HistoryEntry {
                id,
                direction: CallDirection::Outgoing,
                account: None,
                remote_uri: "sip:300@pbx.example.com".into(),
                remote_number: "300".into(),
                remote_display: "300".into(),
                remote_name: None,
                started_at: 0,
                answered_at: Some(1000),
                ended_at: Some(76_000),
                duration_seconds: 75,
                end_reason: Some("remote_hangup".into()),
            })
            .collect())
    }
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}

async fn serve_scripted(data_dir: &Path) -> (Arc<Scripted>, frontdesk_control::ControlServer) {
    let backend = Arc::new(Scripted {
        events: broadcast::channel(16).0,
    });
    let server =
        frontdesk_control::serve(backend.clone(), data_dir, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    (backend, server)
}

#[tokio::test]
async fn ctl_verbs_print_json_and_text() {
    let home = Home::new();
    let config = home.config("");
    let config = config.to_str().unwrap();
    let (_backend, server) = serve_scripted(&home.data_dir()).await;
    let ctl = |args: &[&str]| {
        let mut all = vec!["ctl".to_owned(), "--config".to_owned(), config.to_owned()];
        all.extend(args.iter().map(|a| a.to_string()));
        home.command(&[]).args(all).output()
    };

    let output = ctl(&["status", "--json"]).await.unwrap();
    assert_exit(&output, 0);
    let status: Status = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(status.accounts[0].state, RegistrationState::Failed);

    let output = ctl(&["status"]).await.unwrap();
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.starts_with("Frontdesk 0.1.0: listening on udp:127.0.0.1:5060; 1 call"),
        "{text}"
    );
    assert!(
        text.contains("office") && text.contains("wrong password"),
        "{text}"
    );

    let output = ctl(&["dial", "+49 30 1234", "--account", "office", "--json"])
        .await
        .unwrap();
    assert_exit(&output, 0);
    let call: CallInfo = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (call.id.as_str(), call.remote_number.as_str()),
        ("c2", "+49 30 1234")
    );

    let output = ctl(&["answer"]).await.unwrap();
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "c1 incoming active Ada <200> via office\n");

    let output = ctl(&["hangup", "c1", "--json"]).await.unwrap();
    assert_exit(&output, 0);
    let call: CallInfo = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(call.state, CallState::Ended);

    let output = ctl(&["decline", "--busy", "c1", "--json"]).await.unwrap();
    assert_exit(&output, 0);
    let call: CallInfo = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(call.id, "c1");
    let output = ctl(&["transfer", "102", "c1", "--attended", "--json"])
        .await
        .unwrap();
    assert_exit(&output, 0);
    let output = ctl(&["transfer", "999"]).await.unwrap();
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("no such colleague"),
        "{}",
        stderr(&output)
    );
    for verb in ["hold", "resume", "mute", "unmute"] {
        let output = ctl(&[verb, "c1"]).await.unwrap();
        assert_exit(&output, 0);
    }

    let output = ctl(&["blf"]).await.unwrap();
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains("102") && text.contains("ringing") && text.contains("call from Ada"),
        "{text}"
    );
    let output = ctl(&["blf", "--json"]).await.unwrap();
    let lamps: Vec<Lamp> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(lamps[0].state, LampState::Ringing);

    let output = ctl(&["decline", "c9"]).await.unwrap();
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("no call c9"),
        "{}",
        stderr(&output)
    );

    let output = ctl(&["keys", "*12#", "c1"]).await.unwrap();
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "sent *12# to call c1\n");
    let output = ctl(&["keys", "5", "--json"]).await.unwrap();
    assert_exit(&output, 0);
    let sent: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(sent, serde_json::json!({"keys": "5", "call": null}));

    let output = ctl(&["calls"]).await.unwrap();
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.lines().next().unwrap().starts_with("ID"), "{text}");
    assert!(text.contains("c1") && text.contains("PCMU"), "{text}");

    let output = ctl(&["history", "--json"]).await.unwrap();
    assert_exit(&output, 0);
    let rows: Vec<HistoryEntry> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(rows.len(), 20, "the default limit is 20");
    let output = ctl(&["history", "--limit", "2"]).await.unwrap();
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.contains("1970-01-01 00:00") && text.contains("1:15"),
        "{text}"
    );

    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn refused_requests_exit_1_with_the_message() {
    let home = Home::new();
    let config = home.config("");
    let config = config.to_str().unwrap();
    let (_backend, server) = serve_scripted(&home.data_dir()).await;

    let output = home.run(&["ctl", "--config", config, "answer", "c9"]).await;
    assert_exit(&output, 1);
    assert_eq!(
        stderr(&output).trim(),
        "frontdesk: no call c9; see `frontdesk ctl calls`"
    );
    assert!(stdout(&output).is_empty());

    let output = home
        .run(&[
            "ctl",
            "--config",
            config,
            "dial",
            "101",
            "--account",
            "nope",
            "--json",
        ])
        .await;
    assert_exit(&output, 1);
    let error: ApiError = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(stderr(&output).contains("no account nope"));

    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn ctl_events_prints_json_lines_until_the_daemon_stops() {
    let home = Home::new();
    let config = home.config("");
    let (backend, server) = serve_scripted(&home.data_dir()).await;
    let mut child = home
        .command(&["ctl", "--config", config.to_str().unwrap(), "events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let notice = Event::Notice {
        message: "audio device fell back to the default".into(),
    };
    // The CLI subscribes some time after it starts; repeat the event until a line arrives.
    let first = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let _ = backend.events.send(notice.clone());
            if let Ok(line) =
                tokio::time::timeout(Duration::from_millis(200), lines.next_line()).await
            {
                return line.unwrap().expect("a line before the end of output");
            }
        }
    })
    .await
    .expect("ctl events printed nothing");
    assert!(!first.contains('\n'));
    assert_eq!(serde_json::from_str::<Event>(&first).unwrap(), notice);

    server.shutdown().await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(3),
        "the daemon going away ends `ctl events` with 3"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_daemon_serves_ctl_and_stops_cleanly_on_sigterm() {
    let home = Home::new();
    let config = home.config("[sip]\nlisten = \"127.0.0.1:0\"\n\n[audio]\nbackend = \"file\"\n");
    let config = config.to_str().unwrap();
    let mut daemon = home
        .command(&["daemon", "--config", config])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let endpoint = home.data_dir().join("control.json");
    let started = tokio::time::timeout(Duration::from_secs(30), async {
        while !endpoint.exists() {
            if let Ok(Some(status)) = daemon.try_wait() {
                return Err(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    })
    .await
    .expect("the daemon did not write control.json within 30 s");
    if let Err(status) = started {
        let output = daemon.wait_with_output().await.unwrap();
        panic!("the daemon exited with {status}: {}", stderr(&output));
    }

    let output = home
        .run(&["ctl", "--config", config, "status", "--json"])
        .await;
    assert_exit(&output, 0);
    let status: Status = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(status.accounts.is_empty());
    assert_eq!(status.active_calls, 0);

    let pid = daemon.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = tokio::time::timeout(Duration::from_secs(20), daemon.wait_with_output())
        .await
        .expect("the daemon did not stop within 20 s of SIGTERM")
        .unwrap();
    assert_exit(&output, 0);
    assert!(stderr(&output).contains("SIGTERM"), "{}", stderr(&output));
    assert!(!endpoint.exists(), "control.json is removed at shutdown");

    let output = home.run(&["ctl", "--config", config, "status"]).await;
    assert_exit(&output, 3);
}
