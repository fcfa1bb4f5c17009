//! linphonec 5.1 (Debian `linphone-cli`) as "the other phone", driven through
//! its stdin.
//!
//! Why a second third-party phone next to baresip: linphonec acts on a REFER
//! whose Refer-To carries `?Replaces=` (attended transfer) and on an incoming
//! INVITE with `Replaces` (transfer target, pickup); baresip 1.0 does neither.
//!
//! Each instance gets its own temp dir with `HOME` (liblinphone silently never
//! starts SIP when `$HOME/.local/share/linphone` cannot be created, so the
//! driver creates it), an explicit `linphonerc` (see `config.rs`: UDP on a
//! free port of 127.0.0.1, the registrar as outbound route, only the codecs
//! asked for, no video, STUN, ICE, SRTP, keep-alives or DNS) and audio through
//! files (`soundcard use files`: no sound card, no PulseAudio needed).
//! Facts about linphonec 5.1 worth knowing:
//!
//! * Commands are read from stdin (here a FIFO) one line at a time; each
//!   command is followed by an unknown word so that the end of its reply can
//!   be recognised (`'fdtb-mark-N': Cannot understand this.`).
//! * linphonec numbers calls itself (1, 2, ... per process, incoming and
//!   outgoing alike); every method takes and every event carries that id.
//! * `call` is refused while another call is active: [`Linphone::pause`] it
//!   first. Answering a second call pauses the first by itself.
//! * The WAV is played once per stream from its start (and again after each
//!   resume); it is also what a peer hears while we hold the call. When it
//!   ends, silence follows; the call goes on.
//! * Recordings are 16-bit mono WAVs at the codec's rate (8 kHz for PCMU),
//!   one per call, complete once the call has ended: use
//!   [`Linphone::recording`], which repairs mediastreamer's header.
//! * A refused digest password may make linphonec ask for another one on
//!   stdin, taking the next command as the password and stopping all SIP
//!   work meanwhile: the driver notices the prompt and fails at once
//!   ([`Linphone::password_refused`]). A failed REGISTER is retried after 60 s.
//! * An INVITE with Replaces for a confirmed call is accepted by liblinphone
//!   itself (`auto_answer_replacing_calls`); one for an early dialog (pickup
//!   of our ringing outgoing call) rings like a new call until answered.
//! * Before a call's audio flows, mediastreamer sends a few 20-byte STUN
//!   packets to the peer's RTP port (its firewall opener); peers ignore them.

mod config;
mod output;
mod reader;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use output::{LinphoneEvent, LinphoneEventKind, LinphoneRegState};

use crate::process::{find_program, tail, ManagedProcess};
use crate::sip::{options_request, request_udp};
use crate::workdir::WorkDir;
use crate::{free_port, ports::free_ports, Error, Result, LOOPBACK};
use output::{failure_in, parse_event, parse_reg_state};
use reader::{Reader, RecordPolicy, Stdin};

/// How many RTP port pairs each instance reserves (calls at the same time).
const RTP_PAIRS: u16 = 4;

/// Settings of a [`Linphone`] instance.
#[derive(Debug, Clone)]
pub struct LinphoneOptions {
    /// User part of the account, `sip:<user>@127.0.0.1`.
    pub user: String,
    /// Digest password; `None` means [`crate::Kamailio::password_for`]`(user)`.
    pub password: Option<String>,
    /// Registrar, also used as outbound proxy (`reg_route`) for every
    /// request; `None` means no account: direct calls to `sip:u@127.0.0.1:port`.
    pub registrar: Option<SocketAddr>,
    /// Requested registration expiry in seconds (default 600).
    pub register_expires: u32,
    /// Audio codecs offered, in order (`PCMU`, `PCMA`, `G722`, `opus`,
    /// `speex/16000`, ...); empty means PCMU only.
    pub codecs: Vec<String>,
    /// 16-bit PCM WAV played into every call (any rate); `None` sends silence.
    pub play_wav: Option<PathBuf>,
    /// Record what each call receives into `call-N.wav`.
    pub record: bool,
    /// Answer incoming calls at once (linphonec `-a`).
    pub auto_answer: bool,
    /// How long [`Linphone::start`] and each command may take.
    pub start_timeout: Duration,
}

