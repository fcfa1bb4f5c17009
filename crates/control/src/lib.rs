//! The Frontdesk daemon's control API: an HTTP + JSON server over the engine's
//! [`frontdesk_api::Backend`], and the [`ControlClient`] that `frontdesk ctl` uses to reach it.
//!
//! # Finding the daemon
//!
//! At start the server writes two files into the data directory:
//! - `control-token`: 32 random bytes as hex, mode 0600, new at every start;
//! - `control.json`: `{"url":"http://127.0.0.1:PORT","pid":N}`.
//!
//! Both are removed at shutdown (only if they still belong to this server).
//!
//! # Web UI
//!
//! [`serve_with_ui`] also serves a built web UI (a directory with `index.html`) at `/` and
//! below, without a token. The page is opened as `http://127.0.0.1:PORT/#token=TOKEN`
//! ([`ControlServer::ui_url`]) and takes the token from the fragment, which never reaches the
//! server. Paths under `/api/` are never static files.
//!
//! # Authentication and origin
//!
//! Every API request needs `Authorization: Bearer <token>` (401 otherwise). The two event routes
//! and the recordings (`/api/v1/inbox/{id}/audio`) also accept `?token=<token>`, because
//! browsers' `EventSource`, `WebSocket` and `<audio>` cannot set headers. Requests with an `Origin` header other than the server's own are refused with 403,
//! and no CORS headers are ever sent: only a web UI served by the daemon itself may use the API.
//!
//! # Routes
//!
//! All bodies are JSON, in the types of [`frontdesk_api`].
//!
//! | route | body | answer |
//! | --- | --- | --- |
//! | `GET /api/v1/status` | | `Status` |
//! | `POST /api/v1/calls` | `DialRequest` | 201, `CallInfo` |
//! | `GET /api/v1/calls` | | `[CallInfo]` |
//! | `POST /api/v1/calls/{id}/{action}` | | `CallInfo` before the action; `action` is a `CallAction`: `answer`, `hangup`, `decline` (603), `busy` (486), `hold`, `resume`, `mute`, `unmute` |
//! | `POST /api/v1/calls/{id}/transfer` | `TransferRequest` | `CallInfo` before the transfer |
//! | `POST /api/v1/calls/{id}/keys` | `{"keys":"*123#"}` | 204 |
//! | `POST /api/v1/answer`, `/hangup`, `/keys` | as above | as above, for the obvious call |
//! | `GET /api/v1/blf` | | `[Lamp]`, the busy-lamp panel in configuration order |
//! | `GET /api/v1/history?limit=N` | | `[HistoryEntry]`, newest first, N defaults to 20 |
//! | `GET /api/v1/dnd` | | `DoNotDisturb` (`{"on":false}`) |
//! | `PUT /api/v1/dnd` | `DoNotDisturb` (`{"on":true}`) | `DoNotDisturb` after the switch; 409 when the voicemail is off |
//! | `GET /api/v1/inbox?search=&category=&mailbox=&contact_id=&read=&kind=&from=&before=&limit=&offset=` | | `[InboxEntry]`, newest first; the query is an `InboxFilter` |
//! | `GET /api/v1/inbox/counts?utc_offset=MIN&mailbox=M` | | `InboxCounts`, days cut at local midnight |
//! | `GET /api/v1/inbox/{id}` | | `VoicemailMessage` |
//! | `POST /api/v1/inbox/{id}/read`, `/unread` | | `InboxEntry` after the change |
//! | `DELETE /api/v1/inbox/{id}` | | 204; the recording is deleted too |
//! | `POST /api/v1/inbox/{id}/export` | `ExportRequest` (`{"dir":"/abs"}`) | `ExportedMessage` |
//! | `GET /api/v1/inbox/{id}/audio[?format=wav]` | | the recording: `audio/ogg` with Range requests, or `audio/wav` |
//! | `GET /api/v1/contacts?search=&limit=&offset=` | | `[ContactEntry]` by name; the query is a `ContactFilter` |
//! | `POST /api/v1/contacts/import` | `ContactImportRequest` (`content_base64` + `name`, or an absolute `path`; `format` optional) | `ContactImportResult`: added, updated, unchanged, skipped, problems per line |
//! | `DELETE /api/v1/contacts/{id}` | | 204 |
//! | `GET /api/v1/models` | | `SpeechModels`: the Whisper model catalogue, what is installed, the model the voicemail uses |
//! | `POST /api/v1/models/install` | `ModelInstallRequest` (`{"name":"base"}`, `no_verify` only after the user agreed) | 202, `ModelInstallProgress`; then `model_install` events; 409 while one runs |
//! | `GET /api/v1/events` | | Server-Sent Events, each `data:` one JSON `Event` |
//! | `GET /api/v1/events/ws` | | WebSocket, each text message one JSON `Event` |
//!
//! The call id `current` in `/calls/{id}/...` means the obvious call, like the short forms.
//!
//! # Errors
//!
//! Failures answer with an `ApiError` body and a status from its kind: `bad_request` 400,
//! `not_found` 404, `conflict` 409, `unavailable` 503, `internal` 500. Authentication
//! failures answer 401, foreign origins 403, unknown routes 404 and wrong methods 405, all
//! with an `ApiError` body too.

mod client;
mod error;
pub mod files;
mod server;

pub use client::{AudioFormat, ControlClient, DiscoverError, EventStream};
pub use error::{kind_for_status, status_for};
pub use server::{
    serve, serve_with_ui, ControlServer, ServeError, CURRENT_CALL, DEFAULT_HISTORY_LIMIT,
};
