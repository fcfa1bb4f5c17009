//! Child processes in their own process group, killed as a group on drop.

use std::ffi::OsStr;
use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// Finds `program` in `PATH` or the sbin directories (Kamailio lives in
/// `/usr/sbin`, which is not in every user's `PATH`).
pub(crate) fn find_program(program: &'static str, package: &'static str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin"];
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or(Error::NotInstalled { program, package })
}

/// Returns the last `lines` lines of a log file (or a note that it is unreadable).
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(log {} unreadable: {e})", path.display()),
    }
}

/// A running third-party program whose stdout and stderr go to a log file.
///
/// It leads its own process group; [`ManagedProcess::stop`] (also called on
/// drop) sends SIGTERM to the whole group, then SIGKILL after a grace period.
#[derive(Debug)]
pub(crate) struct ManagedProcess {
    name: String,
    child: Option<Child>,
    log: PathBuf,
    status: Option<ExitStatus>,
}

impl ManagedProcess {
    /// Starts `program` with `args` in `cwd`, appending its output to `log`.
    pub(crate) fn spawn<I, S>(
        name: impl Into<String>,
        program: &Path,
        args: I,
        cwd: &Path,
        log: &Path,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let name = name.into();
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| Error::io(format!("open log {}", log.display()), e))?;
        let err = out
            .try_clone()
            .map_err(|e| Error::io("duplicate log file handle", e))?;
        let child = Command::new(program)
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| Error::io(format!("start {}", program.display()), e))?;
        Ok(ManagedProcess {
            name,
            child: Some(child),
            log: log.to_path_buf(),
            status: None,
        })
    }

    /// Path of the log file.
    pub(crate) fn log(&self) -> &Path {
        &self.log
    }

    /// Process id (and process group id) of the program while it is managed.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Exit status if the program has exited (without waiting).
    pub(crate) fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(st)) = child.try_wait() {
                    self.status = Some(st);
                }
            }
        }
        self.status
    }

    /// An error describing that the program is not running, with its log tail.
    pub(crate) fn exited_error(&mut self, doing: &str) -> Error {
        let status = self
            .try_status()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "still running".into());
        Error::Process {
            what: format!("{} exited while {doing} ({status})", self.name),
            log: self.log.clone(),
            tail: tail(&self.log, 40),
        }
    }

    /// A timeout error for this program, with its log tail.
    pub(crate) fn timeout_error(&self, what: impl Into<String>, waited: Duration) -> Error {
        Error::Timeout {
            what: format!("{}: {}", self.name, what.into()),
            waited,
            log: self.log.clone(),
            tail: tail(&self.log, 40),
        }
    }

    /// Waits for the program to exit by itself, up to `timeout`.
    pub(crate) async fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(st) = self.try_status() {
                return Ok(st);
            }
            if start.elapsed() >= timeout {
                return Err(self.timeout_error("the process to exit", timeout));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL after 3 s.
    /// Idempotent.
    pub(crate) fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pgid = child.id() as libc::pid_t;
        signal_group(pgid, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut status = None;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = child.try_wait() {
                status = Some(st);
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if status.is_none() {
            signal_group(pgid, libc::SIGKILL);
            status = child.wait().ok();
        }
        self.status = self.status.or(status);
        // Members of the group that outlived the leader (forked workers).
        let deadline = Instant::now() + Duration::from_secs(1);
        while group_alive(pgid) && Instant::now() < deadline {
            signal_group(pgid, libc::SIGKILL);
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ManagedProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(pgid: libc::pid_t, sig: libc::c_int) {
    // SAFETY: plain syscall on a process group we created.
    unsafe {
        libc::killpg(pgid, sig);
    }
}

fn group_alive(pgid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::killpg(pgid, 0) == 0 }
}
