//! The voicemail inbox behind the [`frontdesk_api::Backend`] methods: the store's rows in the
//! API's shape (the store's `From` impls, plus numbers as people read them and whether the
//! recording is still on disk), reading, marking, deleting (row, then recording) and exporting
//! (WAV and a text file).
//!
//! The voicemail code calls [`announce`] whenever it files or changes a message, so every
//! front end sees the inbox change as an [`Event::Voicemail`].

use crate::Engine;
use frontdesk_api::{
    ApiError, Event, ExportedMessage, InboxCounts, InboxEntry, InboxFilter, VoicemailMessage,
};
use frontdesk_store::{CountsQuery, InboxQuery, Message, MessageId, MessageSummary, Timestamp};
use std::path::{Path, PathBuf};

/// The inbox entry `id` as the API shows it; `None` if it is gone or the store failed (logged).
///
/// For the voicemail code, which emits events with it; front ends use the Backend methods.
pub(crate) async fn entry(engine: &Engine, id: MessageId) -> Option<InboxEntry> {
    match engine.history.api(move |s| s.message(id)).await {
        Ok(Some(message)) => Some(entry_from_message(engine, message)),
        Ok(None) => None,
        Err(e) => {
            tracing::error!("inbox: cannot read voicemail {id}: {}", e.message);
            None
        }
    }
}

/// Tells every front end that message `id` was filed or changed (transcribed, categorised,
/// attributed to a contact): emits [`Event::Voicemail`] with its current row.
pub(crate) async fn announce(engine: &Engine, id: MessageId) {
    if let Some(message) = entry(engine, id).await {
        engine.emit(Event::Voicemail { message });
    }
}

/// `Backend::inbox`.
pub(crate) async fn list(
    engine: &Engine,
    filter: InboxFilter,
) -> Result<Vec<InboxEntry>, ApiError> {
    // Empty text filters mean "any"; the limit is defaulted and capped (see the From impl).
    let query = InboxQuery::from(filter);
    let rows = engine.history.api(move |s| s.inbox(&query)).await?;
    Ok(rows
        .into_iter()
        .map(|row| entry_from_summary(engine, row))
        .collect())
}

/// `Backend::voicemail`.
pub(crate) async fn message(engine: &Engine, id: i64) -> Result<VoicemailMessage, ApiError> {
    let data_dir = engine.config.data.dir.clone();
    let (message, audio_on_disk) = engine
        .history
        .api(move |s| {
            Ok(s.message(MessageId(id))?.map(|m| {
                let on_disk = m
                    .audio_path
                    .as_deref()
                    .is_some_and(|p| data_dir.join(p).is_file());
                (m, on_disk)
            }))
        })
        .await?
        .ok_or_else(|| not_found(id))?;
    let caller_display = engine.display_number(message.account.as_deref(), &message.caller_number);
    Ok(VoicemailMessage {
        caller_display,
        has_audio: audio_on_disk,
        ..message.into()
    })
}

/// `Backend::mark_read`: changes the flag, tells every front end, answers the new row.
pub(crate) async fn mark_read(
    engine: &Engine,
    id: i64,
    read: bool,
) -> Result<InboxEntry, ApiError> {
    let message = engine
        .history
        .api(move |s| {
            s.mark_read(MessageId(id), read)?;
            s.message(MessageId(id))
        })
        .await?
        .ok_or_else(|| not_found(id))?;
    let entry = entry_from_message(engine, message);
    engine.emit(Event::Voicemail {
        message: entry.clone(),
    });
    Ok(entry)
}

/// `Backend::delete_voicemail`: the row first, then the recording (and the metadata an
/// unfinished recording had beside it), so a crash in between leaves a stray file, never an
/// entry without its audio.
pub(crate) async fn delete(engine: &Engine, id: i64) -> Result<(), ApiError> {
    let audio = engine
        .history
        .api(move |s| s.delete_message(MessageId(id)))
        .await?;
    engine.emit(Event::VoicemailDeleted { id });
    let Some(relative) = audio else {
        return Ok(());
    };
    let audio = engine.config.data.dir.join(relative);
    tracing::info!(id, audio = %audio.display(), "voicemail deleted");
    let _ = remove_if_present(&audio.with_extension("json"));
    remove_if_present(&audio).map_err(|e| {
        ApiError::internal(format!(
            "voicemail {id} is deleted, but its recording {} could not be removed ({e}); \
             delete the file by hand",
            audio.display()
        ))
    })
}

