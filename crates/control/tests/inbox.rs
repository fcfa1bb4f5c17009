//! The inbox routes of the control API, server and client against each other over real
//! loopback sockets. The backend is a small in-test inbox that records what reached it; the
//! recording it serves is a real Ogg Opus file made by the voicemail recorder.

mod common;

use frontdesk_api::*;
use frontdesk_control::{files, serve, AudioFormat, ControlClient, ControlServer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast;

/// Length of the test recording.
const RECORDED_SECONDS: f64 = 1.5;

/// An inbox of two entries: 1 is a message with a recording, 2 a call attempt.
struct Inbox {
    entries: Mutex<Vec<InboxEntry>>,
    seen: Mutex<Vec<String>>,
    filters: Mutex<Vec<InboxFilter>>,
    recording: PathBuf,
    events: broadcast::Sender<Event>,
}

fn entry(id: i64, kind: InboxKind) -> InboxEntry {
    InboxEntry {
        id,
        kind,
        mailbox: "office".into(),
        caller_number: "0301234567".into(),
        caller_display: "030 1234567".into(),
        caller_name: Some("Maria".into()),
        contact_id: Some(4),
        contact_name: Some("Maria Schmidt".into()),
        contact_confidence: Some(1.0),
        received_at: 1_700_000_000_000 + id,
        duration_ms: 1500,
        category: "invoice".into(),
        read: false,
        has_audio: kind == InboxKind::Message,
        transcription_state: TranscriptionState::Done,
        preview: Some("About the invoice".into()),
        email_state: EmailState::None,
        connected_to: None,
    }
}

fn missing(id: i64) -> ApiError {
    ApiError::not_found(format!(
        "no voicemail {id}; `frontdesk ctl inbox` lists them"
    ))
}

impl Inbox {
    fn new(recording: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            entries: Mutex::new(vec![
                entry(1, InboxKind::Message),
                entry(2, InboxKind::Attempt),
            ]),
            seen: Mutex::new(Vec::new()),
            filters: Mutex::new(Vec::new()),
            recording,
            events: broadcast::channel(16).0,
        })
    }
    fn record(&self, entry: String) {
        self.seen.lock().unwrap().push(entry);
    }
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
    fn last_filter(&self) -> InboxFilter {
        self.filters.lock().unwrap().last().cloned().unwrap()
    }
    fn find(&self, id: i64) -> Result<InboxEntry, ApiError> {
        self.entries
            .lock()
            .unwrap()
            .iter()
            .find(|e| e.id == id)
            .cloned()
            .ok_or_else(|| missing(id))
    }
}

