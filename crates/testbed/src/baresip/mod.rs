//! baresip 1.0 as "the other phone", controlled over `ctrl_tcp`.
//!
//! Each instance gets its own config dir (`baresip -f dir`), SIP port and
//! control port on 127.0.0.1, and loads only g711, g722, opus, aufile (when
//! a WAV is played), sndfile (when recording), account, menu and ctrl_tcp; no
//! sound card. Facts about baresip 1.0 worth knowing:
//!
//! * `aufile` **ends the call when the WAV ends** ("end of file" closes the
//!   call), so make `play_wav` longer than the call should last.
//! * `sndfile` writes `dump-YYYY-MM-DD-HH-MM-SS-dec.wav` (audio received,
//!   decoded) and `...-enc.wav` (audio sent) per call, at the codec's rate and
//!   channel count (opus: 48 kHz stereo, PCMU: 8 kHz mono); the files are
//!   complete only once the call has closed. Two calls starting in the same
//!   second overwrite each other's files.
//! * With `answermode=auto` there is no `CALL_INCOMING` event, only
//!   `CALL_ESTABLISHED`.

mod config;
mod ctrl;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use ctrl::Event;

use crate::process::{find_program, tail, ManagedProcess};
use crate::workdir::WorkDir;
use crate::{free_port, ports::free_ports, Error, Result, LOOPBACK};
use config::{Layout, WavFormat};
use ctrl::Ctrl;

/// Settings of a [`Baresip`] instance.
#[derive(Debug, Clone)]
pub struct BaresipOptions {
    /// User part of the account, `sip:<user>@127.0.0.1`.
    pub user: String,
    /// Digest password; `None` means [`crate::Kamailio::password_for`]`(user)`.
    pub password: Option<String>,
    /// Registrar/outbound proxy; `None` means no registration (direct calls).
    pub registrar: Option<SocketAddr>,
    /// Requested registration expiry in seconds (baresip `regint`, default 600).
    pub register_interval: u32,
    /// Audio codecs offered, in order, e.g. `["PCMU"]` or `["opus"]` (bare
    /// names are completed to `opus/48000/2`, `G722/16000/1`, `X/8000/1`);
    /// empty offers PCMU, PCMA, G.722 and opus.
    pub codecs: Vec<String>,
    /// 16-bit PCM WAV played into every call (any rate baresip can resample
    /// to the codec's; 8000, 16000 or 48000 Hz). The call ends when it ends.
    pub play_wav: Option<PathBuf>,
    /// Record what each call receives (and sends) with `sndfile`.
    pub record: bool,
    /// Answer incoming calls at once (`answermode=auto`).
    pub auto_answer: bool,
    /// How long [`Baresip::start`] waits for the control port.
    pub start_timeout: Duration,
}

impl BaresipOptions {
    /// Options for `user` with defaults: no registrar, all codecs, no WAV, no
    /// recording, manual answer.
    pub fn new(user: impl Into<String>) -> Self {
        BaresipOptions {
            user: user.into(),
            password: None,
            registrar: None,
            register_interval: 600,
            codecs: Vec::new(),
            play_wav: None,
            record: false,
            auto_answer: false,
            start_timeout: Duration::from_secs(15),
        }
    }
}

/// Call-related events, usable with [`Baresip::wait_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEvent {
    /// `CALL_INCOMING` (only in manual answer mode).
    Incoming,
    /// `CALL_RINGING`: the callee rings.
    Ringing,
    /// `CALL_PROGRESS`: early media.
    Progress,
    /// `CALL_ESTABLISHED`.
    Established,
    /// `CALL_CLOSED`.
    Closed,
}

impl AsRef<str> for CallEvent {
    fn as_ref(&self) -> &str {
        match self {
            CallEvent::Incoming => "CALL_INCOMING",
            CallEvent::Ringing => "CALL_RINGING",
            CallEvent::Progress => "CALL_PROGRESS",
            CallEvent::Established => "CALL_ESTABLISHED",
            CallEvent::Closed => "CALL_CLOSED",
        }
    }
}

