//! The voicemail inbox as the front ends see it: list rows, one message in full, filters,
//! dashboard counts and exports.
//!
//! Ids are the inbox's row ids (whole numbers, never reused); they are what `ctl inbox show ID`
//! and `/api/v1/inbox/{id}` take.

use crate::model::UnixMillis;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How many characters of the transcript [`InboxEntry::preview`] carries at most (then `…`).
pub const PREVIEW_CHARS: usize = 120;

/// How many entries [`InboxFilter`] returns without a `limit`: one screen of the list.
pub const DEFAULT_INBOX_LIMIT: usize = 50;

/// The most entries one request returns; page with `offset` for more.
pub const MAX_INBOX_LIMIT: usize = 1000;

/// Whether the caller left a message or only tried to reach us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// A recorded voicemail message.
    Message,
    /// A call the voicemail took that left nothing worth keeping (hung up during the
    /// greeting, too short, or silent throughout).
    Attempt,
}

/// Where a message is on its way to a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TranscriptionState {
    /// Waiting for (or in) the transcription worker.
    Pending,
    /// The transcript is there (it may be empty for a message without speech).
    Done,
    /// Transcription failed; `transcription_error` says why.
    Failed,
    /// There will be no transcript: a call attempt, or no speech model (see
    /// `transcription_error`).
    None,
}

/// Where a message's notification e-mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EmailState {
    /// No e-mail is wanted for this message.
    None,
    /// Waiting to be sent (first try or a retry).
    Queued,
    /// Being sent right now.
    Sending,
    /// Handed to the mail server; it is never sent again.
    Sent,
    /// Given up; `email_error` says why.
    Failed,
}

/// One row of the inbox list (`ctl inbox`, `GET /api/v1/inbox`): enough to show, sort and
/// filter it without the whole transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxEntry {
    /// Row id, for `ctl inbox show ID` and `/api/v1/inbox/{id}`.
    pub id: i64,
    /// A message or a call attempt.
    pub kind: InboxKind,
    /// The mailbox that took the call (the account's name, `direct` for calls to no account,
    /// or the called number in mailbox mode).
    pub mailbox: String,
    /// The calling number as received; empty for anonymous callers.
    pub caller_number: String,
    /// `caller_number` as a person reads it (see [`crate::CallInfo::remote_display`]).
    pub caller_display: String,
    /// The caller's display name from the signalling, when it sent one.
    pub caller_name: Option<String>,
    /// The identified contact's id (for [`InboxFilter::contact_id`]).
    pub contact_id: Option<i64>,
    /// The identified contact's name.
    pub contact_name: Option<String>,
    /// 1.0 when identified by the calling number, below when guessed from the transcript.
    pub contact_confidence: Option<f64>,
    /// When the call reached the voicemail.
    pub received_at: UnixMillis,
    /// Length of the recording in milliseconds (how long the caller stayed, for attempts).
    pub duration_ms: i64,
    /// The category, `general` unless a keyword rule sorted it elsewhere.
    pub category: String,
    /// Whether the user has seen it.
    pub read: bool,
    /// Whether there is a recording to play.
    pub has_audio: bool,
    /// Where the transcription is.
    pub transcription_state: TranscriptionState,
    /// The first [`PREVIEW_CHARS`] characters of the transcript (then `…`).
    pub preview: Option<String>,
    /// Where the notification e-mail is, so failures show in the list.
    pub email_state: EmailState,
    /// The number or extension the voicemail connected the caller to (menu key, extension
    /// dialled during the greeting, or a request for a person), when someone answered there.
    pub connected_to: Option<String>,
}

