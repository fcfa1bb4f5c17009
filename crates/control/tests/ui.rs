//! The web UI's static files served next to the API: public files, protected API.

use async_trait::async_trait;
use frontdesk_api::*;
use frontdesk_control::{files, serve, serve_with_ui, ServeError};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast;

/// A backend that only answers `status`; the UI routes never reach the backend at all.
struct StatusOnly(broadcast::Sender<Event>);

#[async_trait]
impl Backend for StatusOnly {
    async fn status(&self) -> Result<Status, ApiError> {
        Ok(Status {
            version: "0.1.0".into(),
            listening: vec!["udp:127.0.0.1:5060".into()],
            accounts: vec![],
            active_calls: 0,
            do_not_disturb: false,
        })
    }
    async fn dial(&self, _: DialRequest) -> Result<CallInfo, ApiError> {
        Err(ApiError::internal("not part of this test"))
    }
    async fn act(&self, _: Option<String>, _: CallAction) -> Result<CallInfo, ApiError> {
        Err(ApiError::internal("not part of this test"))
    }
    async fn transfer(&self, _: Option<String>, _: TransferRequest) -> Result<CallInfo, ApiError> {
        Err(ApiError::internal("not part of this test"))
    }
    async fn keys(&self, _: String, _: Option<String>) -> Result<(), ApiError> {
        Err(ApiError::internal("not part of this test"))
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
        Ok(vec![])
    }
    async fn history(&self, _: usize) -> Result<Vec<HistoryEntry>, ApiError> {
        Ok(vec![])
    }
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.0.subscribe()
    }
}

fn backend() -> Arc<dyn Backend> {
    Arc::new(StatusOnly(broadcast::channel(4).0))
}

/// A built UI: index.html and one asset, plus a secret beside (not inside) the UI folder.
fn ui_tree(root: &Path) -> std::path::PathBuf {
    let ui = root.join("dist");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><title>Frontdesk</title>",
    )
    .unwrap();
    std::fs::write(ui.join("assets/app.js"), "console.log('hi')").unwrap();
    std::fs::write(root.join("secret.txt"), "do not serve").unwrap();
    ui
}

/// One raw HTTP/1.1 GET; returns status, the head (lower-cased) and the body.
async fn get(addr: SocketAddr, path: &str, headers: &[String]) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (
        head[9..12].parse().unwrap(),
        head.to_ascii_lowercase(),
        body.to_owned(),
    )
}

#[tokio::test]
async fn the_ui_is_public_and_the_api_still_needs_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let ui = ui_tree(dir.path());
    let data = dir.path().join("data");
    let server = serve_with_ui(backend(), &data, "127.0.0.1:0".parse().unwrap(), Some(&ui))
        .await
        .unwrap();
    let addr = server.local_addr();

    let (status, head, body) = get(addr, "/", &[]).await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(head.contains("cache-control: no-cache"), "{head}");
    assert!(body.contains("<title>Frontdesk</title>"), "{body}");

    let (status, head, _) = get(addr, "/assets/app.js", &[]).await;
    assert_eq!(status, 200);
    assert!(
        head.contains("javascript"),
        "module scripts need a JS MIME type: {head}"
    );

    for escape in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
    ] {
        let (status, _, body) = get(addr, escape, &[]).await;
        assert_ne!(status, 200, "{escape} escaped the UI folder");
        assert!(!body.contains("do not serve"), "{escape}: {body}");
    }

    let (status, _, _) = get(addr, "/api/v1/status", &[]).await;
    assert_eq!(status, 401, "the API must stay protected next to the UI");
    let token = files::read_token(&data).unwrap();
    let bearer = format!("Authorization: Bearer {token}");
    let (status, _, body) = get(addr, "/api/v1/status", std::slice::from_ref(&bearer)).await;
    assert_eq!(status, 200, "{body}");
    // Unknown API paths answer an ApiError, not the UI's 404.
    let (status, _, body) = get(addr, "/api/v1/nothing", &[bearer]).await;
    assert_eq!(status, 404);
    let error: ApiError = serde_json::from_str(&body).unwrap();
    assert_eq!(error.kind, ErrorKind::NotFound);

    assert_eq!(
        server.ui_url().unwrap(),
        format!("http://{addr}/#token={token}")
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_a_ui_there_is_no_page_and_no_ui_url() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(backend(), dir.path(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (status, _, body) = get(server.local_addr(), "/", &[]).await;
    assert_eq!(status, 404);
    assert!(body.contains("/api/v1"), "{body}");
    assert_eq!(server.ui_url(), None);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_folder_without_index_html_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let Err(error) = serve_with_ui(
        backend(),
        dir.path(),
        "127.0.0.1:0".parse().unwrap(),
        Some(dir.path()),
    )
    .await
    else {
        panic!("a folder without index.html was accepted as the UI");
    };
    assert!(matches!(error, ServeError::UiDir { .. }), "{error:?}");
    assert!(error.to_string().contains("index.html"), "{error}");
    assert!(
        !dir.path().join(files::ENDPOINT_FILE).exists(),
        "a refused start must not publish an endpoint"
    );
}
