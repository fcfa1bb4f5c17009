//! The control server: binds, publishes the token and endpoint files, serves until told to
//! stop, then removes the files again.

mod auth;
mod contacts;
mod events;
mod inbox;
mod models;
mod routes;
mod ui;

pub use routes::{CURRENT_CALL, DEFAULT_HISTORY_LIMIT};

use crate::files::{self, Endpoint};
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, delete, get, post};
use axum::Router;
use frontdesk_api::Backend;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long shutdown waits for requests in flight before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why the control server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configured listen address is not a loopback address.
    #[error(
        "refusing to serve the control API on {0}: it must listen on a loopback address \
         such as 127.0.0.1:0, because it controls calls on this machine"
    )]
    NotLoopback(SocketAddr),
    /// The listen address could not be bound.
    #[error("cannot listen for the control API on {addr}: {source}; pick another address with --control-listen (port 0 picks a free one)")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: io::Error,
    },
    /// The web UI directory given to [`serve_with_ui`] is not a built UI.
    #[error("cannot serve the web UI from {}: {reason}; build it with `npm run build -w ui` and pass its dist folder to --ui", dir.display())]
    UiDir {
        /// The directory that was given.
        dir: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The token or endpoint file could not be written.
    #[error("cannot write the control files into the data directory {}: {source}; check that it exists and is writable", dir.display())]
    DataDir {
        /// The data directory.
        dir: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
}

/// What every handler needs: the engine and the shutdown signal for endless streams.
#[derive(Clone)]
pub(crate) struct AppState {
    pub backend: Arc<dyn Backend>,
    pub shutdown: watch::Receiver<bool>,
}

/// A running control server. Stop it with [`ControlServer::shutdown`]; dropping it stops it
/// too, but without waiting for requests in flight.
pub struct ControlServer {
    local_addr: SocketAddr,
    endpoint: Endpoint,
    data_dir: PathBuf,
    token: Arc<str>,
    serves_ui: bool,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<io::Result<()>>>,
}

/// Starts the control API for `backend` on `listen` (a loopback address; port 0 picks a free
/// port) and publishes `control-token` and `control.json` in `data_dir` so that
/// [`crate::ControlClient::discover`] finds it.
pub async fn serve(
    backend: Arc<dyn Backend>,
    data_dir: &Path,
    listen: SocketAddr,
) -> Result<ControlServer, ServeError> {
    serve_with_ui(backend, data_dir, listen, None).await
}

/// Like [`serve`], and also serves the built web UI (`index.html` and its assets) from
/// `ui_dir` at `/`. The static files need no token: they hold no secrets, and the page reads
/// the token from its URL fragment (see [`ControlServer::ui_url`]), which browsers never send
/// to the server. Everything under `/api/` still needs the token.
pub async fn serve_with_ui(
    backend: Arc<dyn Backend>,
    data_dir: &Path,
    listen: SocketAddr,
    ui_dir: Option<&Path>,
) -> Result<ControlServer, ServeError> {
    if !listen.ip().is_loopback() {
        return Err(ServeError::NotLoopback(listen));
    }
    if let Some(dir) = ui_dir {
        ui::check_dir(dir).map_err(|reason| ServeError::UiDir {
            dir: dir.to_owned(),
            reason,
        })?;
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: listen,
        source,
    })?;

    let data_err = |source| ServeError::DataDir {
        dir: data_dir.to_owned(),
        source,
    };
    std::fs::create_dir_all(data_dir).map_err(data_err)?;
    let token = files::new_token().map_err(data_err)?;
    files::write_token(data_dir, &token).map_err(data_err)?;
    let endpoint = Endpoint {
        url: format!("http://{local_addr}"),
        pid: std::process::id(),
    };
    files::write_endpoint(data_dir, &endpoint).map_err(data_err)?;

    let (stop, stopping) = watch::channel(false);
    let state = AppState {
        backend,
        shutdown: stopping.clone(),
    };
    let token: Arc<str> = token.into();
    let app = router(state, auth::Token(token.clone()), ui_dir);
    let mut signal = stopping;
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = signal.wait_for(|stop| *stop).await;
            })
            .await
    });
    tracing::info!(url = %endpoint.url, "control API listening");
    Ok(ControlServer {
        local_addr,
        endpoint,
        data_dir: data_dir.to_owned(),
        token,
        serves_ui: ui_dir.is_some(),
        stop,
        task: Some(task),
    })
}

