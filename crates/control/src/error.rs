//! How [`ApiError`] travels over HTTP: the status code carries the [`ErrorKind`], the body is
//! the `ApiError` itself as JSON, so the client can rebuild it exactly.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontdesk_api::{ApiError, ErrorKind};

/// The HTTP status the server answers for an error kind.
pub fn status_for(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The error kind a client assumes for a status whose body is not an `ApiError`
/// (e.g. a proxy in between, or a server of another version).
pub fn kind_for_status(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        404 | 405 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        502..=504 => ErrorKind::Unavailable,
        400..=499 => ErrorKind::BadRequest,
        _ => ErrorKind::Internal,
    }
}

/// An [`ApiError`] as an axum response; handlers return `Result<_, HttpError>`.
#[derive(Debug)]
pub(crate) struct HttpError {
    pub status: StatusCode,
    pub error: ApiError,
}

impl HttpError {
    /// An error with an explicit status, for the few answers that have no `ErrorKind`
    /// of their own (401, 403).
    pub fn with_status(status: StatusCode, error: ApiError) -> Self {
        Self { status, error }
    }
}

impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> Self {
        Self {
            status: status_for(error.kind),
            error,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.status, Json(self.error)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_status() {
        for kind in [
            ErrorKind::BadRequest,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::Unavailable,
            ErrorKind::Internal,
        ] {
            assert_eq!(kind_for_status(status_for(kind)), kind);
        }
    }
}
