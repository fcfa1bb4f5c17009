//! The transcription queue and the e-mail outbox on real database files,
//! including restarts in the middle of work and two processes' worth of
//! stores competing for the same e-mails.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Barrier};

use common::{attempt, open, voicemail};
use frontdesk_store::{
    EmailState, MessageId, Store, StoreError, Timestamp, TranscriptionState, EMAIL_INTERRUPTED,
};

fn state(store: &Store, id: MessageId) -> (TranscriptionState, Option<String>) {
    let m = store.message(id).unwrap().unwrap();
    (m.transcription_state, m.transcription_error)
}

#[test]
fn transcription_queue_hands_out_pending_messages_oldest_first() {
    let (_dir, store) = open();
    let first = store
        .insert_message(&voicemail(Timestamp(30), "1"))
        .unwrap();
    let mut support = voicemail(Timestamp(10), "2");
    support.mailbox = "support".into();
    let second = store.insert_message(&support).unwrap();
    store.insert_message(&attempt(Timestamp(5), "3")).unwrap();
    let third = store
        .insert_message(&voicemail(Timestamp(20), "4"))
        .unwrap();

    let jobs = store.pending_transcriptions(10).unwrap();
    assert_eq!(
        jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        [first, second, third],
        "filing order, attempts never"
    );
    assert_eq!(jobs[1].mailbox, "support");
    assert_eq!(jobs[1].audio_path, Path::new("voicemail/10-2.ogg"));
    assert_eq!(store.pending_transcriptions(1).unwrap()[0].id, first);
    // Asking again without a result hands out the same jobs.
    assert_eq!(store.pending_transcriptions(10).unwrap(), jobs);

    store
        .set_transcript(first, "Hallo, bitte zurückrufen", Some("de"))
        .unwrap();
    store
        .set_transcription_failed(
            second,
            "the recording cannot be decoded: truncated Ogg page",
        )
        .unwrap();
    assert_eq!(
        store
            .pending_transcriptions(10)
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect::<Vec<_>>(),
        [third]
    );
    let done = store.message(first).unwrap().unwrap();
    assert_eq!(done.transcription_state, TranscriptionState::Done);
    assert_eq!(done.transcript.as_deref(), Some("Hallo, bitte zurückrufen"));
    assert_eq!(done.language.as_deref(), Some("de"));
    let (s, e) = state(&store, second);
    assert_eq!(s, TranscriptionState::Failed);
    assert!(e.unwrap().contains("truncated Ogg page"));
}

#[test]
fn a_transcription_cut_short_by_a_restart_is_handed_out_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let (interrupted, finished) = {
        let store = Store::open(&path).unwrap();
        let interrupted = store.insert_message(&voicemail(Timestamp(1), "1")).unwrap();
        let finished = store.insert_message(&voicemail(Timestamp(2), "2")).unwrap();
        // The worker picked up both, finished one, then the process died.
        assert_eq!(store.pending_transcriptions(10).unwrap().len(), 2);
        store
            .set_transcript(finished, "done before the crash", None)
            .unwrap();
        (interrupted, finished)
    };
    let store = Store::open(&path).unwrap();
    let jobs = store.pending_transcriptions(10).unwrap();
    assert_eq!(jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [interrupted]);
    assert_eq!(state(&store, finished).0, TranscriptionState::Done);
}

