//! The voicemail inbox: one row per voicemail message or unanswered call
//! attempt, with its transcript, category, contact and read state.
//!
//! Search and listing live in [`crate::inbox_query`], dashboard counts in
//! [`crate::inbox_counts`], the transcription queue in
//! [`crate::transcription_queue`] and the e-mail outbox in
//! [`crate::email_outbox`]; all of them work on the `messages` table created
//! by schema step 2.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError, Timestamp};

/// The category a message has until a keyword rule sorts it elsewhere.
pub const DEFAULT_CATEGORY: &str = "general";

/// Longest accepted category name; categories are short labels, not sentences.
pub const MAX_CATEGORY_LEN: usize = 64;

/// Database id of an inbox entry, handed back by [`Store::insert_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub i64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Implements the text mapping (`as_str`, SQL and parsing) for a plain enum
/// stored as a short lowercase word, so the database, JSON and Rust agree.
macro_rules! text_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The stable text stored in the database and used in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                match value.as_str()? {
                    $($text => Ok($ty::$variant),)+
                    other => Err(FromSqlError::Other(
                        format!(concat!("unknown ", $what, " {:?}"), other).into(),
                    )),
                }
            }
        }
    };
}

/// Whether the caller left a message or only tried to reach us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A recorded voicemail message.
    Message,
    /// A call that reached voicemail but left nothing worth keeping (hung up
    /// during the greeting, shorter than the minimum, or silent throughout).
    Attempt,
}

text_enum!(MessageKind, "message kind", {
    Message => "message",
    Attempt => "attempt",
});

/// Where a message is on its way to a transcript.
///
/// `Pending` is the persistent transcription queue: it survives restarts, so
/// a message whose transcription was cut short by a crash is simply done again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptionState {
    /// Waiting for the transcription worker (needs an audio file).
    Pending,
    /// The transcript is there (it may be empty for a message without speech).
    Done,
    /// Transcription was tried and failed; `transcription_error` says why.
    Failed,
    /// There will be no transcript: a call attempt, or no model is configured
    /// (then `transcription_error` says so, for the inbox to show).
    None,
}

text_enum!(TranscriptionState, "transcription state", {
    Pending => "pending",
    Done => "done",
    Failed => "failed",
    None => "none",
});

/// Where a message's notification e-mail is. See [`crate::email_outbox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailState {
    /// No e-mail is wanted for this message.
    None,
    /// Waiting to be sent at `email_due_at` (first try or a retry).
    Queued,
    /// Claimed by the sender; the SMTP conversation may be under way.
    Sending,
    /// Handed to the mail server; it will never be sent again.
    Sent,
    /// Given up, or interrupted while sending; `email_error` says why.
    Failed,
}

text_enum!(EmailState, "e-mail state", {
    None => "none",
    Queued => "queued",
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
});

/// The contact a caller was identified as, and how sure that is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactMatch {
    /// The contact's id in the contacts store (kept as a plain number: the
    /// contacts live in their own crate and may be re-imported).
    pub id: i64,
    /// The contact's name at the time of the match, so the inbox can show and
    /// search it without the contacts store.
    pub name: String,
    /// 1.0 when identified by the calling number; below 1.0 when guessed from
    /// names or addresses in the transcript. Must be within 0.0..=1.0.
    pub confidence: f64,
}

/// Everything known about a message when it is filed; input to [`Store::insert_message`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// A message or a call attempt.
    pub kind: MessageKind,
    /// The mailbox that took the call (the account, or the called number in mailbox mode).
    pub mailbox: String,
    /// The configured account the call came in on, if any.
    pub account: Option<String>,
    /// The calling number as received (may be empty for anonymous callers).
    pub caller_number: String,
    /// The calling number normalised to E.164, when that was possible.
    pub caller_e164: Option<String>,
    /// The display name the signalling carried.
    pub caller_name: Option<String>,
    /// The identified contact, if already known when filing.
    pub contact: Option<ContactMatch>,
    /// When the call reached voicemail.
    pub received_at: Timestamp,
    /// Length of the recording (0 for attempts).
    pub duration_ms: i64,
    /// The recording, relative to the data directory; `None` for attempts.
    pub audio_path: Option<PathBuf>,
    /// `Pending` to queue transcription (requires `audio_path`), or `None`.
    pub transcription_state: TranscriptionState,
    /// Why there will be no transcript (e.g. "no speech model configured"), shown in the inbox.
    pub transcription_error: Option<String>,
    /// Category; `None` files it under [`DEFAULT_CATEGORY`].
    pub category: Option<String>,
    /// The number or extension the voicemail connected the caller to (a menu key, an
    /// extension dialled during the greeting, or a request for a person), when someone there
    /// answered.
    pub connected_to: Option<String>,
    /// The SIP Call-ID, to correlate with the call history and logs.
    pub sip_call_id: Option<String>,
}

