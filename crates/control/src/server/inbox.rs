//! The voicemail inbox routes: thin adapters from HTTP to the [`Backend`](frontdesk_api::Backend)
//! inbox methods, plus serving recordings (Ogg Opus with Range requests, or WAV decoded on the
//! fly).

use super::AppState;
use crate::error::HttpError;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontdesk_api::{
    ApiError, ExportRequest, ExportedMessage, InboxCounts, InboxEntry, InboxFilter,
    VoicemailMessage,
};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

type ApiResult<T> = Result<T, HttpError>;

/// The content type of recordings as stored.
const OGG: &str = "audio/ogg";

/// Query of `GET /inbox/counts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CountsQuery {
    /// Local time minus UTC in minutes; 0 (UTC) when left out.
    utc_offset: Option<i32>,
    mailbox: Option<String>,
}

/// Query of `GET /inbox/{id}/audio`.
#[derive(Debug, Deserialize)]
pub(crate) struct AudioQuery {
    /// `ogg` (default) or `wav`.
    format: Option<String>,
}

/// `GET /inbox?search=...&category=...`: the filter is the query string.
pub(crate) async fn list(
    State(state): State<AppState>,
    query: Result<Query<InboxFilter>, QueryRejection>,
) -> ApiResult<Json<Vec<InboxEntry>>> {
    let Query(filter) = query.map_err(|e| {
        ApiError::bad_request(format!(
            "{}; the inbox takes search, category, mailbox, contact_id, read (true/false), \
             kind (message/attempt), from, before (Unix milliseconds), limit and offset",
            e.body_text()
        ))
    })?;
    Ok(Json(state.backend.inbox(filter).await?))
}

/// `GET /inbox/counts?utc_offset=120&mailbox=office`.
pub(crate) async fn counts(
    State(state): State<AppState>,
    query: Result<Query<CountsQuery>, QueryRejection>,
) -> ApiResult<Json<InboxCounts>> {
    let Query(query) = query.map_err(|e| {
        ApiError::bad_request(format!(
            "{}; counts take utc_offset (local time minus UTC in minutes, e.g. 60) and mailbox",
            e.body_text()
        ))
    })?;
    Ok(Json(
        state
            .backend
            .inbox_counts(query.utc_offset.unwrap_or(0), query.mailbox)
            .await?,
    ))
}

/// `GET /inbox/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<VoicemailMessage>> {
    Ok(Json(state.backend.voicemail(voicemail_id(&id)?).await?))
}

/// `POST /inbox/{id}/read`.
pub(crate) async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<InboxEntry>> {
    Ok(Json(
        state.backend.mark_read(voicemail_id(&id)?, true).await?,
    ))
}

/// `POST /inbox/{id}/unread`.
pub(crate) async fn unread(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<InboxEntry>> {
    Ok(Json(
        state.backend.mark_read(voicemail_id(&id)?, false).await?,
    ))
}

/// `DELETE /inbox/{id}`: 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.backend.delete_voicemail(voicemail_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /inbox/{id}/export` with `{"dir": "/abs/path"}`.
pub(crate) async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ExportRequest>, JsonRejection>,
) -> ApiResult<Json<ExportedMessage>> {
    let id = voicemail_id(&id)?;
    let Json(request) = body.map_err(|e| {
        ApiError::bad_request(format!(
            "{}; export takes {{\"dir\": \"/absolute/directory\"}}",
            e.body_text()
        ))
    })?;
    Ok(Json(state.backend.export_voicemail(id, request.dir).await?))
}

/// `GET /inbox/{id}/audio[?format=wav]`: the recording as stored (Ogg Opus, with Range
/// requests so players can seek), or decoded to 16-bit WAV.
pub(crate) async fn audio(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<AudioQuery>, QueryRejection>,
    request: Request,
) -> ApiResult<Response> {
    let id = voicemail_id(&id)?;
    let Query(query) =
        query.map_err(|e| ApiError::bad_request(format!("{}; use ?format=wav", e.body_text())))?;
    let wav = match query.format.as_deref() {
        None | Some("ogg") | Some("opus") => false,
        Some("wav") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown audio format `{other}`; use ogg (the default) or wav"
            ))
            .into())
        }
    };
    let path = state.backend.voicemail_audio(id).await?;
    if wav {
        return wav_response(id, path).await;
    }
    let mime: mime::Mime = OGG.parse().expect("a valid MIME type");
    let response = ServeFile::new_with_mime(&path, &mime)
        .oneshot(request)
        .await
        .map_err(|e| {
            ApiError::internal(format!("cannot read the recording {}: {e}", path.display()))
        })?;
    if response.status() == StatusCode::NOT_FOUND {
        // Deleted between the lookup and the read.
        return Err(ApiError::not_found(format!(
            "the recording of voicemail {id} is gone; `frontdesk ctl inbox` lists what is there"
        ))
        .into());
    }
    Ok(response.map(Body::new))
}

/// Decodes the recording and answers it as a WAV file (whole; no Range).
async fn wav_response(id: i64, path: std::path::PathBuf) -> ApiResult<Response> {
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let (samples, rate) = frontdesk_recording::read_pcm(&path).map_err(|e| e.to_string())?;
        wav_bytes(&samples, rate).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(format!("cannot decode voicemail {id} to WAV: {e}")))?;
    let disposition = format!("inline; filename=\"voicemail-{id}.wav\"");
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("none"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A 16-bit mono WAV file in memory.
fn wav_bytes(samples: &[i16], rate: u32) -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec)?;
        for &s in samples {
            writer.write_sample(s)?;
        }
        writer.finalize()?;
    }
    Ok(cursor.into_inner())
}

/// An inbox id from a path segment.
fn voicemail_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().map_err(|_| {
        ApiError::bad_request(format!(
            "`{text}` is not a voicemail id; ids are the numbers `frontdesk ctl inbox` lists"
        ))
    })
}

/// True for `/api/v1/inbox/{id}/audio`, which also accepts `?token=`: an `<audio>` element
/// cannot send an `Authorization` header.
pub(crate) fn is_audio_path(path: &str) -> bool {
    path.strip_prefix("/api/v1/inbox/")
        .and_then(|rest| rest.strip_suffix("/audio"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_whole_numbers() {
        assert_eq!(voicemail_id("42").unwrap(), 42);
        for bad in [
            "",
            "x",
            "1.5",
            "1;DROP TABLE messages",
            "99999999999999999999",
        ] {
            let error = voicemail_id(bad).unwrap_err();
            assert_eq!(error.kind, frontdesk_api::ErrorKind::BadRequest, "{bad}");
            assert!(error.message.contains("ctl inbox"), "{}", error.message);
        }
    }

    #[test]
    fn only_the_audio_route_is_an_audio_path() {
        assert!(is_audio_path("/api/v1/inbox/12/audio"));
        assert!(!is_audio_path("/api/v1/inbox//audio"));
        assert!(!is_audio_path("/api/v1/inbox/12/export"));
        assert!(!is_audio_path("/api/v1/inbox/1/2/audio"));
        assert!(!is_audio_path("/api/v1/inbox/12"));
    }

    #[test]
    fn wav_bytes_are_a_readable_wav() {
        let samples: Vec<i16> = (0..1600).map(|i| (i * 10) as i16).collect();
        let bytes = wav_bytes(&samples, 16_000).unwrap();
        let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(reader.spec().sample_rate, 16_000);
        assert_eq!(reader.duration(), 1600);
    }
}
