//! Helpers shared by the inbox tests: real database files in temporary
//! directories and realistic messages.

#![allow(dead_code)]

use std::path::PathBuf;

use frontdesk_store::{
    ContactMatch, MessageId, MessageKind, NewMessage, Store, Timestamp, TranscriptionState,
};
use tempfile::TempDir;

/// A fresh store on a real file; keep the directory alive as long as the store.
pub fn open() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("frontdesk.db")).unwrap();
    (dir, store)
}

/// Unix milliseconds of a UTC date-time such as "2024-03-01 10:00:00",
/// computed by SQLite so the tests do not rely on the store's own calendar.
pub fn utc(text: &str) -> Timestamp {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let secs: Option<i64> = conn
        .query_row("SELECT unixepoch(?1)", [text], |r| r.get(0))
        .unwrap();
    Timestamp(secs.unwrap_or_else(|| panic!("bad date {text:?}")) * 1000)
}

/// A recorded message from `number` at `at`, queued for transcription.
pub fn voicemail(at: Timestamp, number: &str) -> NewMessage {
    NewMessage {
        kind: MessageKind::Message,
        mailbox: "office".into(),
        account: Some("office".into()),
        caller_number: number.into(),
        caller_e164: None,
        caller_name: None,
        contact: None,
        received_at: at,
        duration_ms: 12_500,
        audio_path: Some(PathBuf::from(format!("voicemail/{}-{number}.ogg", at.0))),
        transcription_state: TranscriptionState::Pending,
        transcription_error: None,
        category: None,
        sip_call_id: Some(format!("call-{number}-{}", at.0)),
        connected_to: None,
    }
}

/// A call attempt without a message.
pub fn attempt(at: Timestamp, number: &str) -> NewMessage {
    NewMessage {
        kind: MessageKind::Attempt,
        duration_ms: 0,
        audio_path: None,
        transcription_state: TranscriptionState::None,
        ..voicemail(at, number)
    }
}

/// Files a message and stores its transcript right away.
pub fn transcribed(store: &Store, message: NewMessage, transcript: &str) -> MessageId {
    let id = store.insert_message(&message).unwrap();
    store.set_transcript(id, transcript, Some("en")).unwrap();
    id
}

/// A contact identified by number.
pub fn contact(id: i64, name: &str) -> ContactMatch {
    ContactMatch {
        id,
        name: name.into(),
        confidence: 1.0,
    }
}