impl LinphoneOptions {
    /// Options for `user` with defaults: no registrar, PCMU, silence, no
    /// recording, manual answer.
    pub fn new(user: impl Into<String>) -> Self {
        LinphoneOptions {
            user: user.into(),
            password: None,
            registrar: None,
            register_expires: 600,
            codecs: Vec::new(),
            play_wav: None,
            record: false,
            auto_answer: false,
            start_timeout: Duration::from_secs(15),
        }
    }
}

/// A running linphonec; its process group is killed on drop.
#[derive(Debug)]
pub struct Linphone {
    opts: LinphoneOptions,
    sip_port: u16,
    rtp_port: u16,
    home: PathBuf,
    config: PathBuf,
    debug_log: PathBuf,
    record_dir: PathBuf,
    stdin: Stdin,
    next_mark: u64,
    reader: Reader,
    proc: ManagedProcess,
    // Last field: removed after the process is stopped.
    dir: WorkDir,
}

impl Linphone {
    /// Writes `linphonerc` into a fresh temp dir, starts linphonec with its
    /// own HOME, switches it to file audio and checks that it answers SIP
    /// OPTIONS. Does not wait for registration ([`Linphone::wait_registered`]).
    pub async fn start(opts: LinphoneOptions) -> Result<Linphone> {
        let program = find_program("linphonec", "linphone-cli")?;
        if let Some(p) = &opts.play_wav {
            check_wav(p)?;
        }
        let dir = WorkDir::new(&format!("linphone-{}", opts.user))?;
        let home = dir.path().join("home");
        for sub in [".local/share/linphone", ".config/linphone"] {
            std::fs::create_dir_all(home.join(sub))
                .map_err(|e| Error::io(format!("create {}/{sub}", home.display()), e))?;
        }
        let record_dir = dir.path().join("recordings");
        std::fs::create_dir_all(&record_dir).map_err(|e| Error::io("create recordings dir", e))?;
        let play_wav = match &opts.play_wav {
            Some(p) => p.clone(),
            None => {
                let silent = dir.path().join("silence.wav");
                write_silence(&silent)?;
                silent
            }
        };
        let sip_port = free_port()?;
        let rtp_port = free_ports(RTP_PAIRS * 2)?;
        let layout = config::Layout {
            sip_port,
            rtp_port,
            play_wav: &play_wav,
        };
        let config = dir.write("linphonerc", &config::render(&opts, &layout))?;
        let fifo = dir.path().join("stdin.fifo");
        let stdin = Stdin::new(open_fifo(&fifo)?);
        let log = dir.path().join("linphonec.log");
        let debug_log = dir.path().join("linphone-debug.log");
        // sh sets HOME and redirects stdin, then becomes linphonec (same pid,
        // so the process group is linphonec's).
        let script = r#"export HOME="$1"; fifo="$2"; shift 2; exec "$@" < "$fifo""#;
        let mut args: Vec<OsString> = vec![
            "-c".into(),
            script.into(),
            "linphonec-testbed".into(),
            home.clone().into(),
            fifo.into(),
            program.into(),
            "-c".into(),
            config.clone().into(),
            "-d".into(),
            "6".into(),
            "-l".into(),
            debug_log.clone().into(),
        ];
        if opts.auto_answer {
            args.push("-a".into());
        }
        let proc = ManagedProcess::spawn(
            format!("linphonec {}", opts.user),
            Path::new("/bin/sh"),
            &args,
            dir.path(),
            &log,
        )?;
        let record = opts.record.then(|| RecordPolicy::new(record_dir.clone()));
        let reader = Reader::spawn(log, stdin.clone(), record);
        let mut lp = Linphone {
            opts,
            sip_port,
            rtp_port,
            home,
            config,
            debug_log,
            record_dir,
            stdin,
            next_mark: 1,
            reader,
            proc,
            dir,
        };
        let reply = lp.command("soundcard use files").await?;
        if !reply.iter().any(|l| l.contains("Using wav files")) {
            return Err(lp.fail(format!("`soundcard use files` answered {reply:?}")));
        }
        let addr = lp.sip_addr();
        let probe = request_udp(
            addr,
            &options_request(addr, Some(&lp.opts.user)),
            lp.opts.start_timeout,
        )
        .await?;
        if probe.is_none() {
            return Err(lp.fail(format!(
                "no answer to OPTIONS on {addr}: liblinphone did not start its SIP stack \
                 (is {}/.local/share/linphone writable?)",
                lp.home.display()
            )));
        }
        Ok(lp)
    }