backend_without_calls!(Inbox {
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn inbox(&self, filter: InboxFilter) -> Result<Vec<InboxEntry>, ApiError> {
        self.record("inbox".into());
        self.filters.lock().unwrap().push(filter.clone());
        let entries = self.entries.lock().unwrap().clone();
        Ok(entries
            .into_iter()
            .filter(|e| filter.read.is_none_or(|read| e.read == read))
            .filter(|e| filter.kind.is_none_or(|kind| e.kind == kind))
            .filter(|e| {
                filter.search.as_deref().is_none_or(|s| {
                    e.preview
                        .as_deref()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(&s.to_lowercase())
                })
            })
            .take(filter.limit.unwrap_or(DEFAULT_INBOX_LIMIT))
            .collect())
    }
    async fn voicemail(&self, id: i64) -> Result<VoicemailMessage, ApiError> {
        self.record(format!("voicemail:{id}"));
        let e = self.find(id)?;
        Ok(VoicemailMessage {
            id: e.id,
            kind: e.kind,
            mailbox: e.mailbox,
            account: Some("office".into()),
            caller_number: e.caller_number,
            caller_e164: Some("+49301234567".into()),
            caller_display: e.caller_display,
            caller_name: e.caller_name,
            contact_id: e.contact_id,
            contact_name: e.contact_name,
            contact_confidence: e.contact_confidence,
            received_at: e.received_at,
            duration_ms: e.duration_ms,
            category: e.category,
            read: e.read,
            has_audio: e.has_audio,
            transcript: Some("About the invoice, please call back.".into()),
            language: Some("en".into()),
            transcription_state: e.transcription_state,
            transcription_error: None,
            email_state: e.email_state,
            email_error: None,
            email_sent_at: None,
            sip_call_id: None,
            connected_to: e.connected_to,
        })
    }
    async fn mark_read(&self, id: i64, read: bool) -> Result<InboxEntry, ApiError> {
        self.record(format!("mark_read:{id}:{read}"));
        let mut entries = self.entries.lock().unwrap();
        let entry = entries
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| missing(id))?;
        entry.read = read;
        Ok(entry.clone())
    }
    async fn delete_voicemail(&self, id: i64) -> Result<(), ApiError> {
        self.record(format!("delete:{id}"));
        let mut entries = self.entries.lock().unwrap();
        let before = entries.len();
        entries.retain(|e| e.id != id);
        if entries.len() == before {
            return Err(missing(id));
        }
        Ok(())
    }
    async fn export_voicemail(&self, id: i64, dir: PathBuf) -> Result<ExportedMessage, ApiError> {
        self.record(format!("export:{id}:{}", dir.display()));
        self.find(id)?;
        if !dir.is_absolute() {
            return Err(ApiError::bad_request("export needs an absolute directory"));
        }
        Ok(ExportedMessage {
            audio: dir.join("m.wav"),
            transcript: dir.join("m.txt"),
        })
    }
    async fn voicemail_audio(&self, id: i64) -> Result<PathBuf, ApiError> {
        self.record(format!("audio:{id}"));
        match self.find(id)?.kind {
            InboxKind::Message => Ok(self.recording.clone()),
            InboxKind::Attempt => Err(ApiError::not_found(format!(
                "voicemail {id} is a call attempt: the caller left no recording"
            ))),
        }
    }
    async fn inbox_counts(
        &self,
        utc_offset_minutes: i32,
        mailbox: Option<String>,
    ) -> Result<InboxCounts, ApiError> {
        self.record(format!("counts:{utc_offset_minutes}:{mailbox:?}"));
        if utc_offset_minutes.abs() > 18 * 60 {
            return Err(ApiError::bad_request("invalid UTC offset"));
        }
        let day = PeriodCount {
            period: "2024-03-31".into(),
            start: 0,
            messages: 2,
            attempts: 1,
        };
        Ok(InboxCounts {
            last_7_days: vec![day.clone(); 7],
            last_30_days: vec![day.clone(); 30],
            last_12_months: vec![day; 12],
            unread_messages: 1,
        })
    }
});

/// A real recording: a 440 Hz tone through the voicemail's Ogg Opus recorder.
fn record_tone(path: &Path) -> Vec<u8> {
    let mut recorder = frontdesk_recording::Recorder::create(path, 16_000).unwrap();
    let samples: Vec<i16> = (0..(16_000.0 * RECORDED_SECONDS) as usize)
        .map(|i| {
            let t = i as f64 / 16_000.0;
            ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16
        })
        .collect();
    recorder.push(&samples).unwrap();
    recorder.finish().unwrap();
    std::fs::read(path).unwrap()
}

struct Harness {
    dir: tempfile::TempDir,
    inbox: Arc<Inbox>,
    ogg: Vec<u8>,
    server: ControlServer,
    client: ControlClient,
}

/// A raw HTTP answer: status, headers (lower-case names) and body bytes.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn error(&self) -> ApiError {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not an ApiError body ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl Harness {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let recording = dir.path().join("voicemail/1.opus");
        let ogg = record_tone(&recording);
        let inbox = Inbox::new(recording);
        let data = dir.path().join("data");
        let server = serve(inbox.clone(), &data, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let client = ControlClient::discover(&data).await.unwrap();
        Self {
            dir,
            inbox,
            ogg,
            server,
            client,
        }
    }

    fn bearer(&self) -> String {
        let token = files::read_token(&self.dir.path().join("data")).unwrap();
        format!("Authorization: Bearer {token}")
    }

    fn token(&self) -> String {
        files::read_token(&self.dir.path().join("data")).unwrap()
    }

    /// One HTTP/1.1 exchange with the bearer token and `headers`, read to the end.
    async fn raw(&self, request_line: &str, headers: &[&str], body: &str) -> Raw {
        let auth = self.bearer();
        let mut all = vec![auth.as_str()];
        all.extend_from_slice(headers);
        self.raw_without_token(request_line, &all, body).await
    }

    async fn raw_without_token(&self, request_line: &str, headers: &[&str], body: &str) -> Raw {
        let mut stream = tokio::net::TcpStream::connect(self.server.local_addr())
            .await
            .unwrap();
        let mut request = format!(
            "{request_line} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.server.local_addr(),
            body.len()
        );
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
            .await
            .unwrap()
            .unwrap();
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete HTTP head");
        let head = String::from_utf8(response[..split].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = response[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v == "chunked")
        {
            body = unchunk(&body);
        }
        Raw {
            status,
            headers,
            body,
        }
    }
}

