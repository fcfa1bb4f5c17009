//! Kamailio as registrar and proxy on loopback, with digest auth and no database.
//!
//! * Domain and realm are `127.0.0.1`; user `U` is `sip:U@127.0.0.1` and its
//!   password is [`Kamailio::password_for`]`(U)` (= `"pw-" + U`).
//! * REGISTER is challenged with 401, other initial requests from local users
//!   with 407; ACK, CANCEL and in-dialog requests are not challenged.
//! * INVITEs to local users go to their registered contacts (404 when not
//!   registered, 480 when the contact does not answer); Record-Route is added.
//! * `IN IP4 <address>` in SDP bodies is rewritten to `127.0.0.1`.
//! * With [`KamailioOptions::presence`] it also serves the dialog event package
//!   (RFC 4235, busy-lamp fields): calls through it are published as dialog-info
//!   and SUBSCRIBE `Event: dialog` to `sip:U@127.0.0.1` gets NOTIFYs.

mod config;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::process::{find_program, tail, ManagedProcess};
use crate::sip::{header_values, options_request, request_udp, status_code, unique_token};
use crate::workdir::WorkDir;
use crate::{free_port, Error, Result, TestCertificates, LOOPBACK};

/// Where Debian's kamailio-tls-modules puts the TLS module.
const TLS_MODULE: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so";
/// Where Debian's kamailio-presence-modules puts the presence server.
const PRESENCE_MODULE: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules/presence.so";
/// Empty db_text tables shipped by the kamailio package (first line: the columns).
const DBTEXT_TEMPLATES: &str = "/usr/share/kamailio/dbtext/kamailio";

/// Settings of a [`Kamailio`] instance. `Default` suits most tests.
#[derive(Debug, Clone)]
pub struct KamailioOptions {
    /// Kamailio `debug` level: 2 = info (default), 3 = debug (logs every message).
    pub log_level: i32,
    /// Smallest registration expiry accepted, in seconds (default 1, so tests
    /// can use short re-registration intervals).
    pub min_expires: u32,
    /// How long to wait for any reply of the next hop (`fr_timer`, default 5 s).
    pub reply_timeout: Duration,
    /// How long an INVITE may ring before 408/480 (`fr_inv_timer`, default 60 s).
    pub no_answer_timeout: Duration,
    /// How long [`Kamailio::start`] waits for it to answer OPTIONS (default 15 s).
    pub start_timeout: Duration,
    /// Also listen for TLS on another free port, with a certificate for 127.0.0.1 signed by
    /// a fresh test CA ([`Kamailio::certificates`]). Needs `kamailio-tls-modules`.
    pub tls: bool,
    /// Digest algorithm of the challenges: "MD5" (default) or "SHA-256".
    pub digest_algorithm: &'static str,
    /// Longest registration the registrar grants, in seconds (default: Kamailio's own).
    pub max_expires: Option<u32>,
    /// Serve the dialog event package for busy-lamp tests: modules dialog, presence,
    /// presence_dialoginfo, pua, pua_dialoginfo with db_text tables in the temp dir
    /// (kept across [`Kamailio::restart`]; subscriptions are not, like registrations).
    /// Needs `kamailio-presence-modules`.
    pub presence: bool,
}

impl Default for KamailioOptions {
    fn default() -> Self {
        KamailioOptions {
            log_level: 2,
            min_expires: 1,
            reply_timeout: Duration::from_secs(5),
            no_answer_timeout: Duration::from_secs(60),
            start_timeout: Duration::from_secs(15),
            tls: false,
            digest_algorithm: "MD5",
            max_expires: None,
            presence: false,
        }
    }
}

/// A running Kamailio; the process group is killed on drop.
#[derive(Debug)]
pub struct Kamailio {
    opts: KamailioOptions,
    port: u16,
    cfg: PathBuf,
    log: PathBuf,
    program: PathBuf,
    proc: Option<ManagedProcess>,
    tls: Option<(u16, TestCertificates)>,
    // Last field: removed after the process is stopped.
    dir: WorkDir,
}

