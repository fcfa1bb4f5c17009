//! The control server and client against each other over real loopback sockets.
//!
//! The backend is a small in-test fake: this crate's feature is the HTTP layer, and the fake
//! records what reached it so each test can check both directions of a round trip.

use async_trait::async_trait;
use frontdesk_api::*;
use frontdesk_control::{files, serve, ControlClient, ControlServer, DiscoverError};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast;

/// Records every call it receives as `"verb:arg"` and answers predictably.
struct Fake {
    seen: Mutex<Vec<String>>,
    events: broadcast::Sender<Event>,
    dnd: Mutex<bool>,
}

impl Fake {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            seen: Mutex::new(Vec::new()),
            events: broadcast::channel(16).0,
            dnd: Mutex::new(false),
        })
    }
    fn record(&self, entry: String) {
        self.seen.lock().unwrap().push(entry);
    }
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn call(id: &str, state: CallState) -> CallInfo {
    CallInfo {
        id: id.into(),
        account: Some("office".into()),
        direction: CallDirection::Incoming,
        state,
        remote_uri: "sip:200@pbx.test".into(),
        remote_number: "200".into(),
        remote_display: "200".into(),
        remote_name: Some("Ada".into()),
        codec: None,
        started_at: 1_700_000_000_000,
        answered_at: None,
        ended_at: None,
        end_reason: None,
        on_hold: false,
        held_by_remote: false,
        muted: false,
        keys_as_dtmf: false,
        revision: 0,
        linked_call: None,
    }
}

/// Maps a call argument to an answer: `missing` is unknown, `idle` is in the wrong state.
fn pick(call: &Option<String>) -> Result<String, ApiError> {
    match call.as_deref() {
        Some("missing") => Err(ApiError::not_found("no call missing")),
        Some("idle") => Err(ApiError::conflict("call idle is not ringing")),
        Some(id) => Ok(id.to_owned()),
        None => Ok("c1".to_owned()),
    }
}

#[async_trait]
impl Backend for Fake {
    async fn status(&self) -> Result<Status, ApiError> {
        self.record("status".into());
        Ok(Status {
            version: "9.9.9".into(),
            listening: vec!["udp:127.0.0.1:5060".into()],
            accounts: vec![AccountStatus {
                name: "office".into(),
                aor: "sip:101@pbx.test".into(),
                transport: "udp".into(),
                state: RegistrationState::Registered,
                reason: None,
                since: 5,
            }],
            active_calls: 1,
            do_not_disturb: *self.dnd.lock().unwrap(),
        })
    }
    async fn dial(&self, request: DialRequest) -> Result<CallInfo, ApiError> {
        self.record(format!("dial:{}:{:?}", request.target, request.account));
        match request.target.as_str() {
            "" => Err(ApiError::bad_request("dial needs a target")),
            "down" => Err(ApiError::unavailable("the registrar is down")),
            "bug" => Err(ApiError::internal("engine bug")),
            target => {
                let mut info = call("c9", CallState::Dialing);
                info.direction = CallDirection::Outgoing;
                info.remote_number = target.into();
                Ok(info)
            }
        }
    }
    async fn act(&self, call_id: Option<String>, action: CallAction) -> Result<CallInfo, ApiError> {
        self.record(format!("{}:{call_id:?}", action.as_str()));
        let after = match action {
            CallAction::Answer => CallState::Active,
            _ => CallState::Ended,
        };
        Ok(call(&pick(&call_id)?, after))
    }
    async fn transfer(
        &self,
        call_id: Option<String>,
        request: TransferRequest,
    ) -> Result<CallInfo, ApiError> {
        self.record(format!(
            "transfer:{}:{}:{call_id:?}",
            request.target, request.attended
        ));
        Ok(call(&pick(&call_id)?, CallState::Active))
    }
    async fn keys(&self, keys: String, call_id: Option<String>) -> Result<(), ApiError> {
        self.record(format!("keys:{keys}:{call_id:?}"));
        pick(&call_id)?;
        if keys
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            Ok(())
        } else {
            Err(ApiError::bad_request(format!(
                "`{keys}` is not keypad input"
            )))
        }
    }
    async fn lamps(&self) -> Result<Vec<Lamp>, ApiError> {
        Ok(vec![Lamp {
            account: "office".into(),
            extension: "102".into(),
            state: LampState::Ringing,
            caller: Some("Ada".into()),
            problem: None,
            since: 0,
        }])
    }
    async fn calls(&self) -> Result<Vec<CallInfo>, ApiError> {
        self.record("calls".into());
        Ok(vec![call("c1", CallState::Incoming)])
    }
    async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, ApiError> {
        self.record(format!("history:{limit}"));
        Ok((0..limit.min(3) as i64)
            .map(|id| HistoryEntry {
                id,
                direction: CallDirection::Outgoing,
                account: None,
                remote_uri: "sip:300@pbx.test".into(),
                remote_number: "300".into(),
                remote_display: "300".into(),
                remote_name: None,
                started_at: 1,
                answered_at: Some(2),
                ended_at: Some(3002),
                duration_seconds: 3,
                end_reason: Some("local_hangup".into()),
            })
            .collect())
    }
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
    async fn do_not_disturb(&self) -> Result<DoNotDisturb, ApiError> {
        self.record("dnd".into());
        Ok(DoNotDisturb {
            on: *self.dnd.lock().unwrap(),
        })
    }
    async fn set_do_not_disturb(&self, on: bool) -> Result<DoNotDisturb, ApiError> {
        self.record(format!("set_dnd:{on}"));
        *self.dnd.lock().unwrap() = on;
        Ok(DoNotDisturb { on })
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    fake: Arc<Fake>,
    server: ControlServer,
    client: ControlClient,
}