/// One inbox entry with every detail, as shown by `ctl inbox show` and the API.
///
/// Field names are part of the API: do not rename them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Row id.
    pub id: MessageId,
    /// `"message"` or `"attempt"`.
    pub kind: MessageKind,
    /// The mailbox that took the call.
    pub mailbox: String,
    /// The account the call came in on.
    pub account: Option<String>,
    /// The calling number as received.
    pub caller_number: String,
    /// The calling number in E.164, if known.
    pub caller_e164: Option<String>,
    /// The caller's display name from the signalling.
    pub caller_name: Option<String>,
    /// The identified contact, if any.
    pub contact: Option<ContactMatch>,
    /// When the call reached voicemail.
    pub received_at: Timestamp,
    /// Length of the recording in milliseconds.
    pub duration_ms: i64,
    /// The recording, relative to the data directory.
    pub audio_path: Option<PathBuf>,
    /// The transcript, once transcribed.
    pub transcript: Option<String>,
    /// The transcript's language (e.g. "en", "de"), once transcribed.
    pub language: Option<String>,
    /// The category, [`DEFAULT_CATEGORY`] unless sorted elsewhere.
    pub category: String,
    /// Whether the user has seen it.
    pub read: bool,
    /// Where the transcription is.
    pub transcription_state: TranscriptionState,
    /// Why transcription failed or will not happen.
    pub transcription_error: Option<String>,
    /// Where the notification e-mail is.
    pub email_state: EmailState,
    /// The last e-mail failure, if any.
    pub email_error: Option<String>,
    /// How many times sending the e-mail was started.
    pub email_attempts: i64,
    /// When the next e-mail attempt is due (while queued).
    pub email_due_at: Option<Timestamp>,
    /// When the e-mail was handed to the mail server.
    pub email_sent_at: Option<Timestamp>,
    /// The number or extension the voicemail connected the caller to (a menu key, an
    /// extension dialled during the greeting, or a request for a person), when someone there
    /// answered.
    pub connected_to: Option<String>,
    /// The SIP Call-ID.
    pub sip_call_id: Option<String>,
}

pub(crate) const SELECT_MESSAGE: &str = "SELECT id, kind, mailbox, account, caller_number,
        caller_e164, caller_name, contact_id, contact_name, contact_confidence, received_at,
        duration_ms, audio_path, transcript, language, category, read, transcription_state,
        transcription_error, email_state, email_error, email_attempts, email_due_at,
        email_sent_at, sip_call_id, connected_to
     FROM messages";

impl Message {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
        Ok(Message {
            id: MessageId(row.get("id")?),
            kind: row.get("kind")?,
            mailbox: row.get("mailbox")?,
            account: row.get("account")?,
            caller_number: row.get("caller_number")?,
            caller_e164: row.get("caller_e164")?,
            caller_name: row.get("caller_name")?,
            contact: contact_from_row(row)?,
            received_at: row.get("received_at")?,
            duration_ms: row.get("duration_ms")?,
            audio_path: row
                .get::<_, Option<String>>("audio_path")?
                .map(PathBuf::from),
            transcript: row.get("transcript")?,
            language: row.get("language")?,
            category: row.get("category")?,
            read: row.get("read")?,
            transcription_state: row.get("transcription_state")?,
            transcription_error: row.get("transcription_error")?,
            email_state: row.get("email_state")?,
            email_error: row.get("email_error")?,
            email_attempts: row.get("email_attempts")?,
            email_due_at: row.get("email_due_at")?,
            email_sent_at: row.get("email_sent_at")?,
            sip_call_id: row.get("sip_call_id")?,
            connected_to: row.get("connected_to")?,
        })
    }
}

/// Reads the three contact columns back into one optional match.
pub(crate) fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<Option<ContactMatch>> {
    let id: Option<i64> = row.get("contact_id")?;
    Ok(match id {
        Some(id) => Some(ContactMatch {
            id,
            name: row
                .get::<_, Option<String>>("contact_name")?
                .unwrap_or_default(),
            confidence: row
                .get::<_, Option<f64>>("contact_confidence")?
                .unwrap_or(0.0),
        }),
        None => None,
    })
}

