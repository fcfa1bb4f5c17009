//! Why a notification could not be sent, in words that say what to fix, and
//! whether trying again later can help.

use std::error::Error as StdError;
use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;

/// Whether a failed send is worth retrying automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The server was unreachable, busy or asked to come back (4xx): the
    /// same e-mail may well go through later.
    Temporary,
    /// Retrying cannot help until someone changes something (wrong password,
    /// certificate, address, a 5xx refusal) — or a retry could deliver the
    /// e-mail twice (the connection broke after the server had the message).
    Permanent,
}

/// The step of the SMTP conversation a failure happened in; it decides what
/// an error means (a 5xx reply to AUTH is a wrong password, to RCPT a bad
/// recipient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// TCP connect, implicit TLS handshake, greeting, EHLO.
    Connect,
    /// STARTTLS and the second EHLO.
    StartTls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Sender,
    /// RCPT TO.
    Recipient,
    /// DATA (before the message is sent).
    Data,
    /// The message itself and the server's final reply.
    Message,
}

impl Stage {
    fn describe(self) -> &'static str {
        match self {
            Stage::Connect => "the greeting",
            Stage::StartTls => "STARTTLS",
            Stage::Auth => "the login",
            Stage::Sender => "the sender address",
            Stage::Recipient => "a recipient address",
            Stage::Data => "the start of the message",
            Stage::Message => "the message",
        }
    }
}