/// `Backend::voicemail_audio`: where the recording is, checked to be there.
pub(crate) async fn audio(engine: &Engine, id: i64) -> Result<PathBuf, ApiError> {
    let relative = engine
        .history
        .api(move |s| s.message(MessageId(id)))
        .await?
        .ok_or_else(|| not_found(id))?
        .audio_path
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "voicemail {id} is a call attempt: the caller left no recording"
            ))
        })?;
    let path = engine.config.data.dir.join(relative);
    if !path.is_file() {
        return Err(ApiError::not_found(format!(
            "the recording of voicemail {id} is missing: {} is not there",
            path.display()
        )));
    }
    Ok(path)
}

/// `Backend::export_voicemail`: `<dir>/<received>-<caller>.wav` and `.txt` beside it.
pub(crate) async fn export(
    engine: &Engine,
    id: i64,
    dir: PathBuf,
) -> Result<ExportedMessage, ApiError> {
    if !dir.is_absolute() {
        return Err(ApiError::bad_request(format!(
            "export needs an absolute directory, not {}; the daemon does not know your \
             working directory",
            dir.display()
        )));
    }
    let message = message(engine, id).await?;
    let recording = audio(engine, id).await?;
    let received = local_time(message.received_at);
    let base = format!(
        "{}-{}",
        received.strftime("%Y-%m-%d_%H%M%S"),
        file_safe(&message.caller_number)
    );
    let exported = ExportedMessage {
        audio: dir.join(format!("{base}.wav")),
        transcript: dir.join(format!("{base}.txt")),
    };
    let text = transcript_file(&message, &received);
    let files = exported.clone();
    tokio::task::spawn_blocking(move || -> Result<(), ApiError> {
        std::fs::create_dir_all(&dir).map_err(|e| {
            ApiError::bad_request(format!(
                "cannot create the export directory {}: {e}; pick a directory you can write to",
                dir.display()
            ))
        })?;
        frontdesk_recording::export_wav(&recording, &files.audio)
            .map_err(|e| ApiError::internal(format!("cannot export voicemail {id} as WAV: {e}")))?;
        write_whole(&files.transcript, text.as_bytes()).map_err(|e| {
            ApiError::bad_request(format!(
                "cannot write {}: {e}; pick a directory you can write to",
                files.transcript.display()
            ))
        })
    })
    .await
    .map_err(|e| ApiError::internal(format!("the export of voicemail {id} broke off: {e}")))??;
    Ok(exported)
}

/// `Backend::inbox_counts`.
pub(crate) async fn counts(
    engine: &Engine,
    utc_offset_minutes: i32,
    mailbox: Option<String>,
) -> Result<InboxCounts, ApiError> {
    let query = CountsQuery {
        now: Timestamp::now(),
        utc_offset_minutes,
        mailbox,
    };
    Ok(engine.history.api(move |s| s.counts(&query)).await?.into())
}

/// The answer for an id the inbox does not have.
pub(crate) fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!(
        "no voicemail {id}; `frontdesk ctl inbox` lists them"
    ))
}

/// A list row, its number as people read it by the mailbox's dial plan (list rows carry no
/// account; the mailbox is the account's name unless in mailbox mode).
fn entry_from_summary(engine: &Engine, row: MessageSummary) -> InboxEntry {
    let caller_display = engine.display_number(Some(&row.mailbox), &row.caller_number);
    InboxEntry {
        caller_display,
        ..row.into()
    }
}

/// A message as a list row, its number as people read it by its account's dial plan.
fn entry_from_message(engine: &Engine, message: Message) -> InboxEntry {
    let caller_display = engine.display_number(
        message.account.as_deref().or(Some(&message.mailbox)),
        &message.caller_number,
    );
    InboxEntry {
        caller_display,
        ..message.into()
    }
}

/// A time in the machine's time zone (UTC if it has none configured).
fn local_time(millis: i64) -> jiff::Zoned {
    jiff::Timestamp::from_millisecond(millis)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(jiff::tz::TimeZone::system())
}

