//! Filing, reading, changing and deleting inbox entries on real database files,
//! and upgrading a database that only has call history.

mod common;

use std::path::{Path, PathBuf};

use common::{attempt, contact, open, utc, voicemail};
use frontdesk_store::{
    migrations, ContactMatch, Direction, EmailState, InboxQuery, MessageId, MessageKind, NewCall,
    Store, StoreError, Timestamp, TranscriptionState, DEFAULT_CATEGORY,
};

#[test]
fn a_filed_message_reads_back_with_every_field() {
    let (_dir, store) = open();
    let mut new = voicemail(utc("2024-05-06 07:08:09"), "030 1234567");
    new.caller_e164 = Some("+49301234567".into());
    new.caller_name = Some("Müller GmbH".into());
    new.contact = Some(ContactMatch {
        id: 42,
        name: "Erika Müller".into(),
        confidence: 0.75,
    });
    new.category = Some("invoice".into());
    let id = store.insert_message(&new).unwrap();

    let m = store.message(id).unwrap().expect("just filed");
    assert_eq!(m.id, id);
    assert_eq!(m.kind, MessageKind::Message);
    assert_eq!(m.mailbox, "office");
    assert_eq!(m.account.as_deref(), Some("office"));
    assert_eq!(m.caller_number, "030 1234567");
    assert_eq!(m.caller_e164.as_deref(), Some("+49301234567"));
    assert_eq!(m.caller_name.as_deref(), Some("Müller GmbH"));
    assert_eq!(m.contact, new.contact);
    assert_eq!(m.received_at, utc("2024-05-06 07:08:09"));
    assert_eq!(m.duration_ms, 12_500);
    assert_eq!(m.audio_path, new.audio_path);
    assert_eq!(m.transcript, None);
    assert_eq!(m.language, None);
    assert_eq!(m.category, "invoice");
    assert!(!m.read);
    assert_eq!(m.transcription_state, TranscriptionState::Pending);
    assert_eq!(m.email_state, EmailState::None);
    assert_eq!(m.email_attempts, 0);
    assert_eq!(m.sip_call_id, new.sip_call_id);
    assert_eq!(
        store
            .message_by_sip_call_id(new.sip_call_id.as_deref().unwrap())
            .unwrap(),
        Some(id)
    );
    assert_eq!(store.message_by_sip_call_id("nope").unwrap(), None);
}

#[test]
fn defaults_for_category_and_attempts() {
    let (_dir, store) = open();
    let id = store
        .insert_message(&attempt(Timestamp(1_000), "201"))
        .unwrap();
    let m = store.message(id).unwrap().unwrap();
    assert_eq!(m.kind, MessageKind::Attempt);
    assert_eq!(m.category, DEFAULT_CATEGORY);
    assert_eq!(m.audio_path, None);
    assert_eq!(m.transcription_state, TranscriptionState::None);
    assert_eq!(store.message(MessageId(id.0 + 1)).unwrap(), None);
}

#[test]
fn message_json_uses_stable_snake_case_names() {
    let (_dir, store) = open();
    let mut new = voicemail(Timestamp(1_000), "201");
    new.contact = Some(contact(7, "Alice"));
    let id = store.insert_message(&new).unwrap();
    let json = serde_json::to_value(store.message(id).unwrap().unwrap()).unwrap();
    assert_eq!(json["kind"], "message");
    assert_eq!(json["transcription_state"], "pending");
    assert_eq!(json["email_state"], "none");
    assert_eq!(json["received_at"], 1_000);
    assert_eq!(json["audio_path"], "voicemail/1000-201.ogg");
    assert_eq!(
        json["contact"],
        serde_json::json!({"id": 7, "name": "Alice", "confidence": 1.0})
    );
    assert_eq!(json["read"], false);
}

