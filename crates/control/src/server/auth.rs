//! Who may talk to the control API: whoever can read the token file, from the same origin.
//!
//! The API listens on loopback, but every local process and every web page the user opens can
//! reach loopback ports. The token (readable only by the user) keeps other users' processes
//! out; the origin check keeps foreign web pages out, since browsers send `Origin` on
//! cross-site requests and WebSocket handshakes while the API sends no CORS headers at all.

use crate::error::HttpError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use frontdesk_api::ApiError;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Paths that also accept `?token=`, because browsers' `EventSource` and `WebSocket` cannot
/// set an `Authorization` header (as `<audio>` cannot for `/api/v1/inbox/{id}/audio`). Other routes accept only the header, which keeps the token
/// out of URLs (and history, logs) wherever possible.
const QUERY_TOKEN_PATHS: &[&str] = &["/api/v1/events", "/api/v1/events/ws"];

/// The expected token, shared by all requests.
#[derive(Clone)]
pub(crate) struct Token(pub Arc<str>);

/// True for paths of the API; everything else is the static web UI (when one is served),
/// which holds no secrets and must load before the page can read its token.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Middleware: rejects cross-origin requests (403) and requests without the token (401) to
/// the API; static UI files pass.
pub(crate) async fn require_token(
    State(token): State<Token>,
    request: Request,
    next: Next,
) -> Response {
    if !is_api(request.uri().path()) {
        return next.run(request).await;
    }
    if !same_origin(request.headers()) {
        return HttpError::with_status(
            StatusCode::FORBIDDEN,
            ApiError::bad_request(
                "cross-origin requests to the Frontdesk control API are refused; \
                 use the web UI served by the daemon itself",
            ),
        )
        .into_response();
    }
    let presented = bearer(request.headers()).or_else(|| {
        let path = request.uri().path();
        (QUERY_TOKEN_PATHS.contains(&path) || super::inbox::is_audio_path(path))
            .then(|| query_token(request.uri().query()))
            .flatten()
    });
    match presented {
        Some(given) if bool::from(given.as_bytes().ct_eq(token.0.as_bytes())) => {
            next.run(request).await
        }
        Some(_) => unauthorized(
            "the control token is wrong; the daemon writes a new one to \
             DATA_DIR/control-token at every start, so read it again (or restart the CLI)",
        ),
        None => unauthorized(
            "the control API needs `Authorization: Bearer <token>`; the token \
             is in DATA_DIR/control-token, readable by the user running the daemon",
        ),
    }
}

fn unauthorized(message: &str) -> Response {
    let mut response =
        HttpError::with_status(StatusCode::UNAUTHORIZED, ApiError::bad_request(message))
            .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// The token from an `Authorization: Bearer` header, if there is one.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The `token` parameter of a query string.
fn query_token(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "token")
        .map(|(_, value)| value.to_owned())
}

/// True unless the request carries an `Origin` that differs from the host it was sent to.
///
/// Requests without `Origin` come from non-browser clients (the CLI) or same-origin GETs.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(origin), Some(host)) => origin.eq_ignore_ascii_case(&format!("http://{host}")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), value.parse().unwrap());
        }
        map
    }

    #[test]
    fn bearer_is_parsed_case_insensitively() {
        let h = headers(&[(header::AUTHORIZATION, "bearer abc")]);
        assert_eq!(bearer(&h).as_deref(), Some("abc"));
        let h = headers(&[(header::AUTHORIZATION, "Basic abc")]);
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn query_token_is_found_among_other_parameters() {
        assert_eq!(query_token(Some("a=1&token=xyz")).as_deref(), Some("xyz"));
        assert_eq!(query_token(Some("tokens=xyz")), None);
        assert_eq!(query_token(None), None);
    }

    #[test]
    fn only_api_paths_are_protected() {
        assert!(is_api("/api"));
        assert!(is_api("/api/v1/status"));
        assert!(!is_api("/"));
        assert!(!is_api("/assets/index.js"));
        assert!(!is_api("/apiary.html"));
    }

    #[test]
    fn origin_must_match_host() {
        assert!(same_origin(&headers(&[(header::HOST, "127.0.0.1:9")])));
        assert!(same_origin(&headers(&[
            (header::HOST, "127.0.0.1:9"),
            (header::ORIGIN, "http://127.0.0.1:9"),
        ])));
        assert!(!same_origin(&headers(&[
            (header::HOST, "127.0.0.1:9"),
            (header::ORIGIN, "https://evil.example"),
        ])));
        assert!(!same_origin(&headers(&[(header::ORIGIN, "null")])));
    }
}