fn router(state: AppState, token: auth::Token, ui_dir: Option<&Path>) -> Router {
    let api = Router::new()
        .route("/status", get(routes::status))
        .route("/calls", get(routes::calls).post(routes::dial))
        .route("/calls/{id}/keys", post(routes::keys_id))
        .route("/calls/{id}/transfer", post(routes::transfer))
        .route("/calls/{id}/{action}", post(routes::act))
        .route("/answer", post(routes::answer))
        .route("/hangup", post(routes::hangup))
        .route("/keys", post(routes::keys))
        .route("/history", get(routes::history))
        .route("/blf", get(routes::lamps))
        .route("/dnd", get(routes::dnd).put(routes::set_dnd))
        .route("/inbox", get(inbox::list))
        .route("/inbox/counts", get(inbox::counts))
        .route("/inbox/{id}", get(inbox::show).delete(inbox::delete))
        .route("/inbox/{id}/read", post(inbox::read))
        .route("/inbox/{id}/unread", post(inbox::unread))
        .route("/inbox/{id}/export", post(inbox::export))
        .route("/inbox/{id}/audio", get(inbox::audio))
        .route("/contacts", get(contacts::list))
        .route(
            "/contacts/import",
            post(contacts::import).layer(DefaultBodyLimit::max(contacts::IMPORT_BODY_LIMIT)),
        )
        .route("/contacts/{id}", delete(contacts::delete))
        .route("/models", get(models::list))
        .route("/models/install", post(models::install))
        .route("/events", get(events::sse))
        .route("/events/ws", get(events::websocket));
    let app = Router::new()
        .nest("/api/v1", api)
        // Unknown API paths answer JSON, not the UI's 404, even when a UI is served.
        .route("/api", any(routes::not_found))
        .route("/api/{*rest}", any(routes::not_found))
        .method_not_allowed_fallback(routes::wrong_method);
    let app = match ui_dir {
        Some(dir) => app.fallback_service(ui::files(dir)),
        None => app.fallback(routes::not_found),
    };
    app.with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            token,
            auth::require_token,
        ))
}

impl ControlServer {
    /// The address actually bound (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Base URL of the API, as written to `control.json`.
    pub fn url(&self) -> &str {
        &self.endpoint.url
    }

    /// The address to open in a browser, `http://127.0.0.1:PORT/#token=TOKEN`, when this
    /// server serves the web UI.
    pub fn ui_url(&self) -> Option<String> {
        self.serves_ui
            .then(|| files::ui_url(&self.endpoint.url, &self.token))
    }

    /// Stops accepting requests, ends event streams, waits briefly for requests in flight and
    /// removes `control.json` and `control-token`.
    pub async fn shutdown(mut self) -> io::Result<()> {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
                Ok(Ok(Err(e))) => tracing::warn!("control API stopped with an error: {e}"),
                Ok(_) => {}
                Err(_) => {
                    tracing::warn!("control API requests still running after {SHUTDOWN_GRACE:?}; cutting them off");
                    task.abort();
                }
            }
        }
        files::remove_if_ours(&self.data_dir, &self.endpoint)
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            let _ = self.stop.send(true);
            task.abort();
            if let Err(e) = files::remove_if_ours(&self.data_dir, &self.endpoint) {
                tracing::warn!("could not remove the control files: {e}");
            }
        }
    }
}