impl Store {
    /// Files a new message or call attempt and returns its id.
    ///
    /// Insert it as soon as the recording is safely on disk: from then on the
    /// inbox shows it and, if `transcription_state` is `Pending`, the
    /// transcription worker finds it (also after a restart).
    pub fn insert_message(&self, message: &NewMessage) -> Result<MessageId, StoreError> {
        let conn = self.conn();
        insert_one(&conn, message)
    }

    /// Files several messages in one transaction (all or none), e.g. the
    /// partial recordings recovered at start-up. Ids are in input order.
    pub fn insert_messages(&self, messages: &[NewMessage]) -> Result<Vec<MessageId>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let ids = messages
            .iter()
            .map(|m| insert_one(&tx, m))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(ids)
    }

    /// Looks up one message; `None` if there is no such id (e.g. it was deleted).
    pub fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("{SELECT_MESSAGE} WHERE id = ?1"))?;
        Ok(stmt.query_row([id.0], Message::from_row).optional()?)
    }

    /// The newest message filed for a SIP Call-ID, so start-up recovery can
    /// tell whether a recording was already filed before the crash.
    pub fn message_by_sip_call_id(
        &self,
        sip_call_id: &str,
    ) -> Result<Option<MessageId>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM messages WHERE sip_call_id = ?1 ORDER BY id DESC LIMIT 1",
        )?;
        Ok(stmt
            .query_row([sip_call_id], |r| r.get(0).map(MessageId))
            .optional()?)
    }

    /// Moves a message to another category (by the keyword rules or by hand).
    pub fn set_category(&self, id: MessageId, category: &str) -> Result<(), StoreError> {
        check_category(category)?;
        self.update_message(
            id,
            "UPDATE messages SET category = ?2 WHERE id = ?1",
            params![id.0, category],
        )
    }

    /// Records who the caller is. A match by number (confidence 1.0) should
    /// not be replaced by a weaker guess from the transcript; that choice is
    /// the caller's, this method simply stores what it is given.
    pub fn set_contact(&self, id: MessageId, contact: &ContactMatch) -> Result<(), StoreError> {
        check_confidence(contact.confidence)?;
        self.update_message(
            id,
            "UPDATE messages SET contact_id = ?2, contact_name = ?3, contact_confidence = ?4
             WHERE id = ?1",
            params![id.0, contact.id, contact.name, contact.confidence],
        )
    }

    /// Forgets the identified contact, e.g. when the user says the guess was wrong
    /// or the contact was deleted.
    pub fn clear_contact(&self, id: MessageId) -> Result<(), StoreError> {
        self.update_message(
            id,
            "UPDATE messages SET contact_id = NULL, contact_name = NULL, contact_confidence = NULL
             WHERE id = ?1",
            params![id.0],
        )
    }

    /// Marks a message read (`true`) or unread again (`false`).
    pub fn mark_read(&self, id: MessageId, read: bool) -> Result<(), StoreError> {
        self.update_message(
            id,
            "UPDATE messages SET read = ?2 WHERE id = ?1",
            params![id.0, read],
        )
    }

    /// Deletes a message and returns its audio path (relative to the data
    /// directory) so the caller removes the file: the store does not know the
    /// data directory. Delete the row first, then the file: a crash in between
    /// leaves an orphaned file rather than an entry whose audio is gone.
    /// Unknown ids are an error ([`StoreError::MessageNotFound`]).
    pub fn delete_message(&self, id: MessageId) -> Result<Option<PathBuf>, StoreError> {
        let conn = self.conn();
        let path: Option<Option<String>> = conn
            .query_row(
                "DELETE FROM messages WHERE id = ?1 RETURNING audio_path",
                [id.0],
                |r| r.get(0),
            )
            .optional()?;
        match path {
            Some(path) => Ok(path.map(PathBuf::from)),
            None => Err(StoreError::MessageNotFound(id)),
        }
    }

    /// Runs one single-row UPDATE and turns "no row" into [`StoreError::MessageNotFound`].
    pub(crate) fn update_message(
        &self,
        id: MessageId,
        sql: &str,
        params: &[&dyn ToSql],
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let changed = conn.prepare_cached(sql)?.execute(params)?;
        if changed == 0 {
            return Err(StoreError::MessageNotFound(id));
        }
        Ok(())
    }
}

