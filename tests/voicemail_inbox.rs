//! The voicemail inbox end to end: the real daemon, a real caller (baresip) nobody answers,
//! espeak-ng speech, the real Whisper model, and then the inbox through `frontdesk ctl` and
//! the control API — list, show, search, mark read, export, play, delete.

mod support;

use frontdesk_testbed::{Baresip, BaresipOptions, CallEvent, Speech};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{model, Daemon, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Transcription with the tiny model on a busy 2-core machine may take a while.
const TRANSCRIBED: Duration = Duration::from_secs(120);

/// `text` spoken by espeak-ng (the testbed's voice) as mono WAV at `rate`, with `before` and
/// `after` seconds of silence.
fn speak(dir: &Path, name: &str, text: &str, rate: u32, before: f64, after: f64) -> PathBuf {
    Speech {
        rate: Some(rate),
        before,
        after,
        ..Speech::caller(text)
    }
    .write(dir.join(format!("{name}.wav")))
    .unwrap_or_else(|e| panic!("cannot speak {name}: {e}"))
    .path
}

/// One raw HTTP GET against the control API with the daemon's token: status, body.
async fn control_get(daemon: &Daemon, path: &str, headers: &[&str]) -> (u16, Vec<u8>) {
    let endpoint: Value =
        serde_json::from_slice(&std::fs::read(daemon.data().join("control.json")).unwrap())
            .unwrap();
    let addr = endpoint["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .to_owned();
    let token = std::fs::read_to_string(daemon.data().join("control-token")).unwrap();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n",
        token.trim()
    );
    for header in headers {
        request += &format!("{header}\r\n");
    }
    request += "\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let status = std::str::from_utf8(&response[9..12])
        .unwrap()
        .parse()
        .unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    assert!(
        !head.contains("transfer-encoding: chunked"),
        "recordings are sent with a length: {head}"
    );
    (status, response[split + 4..].to_vec())
}

/// Every file under `dir` whose name ends with `suffix`.
fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_ending(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn a_message_nobody_answered_is_listed_found_read_exported_played_and_deleted() {
    let scratch = tempfile::tempdir().unwrap();
    let greeting = speak(
        scratch.path(),
        "greeting",
        "Please leave a message.",
        16000,
        0.0,
        0.0,
    );
    let message = speak(
        scratch.path(),
        "message",
        "Hello. This is Maria Schmidt. I am calling about your invoice. The repair is not finished. Please call me back.",
        // At the codec's rate: baresip's own resampler would muffle the voice.
        8000,
        // The caller speaks after the greeting and the beep, then falls silent.
        5.0,
        60.0,
    );
    let daemon = Daemon::start(&format!(
        "[voicemail]\nanswer_after_seconds = 1\nsilence_seconds = 3\ngreeting = \"{}\"\nmodel = \"{}\"\n",
        greeting.display(),
        model().display()
    ))
    .await;
    daemon.wait_for(&["status"], WAIT, |_| true).await;
    let empty = daemon.ctl(&["inbox"]).await;
    assert_eq!(empty, Value::Array(Vec::new()), "a new inbox is empty");

    let mut options = BaresipOptions::new("caller");
    options.codecs = vec!["PCMU".into()];
    options.play_wav = Some(message);
    let mut caller = Baresip::start(options).await.unwrap();
    caller
        .dial(&format!("sip:101@127.0.0.1:{}", daemon.sip_port()))
        .await
        .unwrap();
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    // The voicemail hangs up 3 s after the caller fell silent.
    caller
        .wait_event(CallEvent::Closed, WAIT * 3)
        .await
        .unwrap();

    // Listed, and transcribed on this machine.
    let inbox = daemon
        .wait_for(&["inbox"], TRANSCRIBED, |list| {
            list[0]["transcription_state"] == "done"
        })
        .await;
    let list = inbox.as_array().unwrap();
    assert_eq!(list.len(), 1, "{inbox:#}");
    let entry = &list[0];
    assert_eq!(entry["kind"], "message");
    assert_eq!(entry["caller_number"], "caller");
    assert_eq!(entry["mailbox"], "direct");
    assert_eq!(entry["read"], false);
    assert_eq!(entry["has_audio"], true);
    let preview = entry["preview"].as_str().unwrap().to_lowercase();
    assert!(preview.contains("invoice"), "{preview:?}");
    let id = entry["id"].as_i64().unwrap();
    let id_text = id.to_string();
    let duration_ms = entry["duration_ms"].as_i64().unwrap();
    assert!(
        (8_000..30_000).contains(&duration_ms),
        "the message lasts from the beep to the hang-up: {duration_ms} ms"
    );

    // Shown in full, as JSON and as text.
    let shown = daemon.ctl(&["inbox", "show", &id_text]).await;
    let transcript = shown["transcript"].as_str().unwrap().to_lowercase();
    for word in ["invoice", "repair"] {
        assert!(
            transcript.contains(word),
            "{word:?} missing in {transcript:?}"
        );
    }
    assert_eq!(shown["transcription_state"], "done");
    assert_eq!(shown["has_audio"], true);
    let text = daemon.run(&["inbox", "show", &id_text]).await;
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with(&format!("Voicemail {id} (message, unread)\n")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("From:") && l.contains("caller")),
        "{text}"
    );
    assert!(text.to_lowercase().contains("invoice"), "{text}");
    let table = daemon.run(&["inbox"]).await;
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.starts_with("ID  NEW  RECEIVED (UTC)") && table.contains(&format!("\n{id}  ")),
        "{table}"
    );

    // Found by search, and only by matching words.
    let found = daemon.ctl(&["inbox", "--search", "invoice"]).await;
    assert_eq!(found[0]["id"], id, "{found:#}");
    let prefix = daemon.ctl(&["inbox", "--search", "INVOI"]).await;
    assert_eq!(prefix[0]["id"], id, "a word's start finds it: {prefix:#}");
    for nothing in ["nothingsuch", "\" OR * NEAR(", "invoice nothingsuch"] {
        let none = daemon.ctl(&["inbox", "--search", nothing]).await;
        assert_eq!(none, Value::Array(Vec::new()), "{nothing:?}");
    }

    // Filtered by category and mailbox; empty filters mean "any".
    let category = entry["category"].as_str().unwrap();
    for (args, hits) in [
        (vec!["--category", category], 1),
        (vec!["--category", "nosuchcategory"], 0),
        (vec!["--category", ""], 1),
        (vec!["--mailbox", "direct"], 1),
        (vec!["--mailbox", "office"], 0),
        (vec!["--messages"], 1),
    ] {
        let list = daemon.ctl(&[&["inbox"], &args[..]].concat()).await;
        assert_eq!(list.as_array().unwrap().len(), hits, "{args:?}: {list:#}");
    }

    // Read and unread.
    let unread = daemon.ctl(&["inbox", "--unread"]).await;
    assert_eq!(unread.as_array().unwrap().len(), 1);
    let marked = daemon.ctl(&["inbox", "mark-read", &id_text]).await;
    assert_eq!(marked["read"], true);
    assert_eq!(daemon.ctl(&["inbox", "show", &id_text]).await["read"], true);
    let unread = daemon.ctl(&["inbox", "--unread"]).await;
    assert_eq!(unread, Value::Array(Vec::new()));
    let counts = daemon.ctl(&["inbox", "counts"]).await;
    assert_eq!(counts["unread_messages"], 0);
    assert_eq!(counts["last_7_days"][6]["messages"], 1, "{counts:#}");
    let marked = daemon.ctl(&["inbox", "mark-unread", &id_text]).await;
    assert_eq!(marked["read"], false);
    assert_eq!(daemon.ctl(&["inbox", "counts"]).await["unread_messages"], 1);

    // Exported as a playable WAV and a text file; a relative DIR is the caller's.
    let exported = daemon
        .run_in(
            scratch.path(),
            &["inbox", "export", &id_text, "export", "--json"],
        )
        .await;
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let exported: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let wav = PathBuf::from(exported["audio"].as_str().unwrap());
    let txt = PathBuf::from(exported["transcript"].as_str().unwrap());
    assert_eq!(wav.parent(), Some(scratch.path().join("export").as_path()));
    assert!(wav.to_string_lossy().ends_with("-caller.wav"), "{wav:?}");
    let reader = hound::WavReader::open(&wav).unwrap();
    let seconds = reader.duration() as f64 / reader.spec().sample_rate as f64;
    assert!(
        (seconds * 1000.0 - duration_ms as f64).abs() < 250.0,
        "the WAV lasts {seconds:.2} s, the message {duration_ms} ms"
    );
    let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
    let loudest = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!(loudest > 3000, "the WAV holds the speech: peak {loudest}");
    let text = std::fs::read_to_string(&txt).unwrap();
    assert!(
        text.starts_with(&format!("Voicemail {id}\nCaller: ")),
        "{text}"
    );
    assert!(
        text.lines().nth(1).is_some_and(|l| l.contains("caller")),
        "{text}"
    );
    assert!(
        text.contains("\nReceived: ") && text.contains("\nCategory: "),
        "{text}"
    );
    assert!(text.to_lowercase().contains("invoice"), "{text}");

    // Played over the API: the Ogg Opus file, seekable, or WAV.
    let recordings = files_ending(&daemon.data(), ".opus");
    assert_eq!(recordings.len(), 1, "{recordings:?}");
    let path = format!("/api/v1/inbox/{id}/audio");
    let (status, ogg) = control_get(&daemon, &path, &[]).await;
    assert_eq!(status, 200);
    assert!(ogg.starts_with(b"OggS"), "{:?}", &ogg[..ogg.len().min(8)]);
    assert_eq!(ogg, std::fs::read(&recordings[0]).unwrap());
    let (status, part) = control_get(&daemon, &path, &["Range: bytes=4-99"]).await;
    assert_eq!(status, 206);
    assert_eq!(part, &ogg[4..100]);
    let (status, wav_bytes) = control_get(&daemon, &format!("{path}?format=wav"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(&wav_bytes[..4], b"RIFF");

    // Deleted with its recording; a second delete says what to do.
    let deleted = daemon.ctl(&["inbox", "delete", &id_text]).await;
    assert_eq!(deleted["deleted"], id);
    assert_eq!(daemon.ctl(&["inbox"]).await, Value::Array(Vec::new()));
    assert!(!recordings[0].exists(), "the recording is deleted too");
    assert_eq!(files_ending(&daemon.data(), ".opus"), Vec::<PathBuf>::new());
    let again = daemon.run(&["inbox", "delete", &id_text]).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr).trim(),
        format!("frontdesk: no voicemail {id}; `frontdesk ctl inbox` lists them")
    );
    let (status, _) = control_get(&daemon, &path, &[]).await;
    assert_eq!(status, 404);
    // The exported copies are the user's and stay.
    assert!(wav.is_file() && txt.is_file());
    daemon.stop().await;
}
