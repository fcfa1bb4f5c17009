//! The request/response routes: thin adapters from HTTP to [`Backend`] calls.

use super::AppState;
use crate::error::HttpError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::Json;
use frontdesk_api::{
    ApiError, CallAction, CallInfo, DialRequest, DoNotDisturb, HistoryEntry, Lamp, Status,
    TransferRequest,
};
use serde::Deserialize;

/// The id that stands for "the obvious call" in `/calls/{id}/...` paths.
pub const CURRENT_CALL: &str = "current";

/// How many history rows `GET /history` returns without `?limit=`.
pub const DEFAULT_HISTORY_LIMIT: usize = 20;

type ApiResult<T> = Result<T, HttpError>;

/// Body of the `keys` routes.
#[derive(Debug, Deserialize)]
pub(crate) struct KeysBody {
    keys: String,
}

/// Query of `GET /history`.
#[derive(Debug, Deserialize)]
pub(crate) struct HistoryQuery {
    limit: Option<usize>,
}

pub(crate) async fn status(State(state): State<AppState>) -> ApiResult<Json<Status>> {
    Ok(Json(state.backend.status().await?))
}

pub(crate) async fn dial(
    State(state): State<AppState>,
    body: Result<Json<DialRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CallInfo>)> {
    let Json(request) = body.map_err(bad_body)?;
    Ok((
        StatusCode::CREATED,
        Json(state.backend.dial(request).await?),
    ))
}

pub(crate) async fn lamps(State(state): State<AppState>) -> ApiResult<Json<Vec<Lamp>>> {
    Ok(Json(state.backend.lamps().await?))
}

pub(crate) async fn calls(State(state): State<AppState>) -> ApiResult<Json<Vec<CallInfo>>> {
    Ok(Json(state.backend.calls().await?))
}

pub(crate) async fn answer(State(state): State<AppState>) -> ApiResult<Json<CallInfo>> {
    Ok(Json(state.backend.answer(None).await?))
}

pub(crate) async fn hangup(State(state): State<AppState>) -> ApiResult<Json<CallInfo>> {
    Ok(Json(state.backend.hangup(None).await?))
}

/// `POST /calls/{id}/{action}`: any [`CallAction`] on one call (`current` for the obvious one).
pub(crate) async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
) -> ApiResult<Json<CallInfo>> {
    let action = parse_action(&action)?;
    Ok(Json(state.backend.act(call_id(id), action).await?))
}

/// `POST /calls/{id}/transfer` with a `TransferRequest`.
pub(crate) async fn transfer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<TransferRequest>, JsonRejection>,
) -> ApiResult<Json<CallInfo>> {
    let Json(request) = body.map_err(bad_body)?;
    Ok(Json(state.backend.transfer(call_id(id), request).await?))
}

/// The action named in a path, or an error listing the ones there are.
fn parse_action(name: &str) -> Result<CallAction, ApiError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
        ApiError::not_found(format!(
            "no call action `{name}`; there are answer, hangup, decline, busy, hold, resume, \
             mute, unmute, keys_as_dtmf, key_codes, transfer and keys"
        ))
    })
}

pub(crate) async fn keys(
    State(state): State<AppState>,
    body: Result<Json<KeysBody>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(body) = body.map_err(bad_body)?;
    state.backend.keys(body.keys, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn keys_id(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<KeysBody>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(body) = body.map_err(bad_body)?;
    state.backend.keys(body.keys, call_id(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn history(
    State(state): State<AppState>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    let Query(query) = query.map_err(|e| {
        ApiError::bad_request(format!(
            "{}; `limit` must be a non-negative whole number",
            e.body_text()
        ))
    })?;
    let limit = query.limit.unwrap_or(DEFAULT_HISTORY_LIMIT);
    Ok(Json(state.backend.history(limit).await?))
}

/// `GET /dnd`: whether do-not-disturb is on.
pub(crate) async fn dnd(State(state): State<AppState>) -> ApiResult<Json<DoNotDisturb>> {
    Ok(Json(state.backend.do_not_disturb().await?))
}

/// `PUT /dnd` with `{"on": true}`: switches do-not-disturb, answers the state after it.
pub(crate) async fn set_dnd(
    State(state): State<AppState>,
    body: Result<Json<DoNotDisturb>, JsonRejection>,
) -> ApiResult<Json<DoNotDisturb>> {
    let Json(switch) = body.map_err(bad_body)?;
    Ok(Json(state.backend.set_do_not_disturb(switch.on).await?))
}

/// Answer for paths that match no route, as JSON like every other error.
pub(crate) async fn not_found(method: Method, uri: Uri) -> HttpError {
    ApiError::not_found(format!(
        "no route {method} {}; the control API lives under /api/v1 (see the frontdesk-control docs)",
        uri.path()
    ))
    .into()
}

/// Answer for a known path used with the wrong method.
pub(crate) async fn wrong_method(method: Method, uri: Uri) -> HttpError {
    HttpError::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiError::bad_request(format!("{} does not accept {method}", uri.path())),
    )
}

fn call_id(id: String) -> Option<String> {
    (id != CURRENT_CALL).then_some(id)
}

fn bad_body(rejection: JsonRejection) -> HttpError {
    ApiError::bad_request(format!(
        "the request body is not what this route expects: {}",
        rejection.body_text()
    ))
    .into()
}