/// Decodes a chunked HTTP/1.1 body.
fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

#[tokio::test]
async fn every_inbox_route_round_trips_through_the_client() {
    let h = Harness::start().await;
    let c = &h.client;

    let all = c.inbox(&InboxFilter::default()).await.unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(h.inbox.last_filter(), InboxFilter::default());

    // Every field of the filter survives the trip through the query string.
    let filter = InboxFilter {
        search: Some("invoice".into()),
        category: Some("Rückruf".into()),
        mailbox: Some("office".into()),
        contact_id: Some(4),
        read: Some(false),
        kind: Some(InboxKind::Message),
        from: Some(1_700_000_000_000),
        before: Some(1_800_000_000_000),
        limit: Some(10),
        offset: Some(20),
    };
    c.inbox(&filter).await.unwrap();
    assert_eq!(h.inbox.last_filter(), filter);

    let message = c.voicemail(1).await.unwrap();
    assert_eq!(
        message.transcript.as_deref(),
        Some("About the invoice, please call back.")
    );
    assert!(c.mark_read(1, true).await.unwrap().read);
    assert!(!c.mark_read(1, false).await.unwrap().read);

    let dir = h.dir.path().join("out");
    let exported = c.export_voicemail(1, &dir).await.unwrap();
    assert_eq!(exported.audio, dir.join("m.wav"));

    let ogg = c.voicemail_audio(1, AudioFormat::Ogg).await.unwrap();
    assert_eq!(&ogg[..], &h.ogg[..]);
    let wav = c.voicemail_audio(1, AudioFormat::Wav).await.unwrap();
    assert_eq!(&wav[..4], b"RIFF");

    let counts = c.inbox_counts(120, Some("office")).await.unwrap();
    assert_eq!(counts.last_30_days.len(), 30);
    c.inbox_counts(-300, None).await.unwrap();

    c.delete_voicemail(2).await.unwrap();
    let error = c.voicemail(2).await.unwrap_err();
    assert_eq!(error, missing(2));

    assert_eq!(
        h.inbox.seen(),
        vec![
            "inbox".to_string(),
            "inbox".into(),
            "voicemail:1".into(),
            "mark_read:1:true".into(),
            "mark_read:1:false".into(),
            format!("export:1:{}", dir.display()),
            "audio:1".into(),
            "audio:1".into(),
            "counts:120:Some(\"office\")".into(),
            "counts:-300:None".into(),
            "delete:2".into(),
            "voicemail:2".into(),
        ]
    );
}

#[tokio::test]
async fn hostile_search_text_arrives_as_plain_text() {
    let h = Harness::start().await;
    let hostile = [
        "\" OR 1=1 --",
        "'; DROP TABLE messages; --",
        "NEAR(invoice call) AND *",
        "invoice&limit=0&read=true",
        "a=b#fragment?x",
        "100% + 50%",
        "%ZZ %00 %",
        "line\nbreak\ttab\0nul",
        "Rückruf ß 東京 🙂",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        &"x".repeat(4000),
    ];
    for text in hostile {
        let filter = InboxFilter {
            search: Some(text.to_owned()),
            ..InboxFilter::default()
        };
        h.client.inbox(&filter).await.unwrap();
        assert_eq!(
            h.inbox.last_filter(),
            filter,
            "the search {text:?} must reach the backend unchanged and alone"
        );
    }
    // Raw query strings a browser or script might send.
    for (query, search) in [
        ("search=%22%20OR%20*", "\" OR *"),
        ("search=a+b", "a b"),
        ("search=%E2%82%AC", "€"),
        ("search=", ""),
    ] {
        let raw = h.raw(&format!("GET /api/v1/inbox?{query}"), &[], "").await;
        assert_eq!(raw.status, 200, "{query}: {:?}", raw.error());
        assert_eq!(h.inbox.last_filter().search.as_deref(), Some(search));
    }
}

