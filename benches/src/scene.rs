//! The scene the Kamailio benchmarks (`engine`, `transfer`, `voicemail`) set up, in one copy so
//! that they start, configure, stop and report alike: their run (one thread, Ctrl-C),
//! `frontdesk daemon` processes with their own config and data dir, registered baresip phones,
//! and the report's lines about the binary and the machine.

use std::fmt::Display;
use std::fs::OpenOptions;
use std::future::Future;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use frontdesk_api::RegistrationState;
use frontdesk_control::ControlClient;
use frontdesk_testbed::{free_port, Baresip, BaresipOptions, Kamailio};
use serde_json::{json, Value};

use crate::cli::options;
use crate::{built_at, cpu_model, frontdesk_binary, last_lines, load_average, version_of};

/// The benchmarks' result: any error, reported as `error: ...` by [`run_until_done`].
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// How long any single step on loopback may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// Environment variable a benchmark's daemon reads its SIP password from (its config names it,
/// so no password is written to disk).
pub const PASSWORD_ENV: &str = "FRONTDESK_BENCH_PASSWORD";

/// Whether `FRONTDESK_TESTBED_KEEP` is set: then, like the testbed, the benchmarks keep their
/// scratch folders (configs, logs, recordings) and say where they are.
pub fn keep_requested() -> bool {
    std::env::var_os("FRONTDESK_TESTBED_KEEP").is_some()
}

// ---------------------------------------------------------------------------------------------
// The run

/// A Kamailio benchmark's `main`: its parsed options (see [`options`]: `--help` and usage
/// errors end it here), then `bench` run with them on one thread ([`run_until_done`]).
pub fn program<A, E: Display>(
    parsed: Result<Option<A>, E>,
    bench: impl AsyncFnOnce(&A) -> Res<()>,
) -> ExitCode {
    match options(parsed) {
        Ok(args) => run_until_done(bench(&args)),
        Err(code) => code,
    }
}