#[test]
fn inconsistent_new_messages_are_refused_and_nothing_is_filed() {
    let (_dir, store) = open();
    let mut no_audio = voicemail(Timestamp(1), "1");
    no_audio.audio_path = None;
    let mut escaping = voicemail(Timestamp(1), "1");
    escaping.audio_path = Some(PathBuf::from("../../home/user/.bashrc"));
    let mut absolute = voicemail(Timestamp(1), "1");
    absolute.audio_path = Some(PathBuf::from("/etc/passwd"));
    let mut unsure = voicemail(Timestamp(1), "1");
    unsure.contact = Some(ContactMatch {
        id: 1,
        name: "X".into(),
        confidence: 1.5,
    });
    let mut blank_category = voicemail(Timestamp(1), "1");
    blank_category.category = Some(" ".into());
    let mut already_done = voicemail(Timestamp(1), "1");
    already_done.transcription_state = TranscriptionState::Done;
    let mut negative = voicemail(Timestamp(1), "1");
    negative.duration_ms = -5;

    let cases = [
        (no_audio, "no audio file"),
        (escaping, "`..`"),
        (absolute, "absolute"),
        (unsure, "confidence"),
        (blank_category, "category"),
        (already_done, "pending or none"),
        (negative, "negative"),
    ];
    for (bad, expect) in &cases {
        let err = store.insert_message(bad).unwrap_err();
        assert!(err.to_string().contains(expect), "{expect}: {err}");
    }
    // A batch with one bad entry files none of them.
    let good = voicemail(Timestamp(2), "2");
    let err = store
        .insert_messages(&[good.clone(), cases[0].0.clone()])
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidMessage(_)), "{err:?}");
    assert_eq!(store.inbox_count(&InboxQuery::default()).unwrap(), 0);

    let ids = store
        .insert_messages(&[good.clone(), attempt(Timestamp(3), "3")])
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
    assert_eq!(
        store.message(ids[1]).unwrap().unwrap().kind,
        MessageKind::Attempt
    );
}

#[test]
fn category_contact_and_read_state_change() {
    let (_dir, store) = open();
    let id = store.insert_message(&voicemail(Timestamp(1), "1")).unwrap();

    store.set_category(id, "Rückruf").unwrap();
    store.set_contact(id, &contact(3, "Bob Builder")).unwrap();
    store.mark_read(id, true).unwrap();
    let m = store.message(id).unwrap().unwrap();
    assert_eq!(m.category, "Rückruf");
    assert_eq!(m.contact, Some(contact(3, "Bob Builder")));
    assert!(m.read);

    store.mark_read(id, false).unwrap();
    store.clear_contact(id).unwrap();
    let m = store.message(id).unwrap().unwrap();
    assert!(!m.read);
    assert_eq!(m.contact, None);

    let err = store.set_category(id, "").unwrap_err();
    assert!(matches!(err, StoreError::InvalidCategory(_)), "{err:?}");
    let err = store
        .set_contact(
            id,
            &ContactMatch {
                confidence: -0.5,
                ..contact(3, "B")
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidConfidence(_)), "{err:?}");
}

#[test]
fn unknown_ids_are_reported_by_every_change() {
    let (_dir, store) = open();
    let gone = MessageId(99);
    let not_found = |result: Result<(), StoreError>| {
        let err = result.unwrap_err();
        assert!(
            matches!(err, StoreError::MessageNotFound(MessageId(99))),
            "{err:?}"
        );
        assert!(err.to_string().contains("message 99"), "{err}");
    };
    not_found(store.set_category(gone, "x"));
    not_found(store.set_contact(gone, &contact(1, "A")));
    not_found(store.clear_contact(gone));
    not_found(store.mark_read(gone, true));
    not_found(store.set_transcript(gone, "hi", None));
    not_found(store.set_transcription_failed(gone, "e"));
    not_found(store.set_transcription_unavailable(gone, "e"));
    not_found(store.queue_transcription(gone));
    not_found(store.delete_message(gone).map(|_| ()));
    not_found(store.queue_email(gone, Timestamp(1)).map(|_| ()));
    not_found(store.email_sent(gone, Timestamp(1)).map(|_| ()));
    not_found(store.email_failed(gone, "e", None).map(|_| ()));
}

