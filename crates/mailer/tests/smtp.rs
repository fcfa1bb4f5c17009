//! Notifications sent to a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS,
//! implicit TLS and plain loopback, AUTH, attachments, and every way sending
//! can fail, each with its error and its retry class.

use std::path::{Path, PathBuf};
use std::time::Duration;

use frontdesk_mailer::{
    AttachAudio, ContactInfo, FailureKind, Identified, MailError, MailSettings, Mailer,
    Notification, TlsMode, Transcript,
};
use frontdesk_recording::Recorder;
use frontdesk_testbed::SmtpServer;
use frontdesk_testbed::TestCertificates;

const USER: &str = "frontdesk@example.com";
const PASSWORD: &str = "correct horse battery staple";

/// Certificates for 127.0.0.1 (or another IP) and the server options using them.
struct Tls {
    _dir: tempfile::TempDir,
    certs: TestCertificates,
}

impl Tls {
    fn for_ip(ip: &str) -> Tls {
        let dir = tempfile::tempdir().unwrap();
        let certs = TestCertificates::generate(dir.path(), ip).unwrap();
        Tls { _dir: dir, certs }
    }

    fn server_args(&self) -> Vec<String> {
        vec![
            "--cert".into(),
            self.certs.cert.display().to_string(),
            "--key".into(),
            self.certs.key.display().to_string(),
        ]
    }
}

fn start(args: &[String], more: &[&str]) -> SmtpServer {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(more);
    SmtpServer::start(&all)
}

fn settings(port: u16, tls: TlsMode) -> MailSettings {
    let mut s = MailSettings::new(
        "127.0.0.1",
        "Frontdesk <frontdesk@example.com>",
        "Anna Schmidt <anna@example.com>",
    );
    s.port = port;
    s.tls = tls;
    s.timeout = Duration::from_secs(10);
    s
}

fn with_login(mut s: MailSettings, ca: &Path) -> MailSettings {
    s.username = Some(USER.into());
    s.ca_file = Some(ca.to_path_buf());
    s
}

