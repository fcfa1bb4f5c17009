//! The desktop app in its real webview: tauri-driver + WebKitWebDriver drive the shipped
//! binary (built with `tauri/custom-protocol`, so the page is the embedded `ui/dist`), which
//! runs the real engine and calls a real third-party phone (sipp) on loopback.
//!
//! Needs a display (`xvfb-run -a`), `tauri-driver` and `WebKitWebDriver`, so it only builds
//! with `--features e2e`; `scripts/test-desktop` installs everything and runs it.
//! Screenshots of the X display go to `$FRONTDESK_E2E_ARTIFACTS` (default: `<target>/tmp/e2e`).
//! The voicemail test needs the Whisper model `../shared/models/ggml-tiny.en.bin` (or
//! `$FRONTDESK_WHISPER_MODEL`), espeak-ng and sox.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use frontdesk_testbed::{free_port, sipp::scenarios, tone_wav, Baresip, BaresipOptions, Sipp};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Res<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const APP: &str = env!("CARGO_BIN_EXE_frontdesk-desktop");
/// How long the UI may take to reflect something the engine did.
const UI_WAIT: Duration = Duration::from_secs(15);

/// A place for the config, tone and database of one app run.
struct AppHome {
    dir: tempfile::TempDir,
    sip_port: u16,
}

impl AppHome {
    /// A config with no account, SIP on a free loopback port and file audio playing a tone.
    fn new() -> Res<AppHome> {
        let dir = tempfile::tempdir()?;
        let sip_port = free_port()?;
        let tone = dir.path().join("tone.wav");
        tone_wav(&tone, 440.0, 3.0, 8000)?;
        let config = format!(
            "[sip]\nlisten = \"127.0.0.1:{sip_port}\"\n\n[audio]\nbackend = \"file\"\nplay = \"{}\"\n\n[data]\ndir = \"{}\"\n",
            tone.display(),
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.toml"), config)?;
        Ok(AppHome { dir, sip_port })
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Adds a voicemail that answers after 1 s, greets briefly, ends after 3 s of silence
    /// and transcribes with the tiny English model.
    fn with_voicemail(self) -> Res<AppHome> {
        let greeting = self.dir.path().join("greeting.wav");
        let status = Command::new("espeak-ng")
            .args(["-v", "en-us", "-w"])
            .arg(&greeting)
            .arg("Please leave a message.")
            .status()
            .map_err(|e| format!("cannot run espeak-ng (scripts/install-deps): {e}"))?;
        if !status.success() {
            return Err(format!("espeak-ng failed: {status}").into());
        }
        let voicemail = format!(
            "\n[voicemail]\nanswer_after_seconds = 1\nsilence_seconds = 3\ngreeting = \"{}\"\nmodel = \"{}\"\n",
            greeting.display(),
            whisper_model()?.display()
        );
        let mut config = std::fs::read_to_string(self.config())?;
        config.push_str(&voicemail);
        std::fs::write(self.config(), config)?;
        Ok(self)
    }
}

/// The Whisper model the tests use: `$FRONTDESK_WHISPER_MODEL`, else `../shared/models/`.
fn whisper_model() -> Res<PathBuf> {
    let path = std::env::var_os("FRONTDESK_WHISPER_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/ggml-tiny.en.bin")
        });
    if !path.is_file() {
        return Err(format!(
            "no Whisper model at {}: put ggml-tiny.en.bin into ../shared/models or set FRONTDESK_WHISPER_MODEL",
            path.display()
        )
        .into());
    }
    Ok(path)
}

/// `text` spoken by espeak-ng as 8 kHz WAV (the codec's rate) after `before` seconds of
/// silence and followed by a minute of it, as a caller who speaks and then waits.
fn speech(dir: &Path, text: &str, before: f64) -> Res<PathBuf> {
    let raw = dir.join("speech-raw.wav");
    let out = dir.join("speech.wav");
    let spoke = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "120", "-g", "6", "-w"])
        .arg(&raw)
        .arg(text)
        .status()?;
    let padded = Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16"])
        .arg(&out)
        .args(["pad", &before.to_string(), "60"])
        .status()?;
    if !spoke.success() || !padded.success() {
        return Err("espeak-ng or sox failed writing the caller's speech".into());
    }
    Ok(out)
}

