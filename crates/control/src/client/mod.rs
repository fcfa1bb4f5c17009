//! The client side of the control API, used by `frontdesk ctl`.
//!
//! It speaks plain HTTP/1.1 over loopback with hyper, one connection per request: the daemon
//! is local, so connection reuse would buy nothing but state. It only ever connects to the
//! IP address written in `control.json`; no host name is resolved.

mod sse;

use crate::files;
use crate::server::CURRENT_CALL;
use frontdesk_api::{
    ApiError, CallAction, CallInfo, DialRequest, DoNotDisturb, Event, ExportRequest,
    ExportedMessage, HistoryEntry, InboxCounts, InboxEntry, InboxFilter, Lamp, Status,
    TransferRequest, VoicemailMessage,
};
use frontdesk_api::{ContactEntry, ContactFilter, ContactImportRequest, ContactImportResult};
use frontdesk_api::{ModelInstallProgress, ModelInstallRequest, SpeechModels};
use futures_core::Stream;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a request/response exchange may take before the CLI gives up on the daemon.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why no daemon could be found for a data directory.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// No `control.json`, or nothing answers at the address it names.
    #[error("no Frontdesk daemon is running for data dir {}: start it with `frontdesk daemon --config FILE`{}", data_dir.display(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    NotRunning {
        /// The data directory that was searched.
        data_dir: PathBuf,
        /// Extra explanation, e.g. a stale `control.json`.
        detail: Option<String>,
    },
    /// The files exist but cannot be read or make no sense.
    #[error("cannot use the daemon's control files in {}: {message}", data_dir.display())]
    Unusable {
        /// The data directory that was searched.
        data_dir: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

/// A connection to a running daemon's control API.
#[derive(Debug, Clone)]
pub struct ControlClient {
    addr: SocketAddr,
    url: String,
    token: String,
}

impl ControlClient {
    /// Finds the daemon serving `data_dir` through its `control.json` and `control-token`,
    /// and checks that something listens at the address they name.
    pub async fn discover(data_dir: &Path) -> Result<Self, DiscoverError> {
        let unusable = |message: String| DiscoverError::Unusable {
            data_dir: data_dir.to_owned(),
            message,
        };
        let endpoint = match files::read_endpoint(data_dir) {
            Ok(Some(endpoint)) => endpoint,
            Ok(None) => {
                return Err(DiscoverError::NotRunning {
                    data_dir: data_dir.to_owned(),
                    detail: None,
                })
            }
            Err(e) => return Err(unusable(e.to_string())),
        };
        let token = files::read_token(data_dir).map_err(|e| {
            unusable(format!(
                "cannot read {}: {e}; run the CLI as the user that runs the daemon",
                files::token_path(data_dir).display()
            ))
        })?;
        let client = Self::new(&endpoint.url, token).map_err(|e| unusable(e.message))?;
        if let Err(e) = tokio::net::TcpStream::connect(client.addr).await {
            return Err(DiscoverError::NotRunning {
                data_dir: data_dir.to_owned(),
                detail: Some(format!(
                    "control.json names {} (pid {}) but connecting failed: {e}",
                    endpoint.url, endpoint.pid
                )),
            });
        }
        Ok(client)
    }

    /// A client for an explicit URL and token. The URL must be `http://` and a loopback IP
    /// address with a port, since the control API never leaves the machine.
    pub fn new(url: &str, token: impl Into<String>) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::bad_request(format!(
                "`{url}` is not a control API address; expected http://127.0.0.1:PORT"
            ))
        };
        let authority = url
            .strip_prefix("http://")
            .ok_or_else(invalid)?
            .trim_end_matches('/');
        let addr: SocketAddr = authority.parse().map_err(|_| invalid())?;
        if !addr.ip().is_loopback() {
            return Err(invalid());
        }
        Ok(Self {
            addr,
            url: format!("http://{addr}"),
            token: token.into(),
        })
    }

    /// Base URL of the daemon's API.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The web UI's address with this client's token (see [`crate::files::ui_url`]); the
    /// daemon serves a page there only when it was started with a UI directory.
    pub fn ui_url(&self) -> String {
        files::ui_url(&self.url, &self.token)
    }

    /// Accounts, listen addresses and the number of calls.
    pub async fn status(&self) -> Result<Status, ApiError> {
        self.json(Method::GET, "/status", None).await
    }

    /// Places a call.
    pub async fn dial(&self, request: &DialRequest) -> Result<CallInfo, ApiError> {
        self.json(Method::POST, "/calls", Some(to_body(request)))
            .await
    }

    /// Carries out `action` on `call`, or on the obvious call when `None`.
    pub async fn act(&self, call: Option<&str>, action: CallAction) -> Result<CallInfo, ApiError> {
        self.json(Method::POST, &call_path(call, action.as_str()), None)
            .await
    }

    /// Transfers `call` (blind, or announced with a consultation first).
    pub async fn transfer(
        &self,
        call: Option<&str>,
        request: &TransferRequest,
    ) -> Result<CallInfo, ApiError> {
        self.json(
            Method::POST,
            &call_path(call, "transfer"),
            Some(to_body(request)),
        )
        .await
    }

    /// Answers `call`, or the ringing call when `None`.
    pub async fn answer(&self, call: Option<&str>) -> Result<CallInfo, ApiError> {
        self.act(call, CallAction::Answer).await
    }

    /// Hangs up, cancels or declines `call`, or the obvious call when `None`.
    pub async fn hangup(&self, call: Option<&str>) -> Result<CallInfo, ApiError> {
        self.act(call, CallAction::Hangup).await
    }

    /// Sends keypad input (`0`-`9`, `*`, `#`) to `call`, or to the obvious call.
    pub async fn keys(&self, keys: &str, call: Option<&str>) -> Result<(), ApiError> {
        let body = to_body(&serde_json::json!({ "keys": keys }));
        let (status, bytes) = self
            .exchange(Method::POST, &call_path(call, "keys"), Some(body))
            .await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(decode_error(status, &bytes))
        }
    }

    /// The busy-lamp panel.
    pub async fn lamps(&self) -> Result<Vec<Lamp>, ApiError> {
        self.json(Method::GET, "/blf", None).await
    }

    /// Calls that have not ended, oldest first.
    pub async fn calls(&self) -> Result<Vec<CallInfo>, ApiError> {
        self.json(Method::GET, "/calls", None).await
    }

    /// The newest `limit` history rows, newest first.
    pub async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, ApiError> {
        self.json(Method::GET, &format!("/history?limit={limit}"), None)
            .await
    }

    /// Whether do-not-disturb is on.
    pub async fn do_not_disturb(&self) -> Result<DoNotDisturb, ApiError> {
        self.json(Method::GET, "/dnd", None).await
    }

    /// Switches do-not-disturb on or off; answers the state after the switch.
    pub async fn set_do_not_disturb(&self, on: bool) -> Result<DoNotDisturb, ApiError> {
        self.json(Method::PUT, "/dnd", Some(to_body(&DoNotDisturb { on })))
            .await
    }

    /// Inbox entries matching `filter`, newest first.
    pub async fn inbox(&self, filter: &InboxFilter) -> Result<Vec<InboxEntry>, ApiError> {
        let query = serde_urlencoded::to_string(filter)
            .map_err(|e| ApiError::bad_request(format!("cannot put the filter in a URL: {e}")))?;
        let path = if query.is_empty() {
            "/inbox".to_owned()
        } else {
            format!("/inbox?{query}")
        };
        self.json(Method::GET, &path, None).await
    }

    /// Dashboard counts, days cut at local midnight (`utc_offset_minutes` = local minus UTC).
    pub async fn inbox_counts(
        &self,
        utc_offset_minutes: i32,
        mailbox: Option<&str>,
    ) -> Result<InboxCounts, ApiError> {
        let mut query = vec![("utc_offset", utc_offset_minutes.to_string())];
        if let Some(mailbox) = mailbox {
            query.push(("mailbox", mailbox.to_owned()));
        }
        let query = serde_urlencoded::to_string(&query)
            .map_err(|e| ApiError::bad_request(format!("cannot put the query in a URL: {e}")))?;
        self.json(Method::GET, &format!("/inbox/counts?{query}"), None)
            .await
    }

    /// One message with its whole transcript.
    pub async fn voicemail(&self, id: i64) -> Result<VoicemailMessage, ApiError> {
        self.json(Method::GET, &format!("/inbox/{id}"), None).await
    }

    /// Marks a message read (`true`) or unread; answers its row after the change.
    pub async fn mark_read(&self, id: i64, read: bool) -> Result<InboxEntry, ApiError> {
        let verb = if read { "read" } else { "unread" };
        self.json(Method::POST, &format!("/inbox/{id}/{verb}"), None)
            .await
    }

    /// Deletes a message and its recording.
    pub async fn delete_voicemail(&self, id: i64) -> Result<(), ApiError> {
        self.expect_success(Method::DELETE, &format!("/inbox/{id}"), None)
            .await
            .map(drop)
    }

    /// Exports a message as WAV and text into `dir`, which must be absolute (the daemon has
    /// its own working directory).
    pub async fn export_voicemail(&self, id: i64, dir: &Path) -> Result<ExportedMessage, ApiError> {
        let body = to_body(&ExportRequest {
            dir: dir.to_owned(),
        });
        self.json(Method::POST, &format!("/inbox/{id}/export"), Some(body))
            .await
    }

    /// Contacts matching `filter`, by name.
    pub async fn contacts(&self, filter: &ContactFilter) -> Result<Vec<ContactEntry>, ApiError> {
        let query = serde_urlencoded::to_string(filter)
            .map_err(|e| ApiError::bad_request(format!("cannot put the filter in a URL: {e}")))?;
        let path = if query.is_empty() {
            "/contacts".to_owned()
        } else {
            format!("/contacts?{query}")
        };
        self.json(Method::GET, &path, None).await
    }

    /// Imports a CSV or vCard file (its bytes, or a path on the daemon's machine); answers the
    /// counts and the problems per line.
    pub async fn import_contacts(
        &self,
        request: &ContactImportRequest,
    ) -> Result<ContactImportResult, ApiError> {
        self.json(Method::POST, "/contacts/import", Some(to_body(request)))
            .await
    }

    /// The Whisper model catalogue, what is installed, and the model the voicemail uses.
    pub async fn speech_models(&self) -> Result<SpeechModels, ApiError> {
        self.json(Method::GET, "/models", None).await
    }

    /// Starts installing a model; answers its first progress (events tell the rest).
    pub async fn install_speech_model(
        &self,
        request: &ModelInstallRequest,
    ) -> Result<ModelInstallProgress, ApiError> {
        self.json(Method::POST, "/models/install", Some(to_body(request)))
            .await
    }

    /// Deletes a contact.
    pub async fn delete_contact(&self, id: i64) -> Result<(), ApiError> {
        self.expect_success(Method::DELETE, &format!("/contacts/{id}"), None)
            .await
            .map(drop)
    }

    /// A message's recording: the stored Ogg Opus file, or decoded to WAV.
    pub async fn voicemail_audio(&self, id: i64, format: AudioFormat) -> Result<Bytes, ApiError> {
        let path = match format {
            AudioFormat::Ogg => format!("/inbox/{id}/audio"),
            AudioFormat::Wav => format!("/inbox/{id}/audio?format=wav"),
        };
        self.expect_success(Method::GET, &path, None).await
    }

    /// Subscribes to the daemon's events (over Server-Sent Events). Once this returns, every
    /// later event is delivered; the stream ends when the daemon stops.
    pub async fn events(&self) -> Result<EventStream, ApiError> {
        let response = self.send(Method::GET, "/events", None).await?;
        let status = response.status();
        if !status.is_success() {
            let bytes = collect(response).await?;
            return Err(decode_error(status, &bytes));
        }
        let state = (
            Some(response.into_body()),
            sse::SseParser::default(),
            VecDeque::<String>::new(),
        );
        let stream =
            futures_util::stream::unfold(state, |(mut body, mut parser, mut queue)| async move {
                loop {
                    if let Some(data) = queue.pop_front() {
                        let item = serde_json::from_str::<Event>(&data).map_err(|e| {
                            ApiError::internal(format!(
                                "the daemon sent an event this CLI cannot read ({e}); \
                             are the CLI and daemon the same version?"
                            ))
                        });
                        return Some((item, (body, parser, queue)));
                    }
                    match body.as_mut()?.frame().await {
                        Some(Ok(frame)) => {
                            if let Some(chunk) = frame.data_ref() {
                                queue.extend(parser.push(chunk));
                            }
                        }
                        Some(Err(e)) => {
                            // Yield the error once, then end: the connection is gone.
                            let error =
                                ApiError::unavailable(format!("the event stream broke: {e}"));
                            return Some((Err(error), (None, parser, queue)));
                        }
                        None => return None,
                    }
                }
            });
        Ok(EventStream {
            inner: Box::pin(stream),
        })
    }

    /// Sends a request and decodes a JSON answer or the `ApiError` in its place.
    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<T, ApiError> {
        let (status, bytes) = self.exchange(method, path, body).await?;
        if !status.is_success() {
            return Err(decode_error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::internal(format!(
                "the daemon's answer to {path} cannot be read ({e}); are the CLI and daemon the same version?"
            ))
        })
    }

    /// Sends a request and answers the body of a success, or the `ApiError` in its place.
    async fn expect_success(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Bytes, ApiError> {
        let (status, bytes) = self.exchange(method, path, body).await?;
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(decode_error(status, &bytes))
        }
    }

    /// One request and its whole response, bounded by [`REQUEST_TIMEOUT`].
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes), ApiError> {
        let work = async {
            let response = self.send(method, path, body).await?;
            let status = response.status();
            Ok((status, collect(response).await?))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, work)
            .await
            .map_err(|_| {
                ApiError::unavailable(format!(
                    "the daemon at {} did not answer {path} within {REQUEST_TIMEOUT:?}",
                    self.url
                ))
            })?
    }

    /// Opens a connection and sends one request; the response body is left to the caller.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Response<Incoming>, ApiError> {
        let unreachable = |e: &dyn std::fmt::Display| {
            ApiError::unavailable(format!(
                "cannot reach the Frontdesk daemon at {}: {e}; is it still running?",
                self.url
            ))
        };
        let stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .map_err(|e| unreachable(&e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| unreachable(&e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("control connection ended: {e}");
            }
        });
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(hyper::header::HOST, self.addr.to_string())
            .header(
                hyper::header::AUTHORIZATION,
                format!("Bearer {}", self.token),
            );
        if body.is_some() {
            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| ApiError::internal(format!("cannot build the request for {path}: {e}")))?;
        sender
            .send_request(request)
            .await
            .map_err(|e| unreachable(&e))
    }
}