#[tokio::test]
async fn malformed_filters_and_ids_are_refused_with_a_reason() {
    let h = Harness::start().await;
    let before = h.inbox.seen().len();
    for (request, hint) in [
        ("GET /api/v1/inbox?limit=-1", "limit"),
        ("GET /api/v1/inbox?limit=ten", "limit"),
        ("GET /api/v1/inbox?read=maybe", "read"),
        ("GET /api/v1/inbox?kind=spam", "kind"),
        ("GET /api/v1/inbox?from=yesterday", "from"),
        ("GET /api/v1/inbox?serach=invoice", "serach"),
        ("GET /api/v1/inbox/counts?utc_offset=abc", "utc_offset"),
        ("GET /api/v1/inbox/abc", "ctl inbox"),
        ("GET /api/v1/inbox/1.5", "ctl inbox"),
        ("GET /api/v1/inbox/99999999999999999999999", "ctl inbox"),
        ("POST /api/v1/inbox/x/read", "ctl inbox"),
        ("POST /api/v1/inbox/x/unread", "ctl inbox"),
        ("DELETE /api/v1/inbox/%27%3B%20DROP", "ctl inbox"),
        ("GET /api/v1/inbox/abc/audio", "ctl inbox"),
        ("GET /api/v1/inbox/1/audio?format=mp3", "wav"),
    ] {
        let raw = h.raw(request, &[], "").await;
        assert_eq!(raw.status, 400, "{request}");
        let error = raw.error();
        assert_eq!(error.kind, ErrorKind::BadRequest, "{request}");
        assert!(
            error.message.contains(hint),
            "{request}: {:?} should mention {hint:?}",
            error.message
        );
    }
    assert_eq!(
        h.inbox.seen().len(),
        before,
        "malformed requests must not reach the backend"
    );

    for request in [
        "GET /api/v1/inbox/999",
        "GET /api/v1/inbox/-1",
        "POST /api/v1/inbox/999/read",
        "POST /api/v1/inbox/999/unread",
        "DELETE /api/v1/inbox/999",
        "GET /api/v1/inbox/999/audio",
        "GET /api/v1/inbox/2/audio",
    ] {
        let raw = h.raw(request, &[], "").await;
        assert_eq!(raw.status, 404, "{request}");
        let message = raw.error().message;
        assert!(
            message.contains("ctl inbox") || message.contains("call attempt"),
            "{request}: {message}"
        );
    }
    let raw = h
        .raw(
            "POST /api/v1/inbox/999/export",
            &["Content-Type: application/json"],
            r#"{"dir":"/tmp"}"#,
        )
        .await;
    assert_eq!(raw.status, 404);

    // Bodies and methods.
    let json = "Content-Type: application/json";
    for (request, body, status) in [
        ("POST /api/v1/inbox/1/export", "", 400),
        ("POST /api/v1/inbox/1/export", r#"{"folder":"/tmp"}"#, 400),
        ("POST /api/v1/inbox/1/export", r#"{"dir":"relative"}"#, 400),
        ("PUT /api/v1/inbox/1", "", 405),
        ("POST /api/v1/inbox", "", 405),
        ("POST /api/v1/inbox/1/archive", "", 404),
        ("GET /api/v1/inbox/counts?utc_offset=5000", "", 400),
    ] {
        let raw = h.raw(request, &[json], body).await;
        assert_eq!(raw.status, status, "{request} {body}");
        assert!(!raw.error().message.is_empty());
    }
}

#[tokio::test]
async fn recordings_are_served_as_ogg_with_range_requests() {
    let h = Harness::start().await;
    let len = h.ogg.len();

    let whole = h.raw("GET /api/v1/inbox/1/audio", &[], "").await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("content-type"), Some("audio/ogg"));
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.body, h.ogg);
    assert!(whole.body.starts_with(b"OggS"));

    let head = h
        .raw("GET /api/v1/inbox/1/audio", &["Range: bytes=0-3"], "")
        .await;
    assert_eq!(head.status, 206);
    assert_eq!(head.body, b"OggS");
    assert_eq!(
        head.header("content-range"),
        Some(format!("bytes 0-3/{len}").as_str())
    );

    // A seek into the middle and an open-ended range to the end.
    let middle = h
        .raw("GET /api/v1/inbox/1/audio", &["Range: bytes=100-199"], "")
        .await;
    assert_eq!(middle.status, 206);
    assert_eq!(middle.body, &h.ogg[100..200]);
    let tail = h
        .raw(
            "GET /api/v1/inbox/1/audio",
            &[&format!("Range: bytes={}-", len - 10)],
            "",
        )
        .await;
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, &h.ogg[len - 10..]);
    let suffix = h
        .raw("GET /api/v1/inbox/1/audio", &["Range: bytes=-27"], "")
        .await;
    assert_eq!(suffix.status, 206);
    assert_eq!(suffix.body, &h.ogg[len - 27..]);

    let beyond = h
        .raw(
            "GET /api/v1/inbox/1/audio",
            &[&format!("Range: bytes={}-{}", len + 10, len + 20)],
            "",
        )
        .await;
    assert_eq!(beyond.status, 416);
    assert_eq!(
        beyond.header("content-range"),
        Some(format!("bytes */{len}").as_str())
    );
}