impl Kamailio {
    /// Writes a configuration into a fresh temp dir and starts Kamailio on
    /// 127.0.0.1:<free port> (UDP and TCP); returns once it answers OPTIONS.
    pub async fn start(opts: KamailioOptions) -> Result<Kamailio> {
        let program = find_program("kamailio", "kamailio")?;
        let dir = WorkDir::new("kamailio")?;
        let port = free_port()?;
        let secret = format!("fdtb{}", unique_token());
        let tls = if opts.tls {
            find_program("kamailio", "kamailio-tls-modules")?;
            if !Path::new(TLS_MODULE).exists() {
                return Err(Error::NotInstalled {
                    program: TLS_MODULE,
                    package: "kamailio-tls-modules",
                });
            }
            let certificates = TestCertificates::generate(dir.path(), &LOOPBACK.to_string())?;
            Some((free_port()?, certificates))
        } else {
            None
        };
        let tls_cfg = match &tls {
            Some((_, certs)) => {
                Some(dir.write("tls.cfg", &config::tls_cfg(&certs.cert, &certs.key))?)
            }
            None => None,
        };
        let presence_db = if opts.presence {
            Some(presence_tables(dir.path())?)
        } else {
            None
        };
        let cfg_text = config::render(&config::ConfigInput {
            opts: &opts,
            ip: &LOOPBACK.to_string(),
            port,
            secret: &secret,
            tls: tls
                .as_ref()
                .zip(tls_cfg.as_deref())
                .map(|((port, _), cfg)| (*port, cfg)),
            presence_db: presence_db.as_deref(),
        });
        let cfg = dir.write("kamailio.cfg", &cfg_text)?;
        let log = dir.path().join("kamailio.log");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&run).map_err(|e| Error::io("create run dir", e))?;
        let mut k = Kamailio {
            opts,
            port,
            cfg,
            log,
            program,
            proc: None,
            tls,
            dir,
        };
        k.launch().await?;
        Ok(k)
    }

    /// `127.0.0.1:<TLS port>` when started with [`KamailioOptions::tls`].
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls
            .as_ref()
            .map(|(port, _)| SocketAddr::from((LOOPBACK, *port)))
    }

    /// The test CA and server certificate of the TLS listener.
    pub fn certificates(&self) -> Option<&TestCertificates> {
        self.tls.as_ref().map(|(_, certs)| certs)
    }

    /// The password the configuration expects for `user`: `"pw-" + user`.
    pub fn password_for(user: &str) -> String {
        format!("pw-{user}")
    }

    /// The SIP domain and auth realm: `127.0.0.1`.
    pub fn domain(&self) -> Ipv4Addr {
        LOOPBACK
    }

    /// UDP/TCP port Kamailio listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.port))
    }

    /// Address-of-record of a local user: `sip:<user>@127.0.0.1`.
    pub fn aor(&self, user: &str) -> String {
        format!("sip:{user}@{LOOPBACK}")
    }

    /// Path of the generated `kamailio.cfg`.
    pub fn config_path(&self) -> &Path {
        &self.cfg
    }

    /// Path of the log file (stdout and stderr of every run, appended).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Contents of the log file so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the Kamailio process is running (not stopped and not exited).
    pub fn is_running(&mut self) -> bool {
        self.proc.as_mut().is_some_and(|p| p.try_status().is_none())
    }

    /// Process id of the main Kamailio process (also its process group id).
    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().and_then(ManagedProcess::pid)
    }

    /// Stops Kamailio (SIGTERM to its process group, SIGKILL after 3 s).
    /// Registrations are lost: they live in memory only.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.stop();
        }
    }

    /// Stops (if running) and starts again on the same port with the same
    /// configuration; waits until it answers OPTIONS.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop();
        self.launch().await
    }

    /// Contacts currently registered for `user` (empty when not registered).
    pub async fn contacts(&self, user: &str) -> Result<Vec<String>> {
        let req = options_request(self.addr(), Some(&format!("fdq-{user}")));
        let resp = request_udp(self.addr(), &req, Duration::from_secs(2))
            .await?
            .ok_or_else(|| self.error(format!("no answer to registration query for {user}")))?;
        match status_code(&resp) {
            Some(200) => Ok(header_values(&resp, "X-Contact")
                .into_iter()
                .map(str::to_owned)
                .collect()),
            Some(404) => Ok(Vec::new()),
            other => Err(self.error(format!(
                "unexpected answer {other:?} to registration query for {user}:\n{resp}"
            ))),
        }
    }

    /// Waits until `user` has at least one registered contact; returns them.
    pub async fn wait_registered(&self, user: &str, timeout: Duration) -> Result<Vec<String>> {
        let start = Instant::now();
        loop {
            let contacts = self.contacts(user).await?;
            if !contacts.is_empty() {
                return Ok(contacts);
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: format!("user {user} to register at Kamailio {}", self.addr()),
                    waited: timeout,
                    log: self.log.clone(),
                    tail: tail(&self.log, 40),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn error(&self, what: String) -> Error {
        Error::Process {
            what: format!("kamailio {}: {what}", self.addr()),
            log: self.log.clone(),
            tail: tail(&self.log, 40),
        }
    }

    async fn launch(&mut self) -> Result<()> {
        let dir = self.dir.path();
        let args: Vec<std::ffi::OsString> = vec![
            "-f".into(),
            self.cfg.clone().into(),
            "-P".into(),
            dir.join("kamailio.pid").into(),
            "-Y".into(),
            dir.join("run").into(),
            "-w".into(),
            dir.into(),
            "-DD".into(),
            "-E".into(),
            "-m".into(),
            "32".into(),
            "-M".into(),
            "4".into(),
        ];
        let mut proc = ManagedProcess::spawn(
            format!("kamailio {}", self.addr()),
            &self.program,
            &args,
            dir,
            &self.log,
        )?;
        let start = Instant::now();
        let timeout = self.opts.start_timeout;
        loop {
            if proc.try_status().is_some() {
                return Err(proc.exited_error("starting"));
            }
            let req = options_request(self.addr(), None);
            if let Some(resp) = request_udp(self.addr(), &req, Duration::from_millis(200)).await? {
                if status_code(&resp) == Some(200) {
                    break;
                }
            }
            if start.elapsed() >= timeout {
                return Err(proc.timeout_error("an answer to OPTIONS", timeout));
            }
        }
        self.proc = Some(proc);
        Ok(())
    }
}

/// Creates `<dir>/db` with the empty db_text tables the presence modules need, copied from
/// the installed Kamailio so their versions match its modules.
fn presence_tables(dir: &Path) -> Result<PathBuf> {
    if !Path::new(PRESENCE_MODULE).exists() {
        return Err(Error::NotInstalled {
            program: PRESENCE_MODULE,
            package: "kamailio-presence-modules",
        });
    }
    let db = dir.join("db");
    std::fs::create_dir_all(&db).map_err(|e| Error::io("create db_text dir", e))?;
    let template = Path::new(DBTEXT_TEMPLATES);
    let read = |table: &str| {
        let path = template.join(table);
        std::fs::read_to_string(&path).map_err(|e| Error::io(format!("read {}", path.display()), e))
    };
    let versions = read("version")?;
    let mut version = versions.lines().next().unwrap_or_default().to_string() + "\n";
    for table in config::PRESENCE_TABLES {
        // Only the column line: the tables start empty.
        let columns = read(table)?.lines().next().unwrap_or_default().to_string();
        std::fs::write(db.join(table), columns + "\n")
            .map_err(|e| Error::io(format!("write db_text table {table}"), e))?;
        let row = versions
            .lines()
            .find(|line| line.split(':').nth(1) == Some(table))
            .ok_or_else(|| {
                Error::io(
                    format!("{table} in {}/version", template.display()),
                    std::io::Error::from(std::io::ErrorKind::NotFound),
                )
            })?;
        version.push_str(row);
        version.push('\n');
    }
    std::fs::write(db.join("version"), version)
        .map_err(|e| Error::io("write db_text table version", e))?;
    Ok(db)
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.stop();
    }
}