/// A real 2.5 s Ogg Opus recording (a 440 Hz tone) made by the voicemail recorder.
fn recording(dir: &Path) -> PathBuf {
    let path = dir.join("message.ogg");
    let mut recorder = Recorder::create(&path, 16_000).unwrap();
    let samples: Vec<i16> = (0..40_000)
        .map(|i| ((i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin() * 8000.0) as i16)
        .collect();
    recorder.push(&samples).unwrap();
    recorder.finish().unwrap();
    path
}

fn notification(audio: Option<PathBuf>) -> Notification {
    let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    Notification {
        id: "17".into(),
        mailbox: None,
        caller_number: Some("+4930123456".into()),
        caller_name: None,
        contact: Some(ContactInfo {
            name: "Jörg Müller".into(),
            company: Some("Bäckerei Müller".into()),
            identified: Identified::FromTranscript { confidence: 0.81 },
        }),
        // 2026-07-01 08:30 UTC = 10:30 summer time in Berlin.
        received_at: jiff::Timestamp::from_second(1_782_894_600)
            .unwrap()
            .to_zoned(tz),
        duration: Duration::from_millis(2_500),
        category: "Rückruf".into(),
        taken_by: None,
        transcript: Transcript::Text {
            text: "Hallo, hier ist Jörg Müller, bitte rufen Sie mich zurück.".into(),
            language: Some("de".into()),
        },
        audio,
        to: None,
    }
}

#[tokio::test]
async fn starttls_with_login_delivers_text_and_the_opus_recording() {
    let tls = Tls::for_ip("127.0.0.1");
    let server = start(
        &tls.server_args(),
        &["--user", USER, "--password", PASSWORD],
    );
    let dir = tempfile::tempdir().unwrap();
    let ogg = recording(dir.path());
    let mut s = with_login(settings(server.port, TlsMode::StartTls), &tls.certs.ca);
    s.attach_audio = AttachAudio::Opus;
    let mailer = Mailer::new(s, Some(PASSWORD.into())).unwrap();
    let n = notification(Some(ogg.clone()));

    mailer.send(&n).await.unwrap();

    let got = server.message(1);
    assert_eq!(got.json["tls"], true, "STARTTLS was used: {}", got.json);
    assert_eq!(got.json["auth_user"], USER);
    assert_eq!(got.json["mail_from"], "frontdesk@example.com");
    assert_eq!(
        got.json["rcpt_tos"],
        serde_json::json!(["anna@example.com"])
    );
    assert_eq!(
        got.header("subject"),
        "Voicemail from Jörg Müller? — Rückruf"
    );
    assert_eq!(got.header("from"), "Frontdesk <frontdesk@example.com>");
    assert_eq!(got.header("to"), "Anna Schmidt <anna@example.com>");
    assert_eq!(
        got.header("message-id"),
        "<voicemail.17.1782894600000@example.com>"
    );
    assert_eq!(got.header("auto-submitted"), "auto-generated");
    assert!(!got.header("date").is_empty());

    let text = got.text();
    for line in [
        "Caller:   +4930123456\n",
        "Contact:  Jörg Müller, Bäckerei Müller (guessed from the transcript, 81 % confidence)\n",
        "Received: Wed 2026-07-01 10:30 CEST\n",
        "Duration: 0:03\n",
        "Category: Rückruf\n",
        "Transcript (de):\nHallo, hier ist Jörg Müller, bitte rufen Sie mich zurück.\n",
        "The recording is attached (voicemail-2026-07-01-1030-+4930123456.ogg).",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }

    let attachments = got.attachments();
    assert_eq!(attachments.len(), 1);
    let (name, content_type, bytes) = &attachments[0];
    assert_eq!(name, "voicemail-2026-07-01-1030-+4930123456.ogg");
    assert_eq!(content_type, "audio/ogg");
    assert_eq!(
        bytes,
        &std::fs::read(&ogg).unwrap(),
        "the attachment is the recording"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn implicit_tls_sends_a_wav_to_the_category_address() {
    let tls = Tls::for_ip("127.0.0.1");
    let server = start(
        &tls.server_args(),
        &["--implicit-tls", "--user", USER, "--password", PASSWORD],
    );
    let dir = tempfile::tempdir().unwrap();
    let ogg = recording(dir.path());
    let mut s = with_login(settings(server.port, TlsMode::Implicit), &tls.certs.ca);
    s.attach_audio = AttachAudio::Wav;
    let mailer = Mailer::new(s, Some(PASSWORD.into())).unwrap();
    let mut n = notification(Some(ogg.clone()));
    n.to = Some("Notfall <notfall@example.com>, chef@example.com".into());

    mailer.send(&n).await.unwrap();

    let got = server.message(1);
    assert_eq!(got.json["tls"], true);
    assert_eq!(got.json["auth_user"], USER);
    assert_eq!(
        got.json["rcpt_tos"],
        serde_json::json!(["notfall@example.com", "chef@example.com"])
    );
    let attachments = got.attachments();
    assert_eq!(attachments.len(), 1);
    let (name, content_type, bytes) = &attachments[0];
    assert!(name.ends_with(".wav"), "{name}");
    assert_eq!(content_type, "audio/wav");

    let wav = hound::WavReader::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let spec = wav.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 16_000, 16)
    );
    let received: Vec<i16> = wav.into_samples().map(Result::unwrap).collect();
    let (decoded, _) = frontdesk_recording::read_pcm(&ogg).unwrap();
    assert_eq!(received, decoded, "the WAV holds the recording's audio");
}

#[tokio::test]
async fn plain_smtp_to_this_machine_without_audio() {
    let server = SmtpServer::start(&[]);
    let mailer = Mailer::new(settings(server.port, TlsMode::None), None).unwrap();
    let mut n = notification(None);
    n.contact = None;
    n.transcript = Transcript::Missing {
        reason: "no Whisper model is installed; see the voicemail settings".into(),
    };

    mailer.send(&n).await.unwrap();

    let got = server.message(1);
    assert_eq!(got.json["tls"], false);
    assert!(got.json["auth_user"].is_null());
    assert_eq!(got.json["content_type"], "text/plain");
    assert_eq!(
        got.header("subject"),
        "Voicemail from +4930123456 — Rückruf"
    );
    let text = got.text();
    assert!(
        text.contains("No transcript: no Whisper model is installed; see the voicemail settings\n"),
        "{text}"
    );
    assert!(text.contains("The recording is not attached"), "{text}");
    assert!(got.attachments().is_empty());
}

#[tokio::test]
async fn an_unreadable_recording_does_not_stop_the_notification() {
    let server = SmtpServer::start(&[]);
    let mut s = settings(server.port, TlsMode::None);
    s.attach_audio = AttachAudio::Opus;
    let mailer = Mailer::new(s, None).unwrap();
    let n = notification(Some(PathBuf::from("/nonexistent/message.ogg")));

    mailer.send(&n).await.unwrap();

    let got = server.message(1);
    assert!(got.attachments().is_empty());
    let text = got.text();
    assert!(text.contains("could not be attached"), "{text}");
    assert!(text.contains("/nonexistent/message.ogg"), "{text}");
}

#[tokio::test]
async fn a_wrong_password_is_a_permanent_login_failure() {
    let tls = Tls::for_ip("127.0.0.1");
    let server = start(
        &tls.server_args(),
        &["--user", USER, "--password", PASSWORD],
    );
    let s = with_login(settings(server.port, TlsMode::StartTls), &tls.certs.ca);
    let mailer = Mailer::new(s, Some("wrong".into())).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::AuthFailed { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Permanent);
    let text = err.to_string();
    assert!(text.contains(USER) && text.contains("keyring"), "{text}");
    assert!(text.contains("535"), "the server's reply is shown: {text}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn a_server_wanting_a_login_says_so() {
    let tls = Tls::for_ip("127.0.0.1");
    let server = start(
        &tls.server_args(),
        &["--user", USER, "--password", PASSWORD],
    );
    let mut s = settings(server.port, TlsMode::StartTls);
    s.ca_file = Some(tls.certs.ca.clone());
    let mailer = Mailer::new(s, None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::AuthRequired { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Permanent);
    assert!(err.to_string().contains("set username"), "{err}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn connection_refused_is_temporary_and_names_server_and_port() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mailer = Mailer::new(settings(port, TlsMode::None), None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::Connect { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Temporary);
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains("refused"), "{text}");
    assert!(text.contains("check server and port"), "{text}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_as_temporary() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut s = settings(port, TlsMode::None);
    s.timeout = Duration::from_millis(500);
    let mailer = Mailer::new(s, None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::Connect { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Temporary);
    assert!(err.to_string().contains("no answer within 0.5 s"), "{err}");
    drop(listener);
}

#[tokio::test]
async fn a_certificate_for_another_address_is_a_permanent_tls_failure() {
    // Signed by the trusted test CA, but for 127.0.0.2.
    let tls = Tls::for_ip("127.0.0.2");
    let server = start(&tls.server_args(), &[]);
    let mut s = settings(server.port, TlsMode::StartTls);
    s.ca_file = Some(tls.certs.ca.clone());
    let mailer = Mailer::new(s, None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Permanent);
    let text = err.to_string();
    assert!(text.contains("not valid for name"), "{text}");
    assert!(text.contains("certificate is issued for"), "{text}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_permanent_tls_failure() {
    let tls = Tls::for_ip("127.0.0.1");
    let server = start(&tls.server_args(), &["--implicit-tls"]);
    // No ca_file: the system's CAs do not know the test CA.
    let mailer = Mailer::new(settings(server.port, TlsMode::Implicit), None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Permanent);
    assert!(err.to_string().contains("ca_file"), "{err}");
}

#[tokio::test]
async fn implicit_tls_on_a_plain_port_is_a_tls_failure() {
    let server = SmtpServer::start(&[]);
    let mailer = Mailer::new(settings(server.port, TlsMode::Implicit), None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Permanent);
    assert!(err.to_string().contains("465"), "{err}");
}

#[tokio::test]
async fn starttls_is_never_skipped_when_the_server_lacks_it() {
    let server = SmtpServer::start(&[]);
    let mailer = Mailer::new(settings(server.port, TlsMode::StartTls), None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::NoStartTls { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Permanent);
    assert_eq!(server.count(), 0, "nothing went out unencrypted");
}

#[tokio::test]
async fn a_refused_recipient_is_permanent_and_a_deferred_one_temporary() {
    let server = SmtpServer::start(&["--reject-rcpt", "550 5.1.1 No such user here"]);
    let mailer = Mailer::new(settings(server.port, TlsMode::None), None).unwrap();
    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(err, MailError::Rejected { code: 550, .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), FailureKind::Permanent);
    let text = err.to_string();
    assert!(
        text.contains("No such user here") && text.contains("check `to`"),
        "{text}"
    );

    let server = SmtpServer::start(&["--reject-rcpt", "451 4.3.0 Try again later"]);
    let mailer = Mailer::new(settings(server.port, TlsMode::None), None).unwrap();
    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(err, MailError::Deferred { code: 451, .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), FailureKind::Temporary);
    assert!(err.to_string().contains("Try again later"), "{err}");
}

#[tokio::test]
async fn a_connection_lost_after_the_message_is_not_retried() {
    // The server stores the message, then drops the connection before its
    // 250: sending again would deliver it twice.
    let server = SmtpServer::start(&["--drop-after-data"]);
    let mailer = Mailer::new(settings(server.port, TlsMode::None), None).unwrap();

    let err = mailer.send(&notification(None)).await.unwrap_err();
    eprintln!("{err}");

    assert!(matches!(err, MailError::Unconfirmed { .. }), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Permanent);
    assert!(
        err.to_string().contains("may or may not have arrived"),
        "{err}"
    );
    assert_eq!(server.count(), 1, "the server did get it");
}