#[tokio::test]
async fn recordings_convert_to_wav_on_request() {
    let h = Harness::start().await;
    let raw = h.raw("GET /api/v1/inbox/1/audio?format=wav", &[], "").await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("content-type"), Some("audio/wav"));
    let reader = hound::WavReader::new(std::io::Cursor::new(raw.body)).unwrap();
    assert_eq!(reader.spec().channels, 1);
    assert_eq!(reader.spec().sample_rate, 16_000);
    let seconds = reader.duration() as f64 / 16_000.0;
    assert!(
        (seconds - RECORDED_SECONDS).abs() < 0.05,
        "the WAV lasts {seconds:.3} s, recorded {RECORDED_SECONDS} s"
    );
    let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
    let rms =
        (samples.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    assert!(rms > 2000.0, "the tone survives decoding: rms {rms:.0}");
}

#[tokio::test]
async fn audio_takes_the_token_in_the_query_for_audio_elements() {
    let h = Harness::start().await;
    let token = h.token();
    let with_query = h
        .raw_without_token(&format!("GET /api/v1/inbox/1/audio?token={token}"), &[], "")
        .await;
    assert_eq!(with_query.status, 200);
    assert!(with_query.body.starts_with(b"OggS"));
    let wav = h
        .raw_without_token(
            &format!("GET /api/v1/inbox/1/audio?format=wav&token={token}"),
            &[],
            "",
        )
        .await;
    assert_eq!(wav.status, 200);

    for request in [
        "GET /api/v1/inbox/1/audio".to_string(),
        "GET /api/v1/inbox/1/audio?token=wrong".to_string(),
        format!("GET /api/v1/inbox?token={token}"),
        format!("GET /api/v1/inbox/1?token={token}"),
        format!("DELETE /api/v1/inbox/1?token={token}"),
    ] {
        let raw = h.raw_without_token(&request, &[], "").await;
        assert_eq!(raw.status, 401, "{request}");
    }
    assert!(
        h.inbox.seen().iter().all(|s| s == "audio:1"),
        "{:?}",
        h.inbox.seen()
    );
}

#[tokio::test]
async fn voicemail_events_reach_subscribers() {
    let h = Harness::start().await;
    let mut events = h.client.events().await.unwrap();
    let filed = Event::Voicemail {
        message: entry(7, InboxKind::Message),
    };
    h.inbox.events.send(filed.clone()).unwrap();
    h.inbox
        .events
        .send(Event::VoicemailDeleted { id: 7 })
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first, filed);
    let second = events.next().await.unwrap().unwrap();
    assert_eq!(second, Event::VoicemailDeleted { id: 7 });
}
