//! The e-mail worker: when `[voicemail.email]` is set, each new message (once transcribed,
//! or once it is clear there will be no transcript) is queued in the store's outbox and sent
//! from there, retried on temporary failures and never sent twice (see the store's outbox).

use crate::Engine;
use frontdesk_config::{EmailAttach, EmailConfig, EmailTls};
use frontdesk_mailer::{
    AttachAudio, ContactInfo, Identified, MailSettings, Mailer, Notification, RetryPolicy, TlsMode,
    Transcript,
};
use frontdesk_store::{Message, MessageId, MessageKind, Timestamp, TranscriptionState};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Longest sleep between looks at the outbox.
const IDLE_CHECK: Duration = Duration::from_secs(300);

/// Queues the e-mail of message `id` if e-mail is configured and it is a message.
pub(crate) async fn queue(engine: &Engine, id: MessageId) {
    if engine.voicemail.config.email.is_none() {
        return;
    }
    let queued = engine
        .history
        .run(move |s| {
            let is_message = s
                .message(id)?
                .is_some_and(|m| m.kind == MessageKind::Message);
            if is_message {
                s.queue_email(id, Timestamp::now())
            } else {
                Ok(false)
            }
        })
        .await;
    match queued {
        Ok(true) => engine.voicemail.email_wake.notify_one(),
        Ok(false) => {}
        Err(e) => tracing::error!("voicemail e-mail: cannot queue message {}: {e}", id.0),
    }
}

/// Starts the worker when e-mail is configured.
pub(crate) fn spawn(engine: &Arc<Engine>) {
    let Some(config) = engine.voicemail.config.email.clone() else {
        return;
    };
    let wake = engine.voicemail.email_wake.clone();
    let weak = Arc::downgrade(engine);
    tokio::spawn(async move {
        let mailer = match mailer(config).await {
            Ok(mailer) => mailer,
            Err(e) => {
                tracing::error!("voicemail e-mail is off: {e}");
                if let Some(engine) = weak.upgrade() {
                    engine.emit(frontdesk_api::Event::Notice {
                        message: format!("voicemail e-mail is off: {e}"),
                    });
                }
                return;
            }
        };
        if let Some(engine) = weak.upgrade() {
            if let Ok(n @ 1..) = engine.history.run(|s| s.recover_interrupted_emails()).await {
                tracing::warn!("voicemail e-mail: {n} e-mails were cut off by a stop; not resent");
            }
        }
        loop {
            let Some(next) = send_due(&weak, &mailer).await else {
                return;
            };
            let _ = tokio::time::timeout(next, wake.notified()).await;
        }
    });
}

async fn mailer(config: EmailConfig) -> Result<Mailer, String> {
    // Without a login there is no password to look up (and no keyring needed).
    let password = if config.username.is_none() {
        None
    } else {
        let config = config.clone();
        tokio::task::spawn_blocking(move || frontdesk_config::secrets::email_password(&config))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    let tls = match config.tls {
        EmailTls::Starttls => TlsMode::StartTls,
        EmailTls::Implicit => TlsMode::Implicit,
        EmailTls::None => TlsMode::None,
    };
    let mut settings = MailSettings::new(config.server, config.from, config.to);
    settings.tls = tls;
    settings.port = config.port.unwrap_or(tls.default_port());
    settings.username = config.username;
    settings.attach_audio = match config.attach {
        EmailAttach::None => AttachAudio::None,
        EmailAttach::Opus => AttachAudio::Opus,
        EmailAttach::Wav => AttachAudio::Wav,
    };
    settings.ca_file = config.ca_file;
    settings.timeout = Duration::from_secs(config.timeout_seconds.into());
    Mailer::new(settings, password.map(|p| p.expose().to_string())).map_err(|e| e.to_string())
}

/// Sends what is due; returns how long to sleep, `None` once the engine is gone.
async fn send_due(engine: &Weak<Engine>, mailer: &Mailer) -> Option<Duration> {
    let engine = engine.upgrade()?;
    let claimed = engine
        .history
        .run(|s| s.claim_due_emails(Timestamp::now(), 8))
        .await
        .unwrap_or_default();
    for id in claimed {
        let message = engine.history.run(move |s| s.message(id)).await;
        let Ok(Some(message)) = message else {
            continue;
        };
        let notification = notification(&engine, &message);
        let attempts = message.email_attempts.max(1) as u32;
        match mailer.send(&notification).await {
            Ok(()) => {
                let _ = engine
                    .history
                    .run(move |s| s.email_sent(id, Timestamp::now()))
                    .await;
                tracing::info!(id = id.0, "voicemail e-mail sent");
            }
            Err(e) => {
                let retry = RetryPolicy::default()
                    .next_attempt(attempts, e.kind())
                    .map(|wait| {
                        Timestamp::from_millis(
                            Timestamp::now().as_millis() + wait.as_millis() as i64,
                        )
                    });
                tracing::warn!(id = id.0, ?retry, "voicemail e-mail failed: {e}");
                let error = e.to_string();
                let _ = engine
                    .history
                    .run(move |s| s.email_failed(id, &error, retry))
                    .await;
            }
        }
    }
    let next = engine
        .history
        .run(|s| s.next_email_due())
        .await
        .ok()
        .flatten();
    Some(match next {
        Some(due) => {
            let wait = due.as_millis() - Timestamp::now().as_millis();
            Duration::from_millis(wait.clamp(0, IDLE_CHECK.as_millis() as i64) as u64)
        }
        None => IDLE_CHECK,
    })
}

fn notification(engine: &Engine, message: &Message) -> Notification {
    let received = jiff::Timestamp::from_millisecond(message.received_at.as_millis())
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_zoned(jiff::tz::TimeZone::system());
    let transcript = match (&message.transcription_state, &message.transcript) {
        (TranscriptionState::Done, Some(text)) => Transcript::Text {
            text: text.clone(),
            language: message.language.clone(),
        },
        _ => Transcript::Missing {
            reason: message
                .transcription_error
                .clone()
                .unwrap_or_else(|| "no transcript".into()),
        },
    };
    Notification {
        id: message.id.0.to_string(),
        mailbox: Some(message.mailbox.clone()),
        caller_number: (!message.caller_number.is_empty()).then(|| message.caller_number.clone()),
        caller_name: message.caller_name.clone(),
        contact: message.contact.as_ref().map(|c| ContactInfo {
            name: c.name.clone(),
            company: None,
            identified: if c.confidence >= 1.0 {
                Identified::ByNumber
            } else {
                Identified::FromTranscript {
                    confidence: c.confidence as f32,
                }
            },
        }),
        received_at: received,
        duration: Duration::from_millis(message.duration_ms.max(0) as u64),
        category: message.category.clone(),
        taken_by: message.connected_to.clone(),
        transcript,
        audio: message
            .audio_path
            .as_ref()
            .map(|p| engine.config.data.dir.join(p)),
        to: engine
            .voicemail
            .sorting
            .email_of(&message.category)
            .map(str::to_owned),
    }
}
