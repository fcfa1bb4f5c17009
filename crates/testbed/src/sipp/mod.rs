//! sipp runs: scenario XML in, exit status and logs out.
//!
//! Every run binds 127.0.0.1 only (`-i 127.0.0.1 -mi 127.0.0.1`) on free
//! SIP, media and control ports, runs one call (`-m 1`) unless the arguments
//! say otherwise, has a global timeout (`-timeout 60s`) and writes its error
//! and message traces into its own temp dir.

pub mod scenarios;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::ports::free_ports;
use crate::process::{find_program, ManagedProcess};
use crate::workdir::WorkDir;
use crate::{free_port, Result, LOOPBACK};

/// How a finished sipp run ended, with its logs.
#[derive(Debug, Clone)]
pub struct SippOutcome {
    /// Exit code (0: all calls succeeded, 1: some failed, 99: no call, ...);
    /// `None` when killed by a signal.
    pub exit_code: Option<i32>,
    /// sipp's stdout and stderr (its final statistics screen).
    pub output: String,
    /// The error trace (`-trace_err`): unexpected messages, timeouts.
    pub errors: String,
    /// The message trace (`-trace_msg`): every message sent and received.
    pub messages: String,
}

impl SippOutcome {
    /// Whether sipp exited with 0 (every call succeeded).
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// Panics with the error trace and output unless the run succeeded.
    pub fn assert_success(&self) {
        assert!(
            self.success(),
            "sipp failed (exit {:?})\n--- errors ---\n{}\n--- output ---\n{}\n--- messages ---\n{}",
            self.exit_code,
            self.errors,
            self.output,
            self.messages
        );
    }
}

/// A running sipp; its process group is killed on drop.
#[derive(Debug)]
pub struct Sipp {
    port: u16,
    proc: ManagedProcess,
    dir: WorkDir,
}

impl Sipp {
    /// Starts sipp with `scenario` (XML text) and extra `args` (e.g. the
    /// remote `127.0.0.1:port`, `-s 202`, `-au 201 -ap pw-201`,
    /// `-key caller 201`); later args override the harness's defaults.
    /// Returns at once: use it for a UAS, then [`Sipp::wait`].
    pub fn spawn(scenario: &str, args: &[&str]) -> Result<Sipp> {
        let program = find_program("sipp", "sip-tester")?;
        let dir = WorkDir::new("sipp")?;
        let sf = dir.write("scenario.xml", scenario)?;
        let port = free_port()?;
        // sipp's media uses mp (audio RTP, RTCP) and mp + 2 (video RTP, RTCP).
        let media = free_ports(4)?;
        let control = free_port()?;
        let d = dir.path();
        let mut argv: Vec<OsString> = Vec::new();
        let mut push = |a: &[&str]| argv.extend(a.iter().map(OsString::from));
        push(&["-sf", &sf.to_string_lossy()]);
        push(&["-i", "127.0.0.1", "-mi", "127.0.0.1"]);
        push(&["-p", &port.to_string(), "-mp", &media.to_string()]);
        push(&["-cp", &control.to_string()]);
        push(&["-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error"]);
        push(&[
            "-trace_err",
            "-error_file",
            &d.join("errors.log").to_string_lossy(),
        ]);
        push(&[
            "-trace_msg",
            "-message_file",
            &d.join("messages.log").to_string_lossy(),
        ]);
        let has_caller = args.windows(2).any(|w| w[0] == "-key" && w[1] == "caller");
        if !has_caller {
            push(&["-key", "caller", "sipp"]);
        }
        push(args);
        let log = d.join("sipp.log");
        let proc = ManagedProcess::spawn(format!("sipp :{port}"), &program, &argv, d, &log)?;
        Ok(Sipp { port, proc, dir })
    }

    /// Runs sipp to completion (bounded by sipp's own `-timeout` and a
    /// 90 s harness limit) and returns how it ended.
    pub async fn run(scenario: &str, args: &[&str]) -> Result<SippOutcome> {
        Sipp::spawn(scenario, args)?
            .wait(Duration::from_secs(90))
            .await
    }

    /// SIP port this sipp listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.port))
    }

    /// Waits for sipp to exit (at most `timeout`, then it is killed and a
    /// timeout error with its log is returned).
    pub async fn wait(mut self, timeout: Duration) -> Result<SippOutcome> {
        let status = self.proc.wait_exit(timeout).await?;
        let read = |name: &str| read_lossy(&self.dir.path().join(name));
        Ok(SippOutcome {
            exit_code: status.code(),
            output: read_lossy(self.proc.log()),
            errors: read("errors.log"),
            messages: read("messages.log"),
        })
    }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