    /// The options it was started with.
    pub fn options(&self) -> &LinphoneOptions {
        &self.opts
    }

    /// SIP port (UDP) on 127.0.0.1.
    pub fn sip_port(&self) -> u16 {
        self.sip_port
    }

    /// `127.0.0.1:<sip port>`.
    pub fn sip_addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.sip_port))
    }

    /// First RTP port; call k uses `rtp_port + 2k` (RTCP one above), up to 4 calls.
    pub fn rtp_port(&self) -> u16 {
        self.rtp_port
    }

    /// URI that reaches this instance directly: `sip:<user>@127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        format!("sip:{}@{}", self.opts.user, self.sip_addr())
    }

    /// Address-of-record: `sip:<user>@127.0.0.1`.
    pub fn aor(&self) -> String {
        format!("sip:{}@{LOOPBACK}", self.opts.user)
    }

    /// The temp dir (`linphonerc`, logs, `home/`, `recordings/`).
    pub fn work_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The HOME linphonec runs with.
    pub fn home_dir(&self) -> &Path {
        &self.home
    }

    /// The generated `linphonerc` (linphonec rewrites it while running).
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// linphonec's console output (stdout and stderr).
    pub fn log_path(&self) -> &Path {
        self.proc.log()
    }

    /// Contents of the console log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.proc.log()).unwrap_or_default()
    }

    /// liblinphone's debug log (every SIP message sent and received).
    pub fn debug_log_path(&self) -> &Path {
        &self.debug_log
    }

    /// Contents of the debug log so far.
    pub fn debug_log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.debug_log).unwrap_or_default()).into_owned()
    }

    /// Every event parsed so far, in order.
    pub fn events(&self) -> Vec<LinphoneEvent> {
        self.reader.console().history.clone()
    }

    /// Calls that have not ended, with the last state each reached, by id.
    pub fn calls(&self) -> Vec<(u32, LinphoneEventKind)> {
        self.reader
            .console()
            .calls
            .iter()
            .map(|(id, k)| (*id, *k))
            .collect()
    }

    /// Runs one linphonec command (e.g. `"calls"`) and returns its reply
    /// lines (echo and call events left out; the events stay queued). Fails
    /// when linphonec answers with one of its error sentences.
    pub async fn command(&mut self, line: &str) -> Result<Vec<String>> {
        let line = line.trim();
        if line.is_empty() || line.contains('\n') {
            return Err(Error::Other(format!("not one linphonec command: {line:?}")));
        }
        self.check_password_prompt()?;
        let mark = format!("fdtb-mark-{}", self.next_mark);
        self.next_mark += 1;
        let done = format!("'{mark}': Cannot understand this.");
        let start = self.reader.console().lines.len();
        if let Err(e) = self.stdin.send(&format!("{line}\n{mark}\n")) {
            return Err(self.fail(format!("write `{line}` to linphonec: {e}")));
        }
        let timeout = self.opts.start_timeout;
        let deadline = Instant::now() + timeout;
        loop {
            {
                let c = self.reader.console();
                let tail = c.lines.get(start..).unwrap_or_default();
                if let Some(end) = tail.iter().position(|l| *l == done) {
                    let reply: Vec<String> = tail[..end]
                        .iter()
                        .filter(|l| *l != line && **l != mark && !l.starts_with("record "))
                        .filter(|l| parse_event(l).is_none() || line.starts_with("call "))
                        .cloned()
                        .collect();
                    drop(c);
                    if let Some(bad) = failure_in(&reply) {
                        return Err(self.fail(format!("`{line}` failed: {bad}")));
                    }
                    return Ok(reply);
                }
            }
            self.check_password_prompt()?;
            if self.proc.try_status().is_some() {
                return Err(self.proc.exited_error(&format!("running `{line}`")));
            }
            if Instant::now() >= deadline {
                return Err(self.timeout(format!("the reply to `{line}`"), timeout));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Fails once linphonec has asked for a password on stdin: from then on
    /// it would take the next command as the password.
    fn check_password_prompt(&mut self) -> Result<()> {
        let prompt = self.reader.console().password_prompt.clone();
        match prompt {
            Some(p) => Err(self.fail(format!(
                "the digest password was refused and linphonec now asks `{p}:` on stdin \
                 (it would take the next command as the password); check \
                 LinphoneOptions::password"
            ))),
            None => Ok(()),
        }
    }

    /// Whether the registrar (or a proxy) refused the password: linphonec then
    /// asks for another one on stdin, and no command works any more.
    pub fn password_refused(&self) -> bool {
        self.reader.console().password_prompt.is_some()
    }

    /// Registration state from `states proxies`; `Failed` once the password
    /// was refused (see [`Linphone::password_refused`]).
    pub async fn reg_state(&mut self) -> Result<LinphoneRegState> {
        if self.password_refused() {
            return Ok(LinphoneRegState::Failed);
        }
        let reply = match self.command("states proxies").await {
            Ok(reply) => reply,
            Err(_) if self.password_refused() => return Ok(LinphoneRegState::Failed),
            Err(e) => return Err(e),
        };
        parse_reg_state(&reply).ok_or_else(|| {
            Error::Other(format!(
                "linphonec {}: unreadable `states proxies` reply {reply:?}",
                self.opts.user
            ))
        })
    }

    /// Waits until the account is registered (`LinphoneRegistrationOk`);
    /// fails at once when registering failed.
    pub async fn wait_registered(&mut self, timeout: Duration) -> Result<()> {
        if self.opts.registrar.is_none() {
            return Err(Error::Other(format!(
                "linphonec {} was started without a registrar",
                self.opts.user
            )));
        }
        let start = Instant::now();
        loop {
            self.check_password_prompt()?;
            let state = self.reg_state().await?;
            if state == LinphoneRegState::Ok {
                return Ok(());
            }
            if state == LinphoneRegState::Failed {
                self.check_password_prompt()?;
                return Err(self.fail(
                    "registration failed (LinphoneRegistrationFailed: password refused or no \
                     answer from the registrar; liblinphone retries only after 60 s)"
                        .into(),
                ));
            }
            if start.elapsed() >= timeout {
                return Err(self.timeout(format!("registration (last state {state:?})"), timeout));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Calls `uri` (e.g. `sip:202@127.0.0.1`); returns linphonec's id of the
    /// new call. Fails while another call is active (pause it first).
    pub async fn dial(&mut self, uri: &str) -> Result<u32> {
        let reply = self.command(&format!("call {uri}")).await?;
        let id = reply
            .iter()
            .filter_map(|l| parse_event(l))
            .find(|e| e.kind == LinphoneEventKind::OutgoingInit)
            .and_then(|e| e.call);
        let Some(id) = id else {
            return Err(self.fail(format!("`call {uri}` started no call: {reply:?}")));
        };
        // The caller knows about this call now; an OutgoingInit still queued
        // afterwards is one linphonec started by itself (after a REFER).
        let mut c = self.reader.console();
        if let Some(pos) = c
            .queue
            .iter()
            .position(|e| e.kind == LinphoneEventKind::OutgoingInit && e.call == Some(id))
        {
            c.queue.remove(pos);
        }
        Ok(id)
    }

    /// Answers the one incoming call (linphonec refuses when several exist:
    /// use [`Linphone::answer_call`]).
    pub async fn answer(&mut self) -> Result<()> {
        self.command("answer").await.map(drop)
    }

    /// Answers incoming call `id`.
    pub async fn answer_call(&mut self, id: u32) -> Result<()> {
        self.command(&format!("answer {id}")).await.map(drop)
    }

    /// Hangs up (or declines) the current call.
    pub async fn hangup(&mut self) -> Result<()> {
        self.command("terminate").await.map(drop)
    }

    /// Hangs up (or declines) call `id`.
    pub async fn hangup_call(&mut self, id: u32) -> Result<()> {
        self.command(&format!("terminate {id}")).await.map(drop)
    }

    /// Hangs up every call.
    pub async fn hangup_all(&mut self) -> Result<()> {
        self.command("terminate all").await.map(drop)
    }

    /// Puts the current call on hold (re-INVITE `sendonly`); wait for
    /// [`LinphoneEventKind::Paused`].
    pub async fn pause(&mut self) -> Result<()> {
        self.command("pause").await.map(drop)
    }

    /// Resumes held call `id` (only while no other call is active).
    pub async fn resume(&mut self, id: u32) -> Result<()> {
        self.command(&format!("resume {id}")).await.map(drop)
    }

    /// Blind transfer: sends REFER with `Refer-To: target` on call `id`.
    pub async fn transfer(&mut self, id: u32, target: &str) -> Result<()> {
        self.command(&format!("transfer {id} {target}"))
            .await
            .map(drop)
    }

    /// Attended transfer: sends REFER on call `id` whose Refer-To names the
    /// far end of call `to_call` with `?Replaces=` that call's dialog
    /// (linphonec `transfer ID --to-call ID2`).
    pub async fn transfer_to_call(&mut self, id: u32, to_call: u32) -> Result<()> {
        self.command(&format!("transfer {id} --to-call {to_call}"))
            .await
            .map(drop)
    }

    /// Sends keypad digits (`0-9`, `*`, `#`) on the current call; linphonec
    /// takes about one second per digit.
    pub async fn send_dtmf(&mut self, digits: &str) -> Result<()> {
        if digits.is_empty()
            || !digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            return Err(Error::Other(format!("not DTMF digits: {digits:?}")));
        }
        let timeout = self
            .opts
            .start_timeout
            .max(Duration::from_secs(2 * digits.len() as u64));
        let saved = std::mem::replace(&mut self.opts.start_timeout, timeout);
        let res = self.command(digits).await.map(drop);
        self.opts.start_timeout = saved;
        res
    }

    /// Waits for the next event of `kind` (any call) and takes it out of the
    /// queue; other events stay queued.
    pub async fn wait_event(
        &mut self,
        kind: LinphoneEventKind,
        timeout: Duration,
    ) -> Result<LinphoneEvent> {
        self.wait_for(|e| e.kind == kind, format!("{kind:?}"), timeout)
            .await
    }

    /// Waits for the next event of `kind` about call `id`.
    pub async fn wait_call_event(
        &mut self,
        id: u32,
        kind: LinphoneEventKind,
        timeout: Duration,
    ) -> Result<LinphoneEvent> {
        self.wait_for(
            |e| e.kind == kind && e.call == Some(id),
            format!("{kind:?} of call {id}"),
            timeout,
        )
        .await
    }

    async fn wait_for(
        &mut self,
        pred: impl Fn(&LinphoneEvent) -> bool,
        what: String,
        timeout: Duration,
    ) -> Result<LinphoneEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let mut c = self.reader.console();
                if let Some(pos) = c.queue.iter().position(&pred) {
                    if let Some(ev) = c.queue.remove(pos) {
                        return Ok(ev);
                    }
                }
            }
            // linphonec stops iterating while it waits for a password.
            self.check_password_prompt()?;
            if self.proc.try_status().is_some() {
                return Err(self.proc.exited_error(&format!("waiting for {what}")));
            }
            if Instant::now() >= deadline {
                return Err(self.timeout(format!("event {what}"), timeout));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Directory the recordings are written into.
    pub fn recordings_dir(&self) -> &Path {
        &self.record_dir
    }

    /// Where linphonec records call `id`'s received audio (it may not exist yet).
    pub fn recording_path(&self, id: u32) -> PathBuf {
        RecordPolicy::path_for(&self.record_dir, id)
    }

    /// linphonec's raw recordings (`call-N.wav`) that exist, by call id; read
    /// them through [`Linphone::recording`].
    pub fn recordings(&self) -> Vec<(u32, PathBuf)> {
        let mut v: Vec<(u32, PathBuf)> = std::fs::read_dir(&self.record_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                let id = name
                    .to_str()?
                    .strip_prefix("call-")?
                    .strip_suffix(".wav")?
                    .parse()
                    .ok()?;
                Some((id, e.path()))
            })
            .collect();
        v.sort();
        v
    }

    /// Call `id`'s recording once it is complete (the call has ended), as a
    /// valid WAV: a repaired copy `received-N.wav` of linphonec's `call-N.wav`,
    /// whose header claims 44 bytes more than the file holds (mediastreamer
    /// 5.1 writes the header over the first samples of a new file, which
    /// strict readers such as hound refuse). Waits up to `timeout`.
    pub async fn recording(&self, id: u32, timeout: Duration) -> Result<PathBuf> {
        if !self.opts.record {
            return Err(Error::Other(format!(
                "linphonec {} was started without `record: true`",
                self.opts.user
            )));
        }
        let path = self.recording_path(id);
        let start = Instant::now();
        loop {
            let ended = {
                let c = self.reader.console();
                c.history.iter().any(|e| {
                    e.call == Some(id)
                        && matches!(e.kind, LinphoneEventKind::Ended | LinphoneEventKind::Error)
                })
            };
            if ended {
                if let Some(fixed) =
                    repaired_copy(&path, &self.record_dir.join(format!("received-{id}.wav")))?
                {
                    return Ok(fixed);
                }
            }
            if start.elapsed() >= timeout {
                let state = if ended { "ended" } else { "not ended" };
                return Err(self.timeout(
                    format!(
                        "a complete recording {} (call {id} {state})",
                        path.display()
                    ),
                    timeout,
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The recording of the most recent call that had audio, once complete.
    pub async fn last_recording(&self, timeout: Duration) -> Result<PathBuf> {
        let last = self.reader.console().history.iter().rev().find_map(|e| {
            (e.kind == LinphoneEventKind::StreamsRunning)
                .then_some(e.call)
                .flatten()
        });
        match last {
            Some(id) => self.recording(id, timeout).await,
            None => Err(Error::Other(format!(
                "linphonec {}: no call has had audio yet",
                self.opts.user
            ))),
        }
    }

    /// Process id of linphonec (also its process group id) while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.proc.pid()
    }

    /// Stops linphonec (SIGTERM to its process group, SIGKILL after 3 s).
    pub fn stop(&mut self) {
        self.proc.stop();
        self.reader.stop();
    }

    fn fail(&mut self, what: String) -> Error {
        let state = match self.proc.try_status() {
            Some(st) => format!(" (linphonec exited: {st})"),
            None => String::new(),
        };
        Error::Process {
            what: format!(
                "linphonec {}: {what}{state}; SIP trace in {}",
                self.opts.user,
                self.debug_log.display()
            ),
            log: self.proc.log().to_path_buf(),
            tail: tail(self.proc.log(), 40),
        }
    }

    fn timeout(&self, what: impl Into<String>, waited: Duration) -> Error {
        let seen: Vec<String> = self
            .reader
            .console()
            .history
            .iter()
            .map(|e| {
                format!(
                    "{:?}({})",
                    e.kind,
                    e.call.map(|c| c.to_string()).unwrap_or_default()
                )
            })
            .collect();
        self.proc.timeout_error(
            format!(
                "{} (events so far: {seen:?}; SIP trace in {})",
                what.into(),
                self.debug_log.display()
            ),
            waited,
        )
    }
}

impl Drop for Linphone {
    fn drop(&mut self) {
        // Fields drop afterwards: the work dir goes once the process is gone.
        self.stop();
    }
}

/// Length of the canonical WAV header mediastreamer's recorder writes.
const WAV_HEADER: usize = 44;

/// Writes `raw` (a recording by mediastreamer's MSFileRec) to `out` with RIFF
/// and data lengths that match the samples present. `Ok(None)` while `raw`
/// is missing or holds no samples yet.
fn repaired_copy(raw: &Path, out: &Path) -> Result<Option<PathBuf>> {
    let Ok(mut bytes) = std::fs::read(raw) else {
        return Ok(None);
    };
    if bytes.len() <= WAV_HEADER {
        return Ok(None);
    }
    let canonical = &bytes[0..4] == b"RIFF"
        && &bytes[8..16] == b"WAVEfmt "
        && bytes[16..20] == 16u32.to_le_bytes()
        && &bytes[36..40] == b"data";
    if !canonical {
        return Err(Error::Other(format!(
            "{}: not the 44-byte-header WAV mediastreamer writes",
            raw.display()
        )));
    }
    let align = usize::from(u16::from_le_bytes([bytes[32], bytes[33]]).max(1));
    let data = (bytes.len() - WAV_HEADER) / align * align;
    bytes.truncate(WAV_HEADER + data);
    let data =
        u32::try_from(data).map_err(|_| Error::Other(format!("{}: too large", raw.display())))?;
    bytes[4..8].copy_from_slice(&(data + 36).to_le_bytes());
    bytes[40..44].copy_from_slice(&data.to_le_bytes());
    std::fs::write(out, &bytes).map_err(|e| Error::io(format!("write {}", out.display()), e))?;
    Ok(Some(out.to_path_buf()))
}

/// linphonec's file player reads 16-bit PCM WAVs only.
fn check_wav(p: &Path) -> Result<()> {
    let spec = hound::WavReader::open(p)
        .map_err(|source| Error::Wav {
            path: p.to_path_buf(),
            source,
        })?
        .spec();
    if spec.bits_per_sample != 16 || spec.sample_format != hound::SampleFormat::Int {
        return Err(Error::Other(format!(
            "{}: linphonec plays only 16-bit PCM WAVs",
            p.display()
        )));
    }
    Ok(())
}

/// Half a second of silence, played when no WAV is given (otherwise
/// liblinphone would play its own hold music into calls).
fn write_silence(path: &Path) -> Result<()> {
    let wav_err = |source| Error::Wav {
        path: path.to_path_buf(),
        source,
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(wav_err)?;
    for _ in 0..4000 {
        w.write_sample(0i16).map_err(wav_err)?;
    }
    w.finalize().map_err(wav_err)
}

/// Creates a FIFO and opens it read-write, which never blocks on Linux and
/// keeps it open for linphonec however often it is reopened.
fn open_fifo(path: &Path) -> Result<std::fs::File> {
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::Other(format!("NUL in path {}", path.display())))?;
    // SAFETY: plain syscall with a valid NUL-terminated path.
    if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } != 0 {
        return Err(Error::io(
            format!("mkfifo {}", path.display()),
            std::io::Error::last_os_error(),
        ));
    }
    // Non-blocking: should linphonec die with the pipe full, a write fails
    // instead of hanging the driver.
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(format!("open FIFO {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_header_is_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("call-1.wav");
        // What MSFileRec leaves: header over the first samples, lengths
        // counting the whole file.
        let samples: Vec<u8> = (0..1000u32)
            .flat_map(|i| ((i % 50) as i16 * 100).to_le_bytes())
            .collect();
        let mut bytes = samples.clone();
        let total = bytes.len() as u32;
        let mut header = Vec::new();
        header.extend_from_slice(b"RIFF");
        header.extend_from_slice(&(total + 32).to_le_bytes());
        header.extend_from_slice(b"WAVEfmt ");
        header.extend_from_slice(&16u32.to_le_bytes());
        header.extend_from_slice(&1u16.to_le_bytes());
        header.extend_from_slice(&1u16.to_le_bytes());
        header.extend_from_slice(&8000u32.to_le_bytes());
        header.extend_from_slice(&16000u32.to_le_bytes());
        header.extend_from_slice(&2u16.to_le_bytes());
        header.extend_from_slice(&16u16.to_le_bytes());
        header.extend_from_slice(b"data");
        header.extend_from_slice(&total.to_le_bytes());
        bytes[..WAV_HEADER].copy_from_slice(&header);
        std::fs::write(&raw, &bytes).unwrap();
        assert!(hound::WavReader::open(&raw)
            .unwrap()
            .samples::<i16>()
            .any(|s| s.is_err()));

        let out = dir.path().join("received-1.wav");
        let fixed = repaired_copy(&raw, &out).unwrap().unwrap();
        let mut r = hound::WavReader::open(&fixed).unwrap();
        assert_eq!(r.spec().sample_rate, 8000);
        let got: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
        assert_eq!(got.len(), 1000 - WAV_HEADER / 2);
        assert_eq!(got[0], ((WAV_HEADER / 2) % 50) as i16 * 100);

        assert!(repaired_copy(&dir.path().join("missing.wav"), &out)
            .unwrap()
            .is_none());
        std::fs::write(&raw, vec![7u8; 100]).unwrap();
        assert!(repaired_copy(&raw, &out).is_err());
    }
}