/// Registration state as shown by baresip's `reginfo` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegStatus {
    /// The last REGISTER got 200 OK.
    Registered,
    /// The last REGISTER failed (wrong password, timeout, ...).
    Failed,
    /// No answer yet.
    Pending,
    /// The account does not register (no registrar configured).
    NotRegistering,
}

/// A running baresip; its process group is killed on drop.
#[derive(Debug)]
pub struct Baresip {
    opts: BaresipOptions,
    sip_port: u16,
    record_dir: PathBuf,
    ctrl: Ctrl,
    proc: ManagedProcess,
    // Last field: removed after the process is stopped.
    dir: WorkDir,
}

impl Baresip {
    /// Writes config and accounts into a fresh temp dir, starts baresip and
    /// connects to its control port. Does not wait for registration.
    pub async fn start(opts: BaresipOptions) -> Result<Baresip> {
        let program = find_program("baresip", "baresip-core")?;
        if !Path::new(config::MODULE_PATH).join("ctrl_tcp.so").is_file() {
            return Err(Error::NotInstalled {
                program: "baresip module ctrl_tcp.so",
                package: "baresip-core",
            });
        }
        let wav = match &opts.play_wav {
            Some(p) => {
                let spec = hound::WavReader::open(p)
                    .map_err(|source| Error::Wav {
                        path: p.clone(),
                        source,
                    })?
                    .spec();
                if spec.bits_per_sample != 16 || spec.sample_format != hound::SampleFormat::Int {
                    return Err(Error::Other(format!(
                        "{}: baresip's aufile plays only 16-bit PCM WAVs",
                        p.display()
                    )));
                }
                Some(WavFormat {
                    rate: spec.sample_rate,
                    channels: spec.channels,
                })
            }
            None => None,
        };
        let dir = WorkDir::new(&format!("baresip-{}", opts.user))?;
        let record_dir = dir.path().join("recordings");
        std::fs::create_dir_all(&record_dir).map_err(|e| Error::io("create recordings dir", e))?;
        // baresip binds sip_port (UDP, TCP) and sip_port + 1 (TLS).
        let sip_port = free_ports(2)?;
        let ctrl_port = free_port()?;
        let layout = Layout {
            sip_port,
            ctrl_port,
            record_dir: &record_dir,
            wav,
        };
        dir.write("config", &config::render_config(&opts, &layout))?;
        dir.write("accounts", &config::render_accounts(&opts))?;
        let log = dir.path().join("baresip.log");
        let args: Vec<std::ffi::OsString> = vec!["-f".into(), dir.path().into()];
        let mut proc = ManagedProcess::spawn(
            format!("baresip {}", opts.user),
            &program,
            &args,
            dir.path(),
            &log,
        )?;
        let ctrl_addr = SocketAddr::from((LOOPBACK, ctrl_port));
        let start = Instant::now();
        let ctrl = loop {
            if proc.try_status().is_some() {
                return Err(proc.exited_error("starting"));
            }
            if let Ok(c) = Ctrl::connect(ctrl_addr).await {
                break c;
            }
            if start.elapsed() >= opts.start_timeout {
                return Err(proc.timeout_error(
                    format!("ctrl_tcp to listen on {ctrl_addr}"),
                    opts.start_timeout,
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // Accounts are parsed before ctrl_tcp listens.
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = log_text.lines().find(|l| l.contains("codec not found")) {
            return Err(Error::Process {
                what: format!("baresip {}: {}", opts.user, strip_ansi(line)),
                log: log.clone(),
                tail: tail(&log, 40),
            });
        }
        Ok(Baresip {
            opts,
            sip_port,
            record_dir,
            ctrl,
            proc,
            dir,
        })
    }

    /// The options it was started with.
    pub fn options(&self) -> &BaresipOptions {
        &self.opts
    }

    /// SIP port (UDP and TCP) on 127.0.0.1.
    pub fn sip_port(&self) -> u16 {
        self.sip_port
    }

    /// `127.0.0.1:<sip port>`.
    pub fn sip_addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.sip_port))
    }

    /// URI that reaches this instance directly: `sip:<user>@127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        format!("sip:{}@{}", self.opts.user, self.sip_addr())
    }