/// A running tauri-driver. Dropping it sends SIGTERM, never SIGKILL: only on SIGTERM does
/// it stop its WebKitWebDriver (and with it the app) instead of leaving them running.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts tauri-driver on free ports; the app it launches sees `config` as
    /// `FRONTDESK_CONFIG` (the environment is passed down through WebKitWebDriver).
    fn start(config: &Path) -> Res<Driver> {
        Driver::start_with(config, &[])
    }

    /// [`Driver::start`] with more environment for the app (e.g. its D-Bus session).
    fn start_with(config: &Path, env: &[(&str, &str)]) -> Res<Driver> {
        let (port, native) = (free_port()?, free_port()?);
        let program = find_tauri_driver()?;
        let child = Command::new(&program)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .envs(env.iter().copied())
            .env("FRONTDESK_CONFIG", config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!("tauri-driver did not listen on {port} within 10 s").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// Opens a WebDriver session, which starts the app with `args`. tauri-driver passes the
    /// request on to the WebKitWebDriver it has just started, which on a loaded machine may
    /// not listen yet (tauri-driver then drops the request): such a failure is tried again.
    async fn session(&self, args: &[&str]) -> Res<Client> {
        const ATTEMPTS: u32 = 4;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({ "application": APP, "args": args }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut attempt = 1;
        loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Ok(client),
                Err(e) if attempt < ATTEMPTS => {
                    eprintln!("new WebDriver session failed ({e}); trying again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Driver {
    /// The pid of the app this driver's WebKitWebDriver started (found through /proc by
    /// executable and ancestry, so nothing else on the machine can be mistaken for it).
    fn app_pid(&self) -> Res<libc::pid_t> {
        let app = std::fs::canonicalize(APP)?;
        let driver = self.child.id();
        for entry in std::fs::read_dir("/proc")? {
            let Some(pid) = entry?
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let is_app = std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app);
            if is_app && descends_from(pid, driver) {
                return Ok(pid as libc::pid_t);
            }
        }
        Err("the app's process was not found under tauri-driver".into())
    }
}

/// Whether `pid` is a (grand…)child of `ancestor`, following the ppid field of /proc/*/stat.
fn descends_from(mut pid: u32, ancestor: u32) -> bool {
    for _ in 0..16 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        // The command name is in parentheses and may contain spaces; ppid is the second
        // field after it.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let Some(ppid) = after_name
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
        else {
            return false;
        };
        if ppid == ancestor {
            return true;
        }
        if ppid <= 1 {
            return false;
        }
        pid = ppid;
    }
    false
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the pid of a child we own and have not reaped yet.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("tauri-driver did not stop within 10 s of SIGTERM");
    }
}

fn find_tauri_driver() -> Res<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("tauri-driver"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "tauri-driver not found; install it with `cargo install tauri-driver --version '^2' --locked`"
                .into()
        })
}

/// Runs `steps` on a fresh session and always ends the session, also when a step fails.
async fn with_app<F, Fut>(driver: &Driver, args: &[&str], steps: F) -> Res
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Res>,
{
    let client = driver.session(args).await?;
    let result = steps(client.clone()).await;
    // The app may already be gone (a test that closes the window); that is fine here.
    let _ = client.close().await;
    result
}

async fn wait_for(c: &Client, css: &str) -> Res<Element> {
    wait_for_within(c, css, UI_WAIT).await
}

async fn wait_for_within(c: &Client, css: &str, limit: Duration) -> Res<Element> {
    c.wait()
        .at_most(limit)
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("`{css}` did not appear within {limit:?}: {e}").into())
}

