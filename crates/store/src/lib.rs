//! Frontdesk's local database.
//!
//! One SQLite file (WAL mode, foreign keys on, busy timeout) holding the call
//! history, the voicemail inbox (messages, call attempts, full-text
//! search, the transcription queue and the e-mail outbox) and the contact
//! book ([`contacts`]). The schema is
//! versioned through `PRAGMA user_version` and upgraded by the steps in
//! [`migrations::MIGRATIONS`] every time the store is opened.
//!
//! ```
//! use frontdesk_store::{Direction, NewCall, Store, Timestamp};
//!
//! let store = Store::open_in_memory()?;
//! let id = store.insert_call(&NewCall {
//!     direction: Direction::Incoming,
//!     remote_uri: "sip:201@pbx.example.com".into(),
//!     remote_number: "201".into(),
//!     remote_display_name: None,
//!     account: Some("office".into()),
//!     sip_call_id: "a84b4c76e66710".into(),
//!     started_at: Timestamp::now(),
//! })?;
//! store.mark_ended(id, Timestamp::now(), "cancelled")?;
//! assert_eq!(store.history(10)?.len(), 1);
//! # Ok::<(), frontdesk_store::StoreError>(())
//! ```
//!
//! A voicemail's way through the inbox: filed with its recording, picked up
//! by the transcription worker, found by search.
//!
//! ```
//! use frontdesk_store::{InboxQuery, MessageKind, NewMessage, Store, Timestamp, TranscriptionState};
//!
//! let store = Store::open_in_memory()?;
//! let id = store.insert_message(&NewMessage {
//!     kind: MessageKind::Message,
//!     mailbox: "office".into(),
//!     account: Some("office".into()),
//!     caller_number: "0170 1234567".into(),
//!     caller_e164: Some("+491701234567".into()),
//!     caller_name: None,
//!     contact: None,
//!     received_at: Timestamp::now(),
//!     duration_ms: 14_200,
//!     audio_path: Some("voicemail/2024/05/a84b4c76.ogg".into()),
//!     transcription_state: TranscriptionState::Pending,
//!     transcription_error: None,
//!     category: None,
//!     sip_call_id: Some("a84b4c76e66710".into()),
//!     connected_to: None,
//! })?;
//! for job in store.pending_transcriptions(4)? {
//!     store.set_transcript(job.id, "Bitte um Rückruf wegen der Rechnung", Some("de"))?;
//! }
//! let hits = store.inbox(&InboxQuery {
//!     search: Some("ruckruf".into()),
//!     ..InboxQuery::default()
//! })?;
//! assert_eq!(hits[0].id, id);
//! # Ok::<(), frontdesk_store::StoreError>(())
//! ```

#[cfg(feature = "api")]
mod api;
mod calls;
pub mod contacts;
pub mod email_outbox;
mod error;
pub mod forward_minutes;
pub mod inbox;
pub mod inbox_counts;
pub mod inbox_query;
pub mod migrations;
pub mod settings;
mod store;
mod time;
pub mod transcription_queue;

pub use calls::{CallId, CallRecord, Direction, NewCall, MAX_REASON_LEN, REASON_INTERRUPTED};
pub use contacts::{
    contact_key, ContactId, ContactNumber, ContactQuery, NewContact, StoredContact, Upserted,
};
pub use email_outbox::EMAIL_INTERRUPTED;
pub use error::StoreError;
pub use forward_minutes::{ForwardUsage, FORWARD_WARNING_PERCENT};
pub use inbox::{
    ContactMatch, EmailState, Message, MessageId, MessageKind, NewMessage, TranscriptionState,
    DEFAULT_CATEGORY, MAX_CATEGORY_LEN,
};
pub use inbox_counts::{CountsQuery, InboxCounts, PeriodCount, MAX_UTC_OFFSET_MINUTES};
pub use inbox_query::{
    fts_query, InboxQuery, MessageSummary, DEFAULT_INBOX_LIMIT, MAX_SEARCH_WORDS, PREVIEW_CHARS,
};
pub use store::{Store, BUSY_TIMEOUT};
pub use time::Timestamp;
pub use transcription_queue::PendingTranscription;
