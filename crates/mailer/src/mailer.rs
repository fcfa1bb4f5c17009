//! Composing one notification and handing it to the SMTP server.
//!
//! The SMTP conversation is driven step by step (connect, STARTTLS, AUTH,
//! MAIL, RCPT, DATA, message) rather than through lettre's transport, so each
//! failure is known by the step it happened in: a 5xx after AUTH is a wrong
//! password, a broken connection before the message is safe to retry, one
//! after it is not (the server may have the e-mail already).

use std::fmt;
use std::future::Future;
use std::path::Path;

use lettre::address::Envelope;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, TlsParameters, TlsParametersBuilder,
};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Message;

use crate::error::{classify, timed_out, Peer, Stage};
use crate::notification::AudioNote;
use crate::{AttachAudio, MailError, MailSettings, Notification, TlsMode};

/// Sends voicemail notifications with one set of [`MailSettings`]. Cheap to
/// share (`&self`); each [`Mailer::send`] uses its own connection, so one
/// stuck send never holds up another.
pub struct Mailer {
    settings: MailSettings,
    from: Mailbox,
    to: Mailboxes,
    credentials: Option<Credentials>,
    tls: Option<TlsParameters>,
    peer: Peer,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the password.
        f.debug_struct("Mailer")
            .field("settings", &self.settings)
            .field("login", &self.credentials.is_some())
            .finish()
    }
}

impl Mailer {
    /// Checks the settings (addresses, TLS mode, CA file, password present
    /// when a login is configured) without contacting the server, so a
    /// mistake shows up at start-up rather than with the first voicemail.
    /// `password` is the login's password from the keyring (or
    /// `password_env`); it is ignored without a `username`.
    pub fn new(settings: MailSettings, password: Option<String>) -> Result<Mailer, MailError> {
        if settings.server.trim().is_empty() {
            return Err(MailError::NoServer);
        }
        if settings.tls == TlsMode::None && !settings.server_is_loopback() {
            return Err(MailError::PlainNotLoopback {
                server: settings.server.clone(),
            });
        }
        let from: Mailbox =
            settings
                .from
                .trim()
                .parse()
                .map_err(|e| MailError::InvalidAddress {
                    field: "from",
                    value: settings.from.clone(),
                    reason: format!("{e}"),
                })?;
        let to = parse_recipients("to", &settings.to)?;

        let username = settings
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        let credentials = match &username {
            None => None,
            Some(user) => match password.filter(|p| !p.is_empty()) {
                Some(password) => Some(Credentials::new(user.clone(), password)),
                None => {
                    return Err(MailError::NoPassword {
                        username: user.clone(),
                    })
                }
            },
        };

        let tls = match settings.tls {
            TlsMode::None => None,
            TlsMode::Implicit | TlsMode::StartTls => Some(tls_parameters(&settings)?),
        };
        let peer = Peer {
            server: settings.server.clone(),
            port: settings.port,
            username,
        };
        Ok(Mailer {
            settings,
            from,
            to,
            credentials,
            tls,
            peer,
        })
    }

    /// The settings this mailer was made with.
    pub fn settings(&self) -> &MailSettings {
        &self.settings
    }

    /// Composes the notification and sends it. `Ok` means the server took
    /// responsibility for the e-mail (250 after the message). On error,
    /// [`MailError::kind`] says whether a retry may help; a connection lost
    /// after the message was handed over is permanent, because a retry could
    /// deliver it twice.
    pub async fn send(&self, notification: &Notification) -> Result<(), MailError> {
        let message = self.compose(notification).await?;
        let envelope = message.envelope().clone();
        let bytes = message.formatted();

        let hello = ClientId::default();
        let implicit = match self.settings.tls {
            TlsMode::Implicit => self.tls.clone(),
            TlsMode::StartTls | TlsMode::None => None,
        };
        let address = (self.settings.server_name().to_string(), self.settings.port);
        let mut conn = self
            .step(
                Stage::Connect,
                AsyncSmtpConnection::connect_tokio1(
                    address,
                    Some(self.settings.timeout),
                    &hello,
                    implicit,
                    None,
                ),
            )
            .await?;

        let mut stream_intact = true;
        let result = self
            .converse(&mut conn, &hello, &envelope, &bytes, &mut stream_intact)
            .await;
        match &result {
            // The server has the e-mail: a failing QUIT changes nothing.
            Ok(()) => {
                let _ = tokio::time::timeout(self.settings.timeout, conn.quit()).await;
            }
            Err(_) if stream_intact => {
                let _ = tokio::time::timeout(self.settings.timeout, conn.abort()).await;
            }
            // A failed TLS upgrade leaves lettre's connection without a
            // stream, where QUIT would panic: just drop it.
            Err(_) => {}
        }
        result
    }

