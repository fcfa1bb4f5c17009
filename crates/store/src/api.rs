//! The store's inbox rows in the shape of the control API (`frontdesk-api`), as `From` impls.
//!
//! The API's inbox types mirror the store's on purpose (the API is a stable contract, the
//! store may change its columns). The orphan rule allows these impls only beside one of the two
//! types; they live here, behind the `api` feature, so the API crate stays free of SQLite.
//!
//! Two things only the engine knows are filled with what the row says: the caller's number as
//! a person reads it (`caller_display`, by the account's dial plan) is the number as received,
//! and `has_audio` of a full message says a recording was filed, not that it is still on disk.
//! The engine overrides both.

use frontdesk_api as api;

use crate::{
    ContactMatch, EmailState, InboxCounts, InboxQuery, Message, MessageKind, MessageSummary,
    PeriodCount, Timestamp, TranscriptionState,
};

impl From<MessageKind> for api::InboxKind {
    fn from(kind: MessageKind) -> Self {
        match kind {
            MessageKind::Message => api::InboxKind::Message,
            MessageKind::Attempt => api::InboxKind::Attempt,
        }
    }
}

impl From<api::InboxKind> for MessageKind {
    fn from(kind: api::InboxKind) -> Self {
        match kind {
            api::InboxKind::Message => MessageKind::Message,
            api::InboxKind::Attempt => MessageKind::Attempt,
        }
    }
}

impl From<TranscriptionState> for api::TranscriptionState {
    fn from(state: TranscriptionState) -> Self {
        match state {
            TranscriptionState::Pending => api::TranscriptionState::Pending,
            TranscriptionState::Done => api::TranscriptionState::Done,
            TranscriptionState::Failed => api::TranscriptionState::Failed,
            TranscriptionState::None => api::TranscriptionState::None,
        }
    }
}

impl From<EmailState> for api::EmailState {
    fn from(state: EmailState) -> Self {
        match state {
            EmailState::None => api::EmailState::None,
            EmailState::Queued => api::EmailState::Queued,
            EmailState::Sending => api::EmailState::Sending,
            EmailState::Sent => api::EmailState::Sent,
            EmailState::Failed => api::EmailState::Failed,
        }
    }
}

impl From<PeriodCount> for api::PeriodCount {
    fn from(count: PeriodCount) -> Self {
        api::PeriodCount {
            period: count.period,
            start: count.start.as_millis(),
            messages: count.messages,
            attempts: count.attempts,
        }
    }
}

impl From<InboxCounts> for api::InboxCounts {
    fn from(counts: InboxCounts) -> Self {
        let periods = |list: Vec<PeriodCount>| list.into_iter().map(Into::into).collect();
        api::InboxCounts {
            last_7_days: periods(counts.last_7_days),
            last_30_days: periods(counts.last_30_days),
            last_12_months: periods(counts.last_12_months),
            unread_messages: counts.unread_messages,
        }
    }
}

/// A list row; `caller_display` is the number as received (see the module docs).
impl From<MessageSummary> for api::InboxEntry {
    fn from(row: MessageSummary) -> Self {
        let (contact_id, contact_name, contact_confidence) = contact_fields(row.contact);
        api::InboxEntry {
            id: row.id.0,
            kind: row.kind.into(),
            mailbox: row.mailbox,
            caller_display: row.caller_number.clone(),
            caller_number: row.caller_number,
            caller_name: row.caller_name,
            contact_id,
            contact_name,
            contact_confidence,
            received_at: row.received_at.as_millis(),
            duration_ms: row.duration_ms,
            category: row.category,
            read: row.read,
            has_audio: row.has_audio,
            transcription_state: row.transcription_state.into(),
            preview: row.preview.as_deref().map(api::preview),
            email_state: row.email_state.into(),
            connected_to: row.connected_to,
        }
    }
}

/// A full message as a list row (for events about one message): the row the list would show
/// ([`MessageSummary`]); `has_audio` says a recording was filed.
impl From<Message> for api::InboxEntry {
    fn from(message: Message) -> Self {
        MessageSummary::from(message).into()
    }
}

/// One message in full; `caller_display` is the number as received and `has_audio` whether a
/// recording was filed.
impl From<Message> for api::VoicemailMessage {
    fn from(message: Message) -> Self {
        let (contact_id, contact_name, contact_confidence) = contact_fields(message.contact);
        api::VoicemailMessage {
            id: message.id.0,
            kind: message.kind.into(),
            mailbox: message.mailbox,
            account: message.account,
            caller_display: message.caller_number.clone(),
            caller_number: message.caller_number,
            caller_e164: message.caller_e164,
            caller_name: message.caller_name,
            contact_id,
            contact_name,
            contact_confidence,
            received_at: message.received_at.as_millis(),
            duration_ms: message.duration_ms,
            category: message.category,
            read: message.read,
            has_audio: message.audio_path.is_some(),
            transcript: message.transcript,
            language: message.language,
            transcription_state: message.transcription_state.into(),
            transcription_error: message.transcription_error,
            email_state: message.email_state.into(),
            email_error: message.email_error,
            email_sent_at: message.email_sent_at.map(Timestamp::as_millis),
            sip_call_id: message.sip_call_id,
            connected_to: message.connected_to,
        }
    }
}

