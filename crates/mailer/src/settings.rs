//! What the mailer needs to know about the mail server and the addresses,
//! as plain data (the config crate maps `[voicemail.email]` onto it).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the connection to the mail server is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte ("SMTPS", usually port 465): nothing is ever
    /// sent in the clear.
    Implicit,
    /// Plain connection upgraded with STARTTLS before anything else (usually
    /// port 587); a server that does not offer STARTTLS is an error, never a
    /// silent fallback to plain text.
    StartTls,
    /// No encryption: only allowed for a mail server on this machine
    /// (loopback), e.g. a local relay.
    None,
}

impl TlsMode {
    /// The usual port for this mode, for when the config gives none.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::Implicit => 465,
            TlsMode::StartTls => 587,
            TlsMode::None => 25,
        }
    }
}

/// Whether and how the recording travels with the notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachAudio {
    /// Text only: the audio stays on this machine.
    None,
    /// The recording as it is stored, Ogg Opus (`audio/ogg`): small.
    Opus,
    /// Converted to 16-bit 16 kHz WAV (`audio/wav`): about ten times larger,
    /// but plays everywhere.
    Wav,
}

/// Everything needed to reach the mail server and address the e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    /// Host name or IP address of the SMTP server (also the name its TLS
    /// certificate must carry).
    pub server: String,
    /// TCP port; see [`TlsMode::default_port`].
    pub port: u16,
    /// How the connection is encrypted.
    pub tls: TlsMode,
    /// Login name; `None` for servers that accept mail without a login.
    pub username: Option<String>,
    /// Sender, e.g. `Frontdesk <frontdesk@example.com>`.
    pub from: String,
    /// Default recipients, comma-separated; a category's own address replaces it.
    pub to: String,
    /// Whether the recording is attached.
    pub attach_audio: AttachAudio,
    /// An extra CA certificate (PEM) to trust besides the system's, for a
    /// server with a private or self-signed certificate.
    pub ca_file: Option<PathBuf>,
    /// How long any one step (connecting, each SMTP command) may take.
    pub timeout: Duration,
}

impl MailSettings {
    /// Settings with the usual defaults: STARTTLS on 587, no login, no
    /// attachment, system CAs, 60 s per step.
    pub fn new(server: impl Into<String>, from: impl Into<String>, to: impl Into<String>) -> Self {
        MailSettings {
            server: server.into(),
            port: TlsMode::StartTls.default_port(),
            tls: TlsMode::StartTls,
            username: None,
            from: from.into(),
            to: to.into(),
            attach_audio: AttachAudio::None,
            ca_file: None,
            timeout: Duration::from_secs(60),
        }
    }

    /// The server as an IP address, if it is one (`[::1]` brackets allowed).
    pub(crate) fn server_ip(&self) -> Option<IpAddr> {
        self.server
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()
    }

    /// The server name as it goes to the socket and to TLS: brackets removed.
    pub(crate) fn server_name(&self) -> &str {
        self.server.trim_start_matches('[').trim_end_matches(']')
    }

    /// Whether the server is this machine, the only place plain SMTP may go.
    pub(crate) fn server_is_loopback(&self) -> bool {
        match self.server_ip() {
            Some(ip) => ip.is_loopback(),
            None => self.server.eq_ignore_ascii_case("localhost"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_counts_as_this_machine() {
        let mut s = MailSettings::new("127.0.0.1", "a@b.c", "d@e.f");
        assert!(s.server_is_loopback());
        for local in ["::1", "[::1]", "127.0.0.2", "localhost", "LocalHost"] {
            s.server = local.into();
            assert!(s.server_is_loopback(), "{local}");
        }
        for remote in [
            "192.168.1.10",
            "smtp.example.com",
            "localhost.example.com",
            "",
        ] {
            s.server = remote.into();
            assert!(!s.server_is_loopback(), "{remote}");
        }
    }

    #[test]
    fn default_ports_follow_the_tls_mode() {
        assert_eq!(TlsMode::Implicit.default_port(), 465);
        assert_eq!(TlsMode::StartTls.default_port(), 587);
        assert_eq!(TlsMode::None.default_port(), 25);
        assert_eq!(MailSettings::new("x", "a@b.c", "d@e.f").port, 587);
    }
}