#[test]
fn transcription_can_be_queued_again() {
    let (_dir, store) = open();
    let failed = store.insert_message(&voicemail(Timestamp(1), "1")).unwrap();
    store
        .set_transcription_failed(failed, "model crashed")
        .unwrap();
    let no_model = store.insert_message(&voicemail(Timestamp(2), "2")).unwrap();
    store
        .set_transcription_unavailable(no_model, "no speech model is configured")
        .unwrap();
    let attempt_id = store.insert_message(&attempt(Timestamp(3), "3")).unwrap();
    let mut filed_without_model = voicemail(Timestamp(4), "4");
    filed_without_model.transcription_state = TranscriptionState::None;
    filed_without_model.transcription_error = Some("no speech model is configured".into());
    let filed_without_model = store.insert_message(&filed_without_model).unwrap();
    assert_eq!(
        state(&store, filed_without_model),
        (
            TranscriptionState::None,
            Some("no speech model is configured".into())
        )
    );
    assert!(store.pending_transcriptions(10).unwrap().is_empty());

    // A model was configured: what could not be transcribed is queued, failures are not.
    assert_eq!(store.queue_untranscribed(false).unwrap(), 2);
    assert_eq!(state(&store, no_model), (TranscriptionState::Pending, None));
    assert_eq!(state(&store, failed).0, TranscriptionState::Failed);
    assert_eq!(state(&store, attempt_id).0, TranscriptionState::None);
    assert_eq!(store.queue_untranscribed(true).unwrap(), 1);
    assert_eq!(state(&store, failed), (TranscriptionState::Pending, None));

    store.set_transcript(failed, "fine now", None).unwrap();
    store.queue_transcription(failed).unwrap();
    assert_eq!(state(&store, failed).0, TranscriptionState::Pending);
    let err = store.queue_transcription(attempt_id).unwrap_err();
    assert!(matches!(err, StoreError::NoAudio(_)), "{err:?}");
    assert!(err.to_string().contains("no recording"), "{err}");
}

fn email(store: &Store, id: MessageId) -> frontdesk_store::Message {
    store.message(id).unwrap().unwrap()
}

#[test]
fn an_email_is_sent_once() {
    let (_dir, store) = open();
    let id = store.insert_message(&voicemail(Timestamp(1), "1")).unwrap();
    assert_eq!(store.next_email_due().unwrap(), None);
    assert!(store
        .claim_due_emails(Timestamp(1_000), 10)
        .unwrap()
        .is_empty());

    assert!(store.queue_email(id, Timestamp(100)).unwrap());
    assert!(
        !store.queue_email(id, Timestamp(50)).unwrap(),
        "already queued"
    );
    assert_eq!(store.next_email_due().unwrap(), Some(Timestamp(100)));
    assert!(store
        .claim_due_emails(Timestamp(99), 10)
        .unwrap()
        .is_empty());
    assert_eq!(store.claim_due_emails(Timestamp(100), 10).unwrap(), [id]);
    assert!(
        store
            .claim_due_emails(Timestamp(100), 10)
            .unwrap()
            .is_empty(),
        "claimed once"
    );
    assert_eq!(email(&store, id).email_state, EmailState::Sending);
    assert_eq!(store.next_email_due().unwrap(), None);

    assert!(store.email_sent(id, Timestamp(105)).unwrap());
    assert!(
        !store.email_sent(id, Timestamp(106)).unwrap(),
        "second report ignored"
    );
    assert!(
        !store.queue_email(id, Timestamp(200)).unwrap(),
        "sent is final"
    );
    assert!(!store.email_failed(id, "late failure", None).unwrap());
    let m = email(&store, id);
    assert_eq!(m.email_state, EmailState::Sent);
    assert_eq!(m.email_sent_at, Some(Timestamp(105)));
    assert_eq!(m.email_attempts, 1);
    assert_eq!(m.email_error, None);
}