/// The API's filter as a query: an empty text filter (`?category=` from a form) means "any",
/// not "the empty name"; the limit defaults to [`api::DEFAULT_INBOX_LIMIT`] and is capped at
/// [`api::MAX_INBOX_LIMIT`].
impl From<api::InboxFilter> for InboxQuery {
    fn from(filter: api::InboxFilter) -> Self {
        let given = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
        InboxQuery {
            search: given(filter.search),
            received_from: filter.from.map(Timestamp::from_millis),
            received_before: filter.before.map(Timestamp::from_millis),
            mailbox: given(filter.mailbox),
            category: given(filter.category),
            contact_id: filter.contact_id,
            read: filter.read,
            kind: filter.kind.map(Into::into),
            limit: filter
                .limit
                .unwrap_or(api::DEFAULT_INBOX_LIMIT)
                .min(api::MAX_INBOX_LIMIT),
            offset: filter.offset.unwrap_or(0),
        }
    }
}

/// A filed contact as the API's three flat fields (id, name, confidence).
fn contact_fields(contact: Option<ContactMatch>) -> (Option<i64>, Option<String>, Option<f64>) {
    match contact {
        Some(c) => (Some(c.id), Some(c.name), Some(c.confidence)),
        None => (None, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContactMatch, MessageId, NewMessage, Store};
    use std::path::PathBuf;

    fn filed(store: &Store, transcript: Option<&str>) -> MessageId {
        let id = store
            .insert_message(&NewMessage {
                kind: MessageKind::Message,
                mailbox: "office".into(),
                account: Some("office".into()),
                caller_number: "0301234567".into(),
                caller_e164: Some("+49301234567".into()),
                caller_name: Some("Maria".into()),
                contact: Some(ContactMatch {
                    id: 4,
                    name: "Maria Schmidt".into(),
                    confidence: 0.75,
                }),
                received_at: Timestamp(1_700_000_000_000),
                duration_ms: 12_500,
                audio_path: Some(PathBuf::from("voicemail/a.opus")),
                transcription_state: TranscriptionState::Pending,
                transcription_error: None,
                category: Some("invoice".into()),
                sip_call_id: Some("abc@host".into()),
                connected_to: Some("203".into()),
            })
            .unwrap();
        if let Some(text) = transcript {
            store.set_transcript(id, text, Some("en")).unwrap();
        }
        id
    }

    #[test]
    fn a_message_reads_the_same_as_list_row_event_row_and_in_full() {
        let store = Store::open_in_memory().unwrap();
        let long = "word ".repeat(60);
        let id = filed(&store, Some(&long));
        let summary = store.inbox(&InboxQuery::default()).unwrap().remove(0);
        let message = store.message(id).unwrap().unwrap();

        let from_list = api::InboxEntry::from(summary);
        let from_message = api::InboxEntry::from(message.clone());
        assert_eq!(from_list, from_message, "both rows of one message agree");
        assert_eq!(from_list.id, id.0);
        assert_eq!(from_list.kind, api::InboxKind::Message);
        assert_eq!(from_list.caller_display, "0301234567");
        assert_eq!(from_list.contact_id, Some(4));
        assert_eq!(from_list.contact_name.as_deref(), Some("Maria Schmidt"));
        assert_eq!(from_list.contact_confidence, Some(0.75));
        assert_eq!(from_list.received_at, 1_700_000_000_000);
        assert_eq!(from_list.transcription_state, api::TranscriptionState::Done);
        assert_eq!(from_list.preview, Some(api::preview(&long)));
        assert!(from_list.has_audio);
        assert_eq!(from_list.email_state, api::EmailState::None);
        assert_eq!(from_list.connected_to.as_deref(), Some("203"));

        let full = api::VoicemailMessage::from(message);
        assert_eq!(full.caller_e164.as_deref(), Some("+49301234567"));
        assert_eq!(full.account.as_deref(), Some("office"));
        assert_eq!(full.transcript.as_deref(), Some(long.as_str()));
        assert_eq!(full.language.as_deref(), Some("en"));
        assert_eq!(full.category, "invoice");
        assert_eq!(full.sip_call_id.as_deref(), Some("abc@host"));
        assert_eq!(full.email_sent_at, None);
        assert_eq!(full.connected_to.as_deref(), Some("203"));
    }

    #[test]
    fn an_untranscribed_message_has_no_preview() {
        let store = Store::open_in_memory().unwrap();
        let id = filed(&store, None);
        let entry = api::InboxEntry::from(store.message(id).unwrap().unwrap());
        assert_eq!(entry.preview, None);
        assert_eq!(entry.transcription_state, api::TranscriptionState::Pending);
    }

    #[test]
    fn empty_filters_mean_any_and_the_limit_is_capped() {
        let query = InboxQuery::from(api::InboxFilter {
            search: Some(" ".into()),
            category: Some(String::new()),
            mailbox: Some("office".into()),
            kind: Some(api::InboxKind::Attempt),
            from: Some(5),
            limit: Some(api::MAX_INBOX_LIMIT + 1),
            offset: Some(3),
            ..api::InboxFilter::default()
        });
        assert_eq!(query.search, None);
        assert_eq!(query.category, None);
        assert_eq!(query.mailbox.as_deref(), Some("office"));
        assert_eq!(query.kind, Some(MessageKind::Attempt));
        assert_eq!(query.received_from, Some(Timestamp(5)));
        assert_eq!(query.limit, api::MAX_INBOX_LIMIT);
        assert_eq!(query.offset, 3);
        let plain = InboxQuery::from(api::InboxFilter::default());
        assert_eq!(plain.limit, api::DEFAULT_INBOX_LIMIT);
    }
}