#[test]
fn delete_returns_the_audio_path_and_forgets_the_entry() {
    let (_dir, store) = open();
    let with_audio = store.insert_message(&voicemail(Timestamp(5), "5")).unwrap();
    let without = store.insert_message(&attempt(Timestamp(6), "6")).unwrap();
    assert_eq!(
        store.delete_message(with_audio).unwrap().as_deref(),
        Some(Path::new("voicemail/5-5.ogg"))
    );
    assert_eq!(store.delete_message(without).unwrap(), None);
    assert_eq!(store.message(with_audio).unwrap(), None);
    assert!(matches!(
        store.delete_message(with_audio),
        Err(StoreError::MessageNotFound(_))
    ));
    assert!(store.inbox(&InboxQuery::default()).unwrap().is_empty());
}

#[test]
fn entries_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let id = {
        let store = Store::open(&path).unwrap();
        let id = common::transcribed(&store, voicemail(Timestamp(9), "9"), "see you tomorrow");
        store.mark_read(id, true).unwrap();
        id
    };
    let store = Store::open(&path).unwrap();
    let m = store.message(id).unwrap().unwrap();
    assert!(m.read);
    assert_eq!(m.transcript.as_deref(), Some("see you tomorrow"));
    let found = store
        .inbox(&InboxQuery {
            search: Some("tomor".into()),
            ..InboxQuery::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[test]
fn a_database_with_only_call_history_is_upgraded_and_keeps_its_calls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    // Build the version-1 file the way an older Frontdesk left it.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL").unwrap();
        conn.execute_batch(migrations::MIGRATIONS[0].sql).unwrap();
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        conn.execute(
            "INSERT INTO calls (direction, remote_uri, remote_number, sip_call_id, started_at,
                                ended_at, end_reason)
             VALUES ('incoming', 'sip:201@pbx', '201', 'old-call', 1000, 5000, 'no_answer')",
            [],
        )
        .unwrap();
    }

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version()
    );
    assert!(migrations::latest_version() >= 2);
    let history = store.history(10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].sip_call_id, "old-call");
    assert_eq!(history[0].end_reason.as_deref(), Some("no_answer"));

    // Both parts work side by side in the upgraded file.
    store
        .insert_call(&NewCall {
            direction: Direction::Incoming,
            remote_uri: "sip:202@pbx".into(),
            remote_number: "202".into(),
            remote_display_name: None,
            account: None,
            sip_call_id: "new-call".into(),
            started_at: Timestamp(6_000),
        })
        .unwrap();
    let id = common::transcribed(
        &store,
        voicemail(Timestamp(6_000), "202"),
        "new voicemail after the upgrade",
    );
    assert_eq!(store.history(10).unwrap().len(), 2);
    let hits = store
        .inbox(&InboxQuery {
            search: Some("upgrade".into()),
            ..InboxQuery::default()
        })
        .unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [id]);
}

#[test]
fn who_a_caller_was_connected_to_is_filed_and_older_files_gain_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    // A file as Frontdesk left it before callers' connections were filed (version 5),
    // holding one message.
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        for step in &migrations::MIGRATIONS[..5] {
            tx.execute_batch(step.sql).unwrap();
        }
        tx.execute_batch("PRAGMA user_version = 5").unwrap();
        tx.execute(
            "INSERT INTO messages (kind, mailbox, caller_number, received_at)
             VALUES ('attempt', 'office', '0301234567', 1000)",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
    }

    let store = Store::open(&path).unwrap();
    let old = store.inbox(&InboxQuery::default()).unwrap().remove(0);
    assert_eq!(old.caller_number, "0301234567");
    assert_eq!(old.connected_to, None);

    // A caller the voicemail put through to extension 203 (a menu key): an attempt that says
    // where the caller went.
    let mut forwarded = attempt(Timestamp(2_000), "0331 7654321");
    forwarded.connected_to = Some("203".into());
    let id = store.insert_message(&forwarded).unwrap();
    assert_eq!(
        store.message(id).unwrap().unwrap().connected_to.as_deref(),
        Some("203")
    );
    let listed = store.inbox(&InboxQuery::default()).unwrap();
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].connected_to.as_deref(), Some("203"));
}
