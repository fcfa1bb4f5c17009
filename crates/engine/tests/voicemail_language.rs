//! The transcription language per mailbox, with the real Whisper model (tiny.en, English
//! only): a message is transcribed in its mailbox's `[voicemail.mailboxes.<name>] language`,
//! else in `[voicemail] language`.
//!
//! The English-only model makes the language Whisper was given visible: it transcribes `en`
//! (and `auto`, which it can only detect as English) and refuses `de` with an error naming it.
//! The messages are filed straight into the store as the voicemail files them (a real Ogg Opus
//! recording of espeak-ng speech, queued for transcription), so no call is needed.

mod voicemail_support;

use frontdesk_config::Config;
use frontdesk_engine::Engine;
use frontdesk_store::{Message, MessageKind, NewMessage, Store, Timestamp, TranscriptionState};
use std::path::{Path, PathBuf};
use std::time::Duration;
use voicemail_support::*;

/// Two short transcriptions with the tiny model on a busy 2-core machine.
const TRANSCRIBED: Duration = Duration::from_secs(120);

/// `text` spoken by espeak-ng, recorded the way the voicemail records (Ogg Opus, 16 kHz) at
/// `relative` under `data`.
fn recorded(dir: &Path, data: &Path, relative: &str, text: &str) -> PathBuf {
    let (wav, _) = speak(dir, "speech", text, 16000, 0.5, 0.5);
    let samples: Vec<i16> = hound::WavReader::open(&wav)
        .unwrap()
        .into_samples()
        .map(Result::unwrap)
        .collect();
    let mut recorder = frontdesk_recording::Recorder::create(&data.join(relative), 16000).unwrap();
    recorder.push(&samples).unwrap();
    recorder.finish().unwrap();
    PathBuf::from(relative)
}

/// A message in `mailbox`, waiting for the transcription worker.
fn queued(mailbox: &str, audio: &Path, at: i64) -> NewMessage {
    NewMessage {
        kind: MessageKind::Message,
        mailbox: mailbox.into(),
        account: None,
        caller_number: format!("030 {at}"),
        caller_e164: None,
        caller_name: None,
        contact: None,
        received_at: Timestamp(1_700_000_000_000 + at),
        duration_ms: 3000,
        audio_path: Some(audio.to_path_buf()),
        transcription_state: TranscriptionState::Pending,
        transcription_error: None,
        category: None,
        sip_call_id: None,
        connected_to: None,
    }
}

fn in_mailbox<'a>(messages: &'a [Message], mailbox: &str) -> &'a Message {
    messages.iter().find(|m| m.mailbox == mailbox).unwrap()
}

#[tokio::test]
async fn each_message_is_transcribed_in_its_mailboxs_language() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let audio = recorded(
        dir.path(),
        &data,
        "voicemail/test/message.opus",
        "Please call me back about the invoice.",
    );
    let db = data.join("frontdesk.db");
    {
        let store = Store::open(&db).unwrap();
        for (at, mailbox) in ["office", "direct", "sales"].into_iter().enumerate() {
            store
                .insert_message(&queued(mailbox, &audio, at as i64))
                .unwrap();
        }
    }
    let toml = format!(
        "[sip]\nlisten = \"127.0.0.1:{}\"\n[audio]\nbackend = \"file\"\n[data]\ndir = \"{}\"\n\
         [voicemail]\nlanguage = \"de\"\nmodel = \"{}\"\n\
         [voicemail.mailboxes.office]\nlanguage = \"en\"\n\
         [voicemail.mailboxes.sales]\nlanguage = \"auto\"\n",
        frontdesk_testbed::free_port().unwrap(),
        data.display(),
        model().display()
    );
    let engine = Engine::start(Config::from_str_with_base(&toml, dir.path()).unwrap())
        .await
        .unwrap();

    let messages = wait_inbox(&db, TRANSCRIBED, |messages| {
        messages.len() == 3
            && messages
                .iter()
                .all(|m| m.transcription_state != TranscriptionState::Pending)
    })
    .await;

    // `office` fixes English: transcribed, although the global language is German.
    let office = in_mailbox(&messages, "office");
    assert_eq!(
        office.transcription_state,
        TranscriptionState::Done,
        "{office:#?}"
    );
    assert_eq!(office.language.as_deref(), Some("en"));
    let text = office.transcript.as_deref().unwrap().to_lowercase();
    assert!(text.contains("invoice"), "{text:?}");

    // `direct` has no table: the global German, which the English-only model refuses.
    let direct = in_mailbox(&messages, "direct");
    assert_eq!(
        direct.transcription_state,
        TranscriptionState::Failed,
        "{direct:#?}"
    );
    let error = direct.transcription_error.as_deref().unwrap();
    assert!(
        error.contains("English-only") && error.contains("\"de\""),
        "{error}"
    );
    assert_eq!(direct.transcript, None);

    // `sales` detects the language itself (the model knows only English).
    let sales = in_mailbox(&messages, "sales");
    assert_eq!(
        sales.transcription_state,
        TranscriptionState::Done,
        "{sales:#?}"
    );
    assert_eq!(sales.language.as_deref(), Some("en"));
    engine.shutdown().await;
}