/// A notification that could not be sent. [`MailError::kind`] tells whether
/// a retry may help; the message tells the user what to change.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address setting does not parse.
    #[error(
        "e-mail setting `{field}` = {value:?} is not a valid address list ({reason}); write it \
         like \"Anna Schmidt <anna@example.com>\", several separated by commas"
    )]
    InvalidAddress {
        /// `from`, `to` or `category email`.
        field: &'static str,
        /// What was given.
        value: String,
        /// What the parser said.
        reason: String,
    },

    /// No server configured.
    #[error("no mail server: set server = \"smtp.example.com\" in [voicemail.email]")]
    NoServer,

    /// `tls = "none"` for a server that is not this machine.
    #[error(
        "tls = \"none\" would send the login and the message unencrypted, so it is only allowed \
         for a mail server on this machine (127.0.0.1, ::1, localhost), not {server}; use \
         tls = \"starttls\" (port 587) or tls = \"implicit\" (port 465)"
    )]
    PlainNotLoopback {
        /// The configured server.
        server: String,
    },

    /// A user name but no password.
    #[error(
        "no password for the mail server login `{username}`: store it in the OS keyring (or \
         set password_env for a headless machine), or remove username if the server needs \
         no login"
    )]
    NoPassword {
        /// The configured login.
        username: String,
    },

    /// The extra CA file cannot be used.
    #[error("cannot use the CA certificate file {path} (ca_file in [voicemail.email]): {detail}")]
    CaFile {
        /// The configured file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },

    /// TLS could not be set up on this side.
    #[error("cannot set up TLS for the mail server {server}: {detail}")]
    TlsSetup {
        /// The configured server.
        server: String,
        /// What went wrong.
        detail: String,
    },

    /// The server could not be reached (refused, unreachable, timed out).
    #[error(
        "cannot reach the mail server {server}:{port} ({detail}); check server and port in \
         [voicemail.email] and that this machine is online — Frontdesk tries again later"
    )]
    Connect {
        /// The configured server.
        server: String,
        /// The configured port.
        port: u16,
        /// What the network said.
        detail: String,
    },

    /// The TLS handshake failed: certificate not trusted, not for this name,
    /// or the port does not speak the expected TLS.
    #[error(
        "the mail server {server}:{port} failed the TLS check ({detail}); check that server is \
         the name or address its certificate is issued for, that the port matches tls \
         (465: \"implicit\", 587: \"starttls\"), or set ca_file to the CA that signed a \
         private certificate"
    )]
    Tls {
        /// The configured server.
        server: String,
        /// The configured port.
        port: u16,
        /// What TLS said.
        detail: String,
    },

    /// `tls = "starttls"` but the server does not offer it.
    #[error(
        "the mail server {server}:{port} does not offer STARTTLS, and Frontdesk does not send \
         unencrypted; use tls = \"implicit\" with port 465, or the server's submission port"
    )]
    NoStartTls {
        /// The configured server.
        server: String,
        /// The configured port.
        port: u16,
    },

    /// The login was refused (a 5xx reply to AUTH).
    #[error(
        "the mail server refused the login of `{username}` ({code} {reply}); check username in \
         [voicemail.email] and the password stored in the OS keyring (some providers need an \
         app password)"
    )]
    AuthFailed {
        /// The configured login.
        username: String,
        /// The reply code (535 for wrong credentials).
        code: u16,
        /// The server's reply.
        reply: String,
    },

    /// The server offers no login method this mailer speaks.
    #[error(
        "the mail server {server} offers no login method Frontdesk supports (PLAIN, LOGIN) for \
         `{username}`; check server and port (the login is often only offered on 587 or 465), \
         or remove username if the server needs no login"
    )]
    AuthUnsupported {
        /// The configured server.
        server: String,
        /// The configured login.
        username: String,
    },

    /// The server wants a login that is not configured.
    #[error(
        "the mail server requires a login ({code} {reply}); set username in [voicemail.email] and \
         store the password in the OS keyring"
    )]
    AuthRequired {
        /// The reply code (530).
        code: u16,
        /// The server's reply.
        reply: String,
    },

    /// A 5xx reply: the server will not take this e-mail as it is.
    #[error("the mail server refused {what} ({code} {reply}){hint}")]
    Rejected {
        /// What was refused.
        what: &'static str,
        /// The reply code.
        code: u16,
        /// The server's text.
        reply: String,
        /// What to check, starting with "; ".
        hint: &'static str,
    },

    /// A 4xx reply: the server asks to try again later.
    #[error("the mail server put off {what} ({code} {reply}); Frontdesk tries again later")]
    Deferred {
        /// What was put off.
        what: &'static str,
        /// The reply code.
        code: u16,
        /// The server's text.
        reply: String,
    },

    /// The connection broke or stalled before the message was handed over.
    #[error(
        "the connection to the mail server {server}:{port} broke during {what} ({detail}); \
         Frontdesk tries again later"
    )]
    Interrupted {
        /// The configured server.
        server: String,
        /// The configured port.
        port: u16,
        /// The step it broke in.
        what: &'static str,
        /// What the network said.
        detail: String,
    },

    /// The message was handed over but the server's confirmation never
    /// came: it may have arrived, so it is not sent again automatically.
    #[error(
        "the connection to the mail server {server}:{port} broke after the message was handed \
         over but before the server confirmed it ({detail}); it may or may not have arrived, \
         so Frontdesk does not send it again by itself — queue it again to resend"
    )]
    Unconfirmed {
        /// The configured server.
        server: String,
        /// The configured port.
        port: u16,
        /// What the network said.
        detail: String,
    },

    /// The e-mail could not be put together (e.g. an address needing
    /// SMTPUTF8 on a server without it).
    #[error("cannot send the e-mail as composed: {0}")]
    Compose(String),
}

impl MailError {
    /// Whether retrying later may help; see [`FailureKind`].
    pub fn kind(&self) -> FailureKind {
        match self {
            MailError::Connect { .. }
            | MailError::Deferred { .. }
            | MailError::Interrupted { .. } => FailureKind::Temporary,
            _ => FailureKind::Permanent,
        }
    }
}

/// The server and port an error is about.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub server: String,
    pub port: u16,
    pub username: Option<String>,
}