/// How [`ControlClient::voicemail_audio`] wants a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    /// As stored: Ogg Opus.
    Ogg,
    /// Decoded to 16-bit mono WAV at 16 kHz.
    Wav,
}

/// The daemon's events, as returned by [`ControlClient::events`].
///
/// It is a [`Stream`]; [`EventStream::next`] saves callers a `StreamExt` import.
pub struct EventStream {
    inner: Pin<Box<dyn Stream<Item = Result<Event, ApiError>> + Send>>,
}

impl EventStream {
    /// The next event; `None` once the daemon closed the stream.
    pub async fn next(&mut self) -> Option<Result<Event, ApiError>> {
        std::future::poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }
}

impl Stream for EventStream {
    type Item = Result<Event, ApiError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

fn to_body<T: serde::Serialize>(value: &T) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("api types always serialise"))
}

/// `/calls/{id}/verb`, or `/calls/current/verb` for the obvious call.
fn call_path(call: Option<&str>, verb: &str) -> String {
    format!(
        "/calls/{}/{verb}",
        encode_segment(call.unwrap_or(CURRENT_CALL))
    )
}

/// Percent-encodes everything but unreserved characters, so any call id is one path segment.
fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn collect(response: Response<Incoming>) -> Result<Bytes, ApiError> {
    response
        .into_body()
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| ApiError::unavailable(format!("the daemon's answer broke off: {e}")))
}

/// Rebuilds the server's `ApiError`, or makes one from the status if the body is not one.
fn decode_error(status: StatusCode, body: &[u8]) -> ApiError {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        ApiError::new(
            crate::error::kind_for_status(status),
            format!(
                "the daemon answered {status}: {}",
                String::from_utf8_lossy(body).trim()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_urls_are_accepted() {
        assert!(ControlClient::new("http://127.0.0.1:8080", "t").is_ok());
        assert!(ControlClient::new("http://[::1]:8080/", "t").is_ok());
        assert!(ControlClient::new("http://10.0.0.1:8080", "t").is_err());
        assert!(ControlClient::new("http://localhost:8080", "t").is_err());
        assert!(ControlClient::new("https://127.0.0.1:8080", "t").is_err());
    }

    #[test]
    fn call_ids_become_single_path_segments() {
        assert_eq!(call_path(None, "answer"), "/calls/current/answer");
        assert_eq!(call_path(Some("c1/x y"), "keys"), "/calls/c1%2Fx%20y/keys");
    }
}