    /// Everything after the greeting: STARTTLS, AUTH, the envelope, the message.
    async fn converse(
        &self,
        conn: &mut AsyncSmtpConnection,
        hello: &ClientId,
        envelope: &Envelope,
        bytes: &[u8],
        stream_intact: &mut bool,
    ) -> Result<(), MailError> {
        if self.settings.tls == TlsMode::StartTls {
            if !conn.can_starttls() {
                return Err(MailError::NoStartTls {
                    server: self.peer.server.clone(),
                    port: self.peer.port,
                });
            }
            let params = self.tls.clone().ok_or_else(|| MailError::TlsSetup {
                server: self.peer.server.clone(),
                detail: "no TLS parameters".into(),
            })?;
            *stream_intact = false;
            self.step(Stage::StartTls, conn.starttls(params, hello))
                .await?;
            *stream_intact = true;
        }
        if let Some(credentials) = &self.credentials {
            self.step(
                Stage::Auth,
                conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials),
            )
            .await?;
        }

        let mut options = Vec::new();
        let addresses_ascii = envelope.from().is_none_or(|a| a.to_string().is_ascii())
            && envelope.to().iter().all(|a| a.to_string().is_ascii());
        if !addresses_ascii {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(MailError::Compose(
                    "an address contains non-ASCII characters and the mail server does not \
                     support SMTPUTF8; use a plain ASCII address"
                        .into(),
                ));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        self.step(
            Stage::Sender,
            conn.command(Mail::new(envelope.from().cloned(), options)),
        )
        .await?;
        for recipient in envelope.to() {
            self.step(
                Stage::Recipient,
                conn.command(Rcpt::new(recipient.clone(), Vec::new())),
            )
            .await?;
        }
        self.step(Stage::Data, conn.command(Data)).await?;
        self.step(Stage::Message, conn.message(bytes)).await?;
        Ok(())
    }

    /// Runs one SMTP step under the timeout, naming its failure.
    async fn step<T>(
        &self,
        stage: Stage,
        fut: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, MailError> {
        match tokio::time::timeout(self.settings.timeout, fut).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                let error = classify(&self.peer, stage, &e);
                tracing::debug!(?stage, lettre = ?e, "e-mail step failed");
                Err(error)
            }
            Err(_) => Err(timed_out(&self.peer, stage, self.settings.timeout)),
        }
    }

    /// The e-mail for `n`: headers, the text, and the recording if configured.
    async fn compose(&self, n: &Notification) -> Result<Message, MailError> {
        let to = match &n.to {
            Some(to) if !to.trim().is_empty() => parse_recipients("category email", to)?,
            _ => self.to.clone(),
        };
        let (attachment, note) = self.attachment(n).await;

        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(n.subject())
            .date_now()
            .message_id(Some(message_id(n, self.from.email.domain())))
            // RFC 3834: no vacation replies to a machine.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ));
        for mailbox in to {
            builder = builder.to(mailbox);
        }
        let text = SinglePart::plain(n.body(&note));
        let built = match attachment {
            None => builder.singlepart(text),
            Some(file) => builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(file.name).body(file.bytes, file.content_type)),
            ),
        };
        built.map_err(|e| MailError::Compose(e.to_string()))
    }

    /// The recording as configured, or why it is not attached. A recording
    /// that cannot be read does not stop the notification: it says so instead.
    async fn attachment(&self, n: &Notification) -> (Option<AttachedFile>, AudioNote) {
        let Some(path) = &n.audio else {
            return match self.settings.attach_audio {
                AttachAudio::None => (None, AudioNote::NotConfigured),
                AttachAudio::Opus | AttachAudio::Wav => (None, AudioNote::NoRecording),
            };
        };
        let (extension, mime) = match self.settings.attach_audio {
            AttachAudio::None => return (None, AudioNote::NotConfigured),
            AttachAudio::Opus => ("ogg", "audio/ogg"),
            AttachAudio::Wav => ("wav", "audio/wav"),
        };
        let wav = self.settings.attach_audio == AttachAudio::Wav;
        let path = path.clone();
        let read = tokio::task::spawn_blocking(move || read_audio(&path, wav)).await;
        let bytes = match read {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(why)) => {
                tracing::warn!("voicemail e-mail goes out without its recording: {why}");
                return (None, AudioNote::Failed(why));
            }
            Err(e) => return (None, AudioNote::Failed(format!("reading it failed: {e}"))),
        };
        let name = n.audio_file_name(extension);
        let file = AttachedFile {
            name: name.clone(),
            bytes,
            content_type: ContentType::parse(mime).expect("a valid MIME type"),
        };
        (Some(file), AudioNote::Attached(name))
    }
}

struct AttachedFile {
    name: String,
    bytes: Vec<u8>,
    content_type: ContentType,
}