/// Turns a lettre error at `stage` into what it means for the user.
pub(crate) fn classify(peer: &Peer, stage: Stage, err: &SmtpError) -> MailError {
    let server = peer.server.clone();
    let port = peer.port;
    let username = peer.username.clone().unwrap_or_default();

    if let Some(code) = err.status() {
        let code = code.to_string().parse::<u16>().unwrap_or(0);
        let reply = reply_text(err);
        if err.is_transient() {
            return MailError::Deferred {
                what: stage.describe(),
                code,
                reply,
            };
        }
        return match stage {
            Stage::Auth => MailError::AuthFailed {
                username,
                code,
                reply,
            },
            Stage::Sender | Stage::Recipient | Stage::Data if code == 530 => {
                MailError::AuthRequired { code, reply }
            }
            Stage::StartTls => MailError::Tls {
                server,
                port,
                detail: format!("STARTTLS refused: {code} {reply}"),
            },
            _ => MailError::Rejected {
                what: stage.describe(),
                code,
                reply,
                hint: rejection_hint(stage),
            },
        };
    }

    if let Some(tls) = find_rustls_error(err) {
        return MailError::Tls {
            server,
            port,
            detail: tls.to_string(),
        };
    }
    if err.is_tls() {
        return MailError::Tls {
            server,
            port,
            detail: chain_text(err),
        };
    }
    if err.is_client() {
        return match stage {
            Stage::StartTls => MailError::NoStartTls { server, port },
            Stage::Auth => MailError::AuthUnsupported { server, username },
            _ => MailError::Compose(chain_text(err)),
        };
    }

    let detail = chain_text(err);
    match stage {
        Stage::Connect => MailError::Connect {
            server,
            port,
            detail,
        },
        Stage::Message => MailError::Unconfirmed {
            server,
            port,
            detail,
        },
        _ => MailError::Interrupted {
            server,
            port,
            what: stage.describe(),
            detail,
        },
    }
}

/// The error for a step that took longer than the configured timeout.
pub(crate) fn timed_out(peer: &Peer, stage: Stage, limit: Duration) -> MailError {
    let detail = format!("no answer within {} s", limit.as_secs_f64());
    let (server, port) = (peer.server.clone(), peer.port);
    match stage {
        Stage::Connect => MailError::Connect {
            server,
            port,
            detail,
        },
        Stage::Message => MailError::Unconfirmed {
            server,
            port,
            detail,
        },
        _ => MailError::Interrupted {
            server,
            port,
            what: stage.describe(),
            detail,
        },
    }
}

fn rejection_hint(stage: Stage) -> &'static str {
    match stage {
        Stage::Connect => "; check server and port in [voicemail.email]",
        Stage::Sender => {
            "; check `from` in [voicemail.email] (many servers only accept the login's own address)"
        }
        Stage::Recipient => {
            "; check `to` in [voicemail.email] and the categories' `email` addresses"
        }
        Stage::Data | Stage::Message => {
            "; if the attached recording is too large, set attach = \"opus\" or \"none\""
        }
        Stage::StartTls | Stage::Auth => "",
    }
}

/// The server's reply text without lettre's "permanent error (535): " prefix.
fn reply_text(err: &SmtpError) -> String {
    match err.source() {
        Some(source) => source.to_string().trim().to_string(),
        None => String::new(),
    }
}

/// The rustls error inside lettre's error, if TLS is what failed. `io::Error`
/// hides its inner error from `source()`, so it is looked into explicitly.
fn find_rustls_error(err: &SmtpError) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn StdError + 'static)> = err.source();
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                    return Some(tls);
                }
            }
        }
        next = e.source();
    }
    None
}

/// The innermost useful description: lettre's own text repeats its kind.
fn chain_text(err: &SmtpError) -> String {
    let mut text = err.to_string();
    let mut next: Option<&(dyn StdError + 'static)> = err.source();
    while let Some(e) = next {
        text = e.to_string();
        next = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_troubles_are_temporary() {
        let peer = |what: &'static str| MailError::Interrupted {
            server: "s".into(),
            port: 1,
            what,
            detail: "reset".into(),
        };
        assert_eq!(peer("x").kind(), FailureKind::Temporary);
        let deferred = MailError::Deferred {
            what: "x",
            code: 451,
            reply: "later".into(),
        };
        assert_eq!(deferred.kind(), FailureKind::Temporary);
        let unconfirmed = MailError::Unconfirmed {
            server: "s".into(),
            port: 1,
            detail: "eof".into(),
        };
        assert_eq!(unconfirmed.kind(), FailureKind::Permanent);
        let auth = MailError::AuthFailed {
            username: "u".into(),
            code: 535,
            reply: "5.7.8".into(),
        };
        assert_eq!(auth.kind(), FailureKind::Permanent);
        assert!(auth.to_string().contains("keyring"), "{auth}");
    }
}
