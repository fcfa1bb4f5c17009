//! The two push channels: Server-Sent Events for `EventSource` and the CLI, WebSocket for
//! UIs that prefer it. Both carry one JSON [`Event`] per message.
//!
//! Each subscribes to the backend *before* the response starts, so a client that has seen the
//! response headers misses nothing that happens afterwards. Both end when the server shuts
//! down, which lets graceful shutdown finish instead of waiting for endless streams.

use super::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::sse::{self, KeepAlive, Sse};
use axum::response::Response;
use frontdesk_api::Event;
use futures_util::Stream;
use std::convert::Infallible;
use tokio::sync::{broadcast, watch};

/// Waits for the next event; `None` once the stream should end (shutdown, engine gone).
/// A lagging subscriber gets a notice in place of what it lost.
async fn next_event(
    rx: &mut broadcast::Receiver<Event>,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Event> {
    if *shutdown.borrow() {
        return None;
    }
    tokio::select! {
        received = rx.recv() => match received {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Event::Notice {
                message: format!(
                    "{missed} events were dropped because this client read too slowly; \
                     re-read status and calls to catch up"
                ),
            }),
            Err(broadcast::error::RecvError::Closed) => None,
        },
        _ = shutdown.wait_for(|stopping| *stopping) => None,
    }
}

fn to_json(event: &Event) -> String {
    serde_json::to_string(event).expect("api events always serialise")
}

/// `GET /api/v1/events`: a Server-Sent Events stream.
pub(crate) async fn sse(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<sse::Event, Infallible>>> {
    let rx = state.backend.subscribe();
    let stream = futures_util::stream::unfold(
        (rx, state.shutdown.clone()),
        |(mut rx, mut shutdown)| async move {
            match next_event(&mut rx, &mut shutdown).await {
                Some(event) => {
                    let item = sse::Event::default().data(to_json(&event));
                    Some((Ok(item), (rx, shutdown)))
                }
                None => None,
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// `GET /api/v1/events/ws`: the same events over a WebSocket, one text message each.
pub(crate) async fn websocket(
    State(state): State<AppState>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let rx = state.backend.subscribe();
    let shutdown = state.shutdown.clone();
    upgrade.on_upgrade(move |socket| pump(socket, rx, shutdown))
}

async fn pump(
    mut socket: WebSocket,
    mut rx: broadcast::Receiver<Event>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            next = next_event(&mut rx, &mut shutdown) => match next {
                Some(event) => {
                    if socket.send(Message::Text(to_json(&event).into())).await.is_err() {
                        return;
                    }
                }
                None => break,
            },
            incoming = socket.recv() => match incoming {
                // The API is push-only; pings are answered by the library, text is ignored.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}