#[test]
fn failed_emails_are_retried_then_given_up_and_can_be_queued_by_hand() {
    let (_dir, store) = open();
    let id = store.insert_message(&voicemail(Timestamp(1), "1")).unwrap();
    let other = store.insert_message(&voicemail(Timestamp(2), "2")).unwrap();
    store.queue_email(id, Timestamp(10)).unwrap();
    store.queue_email(other, Timestamp(5)).unwrap();
    assert_eq!(
        store.claim_due_emails(Timestamp(10), 10).unwrap(),
        [other, id],
        "earliest due first"
    );
    assert!(store.email_sent(other, Timestamp(11)).unwrap());

    assert!(store
        .email_failed(id, "451 4.3.0 try again later", Some(Timestamp(70)))
        .unwrap());
    let m = email(&store, id);
    assert_eq!(m.email_state, EmailState::Queued);
    assert_eq!(m.email_due_at, Some(Timestamp(70)));
    assert_eq!(m.email_error.as_deref(), Some("451 4.3.0 try again later"));
    assert!(store
        .claim_due_emails(Timestamp(69), 10)
        .unwrap()
        .is_empty());
    assert_eq!(store.claim_due_emails(Timestamp(70), 1).unwrap(), [id]);

    assert!(store
        .email_failed(id, "535 authentication failed", None)
        .unwrap());
    let m = email(&store, id);
    assert_eq!(m.email_state, EmailState::Failed);
    assert_eq!(m.email_attempts, 2);
    assert_eq!(m.email_due_at, None);
    assert_eq!(m.email_error.as_deref(), Some("535 authentication failed"));
    assert!(store
        .claim_due_emails(Timestamp(1_000), 10)
        .unwrap()
        .is_empty());

    assert!(
        store.queue_email(id, Timestamp(2_000)).unwrap(),
        "retry by hand"
    );
    assert_eq!(email(&store, id).email_error, None);
    assert_eq!(store.claim_due_emails(Timestamp(2_000), 10).unwrap(), [id]);
    assert_eq!(email(&store, id).email_attempts, 3);
}

#[test]
fn an_email_interrupted_by_a_crash_is_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let (interrupted, waiting) = {
        let store = Store::open(&path).unwrap();
        let interrupted = store.insert_message(&voicemail(Timestamp(1), "1")).unwrap();
        let waiting = store.insert_message(&voicemail(Timestamp(2), "2")).unwrap();
        store.queue_email(interrupted, Timestamp(10)).unwrap();
        store.queue_email(waiting, Timestamp(500)).unwrap();
        assert_eq!(
            store.claim_due_emails(Timestamp(10), 10).unwrap(),
            [interrupted]
        );
        (interrupted, waiting)
        // The process dies during the SMTP conversation.
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(store.recover_interrupted_emails().unwrap(), 1);
    let m = email(&store, interrupted);
    assert_eq!(m.email_state, EmailState::Failed);
    assert_eq!(m.email_error.as_deref(), Some(EMAIL_INTERRUPTED));
    assert_eq!(
        store.claim_due_emails(Timestamp(1_000), 10).unwrap(),
        [waiting],
        "only the one that was still waiting"
    );
    assert_eq!(store.recover_interrupted_emails().unwrap(), 1);
    assert_eq!(store.recover_interrupted_emails().unwrap(), 0);
}

#[test]
fn two_stores_on_one_file_never_claim_the_same_email() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let setup = Store::open(&path).unwrap();
    let batch: Vec<_> = (0..60).map(|i| voicemail(Timestamp(i), "1")).collect();
    let ids = setup.insert_messages(&batch).unwrap();
    for id in &ids {
        setup.queue_email(*id, Timestamp(0)).unwrap();
    }
    drop(setup);

    let barrier = Arc::new(Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let path = path.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let store = Store::open(&path).unwrap();
                barrier.wait();
                let mut mine = Vec::new();
                loop {
                    let claimed = store.claim_due_emails(Timestamp(1), 3).unwrap();
                    if claimed.is_empty() {
                        break;
                    }
                    for id in claimed {
                        assert!(store.email_sent(id, Timestamp(2)).unwrap());
                        mine.push(id);
                    }
                }
                mine
            })
        })
        .collect();
    let results: Vec<Vec<MessageId>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let total: usize = results.iter().map(Vec::len).sum();
    let distinct: HashSet<MessageId> = results.iter().flatten().copied().collect();
    assert_eq!(total, ids.len(), "every e-mail sent exactly once");
    assert_eq!(distinct, ids.iter().copied().collect());
}
