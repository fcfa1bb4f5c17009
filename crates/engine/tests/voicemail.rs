//! Frontdesk's own voicemail against a real caller (baresip) on loopback: nobody answers, the
//! voicemail takes the call, the caller hears the greeting and the beep, speaks (espeak-ng
//! speech), falls silent, and the voicemail ends the call.

mod support;
mod voicemail_support;

use frontdesk_api::{Backend, CallState};
use frontdesk_testbed::{analyze_window, Baresip, BaresipOptions, CallEvent};
use std::path::PathBuf;
use support::{Frontdesk, Setup, WAIT};
use voicemail_support::{beep_at, model, speak};

/// The caller's number, as baresip's From user.
const CALLER_NUMBER: &str = "03012345678";

async fn caller(play: PathBuf) -> Baresip {
    let mut options = BaresipOptions::new(CALLER_NUMBER);
    options.codecs = vec!["PCMU".into()];
    options.play_wav = Some(play);
    options.record = true;
    Baresip::start(options).await.unwrap()
}

#[tokio::test]
async fn nobody_answers_so_the_voicemail_greets_beeps_and_ends_after_the_silence() {
    let dir = tempfile::tempdir().unwrap();
    let (greeting, greeting_secs) = speak(
        dir.path(),
        "greeting",
        "Please leave a message.",
        16000,
        0.0,
        0.0,
    );
    let (message, speech_secs) = speak(
        dir.path(),
        "message",
        "Hello. This is Maria Schmidt. I am calling about your invoice. The repair is not finished. Please call me back.",
        // At the codec's rate: baresip's own resampler would muffle the voice.
        8000,
        // The caller speaks after the greeting and the beep, as people do.
        5.0,
        60.0,
    );
    let contacts = dir.path().join("contacts.csv");
    std::fs::write(
        &contacts,
        "name,company,phone,mobile,street,postcode,city,email\n\
         Maria Schmidt,Bäckerei Schmidt,+49 30 12345678,,Hauptstraße 1,14467,Potsdam,\n\
         Peter Lange,,+49 331 7654321,,,,,\n",
    )
    .unwrap();
    let smtp = frontdesk_testbed::SmtpServer::start(&[]);
    let extra = format!(
        "[voicemail]\nanswer_after_seconds = 1\nsilence_seconds = 3\ngreeting = \"{}\"\n\
         model = \"{}\"\ncontacts = \"{}\"\ncountry = \"DE\"\n\
         [voicemail.email]\nserver = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\
         from = \"Frontdesk <frontdesk@example.test>\"\nto = \"office@example.test\"\n\
         attach = \"opus\"\n",
        greeting.display(),
        model().display(),
        contacts.display(),
        smtp.port
    );
    let mut fd = Frontdesk::start(Setup {
        extra: &extra,
        ..Setup::default()
    })
    .await;
    let mut b = caller(message).await;
    let us = format!("sip:101@{}", fd.engine.sip_listen_addr());
    b.dial(&us).await.unwrap();

    let ringing = fd.wait_call(|c| c.state == CallState::Incoming).await;
    let answered = fd.wait_state(&ringing.id, CallState::Active).await;
    let rang = answered.answered_at.unwrap() - ringing.started_at;
    assert!(
        (900..3000).contains(&rang),
        "the voicemail answers after the configured second: {rang} ms"
    );
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();

    // The voicemail hangs up once the caller has been silent for 3 s.
    let ended = fd
        .wait_call_within(WAIT * 3, |c| {
            c.id == ringing.id && c.state == CallState::Ended
        })
        .await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    let talked = (ended.ended_at.unwrap() - answered.answered_at.unwrap()) as f64 / 1000.0;

    let heard = b.last_recording(WAIT).await.unwrap();
    let greeting_heard = analyze_window(&heard, &[440.0], 0.1, greeting_secs - 0.1).unwrap();
    assert!(
        greeting_heard.rms > 0.02,
        "the caller hears the greeting: {greeting_heard:?}"
    );
    let beep = beep_at(&heard, 0.0).expect("the caller hears the beep");
    assert!(
        beep > greeting_secs - 0.3 && beep < greeting_secs + 1.5,
        "the beep follows the greeting ({greeting_secs:.1} s): at {beep:.2} s"
    );
    // The caller's audio: 5 s of silence, the speech, then silence: 3 s after the last word
    // the voicemail hangs up.
    let expected = 5.0 + speech_secs + 3.0;
    assert!(
        (talked - expected).abs() < 2.0,
        "the call ends 3 s after the caller fell silent ({expected:.1} s): {talked:.1} s"
    );
    let calls = fd.engine.calls().await.unwrap();
    assert!(calls.is_empty(), "{calls:?}");

    // Filed, transcribed on this machine, within seconds.
    let store = frontdesk_store::Store::open(&fd.path("data/frontdesk.db")).unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    let message = loop {
        let inbox = store
            .inbox(&frontdesk_store::InboxQuery::default())
            .unwrap();
        if let Some(m) = inbox.first() {
            let m = store.message(m.id).unwrap().unwrap();
            if m.transcription_state == frontdesk_store::TranscriptionState::Done {
                break m;
            }
        }
        assert!(
            std::time::Instant::now() < deadline + WAIT * 4,
            "not transcribed in time: {inbox:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(message.kind, frontdesk_store::MessageKind::Message);
    assert_eq!(message.caller_number, CALLER_NUMBER);
    assert_eq!(message.caller_e164.as_deref(), Some("+493012345678"));
    let contact = message
        .contact
        .clone()
        .expect("the caller is a known contact");
    assert_eq!(
        (contact.name.as_str(), contact.confidence),
        ("Maria Schmidt", 1.0)
    );
    // "call me back" wins the tie with "invoice" and "repair": callback comes first.
    assert_eq!(message.category, "callback");
    let transcript = message.transcript.unwrap().to_lowercase();
    // The key words (the tiny model spells the surname "Smith", "Chmit" or "Schmidt").
    for word in ["maria", "invoice", "repair", "call me back"] {
        assert!(
            transcript.contains(word),
            "{word:?} missing in {transcript:?}"
        );
    }
    // The office gets an e-mail with the transcript and the recording, once.
    let deadline = std::time::Instant::now() + WAIT;
    while smtp.count() == 0 {
        assert!(std::time::Instant::now() < deadline, "no e-mail arrived");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mail = smtp.message(1);
    let subject = mail.header("subject");
    assert!(subject.contains("Maria Schmidt"), "{subject}");
    assert!(
        mail.text().to_lowercase().contains("invoice"),
        "{}",
        mail.text()
    );
    let attachments = mail.attachments();
    let audio = std::fs::read(fd.path("data").join(message.audio_path.as_ref().unwrap())).unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].1, "audio/ogg");
    assert!(attachments[0].2 == audio, "the attachment is the recording");
    // The server has the mail a moment before the engine hears its final reply and files it.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let state = store.message(message.id).unwrap().unwrap().email_state;
        if state == frontdesk_store::EmailState::Sent {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the e-mail is not filed as sent: {state:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(smtp.count(), 1, "sent once");

    // Recorded from the beep to the hang-up.
    let seconds = message.duration_ms as f64 / 1000.0;
    let expected = talked - greeting_secs - 0.4;
    assert!(
        (seconds - expected).abs() < 1.0,
        "recorded {seconds:.2} s, expected about {expected:.2} s"
    );
}