/// One message with everything known about it (`ctl inbox show ID`, `GET /api/v1/inbox/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoicemailMessage {
    /// Row id.
    pub id: i64,
    /// A message or a call attempt.
    pub kind: InboxKind,
    /// The mailbox that took the call.
    pub mailbox: String,
    /// The account the call came in on, if any.
    pub account: Option<String>,
    /// The calling number as received; empty for anonymous callers.
    pub caller_number: String,
    /// The calling number in E.164, when it could be normalised.
    pub caller_e164: Option<String>,
    /// `caller_number` as a person reads it.
    pub caller_display: String,
    /// The caller's display name from the signalling.
    pub caller_name: Option<String>,
    /// The identified contact's id.
    pub contact_id: Option<i64>,
    /// The identified contact's name.
    pub contact_name: Option<String>,
    /// 1.0 when identified by the calling number, below when guessed from the transcript.
    pub contact_confidence: Option<f64>,
    /// When the call reached the voicemail.
    pub received_at: UnixMillis,
    /// Length of the recording in milliseconds.
    pub duration_ms: i64,
    /// The category.
    pub category: String,
    /// Whether the user has seen it.
    pub read: bool,
    /// Whether the recording is on disk and can be played or exported.
    pub has_audio: bool,
    /// The whole transcript, once transcribed.
    pub transcript: Option<String>,
    /// The transcript's language (`en`, `de`, ...).
    pub language: Option<String>,
    /// Where the transcription is.
    pub transcription_state: TranscriptionState,
    /// Why there is no transcript (failed, or no speech model), in words the user can act on.
    pub transcription_error: Option<String>,
    /// Where the notification e-mail is.
    pub email_state: EmailState,
    /// The last e-mail failure.
    pub email_error: Option<String>,
    /// When the e-mail was handed to the mail server.
    pub email_sent_at: Option<UnixMillis>,
    /// The SIP Call-ID, to find the call in the history and the logs.
    pub sip_call_id: Option<String>,
    /// The number or extension the voicemail connected the caller to, when someone answered.
    pub connected_to: Option<String>,
}

/// Which inbox entries to list; every filter that is set must match. In a URL it is the
/// query string: `/api/v1/inbox?search=invoice&read=false&limit=20`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct InboxFilter {
    /// Words to find in the transcript, the caller's number and name, the contact and the
    /// category; each word matches as a prefix, accents are ignored. Any text is safe: it is
    /// never read as query syntax.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Only this category (its exact name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Only this mailbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    /// Only messages attributed to this contact (see [`InboxEntry::contact_id`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<i64>,
    /// `false`: unread entries only; `true`: read ones only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    /// Only messages or only call attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<InboxKind>,
    /// Only entries received at or after this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<UnixMillis>,
    /// Only entries received before this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<UnixMillis>,
    /// At most this many entries, newest first ([`DEFAULT_INBOX_LIMIT`] when unset, at most
    /// [`MAX_INBOX_LIMIT`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Skip this many entries first, for paging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
}

/// Messages and call attempts received in one local day or month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeriodCount {
    /// The local day (`2024-03-31`) or month (`2024-03`).
    pub period: String,
    /// When the period starts (local midnight), e.g. for [`InboxFilter::from`].
    pub start: UnixMillis,
    /// Voicemail messages received.
    pub messages: u64,
    /// Call attempts without a message.
    pub attempts: u64,
}

/// The dashboard's numbers: each series oldest first, ending with the current local day or
/// month, with empty periods present as zeros. Days are cut at local midnight of the UTC
/// offset the request gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxCounts {
    /// Today and the 6 days before.
    pub last_7_days: Vec<PeriodCount>,
    /// Today and the 29 days before.
    pub last_30_days: Vec<PeriodCount>,
    /// This month and the 11 before.
    pub last_12_months: Vec<PeriodCount>,
    /// Unread messages (not attempts) of any age, for a badge.
    pub unread_messages: u64,
}

/// What `POST /api/v1/inbox/{id}/export` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportRequest {
    /// The directory to write into, absolute (on the machine running Frontdesk); created if
    /// missing.
    pub dir: PathBuf,
}

/// The files a message was exported to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportedMessage {
    /// The recording as 16-bit mono WAV.
    pub audio: PathBuf,
    /// The transcript with a short header (caller, contact, time, category).
    pub transcript: PathBuf,
}

/// Cuts a transcript down to [`PREVIEW_CHARS`] characters, marking the cut with `…`; front
/// ends and the engine use it so previews look the same everywhere.
pub fn preview(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_cut_at_characters_not_bytes() {
        assert_eq!(preview("  short  "), "short");
        let long = "ä".repeat(PREVIEW_CHARS + 5);
        let cut = preview(&long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            preview(&"x".repeat(PREVIEW_CHARS)),
            "x".repeat(PREVIEW_CHARS)
        );
    }

    #[test]
    fn an_empty_filter_serialises_to_nothing_and_back() {
        let json = serde_json::to_string(&InboxFilter::default()).unwrap();
        assert_eq!(json, "{}");
        let filter: InboxFilter =
            serde_json::from_str(r#"{"search":"invoice","read":false,"kind":"attempt"}"#).unwrap();
        assert_eq!(filter.search.as_deref(), Some("invoice"));
        assert_eq!(filter.read, Some(false));
        assert_eq!(filter.kind, Some(InboxKind::Attempt));
        let error = serde_json::from_str::<InboxFilter>(r#"{"serach":"x"}"#).unwrap_err();
        assert!(error.to_string().contains("serach"), "{error}");
    }
}