impl Harness {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fake = Fake::new();
        let server = serve(fake.clone(), dir.path(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let client = ControlClient::discover(dir.path()).await.unwrap();
        Self {
            _dir: dir,
            fake,
            server,
            client,
        }
    }
    fn dir(&self) -> &Path {
        self._dir.path()
    }
    fn token(&self) -> String {
        files::read_token(self.dir()).unwrap()
    }
    /// A raw HTTP/1.1 exchange, to see status codes the client hides.
    async fn raw(&self, request_line: &str, headers: &[&str], body: &str) -> (u16, String) {
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
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }
    fn bearer(&self) -> String {
        format!("Authorization: Bearer {}", self.token())
    }
}

#[tokio::test]
async fn requests_without_the_right_token_are_refused() {
    let h = Harness::start().await;
    let (status, body) = h.raw("GET /api/v1/status", &[], "").await;
    assert_eq!(status, 401);
    let error: ApiError = serde_json::from_str(&body).unwrap();
    assert!(error.message.contains("control-token"), "{}", error.message);

    let (status, _) = h
        .raw("GET /api/v1/status", &["Authorization: Bearer nope"], "")
        .await;
    assert_eq!(status, 401);
    let (status, _) = h.raw("GET /api/v1/status", &[&h.bearer()], "").await;
    assert_eq!(status, 200);

    let wrong = ControlClient::new(h.client.url(), "0".repeat(64)).unwrap();
    let error = wrong.status().await.unwrap_err();
    assert!(
        error.message.contains("token is wrong"),
        "{}",
        error.message
    );
    assert!(h.fake.seen().iter().all(|s| s == "status"));
    assert_eq!(
        h.fake.seen().len(),
        1,
        "refused requests must not reach the backend"
    );
}

#[tokio::test]
async fn query_token_works_for_event_routes_only() {
    let h = Harness::start().await;
    let query = format!("?token={}", h.token());
    let (status, _) = h.raw(&format!("GET /api/v1/status{query}"), &[], "").await;
    assert_eq!(
        status, 401,
        "the query token is for EventSource/WebSocket only"
    );
    // An SSE response never ends on its own, so only read its head here.
    let mut stream = tokio::net::TcpStream::connect(h.server.local_addr())
        .await
        .unwrap();
    let request = format!(
        "GET /api/v1/events{query} HTTP/1.1\r\nHost: {}\r\n\r\n",
        h.server.local_addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
}

#[tokio::test]
async fn foreign_origins_are_refused_and_no_cors_headers_are_sent() {
    let h = Harness::start().await;
    let (status, _) = h
        .raw(
            "GET /api/v1/status",
            &[&h.bearer(), "Origin: https://evil.example"],
            "",
        )
        .await;
    assert_eq!(status, 403);
    let same = format!("Origin: http://{}", h.server.local_addr());
    let mut stream = tokio::net::TcpStream::connect(h.server.local_addr())
        .await
        .unwrap();
    let request = format!(
        "GET /api/v1/status HTTP/1.1\r\nHost: {}\r\n{}\r\n{same}\r\nConnection: close\r\n\r\n",
        h.server.local_addr(),
        h.bearer()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(!response.to_ascii_lowercase().contains("access-control-"));
}

#[tokio::test]
async fn every_route_round_trips_through_the_client() {
    let h = Harness::start().await;
    let c = &h.client;

    let status = c.status().await.unwrap();
    assert_eq!(status.version, "9.9.9");
    assert_eq!(status.accounts[0].state, RegistrationState::Registered);

    let dialed = c
        .dial(&DialRequest {
            target: "+49 30 1234".into(),
            account: Some("office".into()),
        })
        .await
        .unwrap();
    assert_eq!(dialed.state, CallState::Dialing);
    assert_eq!(dialed.remote_number, "+49 30 1234");

    assert_eq!(c.calls().await.unwrap()[0].id, "c1");
    assert_eq!(c.answer(None).await.unwrap().id, "c1");
    assert_eq!(c.answer(Some("c7")).await.unwrap().state, CallState::Active);
    assert_eq!(c.hangup(Some("c/7")).await.unwrap().id, "c/7");
    assert_eq!(c.hangup(None).await.unwrap().state, CallState::Ended);
    c.act(Some("c3"), CallAction::Busy).await.unwrap();
    c.act(None, CallAction::Decline).await.unwrap();
    c.act(Some("c4"), CallAction::Hold).await.unwrap();
    c.transfer(
        Some("c4"),
        &TransferRequest {
            target: "102".into(),
            attended: true,
        },
    )
    .await
    .unwrap();
    c.keys("*123#", None).await.unwrap();
    c.keys("5", Some("c2")).await.unwrap();
    assert_eq!(c.history(2).await.unwrap().len(), 2);

    assert_eq!(
        h.fake.seen(),
        vec![
            "status",
            "dial:+49 30 1234:Some(\"office\")",
            "calls",
            "answer:None",
            "answer:Some(\"c7\")",
            "hangup:Some(\"c/7\")",
            "hangup:None",
            "busy:Some(\"c3\")",
            "decline:None",
            "hold:Some(\"c4\")",
            "transfer:102:true:Some(\"c4\")",
            "keys:*123#:None",
            "keys:5:Some(\"c2\")",
            "history:2",
        ]
    );
}

#[tokio::test]
async fn short_forms_and_defaults_reach_the_backend() {
    let h = Harness::start().await;
    let auth = h.bearer();
    let json = "Content-Type: application/json";
    assert_eq!(h.raw("POST /api/v1/answer", &[&auth], "").await.0, 200);
    assert_eq!(h.raw("POST /api/v1/hangup", &[&auth], "").await.0, 200);
    let keys = r#"{"keys":"12"}"#;
    assert_eq!(
        h.raw("POST /api/v1/keys", &[&auth, json], keys).await.0,
        204
    );
    assert_eq!(h.raw("GET /api/v1/history", &[&auth], "").await.0, 200);
    assert_eq!(
        h.fake.seen(),
        vec!["answer:None", "hangup:None", "keys:12:None", "history:20"]
    );
}

#[tokio::test]
async fn errors_keep_their_kind_and_status() {
    let h = Harness::start().await;
    let c = &h.client;
    let dial = |target: &str| DialRequest {
        target: target.into(),
        account: None,
    };
    let cases = [
        (c.dial(&dial("")).await, ErrorKind::BadRequest),
        (c.answer(Some("missing")).await, ErrorKind::NotFound),
        (c.answer(Some("idle")).await, ErrorKind::Conflict),
        (c.dial(&dial("down")).await, ErrorKind::Unavailable),
        (c.dial(&dial("bug")).await, ErrorKind::Internal),
    ];
    for (result, kind) in cases {
        assert_eq!(result.unwrap_err().kind, kind);
    }
    let error = c.keys("12x", Some("c1")).await.unwrap_err();
    assert_eq!(error, ApiError::bad_request("`12x` is not keypad input"));

    let auth = h.bearer();
    let json = "Content-Type: application/json";
    for (request, body, expected) in [
        ("POST /api/v1/calls", r#"{"target":""}"#, 400),
        ("POST /api/v1/calls/missing/hangup", "", 404),
        ("POST /api/v1/calls/idle/answer", "", 409),
        ("POST /api/v1/calls/c1/explode", "", 404),
        ("POST /api/v1/calls", r#"{"target":"down"}"#, 503),
        ("POST /api/v1/calls", r#"{"target":"bug"}"#, 500),
        ("POST /api/v1/calls", r#"{"nope":1}"#, 400),
        ("GET /api/v1/history?limit=-1", "", 400),
        ("GET /api/v1/nothing", "", 404),
        ("DELETE /api/v1/status", "", 405),
    ] {
        let (status, body) = h.raw(request, &[&auth, json], body).await;
        assert_eq!(status, expected, "{request}: {body}");
        let error: ApiError = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{request} answered a non-ApiError body {body:?}: {e}"));
        assert!(!error.message.is_empty());
    }
}

#[tokio::test]
async fn do_not_disturb_is_read_and_switched() {
    let h = Harness::start().await;
    let c = &h.client;
    assert_eq!(
        c.do_not_disturb().await.unwrap(),
        DoNotDisturb { on: false }
    );
    assert_eq!(
        c.set_do_not_disturb(true).await.unwrap(),
        DoNotDisturb { on: true }
    );
    assert!(c.status().await.unwrap().do_not_disturb);
    assert_eq!(c.do_not_disturb().await.unwrap(), DoNotDisturb { on: true });
    assert_eq!(
        c.set_do_not_disturb(false).await.unwrap(),
        DoNotDisturb { on: false }
    );
    assert_eq!(
        h.fake.seen(),
        vec!["dnd", "set_dnd:true", "status", "dnd", "set_dnd:false"]
    );

    let auth = h.bearer();
    let json = "Content-Type: application/json";
    let (status, body) = h.raw("GET /api/v1/dnd", &[&auth], "").await;
    assert_eq!((status, body.as_str()), (200, r#"{"on":false}"#));
    for (request, body, expected) in [
        ("PUT /api/v1/dnd", r#"{"on":"yes"}"#, 400),
        ("PUT /api/v1/dnd", r#"{"of":true}"#, 400),
        ("PUT /api/v1/dnd", "", 400),
        ("POST /api/v1/dnd", r#"{"on":true}"#, 405),
    ] {
        let (status, body) = h.raw(request, &[&auth, json], body).await;
        assert_eq!(status, expected, "{request}: {body}");
        let error: ApiError = serde_json::from_str(&body).unwrap();
        assert!(!error.message.is_empty());
    }
    assert_eq!(
        h.fake.seen().len(),
        6,
        "refused bodies never reach the backend"
    );
}

fn notice(text: &str) -> Event {
    Event::Notice {
        message: text.into(),
    }
}

#[tokio::test]
async fn events_arrive_over_server_sent_events() {
    let h = Harness::start().await;
    let mut events = h.client.events().await.unwrap();
    h.fake.events.send(notice("one")).unwrap();
    h.fake
        .events
        .send(Event::Dtmf {
            call_id: "c1".into(),
            digit: '#',
        })
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap();
    assert_eq!(first.unwrap().unwrap(), notice("one"));
    let second = events.next().await.unwrap().unwrap();
    assert!(matches!(second, Event::Dtmf { digit: '#', .. }));
}

#[tokio::test]
async fn events_arrive_over_websocket() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let h = Harness::start().await;
    let url = format!(
        "ws://{}/api/v1/events/ws?token={}",
        h.server.local_addr(),
        h.token()
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    h.fake.events.send(notice("over ws")).unwrap();
    let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let Message::Text(text) = message else {
        panic!("expected a text message, got {message:?}");
    };
    let event: Event = serde_json::from_str(&text).unwrap();
    assert_eq!(event, notice("over ws"));

    let bad = format!("ws://{}/api/v1/events/ws?token=bad", h.server.local_addr());
    assert!(tokio_tungstenite::connect_async(bad).await.is_err());
}

#[tokio::test]
async fn shutdown_ends_streams_and_removes_the_endpoint_file() {
    let h = Harness::start().await;
    let dir = h.dir().to_owned();
    let endpoint = files::read_endpoint(&dir).unwrap().unwrap();
    assert_eq!(endpoint.url, h.server.url());
    assert_eq!(endpoint.pid, std::process::id());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(files::token_path(&dir))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let mut events = h.client.events().await.unwrap();
    tokio::time::timeout(Duration::from_secs(4), h.server.shutdown())
        .await
        .expect("shutdown must not wait for open event streams")
        .unwrap();
    assert!(!files::endpoint_path(&dir).exists());
    assert!(!files::token_path(&dir).exists());
    let end = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap();
    assert!(end.is_none(), "the event stream ends with the server");

    let error = ControlClient::discover(&dir).await.unwrap_err();
    assert!(matches!(error, DiscoverError::NotRunning { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "no Frontdesk daemon is running for data dir {}: start it with `frontdesk daemon --config FILE`",
            dir.display()
        )
    );
}

#[tokio::test]
async fn a_stale_endpoint_file_means_no_daemon() {
    let dir = tempfile::tempdir().unwrap();
    // Bind and drop a listener to get a port that nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    files::write_token(dir.path(), "abc").unwrap();
    let stale = files::Endpoint {
        url: format!("http://127.0.0.1:{port}"),
        pid: 1,
    };
    files::write_endpoint(dir.path(), &stale).unwrap();
    let error = ControlClient::discover(dir.path()).await.unwrap_err();
    assert!(matches!(
        error,
        DiscoverError::NotRunning {
            detail: Some(_),
            ..
        }
    ));
    assert!(error.to_string().contains("no Frontdesk daemon is running"));
}

#[tokio::test]
async fn the_server_listens_on_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let error = serve(Fake::new(), dir.path(), "0.0.0.0:0".parse().unwrap())
        .await
        .err()
        .expect("a wildcard address must be refused");
    assert!(error.to_string().contains("loopback"), "{error}");
}

#[tokio::test]
async fn a_restart_writes_a_new_token() {
    let h = Harness::start().await;
    let first = h.token();
    let dir = h.dir().to_owned();
    let second_server = serve(Fake::new(), &dir, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    assert_ne!(files::read_token(&dir).unwrap(), first);
    // The first server stopping must leave the second one's files alone.
    h.server.shutdown().await.unwrap();
    let client = ControlClient::discover(&dir).await.unwrap();
    assert_eq!(client.url(), second_server.url());
    assert_eq!(client.status().await.unwrap().version, "9.9.9");
    second_server.shutdown().await.unwrap();
}