/// The recording's bytes as stored, or exported to WAV.
fn read_audio(path: &Path, wav: bool) -> Result<Vec<u8>, String> {
    if !wav {
        return std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    }
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let out = dir.path().join("voicemail.wav");
    frontdesk_recording::export_wav(path, &out).map_err(|e| e.to_string())?;
    std::fs::read(&out).map_err(|e| format!("cannot read the exported WAV: {e}"))
}

fn parse_recipients(field: &'static str, value: &str) -> Result<Mailboxes, MailError> {
    let invalid = |reason: String| MailError::InvalidAddress {
        field,
        value: value.to_string(),
        reason,
    };
    let mailboxes: Mailboxes = value.trim().parse().map_err(|e| invalid(format!("{e}")))?;
    if mailboxes.iter().next().is_none() {
        return Err(invalid("no address".into()));
    }
    Ok(mailboxes)
}

/// Unique per message (id and time) and the same on every attempt, so a
/// resent notification is recognisably the same e-mail.
fn message_id(n: &Notification, domain: &str) -> String {
    let id: String =
        n.id.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
    format!(
        "<voicemail.{id}.{}@{domain}>",
        n.received_at.timestamp().as_millisecond()
    )
}

fn tls_parameters(settings: &MailSettings) -> Result<TlsParameters, MailError> {
    let mut builder = TlsParametersBuilder::new(settings.server_name().to_string());
    if let Some(path) = &settings.ca_file {
        let ca_err = |detail: String| MailError::CaFile {
            path: path.clone(),
            detail,
        };
        let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(ca_err("no PEM certificate in it".into()));
        }
        let cert = Certificate::from_pem(&pem).map_err(|e| ca_err(e.to_string()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| MailError::TlsSetup {
        server: settings.server.clone(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::tests::sample;

    fn settings() -> MailSettings {
        MailSettings::new(
            "127.0.0.1",
            "Frontdesk <frontdesk@example.com>",
            "anna@example.com, Ben <ben@example.com>",
        )
    }

    #[test]
    fn settings_mistakes_are_caught_before_sending() {
        let mut s = settings();
        s.from = "not an address".into();
        let err = Mailer::new(s, None).unwrap_err();
        assert!(
            matches!(err, MailError::InvalidAddress { field: "from", .. }),
            "{err}"
        );

        let mut s = settings();
        s.to = " ".into();
        let err = Mailer::new(s, None).unwrap_err();
        assert!(
            matches!(err, MailError::InvalidAddress { field: "to", .. }),
            "{err}"
        );

        let mut s = settings();
        s.server = "smtp.example.com".into();
        s.tls = TlsMode::None;
        let err = Mailer::new(s, None).unwrap_err();
        assert!(matches!(err, MailError::PlainNotLoopback { .. }), "{err}");
        assert!(err.to_string().contains("starttls"), "{err}");

        let mut s = settings();
        s.username = Some("frontdesk".into());
        let err = Mailer::new(s.clone(), Some(String::new())).unwrap_err();
        assert!(matches!(err, MailError::NoPassword { .. }), "{err}");
        assert!(err.to_string().contains("keyring"), "{err}");
        assert!(Mailer::new(s, Some("pw".into())).is_ok());

        let mut s = settings();
        s.server = String::new();
        assert!(matches!(Mailer::new(s, None), Err(MailError::NoServer)));
    }

    #[test]
    fn a_bad_ca_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings();
        s.ca_file = Some(dir.path().join("missing.pem"));
        let err = Mailer::new(s.clone(), None).unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "hello").unwrap();
        s.ca_file = Some(junk);
        let err = Mailer::new(s, None).unwrap_err();
        assert!(matches!(err, MailError::CaFile { .. }), "{err}");
    }

    #[test]
    fn the_password_never_prints() {
        let mut s = settings();
        s.username = Some("frontdesk".into());
        let mailer = Mailer::new(s, Some("hunter2".into())).unwrap();
        let debug = format!("{mailer:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[tokio::test]
    async fn composed_mail_has_headers_text_and_recipients() {
        let mailer = Mailer::new(settings(), None).unwrap();
        let mut n = sample();
        let message = mailer.compose(&n).await.unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.is_ascii());
        assert!(
            text.contains("From: Frontdesk <frontdesk@example.com>"),
            "{text}"
        );
        assert!(text.contains("anna@example.com"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-generated"), "{text}");
        assert!(
            text.contains("Message-ID: <voicemail.42.1772546700000@example.com>"),
            "{text}"
        );
        assert_eq!(message.envelope().to().len(), 2);

        n.to = Some("emergency@example.com".into());
        let message = mailer.compose(&n).await.unwrap();
        let to: Vec<String> = message
            .envelope()
            .to()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(to, ["emergency@example.com"]);

        n.to = Some("nonsense".into());
        let err = mailer.compose(&n).await.unwrap_err();
        assert!(
            matches!(
                err,
                MailError::InvalidAddress {
                    field: "category email",
                    ..
                }
            ),
            "{err}"
        );
    }
}
