//! A real SMTP server for tests: aiosmtpd (Debian's python3-aiosmtpd) on 127.0.0.1 with a
//! handler that writes what it receives to a directory (`smtp_server.py` beside this file:
//! STARTTLS or implicit TLS, login, refusals and dropped connections on request).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The Python that has aiosmtpd: Debian's, not whatever `python3` is first
/// on PATH (pyenv and friends do not see Debian's packages).
fn python() -> String {
    std::env::var("FRONTDESK_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

/// A running aiosmtpd; killed when dropped.
pub struct SmtpServer {
    child: Child,
    /// The port it listens on at 127.0.0.1.
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts the server with extra options of tests/support/smtp_server.py
    /// (`--cert`, `--key`, `--implicit-tls`, `--user`, `--password`,
    /// `--reject-rcpt`, `--drop-after-data`) on a free port.
    pub fn start(options: &[&str]) -> SmtpServer {
        let maildir = tempfile::tempdir().expect("temporary maildir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/smtp/smtp_server.py");
        let mut child = Command::new(python())
            .arg(&script)
            .args(["--listen", "127.0.0.1:0", "--maildir"])
            .arg(maildir.path())
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let port = match (read, line.strip_prefix("READY ")) {
            (Ok(_), Some(port)) => port.trim().parse().expect("a port number"),
            _ => {
                let _ = child.kill();
                let status = child.wait().ok();
                panic!(
                    "the test SMTP server did not start (said {line:?}, exit {status:?}); is \
                     python3-aiosmtpd installed? run scripts/install-deps"
                );
            }
        };
        SmtpServer {
            child,
            port,
            maildir,
        }
    }

    /// The `n`-th received message (from 1) as the handler recorded it,
    /// waiting up to 10 s for it.
    pub fn message(&self, n: usize) -> Received {
        let path = self.maildir.path().join(format!("{n}.json"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !path.exists() {
            assert!(Instant::now() < deadline, "message {n} never arrived");
            std::thread::sleep(Duration::from_millis(20));
        }
        let json: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read record")).expect("JSON");
        Received {
            json,
            dir: self.maildir.path().to_path_buf(),
        }
    }

    /// How many messages arrived so far.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.maildir.path())
            .expect("maildir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .count()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message as the server got it and Python's e-mail parser decoded it.
pub struct Received {
    /// `mail_from`, `rcpt_tos`, `tls`, `auth_user`, `headers`, `text`, `attachments`.
    pub json: Value,
    dir: PathBuf,
}

impl Received {
    /// A header, decoded (RFC 2047), by lower-case name.
    pub fn header(&self, name: &str) -> &str {
        self.json["headers"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} header in {}", self.json))
    }

    /// The decoded text/plain body, with the wire's CRLF line ends as `\n`.
    pub fn text(&self) -> String {
        self.json["text"]
            .as_str()
            .expect("a text body")
            .replace("\r\n", "\n")
    }

    /// The attachments: (file name, content type, decoded bytes).
    pub fn attachments(&self) -> Vec<(String, String, Vec<u8>)> {
        self.json["attachments"]
            .as_array()
            .expect("attachments list")
            .iter()
            .map(|a| {
                let bytes = std::fs::read(self.dir.join(a["file"].as_str().unwrap())).unwrap();
                (
                    a["filename"].as_str().unwrap_or_default().to_string(),
                    a["content_type"].as_str().unwrap().to_string(),
                    bytes,
                )
            })
            .collect()
    }
}