/// Runs `script` (which returns a value) until it answers something other than null/false.
async fn poll_script(
    c: &Client,
    what: &str,
    script: &str,
    limit: Duration,
) -> Res<serde_json::Value> {
    let deadline = Instant::now() + limit;
    let mut last = serde_json::Value::Null;
    while Instant::now() < deadline {
        last = c.execute(script, vec![]).await?;
        if !last.is_null() && last != json!(false) {
            return Ok(last);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("{what} did not happen within {limit:?}; last answer: {last}").into())
}

/// Waits until the `textContent` of `css` contains `needle`. The DOM text is read with a
/// script rather than WebDriver's "element text", which under Xvfb sometimes answered ""
/// for text that was on screen.
async fn wait_for_text(c: &Client, css: &str, needle: &str) -> Res<String> {
    let deadline = Instant::now() + UI_WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        let text = c
            .execute(
                "const el = document.querySelector(arguments[0]); return el ? el.textContent : null;",
                vec![json!(css)],
            )
            .await?;
        if let Some(text) = text.as_str() {
            last = text.to_string();
            if last.contains(needle) {
                return Ok(last);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("`{css}` never contained {needle:?}; last text: {last:?}").into())
}

/// Saves what the X display shows. WebDriver's own screenshot is not used: under Xvfb
/// WebKitWebDriver returned a stale first frame (empty inputs, no call), while the X server's
/// picture is what a user would see.
async fn screenshot(name: &str) -> Res<PathBuf> {
    let dir = std::env::var_os("FRONTDESK_E2E_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e"));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.png"));
    // Let the last change paint before capturing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = Command::new("/usr/bin/import")
        .args(["-window", "root"])
        .arg(&path)
        .status()
        .map_err(|e| format!("cannot run /usr/bin/import (apt-get install imagemagick): {e}"))?;
    if !status.success() {
        return Err(format!("import could not capture the display: {status}").into());
    }
    eprintln!("screenshot: {}", path.display());
    Ok(path)
}

/// Dials sipp from the dial pad, sees the call become active, hangs up from the call list
/// and finds the call in the history; sipp confirms it got our BYE.
#[tokio::test(flavor = "multi_thread")]
async fn dial_pad_call_to_sipp_then_hangup_lands_in_history() -> Res {
    let home = AppHome::new()?;
    let sipp = Sipp::spawn(scenarios::UAS_ANSWER, &[])?;
    let target = format!("sip:test@127.0.0.1:{}", sipp.port());
    let driver = Driver::start(&home.config())?;
    let sip_port = home.sip_port.to_string();

    with_app(&driver, &[], |c| async move {
        wait_for_text(&c, "#status-listening", &format!("127.0.0.1:{sip_port}")).await?;
        let input = wait_for(&c, "#dial-target").await?;
        input.clear().await?;
        input.send_keys(&target).await?;
        c.find(Locator::Css("#dial-button")).await?.click().await?;

        let active = wait_for(&c, r#"#calls [data-call-id][data-state="active"]"#).await?;
        let call_id = active.attr("data-call-id").await?.unwrap_or_default();
        screenshot("call-active").await?;
        active.find(Locator::Css(".hangup")).await?.click().await?;

        let row = wait_for(&c, "#history [data-history-id][data-end-reason]").await?;
        let reason = row.attr("data-end-reason").await?.unwrap_or_default();
        if reason != "local_hangup" {
            return Err(format!("history says the call ended with {reason:?}").into());
        }
        // The ended call leaves the list of live calls.
        let still_listed = c
            .find_all(Locator::Css(&format!(
                r#"#calls [data-call-id="{call_id}"]:not([data-state="ended"])"#
            )))
            .await?;
        if !still_listed.is_empty() {
            return Err(format!("call {call_id} is still listed after hang-up").into());
        }
        screenshot("after-hangup").await?;
        Ok(())
    })
    .await?;

    let outcome = sipp.wait(Duration::from_secs(20)).await?;
    outcome.assert_success();
    Ok(())
}

/// A `sip:` link given as the first argument (how the desktop entry passes clicked links) is
/// dialled; stopping the app (SIGTERM, as at logout) then hangs the call up on the way out:
/// sipp receives the BYE. Closing the window ends in the same exit handler.
#[tokio::test(flavor = "multi_thread")]
async fn sip_link_argument_dials_and_quitting_hangs_up() -> Res {
    let home = AppHome::new()?;
    let sipp = Sipp::spawn(scenarios::UAS_ANSWER, &[])?;
    let link = format!("sip:test@127.0.0.1:{}", sipp.port());
    let driver = Driver::start(&home.config())?;

    with_app(&driver, &[&link], |c| {
        let driver = &driver;
        async move {
            wait_for(&c, r#"#calls [data-call-id][data-state="active"]"#).await?;
            screenshot("link-call-active").await?;
            // WebDriver's own "close window" makes WebKitWebDriver kill the app at once, so
            // the app is asked to quit the way the desktop does it: SIGTERM.
            let app = driver.app_pid()?;
            // SAFETY: kill(2) with a pid just read from /proc as a descendant of our driver.
            if unsafe { libc::kill(app, libc::SIGTERM) } != 0 {
                return Err(format!("cannot signal the app (pid {app})").into());
            }
            let deadline = Instant::now() + UI_WAIT;
            while Path::new(&format!("/proc/{app}/exe")).exists() {
                if Instant::now() > deadline {
                    return Err(format!("the app (pid {app}) did not exit after SIGTERM").into());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(())
        }
    })
    .await?;

    let outcome = sipp.wait(Duration::from_secs(20)).await?;
    outcome.assert_success();
    Ok(())
}

/// A broken config file shows an error page naming the key and line, not a silent exit.
#[tokio::test(flavor = "multi_thread")]
async fn config_error_shows_the_message_in_the_window() -> Res {
    let home = AppHome::new()?;
    std::fs::write(home.config(), "[sip]\n\nlisten = \"not an address\"\n")?;
    let driver = Driver::start(&home.config())?;

    with_app(&driver, &[], |c| async move {
        let text = wait_for_text(&c, "#startup-error", "configuration").await?;
        for needle in ["listen", "3"] {
            if !text.contains(needle) {
                return Err(format!("the error does not mention {needle:?}: {text:?}").into());
            }
        }
        screenshot("config-error").await?;
        Ok(())
    })
    .await
}

/// A private D-Bus session bus (`dbus-daemon --session`) for one test, stopped on drop.
struct SessionBus {
    child: Child,
    address: String,
}

impl SessionBus {
    fn start() -> Res<SessionBus> {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start dbus-daemon (apt-get install dbus): {e}"))?;
        let mut address = String::new();
        let stdout = child.stdout.take().ok_or("dbus-daemon has no stdout")?;
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut address)?;
        let address = address.trim().to_string();
        if address.is_empty() {
            return Err("dbus-daemon printed no address".into());
        }
        Ok(SessionBus { child, address })
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `Notify` call the notification server received.
#[derive(Debug, Clone)]
struct Shown {
    id: u32,
    summary: String,
    body: String,
    actions: Vec<String>,
}

/// A stand-in desktop notification server (org.freedesktop.Notifications, as GNOME's or
/// dunst are): records what the app shows, and can click it.
struct NotificationServer {
    shown: std::sync::mpsc::Sender<Shown>,
    next: u32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl NotificationServer {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next += 1;
        let _ = self.shown.send(Shown {
            id: self.next,
            summary,
            body,
            actions,
        });
        self.next
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "frontdesk-test".into(),
            "frontdesk".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

/// Serves [`NotificationServer`] on `bus`; the receiver gets every notification shown.
fn serve_notifications(
    bus: &SessionBus,
) -> Res<(zbus::blocking::Connection, std::sync::mpsc::Receiver<Shown>)> {
    let (sender, received) = std::sync::mpsc::channel();
    let connection = zbus::blocking::connection::Builder::address(bus.address.as_str())?
        .name("org.freedesktop.Notifications")?
        .serve_at(
            NOTIFICATIONS_PATH,
            NotificationServer {
                shown: sender,
                next: 0,
            },
        )?
        .build()?;
    Ok((connection, received))
}

/// A caller nobody answers leaves a voicemail (baresip speaking espeak-ng text to the app's
/// own voicemail): the Voicemail tab lists it with the transcript made on this machine, the
/// message opens, and its recording plays in WebKitGTK (Ogg Opus through GStreamer, or the
/// WAV the app decodes when the webview cannot).
#[tokio::test(flavor = "multi_thread")]
async fn voicemail_appears_in_the_inbox_and_plays() -> Res {
    let home = AppHome::new()?.with_voicemail()?;
    let speech = speech(
        home.dir.path(),
        "Hello. This is Maria Schmidt. I am calling about your invoice. The repair is not finished. Please call me back.",
        2.5,
    )?;
    let bus = SessionBus::start()?;
    let (notifications, shown) = serve_notifications(&bus)?;
    let driver = Driver::start_with(
        &home.config(),
        &[("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())],
    )?;
    let sip_port = home.sip_port;

    with_app(&driver, &[], |c| async move {
        wait_for_text(&c, "#status-listening", &format!("127.0.0.1:{sip_port}")).await?;
        wait_for(&c, "#tab-inbox").await?.click().await?;
        wait_for_text(&c, "#inbox", "No voicemail yet").await?;

        let mut options = BaresipOptions::new("03012345678");
        options.codecs = vec!["PCMU".into()];
        options.play_wav = Some(speech);
        let mut caller = Baresip::start(options).await?;
        caller
            .dial(&format!("sip:101@127.0.0.1:{sip_port}"))
            .await?;

        // Recorded, filed, transcribed: slow on a loaded machine.
        wait_for_within(
            &c,
            r#"#inbox [data-message-id][data-transcription="done"]"#,
            Duration::from_secs(120),
        )
        .await?;
        // Whisper tiny hears the end of espeak's sentence most reliably.
        let preview = wait_for_text(&c, "#inbox .msg-preview", "call me back").await?;
        eprintln!("listed: {preview}");
        wait_for_text(&c, "#inbox-badge", "1").await?;
        screenshot("inbox-list").await?;

        // One desktop notification through the system's notification service, with the
        // caller and the category once transcribed, offering a click.
        let note = tokio::task::spawn_blocking(move || shown.recv_timeout(Duration::from_secs(40)))
            .await?
            .map_err(|_| "no desktop notification reached the notification server")?;
        eprintln!("notified: {note:?}");
        if note.summary != "Voicemail from 03012345678" || !note.body.contains(" · ") {
            return Err(
                format!("the notification does not name caller and category: {note:?}").into(),
            );
        }
        if !note.actions.iter().any(|a| a == "default") {
            return Err(format!("the notification offers no click: {note:?}").into());
        }
        // The user clicks it: the message opens.
        notifications.emit_signal(
            None::<&str>,
            NOTIFICATIONS_PATH,
            "org.freedesktop.Notifications",
            "ActionInvoked",
            &(note.id, "default"),
        )?;
        wait_for(&c, "#inbox-detail:not([hidden])").await?;
        wait_for_text(&c, "#inbox-transcript", "call me back").await?;
        wait_for(&c, r#"#inbox [data-message-id][data-read="true"]"#).await?;
        c.find(Locator::Css("#inbox-play")).await?.click().await?;
        let played = poll_script(
            &c,
            "the recording playing",
            "const a = document.getElementById('inbox-audio'); \
             return a && (a.currentTime > 0.5 || a.ended) \
               ? { at: a.currentTime, format: a.dataset.format || '' } : null;",
            Duration::from_secs(20),
        )
        .await
        .map_err(|e| format!("{e}; the app cannot play the recording"))?;
        eprintln!("played: {played}");
        screenshot("inbox-playing").await?;
        drop(caller);
        Ok(())
    })
    .await
}