/// Runs a benchmark to its end on one thread and turns its result into the exit code (an error
/// is printed as `error: ...`). One thread, so that the benchmark itself takes as little CPU as
/// possible and one task takes every timestamp. On Ctrl-C the benchmark's future is dropped,
/// which stops every process it started.
pub fn run_until_done(bench: impl Future<Output = Res<()>>) -> ExitCode {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = rt.block_on(async {
        tokio::select! {
            r = bench => r,
            _ = tokio::signal::ctrl_c() => Err("interrupted; all processes stopped".into()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The daemon

/// What a benchmark's daemon config says; [`DaemonConfig::toml`] adds what every benchmark's
/// config has: a free loopback port, the file audio backend and an account at the Kamailio.
pub struct DaemonConfig<'a> {
    /// The account's name (shown in the daemon's log).
    pub account: &'a str,
    /// The extension it registers as; its password is Kamailio's for it.
    pub user: &'a str,
    /// The only codec it offers (`pcmu`, `opus`).
    pub codec: &'a str,
    /// Lines of the `[audio]` section after `backend = "file"` (`play = ...`), may be empty.
    pub audio: String,
    /// The data dir (history, inbox, the control API's address file).
    pub data: &'a Path,
    /// Further sections before the account (`[voicemail]`), may be empty.
    pub sections: String,
}

impl DaemonConfig<'_> {
    /// The config file's text, with the account registering at `k` over UDP.
    pub fn toml(&self, k: &Kamailio) -> Res<String> {
        Ok(format!(
            "[sip]\nlisten = \"127.0.0.1:{port}\"\n\
             [audio]\nbackend = \"file\"\n{audio}\
             [data]\ndir = \"{data}\"\n\
             {sections}\
             [[account]]\nname = \"{account}\"\nuser = \"{user}\"\ndomain = \"{domain}\"\n\
             registrar = \"{reg}\"\ntransport = \"udp\"\npassword_env = \"{PASSWORD_ENV}\"\n\
             codecs = [\"{codec}\"]\n",
            port = free_port()?,
            audio = self.audio,
            data = self.data.display(),
            sections = self.sections,
            account = self.account,
            user = self.user,
            domain = k.domain(),
            reg = k.addr(),
            codec = self.codec,
        ))
    }
}

/// A `frontdesk daemon` in its own process group, with its config, log (`daemon.log`) and data
/// in its own temporary dir; stopped (SIGTERM, then SIGKILL) on drop, when the dir goes too
/// unless [`keep_requested`]. After [`DaemonProcess::connect`] it has a client of its control
/// API.
pub struct DaemonProcess {
    child: Option<Child>,
    bin: PathBuf,
    config: PathBuf,
    log: PathBuf,
    data: PathBuf,
    client: Option<ControlClient>,
    dir: tempfile::TempDir,
}

impl DaemonProcess {
    /// Writes `config` (registering at `k`) as `frontdesk.toml` into `dir` and starts `bin
    /// daemon` on it, with the account's password in [`PASSWORD_ENV`] and `RUST_LOG` set to
    /// `log_filter` if given (else the daemon's default).
    pub fn spawn(
        bin: &Path,
        k: &Kamailio,
        dir: tempfile::TempDir,
        config: &DaemonConfig,
        log_filter: Option<&str>,
    ) -> Res<DaemonProcess> {
        let path = dir.path().join("frontdesk.toml");
        std::fs::write(&path, config.toml(k)?)?;
        let log = dir.path().join("daemon.log");
        let out = OpenOptions::new().create(true).append(true).open(&log)?;
        let mut command = Command::new(bin);
        command
            .arg("daemon")
            .arg("--config")
            .arg(&path)
            .env(PASSWORD_ENV, Kamailio::password_for(config.user));
        if let Some(filter) = log_filter {
            command.env("RUST_LOG", filter);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("start {}: {e}", bin.display()))?;
        Ok(DaemonProcess {
            child: Some(child),
            bin: bin.to_path_buf(),
            config: path,
            log,
            data: config.data.to_path_buf(),
            client: None,
            dir,
        })
    }

    /// The daemon's temporary dir (config, log, and whatever its config puts there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The daemon's data dir, as its config says.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// The client of the daemon's control API.
    ///
    /// # Panics
    /// Before [`DaemonProcess::connect`] succeeded: a benchmark's mistake, not the daemon's.
    pub fn api(&self) -> &ControlClient {
        self.client
            .as_ref()
            .expect("DaemonProcess::connect before DaemonProcess::api")
    }

    /// The daemon's log (stdout and stderr).
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The daemon's process id (0 once stopped), for its CPU time and memory.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `None` while the daemon runs; else how it ended, as the error message says it.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.as_mut().map(|c| c.try_wait()) {
            Some(Ok(None)) => None,
            other => Some(format!("{other:?}")),
        }
    }

    /// The last `lines` lines of the daemon's log, for an error message.
    pub fn log_tail(&self, lines: usize) -> String {
        last_lines(
            &std::fs::read_to_string(&self.log).unwrap_or_default(),
            lines,
        )
    }

    /// An error naming `what`, with the end of the daemon's log.
    pub fn failure(&self, what: &str) -> Box<dyn std::error::Error> {
        format!(
            "frontdesk daemon: {what}\n--- {} ---\n{}",
            self.log.display(),
            self.log_tail(40)
        )
        .into()
    }

    /// An error unless the daemon still runs.
    pub fn check_alive(&mut self) -> Res<()> {
        match self.exited() {
            None => Ok(()),
            Some(how) => Err(self.failure(&format!("not running ({how})"))),
        }
    }

    /// Runs `frontdesk ctl --config .. ARGS --json` (a new process, as a user would) and parses
    /// its output.
    pub async fn ctl(&self, args: &[&str]) -> Res<Value> {
        let out = tokio::process::Command::new(&self.bin)
            .arg("ctl")
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .arg("--json")
            .output()
            .await?;
        if !out.status.success() {
            return Err(format!(
                "frontdesk ctl {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            )
            .into());
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// Waits until the daemon's control API answers and every account is registered (at most
    /// [`WAIT`]); [`DaemonProcess::api`] is its client from then on.
    pub async fn connect(&mut self) -> Res<()> {
        let start = Instant::now();
        let client = loop {
            self.check_alive()?;
            if let Ok(c) = ControlClient::discover(&self.data).await {
                break c;
            }
            if start.elapsed() > WAIT {
                return Err(self.failure("no control API within 15 s"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        loop {
            self.check_alive()?;
            let status = client.status().await?;
            if status
                .accounts
                .iter()
                .all(|a| a.state == RegistrationState::Registered)
            {
                self.client = Some(client);
                return Ok(());
            }
            if start.elapsed() > WAIT {
                return Err(self.failure(&format!("not registered within 15 s: {status:?}")));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM to the group, SIGKILL after 5 s (the daemon un-registers first).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pgid = child.id() as libc::pid_t;
        // SAFETY: signals to the process group this program created.
        unsafe { libc::killpg(pgid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // SAFETY: as above.
        unsafe { libc::killpg(pgid, libc::SIGKILL) };
        let _ = child.wait();
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        self.stop();
        if keep_requested() {
            let dir = std::mem::replace(&mut self.dir, tempfile::TempDir::new().expect("temp dir"));
            eprintln!("kept {}", dir.keep().display());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Phones

/// Options of a baresip that registers `user` at `k`, offers only `codec` (`PCMU`, `opus`) and
/// plays `wav` into every call (a call ends with the file); the caller adds the rest.
pub fn phone_options(k: &Kamailio, user: &str, codec: &str, wav: &Path) -> BaresipOptions {
    let mut o = BaresipOptions::new(user);
    o.registrar = Some(k.addr());
    o.codecs = vec![codec.into()];
    o.play_wav = Some(wav.into());
    o
}

/// Starts a baresip with `options` and waits (at most [`WAIT`]) until it has registered.
pub async fn registered_phone(options: BaresipOptions) -> Res<Baresip> {
    let mut b = Baresip::start(options).await?;
    b.wait_registered(WAIT).await?;
    Ok(b)
}

// ---------------------------------------------------------------------------------------------
// The report

/// The frontdesk binary under test, as the report names it.
pub struct Subject {
    /// Its path.
    pub bin: PathBuf,
    /// The profile it was built with (`release`, `debug`, or `given` for `--frontdesk`).
    pub profile: String,
    /// What its `--version` says.
    pub version: String,
}

impl Subject {
    /// The already built binary (see [`frontdesk_binary`]: `--frontdesk PATH`, else the target
    /// dir's debug or release build) and its version.
    pub fn find(given: Option<&Path>, debug: bool) -> Result<Subject, String> {
        let (bin, profile) = frontdesk_binary(given, debug)?;
        let version = version_of(&bin);
        Ok(Subject {
            bin,
            profile,
            version,
        })
    }

    /// The report's `frontdesk` object: binary, version, profile and when it was built, so a
    /// stale binary shows.
    pub fn json(&self) -> Value {
        json!({
            "binary": self.bin.display().to_string(),
            "version": self.version,
            "profile": self.profile,
            "binary_mtime_unix": built_at(&self.bin),
        })
    }
}

/// The machine a run measured on, read at its start; figures are comparable only beside it.
pub struct Machine {
    /// Available CPUs.
    pub nproc: usize,
    /// The CPU's model name.
    pub cpu_model: String,
    /// The 1-minute load average at the start.
    pub load_start: f64,
}

impl Machine {
    /// The machine now.
    pub fn now() -> Machine {
        Machine {
            nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model: cpu_model(),
            load_start: load_average(),
        }
    }

    /// The report's `machine: ...` line, with the load average at the end.
    pub fn line(&self, load_end: f64) -> String {
        format!(
            "machine: {} CPUs, {}; 1-min load average {:.2} at start, {load_end:.2} at end",
            self.nproc, self.cpu_model, self.load_start
        )
    }

    /// The report's `machine` object, with the load average at the end.
    pub fn json(&self, load_end: f64) -> Value {
        json!({
            "nproc": self.nproc,
            "cpu_model": self.cpu_model,
            "loadavg_start": self.load_start,
            "loadavg_end": load_end,
        })
    }
}

/// Seconds since 1970 now, the report's `unix_time`.
pub fn unix_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benchmark_result_is_the_exit_code() {
        assert_eq!(run_until_done(async { Ok(()) }), ExitCode::SUCCESS);
        assert_eq!(
            run_until_done(async { Err("failed".into()) }),
            ExitCode::FAILURE
        );
    }

    #[test]
    fn machine_line_names_cpus_and_load() {
        let m = Machine {
            nproc: 2,
            cpu_model: "Some CPU".into(),
            load_start: 1.234,
        };
        assert_eq!(
            m.line(0.5),
            "machine: 2 CPUs, Some CPU; 1-min load average 1.23 at start, 0.50 at end"
        );
        assert_eq!(m.json(0.5)["loadavg_end"], 0.5);
        assert_eq!(m.json(0.5)["nproc"], 2);
    }
}