    /// Address-of-record: `sip:<user>@127.0.0.1`.
    pub fn aor(&self) -> String {
        format!("sip:{}@{LOOPBACK}", self.opts.user)
    }

    /// baresip's config directory (`config`, `accounts`, log, recordings).
    pub fn config_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Path of baresip's log (stdout and stderr).
    pub fn log_path(&self) -> &Path {
        self.proc.log()
    }

    /// Contents of the log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.proc.log()).unwrap_or_default()
    }

    /// Every event received so far, in order.
    pub fn events(&self) -> &[Event] {
        &self.ctrl.history
    }

    /// Runs any baresip command (e.g. `"hold"`), returning its output; fails
    /// when baresip reports the command as not ok.
    pub async fn command(&mut self, command: &str, params: &str) -> Result<String> {
        let res = self.ctrl.command(command, params).await;
        let (ok, data) = res.map_err(|e| self.fail(format!("command {command}: {e}")))?;
        if !ok {
            return Err(self.fail(format!("command {command} {params} failed: {data}")));
        }
        Ok(data)
    }

    /// Starts a call to `uri` (e.g. `sip:202@127.0.0.1`).
    pub async fn dial(&mut self, uri: &str) -> Result<()> {
        self.command("dial", uri).await.map(drop)
    }

    /// Answers the incoming call.
    pub async fn answer(&mut self) -> Result<()> {
        self.command("accept", "").await.map(drop)
    }

    /// Hangs up the current call.
    pub async fn hangup(&mut self) -> Result<()> {
        self.command("hangup", "").await.map(drop)
    }

    /// Registration state from the `reginfo` command.
    pub async fn reg_status(&mut self) -> Result<RegStatus> {
        if self.opts.registrar.is_none() {
            return Ok(RegStatus::NotRegistering);
        }
        let info = strip_ansi(&self.command("reginfo", "").await?);
        let words: Vec<&str> = info.split_whitespace().collect();
        Ok(if words.contains(&"OK") {
            RegStatus::Registered
        } else if words.contains(&"ERR") {
            RegStatus::Failed
        } else {
            RegStatus::Pending
        })
    }

    /// Whether the last REGISTER succeeded.
    pub async fn is_registered(&mut self) -> Result<bool> {
        Ok(self.reg_status().await? == RegStatus::Registered)
    }

    /// Waits until the account is registered.
    pub async fn wait_registered(&mut self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        loop {
            if self.is_registered().await? {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(self.timeout("registration (REGISTER_OK)", timeout));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until baresip reports that registering failed; returns the
    /// reason (e.g. `401 Unauthorized`, or the `reginfo` text).
    pub async fn wait_registration_failed(&mut self, timeout: Duration) -> Result<String> {
        let start = Instant::now();
        loop {
            if let Some(ev) = self.take_event("REGISTER_FAIL") {
                return Ok(ev.param);
            }
            if self.reg_status().await? == RegStatus::Failed {
                return Ok(strip_ansi(&self.command("reginfo", "").await?));
            }
            if start.elapsed() >= timeout {
                return Err(self.timeout("a registration failure", timeout));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the next event of type `kind` (a [`CallEvent`] or a raw
    /// type such as `"REGISTER_FAIL"`) and removes it from the queue; other
    /// events stay queued.
    pub async fn wait_event(&mut self, kind: impl AsRef<str>, timeout: Duration) -> Result<Event> {
        let kind = kind.as_ref();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(ev) = self.take_event(kind) {
                return Ok(ev);
            }
            match tokio::time::timeout_at(deadline, self.ctrl.pump()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(self.fail(format!("waiting for {kind}: {e}"))),
                Err(_) => return Err(self.timeout(format!("event {kind}"), timeout)),
            }
        }
    }

    fn take_event(&mut self, kind: &str) -> Option<Event> {
        let pos = self.ctrl.events.iter().position(|e| e.kind == kind)?;
        self.ctrl.events.remove(pos)
    }

    /// Directory sndfile writes recordings into.
    pub fn recordings_dir(&self) -> &Path {
        &self.record_dir
    }

    /// Recordings of received audio (`dump-*-dec.wav`), oldest first.
    pub fn recordings(&self) -> Vec<PathBuf> {
        list_dumps(&self.record_dir, "-dec.wav")
    }

    /// Recordings of sent audio (`dump-*-enc.wav`), oldest first.
    pub fn sent_recordings(&self) -> Vec<PathBuf> {
        list_dumps(&self.record_dir, "-enc.wav")
    }

    /// Path of the recording of what the last call received, once that file
    /// is a complete WAV (after the call closed); waits up to `timeout`.
    pub async fn last_recording(&self, timeout: Duration) -> Result<PathBuf> {
        if !self.opts.record {
            return Err(Error::Other(format!(
                "baresip {} was started without `record: true`",
                self.opts.user
            )));
        }
        let start = Instant::now();
        loop {
            if let Some(p) = self.recordings().pop() {
                let complete = hound::WavReader::open(&p).is_ok_and(|r| r.len() > 0);
                if complete {
                    return Ok(p);
                }
            }
            if start.elapsed() >= timeout {
                return Err(self.timeout(
                    format!("a complete recording in {}", self.record_dir.display()),
                    timeout,
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Process id of baresip (also its process group id) while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.proc.pid()
    }

    /// Stops baresip (SIGTERM to its process group, SIGKILL after 3 s).
    pub fn stop(&mut self) {
        self.proc.stop();
    }

    fn fail(&mut self, what: String) -> Error {
        let state = match self.proc.try_status() {
            Some(st) => format!(" (baresip exited: {st})"),
            None => String::new(),
        };
        Error::Process {
            what: format!("baresip {}: {what}{state}", self.opts.user),
            log: self.proc.log().to_path_buf(),
            tail: tail(self.proc.log(), 40),
        }
    }

    fn timeout(&self, what: impl Into<String>, waited: Duration) -> Error {
        let seen: Vec<&str> = self.ctrl.history.iter().map(|e| e.kind.as_str()).collect();
        self.proc
            .timeout_error(format!("{} (events so far: {seen:?})", what.into()), waited)
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        // Fields drop afterwards: the work dir goes once the process is gone.
        self.proc.stop();
    }
}

fn list_dumps(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dump-") && n.ends_with(suffix))
        })
        .collect();
    v.sort();
    v
}

/// Removes ANSI colour sequences (`ESC [ ... m`) that baresip prints.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_colours() {
        assert_eq!(strip_ansi("a \u{1b}[32mOK \u{1b}[;m b"), "a OK  b");
    }

    #[test]
    fn accounts_line() {
        let mut o = BaresipOptions::new("201");
        o.registrar = Some("127.0.0.1:5070".parse().unwrap());
        o.codecs = vec!["PCMU".into()];
        assert_eq!(config::codec_spec("opus"), "opus/48000/2");
        assert_eq!(config::codec_spec("G722"), "G722/16000/1");
        assert_eq!(config::codec_spec("opus/48000/2"), "opus/48000/2");
        o.auto_answer = true;
        o.register_interval = 10;
        assert_eq!(
            config::render_accounts(&o),
            "<sip:201@127.0.0.1>;auth_pass=pw-201;outbound=\"sip:127.0.0.1:5070;lr\";regint=10;answermode=auto;mwi=no;ptime=20;audio_codecs=PCMU/8000/1\n"
        );
        let d = BaresipOptions::new("9");
        assert_eq!(
            config::render_accounts(&d),
            "<sip:9@127.0.0.1>;regint=0;answermode=manual;mwi=no;ptime=20\n"
        );
    }
}
