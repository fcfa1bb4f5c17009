//! The speech model routes: thin adapters from HTTP to the [`Backend`](frontdesk_api::Backend)
//! model methods.

use super::AppState;
use crate::error::HttpError;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use frontdesk_api::{ApiError, ModelInstallProgress, ModelInstallRequest, SpeechModels};

type ApiResult<T> = Result<T, HttpError>;

/// `GET /models`: the catalogue, what is installed, what the voicemail uses.
pub(crate) async fn list(State(state): State<AppState>) -> ApiResult<Json<SpeechModels>> {
    Ok(Json(state.backend.speech_models().await?))
}

/// `POST /models/install` with a `ModelInstallRequest`: 202 and the first progress; the rest
/// arrives as `model_install` events.
pub(crate) async fn install(
    State(state): State<AppState>,
    body: Result<Json<ModelInstallRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ModelInstallProgress>)> {
    let Json(request) = body.map_err(|e| {
        ApiError::bad_request(format!(
            "{}; send {{\"name\": \"base\"}} (name optional, no_verify only after the user \
             agreed)",
            e.body_text()
        ))
    })?;
    let progress = state.backend.install_speech_model(request).await?;
    Ok((StatusCode::ACCEPTED, Json(progress)))
}