fn insert_one(conn: &Connection, m: &NewMessage) -> Result<MessageId, StoreError> {
    let audio_path = m.audio_path.as_deref().map(audio_path_text).transpose()?;
    if let Some(contact) = &m.contact {
        check_confidence(contact.confidence)?;
    }
    let category = m.category.as_deref().unwrap_or(DEFAULT_CATEGORY);
    check_category(category)?;
    if m.duration_ms < 0 {
        return Err(StoreError::InvalidMessage(format!(
            "duration {} ms is negative",
            m.duration_ms
        )));
    }
    match m.transcription_state {
        TranscriptionState::Pending if audio_path.is_none() => {
            return Err(StoreError::InvalidMessage(
                "transcription is queued but there is no audio file".into(),
            ))
        }
        TranscriptionState::Pending | TranscriptionState::None => {}
        other => {
            return Err(StoreError::InvalidMessage(format!(
                "a new message cannot start in transcription state {other}; \
                 use pending or none and set the transcript afterwards"
            )))
        }
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO messages (kind, mailbox, account, caller_number, caller_e164, caller_name,
                               contact_id, contact_name, contact_confidence, received_at,
                               duration_ms, audio_path, category, transcription_state,
                               transcription_error, sip_call_id, connected_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?;
    stmt.execute(params![
        m.kind,
        m.mailbox,
        m.account,
        m.caller_number,
        m.caller_e164,
        m.caller_name,
        m.contact.as_ref().map(|c| c.id),
        m.contact.as_ref().map(|c| c.name.as_str()),
        m.contact.as_ref().map(|c| c.confidence),
        m.received_at,
        m.duration_ms,
        audio_path,
        category,
        m.transcription_state,
        m.transcription_error,
        m.sip_call_id,
        m.connected_to,
    ])?;
    Ok(MessageId(conn.last_insert_rowid()))
}

/// Audio paths are stored relative to the data directory and must stay inside
/// it: the path is later used to delete the file, so an absolute path or `..`
/// could make a deletion reach files that are not ours.
fn audio_path_text(path: &Path) -> Result<&str, StoreError> {
    let invalid = |reason: &str| StoreError::InvalidAudioPath {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let text = path
        .to_str()
        .ok_or_else(|| invalid("it is not valid UTF-8"))?;
    if text.is_empty() {
        return Err(invalid("it is empty"));
    }
    for component in path.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(invalid("it contains `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid(
                    "it is absolute; store it relative to the data directory",
                ))
            }
        }
    }
    Ok(text)
}

fn check_confidence(confidence: f64) -> Result<(), StoreError> {
    if !(0.0..=1.0).contains(&confidence) {
        return Err(StoreError::InvalidConfidence(confidence));
    }
    Ok(())
}

fn check_category(category: &str) -> Result<(), StoreError> {
    if category.trim().is_empty()
        || category.trim() != category
        || category.len() > MAX_CATEGORY_LEN
    {
        return Err(StoreError::InvalidCategory(category.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_paths_must_stay_inside_the_data_directory() {
        assert_eq!(
            audio_path_text(Path::new("voicemail/1.ogg")).unwrap(),
            "voicemail/1.ogg"
        );
        for bad in ["/etc/passwd", "../x.ogg", "voicemail/../../x.ogg", ""] {
            let err = audio_path_text(Path::new(bad)).unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidAudioPath { .. }),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn confidence_outside_zero_to_one_is_rejected() {
        for bad in [-0.1, 1.01, f64::NAN, f64::INFINITY] {
            assert!(check_confidence(bad).is_err(), "{bad}");
        }
        for good in [0.0, 0.42, 1.0] {
            check_confidence(good).unwrap();
        }
    }

    #[test]
    fn categories_are_short_trimmed_labels() {
        for bad in [
            "",
            " ",
            " invoice",
            "invoice ",
            &"x".repeat(MAX_CATEGORY_LEN + 1),
        ] {
            assert!(check_category(bad).is_err(), "{bad:?}");
        }
        check_category("Rückruf").unwrap();
    }

    #[test]
    fn enums_round_trip_through_text() {
        for state in [
            TranscriptionState::Pending,
            TranscriptionState::Done,
            TranscriptionState::Failed,
            TranscriptionState::None,
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            let back = TranscriptionState::column_result(ValueRef::Text(state.as_str().as_bytes()))
                .unwrap();
            assert_eq!(back, state);
        }
        assert!(EmailState::column_result(ValueRef::Text(b"lost")).is_err());
    }
}