/// A calling number as part of a file name: digits, letters, `+`, `-` and `_` only.
fn file_safe(number: &str) -> String {
    let safe: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_'))
        .take(40)
        .collect();
    if safe.is_empty() {
        "anonymous".into()
    } else {
        safe
    }
}

/// The exported text: who, when, what about, then the transcript.
fn transcript_file(message: &VoicemailMessage, received: &jiff::Zoned) -> String {
    let caller = match (&message.caller_name, message.caller_display.as_str()) {
        (Some(name), "") => name.clone(),
        (Some(name), number) => format!("{name} <{number}>"),
        (None, "") => "unknown (no number sent)".into(),
        (None, number) => number.to_string(),
    };
    let mut text = format!("Voicemail {}\nCaller: {caller}\n", message.id);
    if let Some(contact) = &message.contact_name {
        match message.contact_confidence {
            Some(c) if c < 1.0 => {
                text += &format!("Contact: {contact} (guessed, {:.0} %)\n", c * 100.0)
            }
            _ => text += &format!("Contact: {contact}\n"),
        }
    }
    let seconds = message.duration_ms / 1000;
    text += &format!(
        "Received: {}\nLength: {}:{:02}\nMailbox: {}\nCategory: {}\n",
        received.strftime("%Y-%m-%d %H:%M:%S %:z"),
        seconds / 60,
        seconds % 60,
        message.mailbox,
        message.category
    );
    if let Some(language) = &message.language {
        text += &format!("Language: {language}\n");
    }
    text.push('\n');
    match (&message.transcript, &message.transcription_error) {
        (Some(transcript), _) => text += transcript.trim(),
        (None, Some(why)) => text += &format!("(no transcript: {why})"),
        (None, None) => text += "(not transcribed yet)",
    }
    text.push('\n');
    text
}

/// Writes `bytes` to `path` through a temporary name, so `path` is never half-written.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&partial);
        })
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_api::{EmailState, InboxKind, TranscriptionState};

    fn message() -> VoicemailMessage {
        VoicemailMessage {
            id: 7,
            kind: InboxKind::Message,
            mailbox: "office".into(),
            account: Some("office".into()),
            caller_number: "0301234567".into(),
            caller_e164: None,
            caller_display: "030 1234567".into(),
            caller_name: Some("Maria".into()),
            contact_id: Some(3),
            contact_name: Some("Maria Schmidt".into()),
            contact_confidence: Some(0.8),
            received_at: 1_700_000_000_000,
            duration_ms: 75_400,
            category: "invoice".into(),
            read: false,
            has_audio: true,
            transcript: Some(" About the invoice. ".into()),
            language: Some("en".into()),
            transcription_state: TranscriptionState::Done,
            transcription_error: None,
            email_state: EmailState::None,
            email_error: None,
            email_sent_at: None,
            sip_call_id: None,
            connected_to: None,
        }
    }

    #[test]
    fn the_text_file_has_a_header_and_the_transcript() {
        let received = jiff::Timestamp::from_millisecond(1_700_000_000_000)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC);
        let text = transcript_file(&message(), &received);
        assert_eq!(
            text,
            "Voicemail 7\nCaller: Maria <030 1234567>\nContact: Maria Schmidt (guessed, 80 %)\n\
             Received: 2023-11-14 22:13:20 +00:00\nLength: 1:15\nMailbox: office\n\
             Category: invoice\nLanguage: en\n\nAbout the invoice.\n"
        );
        let mut untranscribed = message();
        untranscribed.transcript = None;
        untranscribed.transcription_error = Some("no speech model".into());
        untranscribed.caller_name = None;
        untranscribed.caller_display = String::new();
        let text = transcript_file(&untranscribed, &received);
        assert!(
            text.contains("Caller: unknown (no number sent)\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\n(no transcript: no speech model)\n"),
            "{text}"
        );
    }

    #[test]
    fn file_names_hold_no_path_or_shell_characters() {
        assert_eq!(file_safe("+49 (30) 123/45"), "+493012345");
        assert_eq!(file_safe("../../etc"), "etc");
        assert_eq!(file_safe(""), "anonymous");
        assert_eq!(file_safe("sip:alice"), "sipalice");
    }
}
