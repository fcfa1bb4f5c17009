//! The contact book routes: thin adapters from HTTP to the [`Backend`](frontdesk_api::Backend)
//! contact methods.

use super::AppState;
use crate::error::HttpError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use frontdesk_api::{
    ApiError, ContactEntry, ContactFilter, ContactImportRequest, ContactImportResult,
};

type ApiResult<T> = Result<T, HttpError>;

/// The largest import body: a contacts file at the importer's limit, base64-encoded, with
/// room for the JSON around it. Other routes keep axum's small default.
pub(crate) const IMPORT_BODY_LIMIT: usize =
    (frontdesk_api::MAX_CONTACT_FILE_BYTES as usize) / 3 * 4 + 64 * 1024;

/// `GET /contacts?search=...&limit=...&offset=...`: the filter is the query string.
pub(crate) async fn list(
    State(state): State<AppState>,
    query: Result<Query<ContactFilter>, QueryRejection>,
) -> ApiResult<Json<Vec<ContactEntry>>> {
    let Query(filter) = query.map_err(|e| {
        ApiError::bad_request(format!(
            "{}; contacts take search, limit and offset",
            e.body_text()
        ))
    })?;
    Ok(Json(state.backend.contacts(filter).await?))
}

/// `POST /contacts/import` with a `ContactImportRequest`: the counts and the problems per line.
pub(crate) async fn import(
    State(state): State<AppState>,
    body: Result<Json<ContactImportRequest>, JsonRejection>,
) -> ApiResult<Json<ContactImportResult>> {
    let Json(request) = body.map_err(|e| {
        ApiError::bad_request(format!(
            "{}; import takes {{\"content_base64\": \"...\", \"name\": \"contacts.csv\"}} or \
             {{\"path\": \"/absolute/file.vcf\"}}, and optionally \"format\": \"csv\" or \"vcard\"",
            e.body_text()
        ))
    })?;
    Ok(Json(state.backend.import_contacts(request).await?))
}

/// `DELETE /contacts/{id}`: 204.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.backend.delete_contact(contact_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A contact id from a path segment.
fn contact_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().map_err(|_| {
        ApiError::bad_request(format!(
            "`{text}` is not a contact id; ids are the numbers `frontdesk ctl contacts` lists"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_whole_numbers() {
        assert_eq!(contact_id("7").unwrap(), 7);
        for bad in ["", "x", "1.5", "1 OR 1=1", "99999999999999999999"] {
            let error = contact_id(bad).unwrap_err();
            assert_eq!(error.kind, frontdesk_api::ErrorKind::BadRequest, "{bad}");
            assert!(error.message.contains("ctl contacts"), "{}", error.message);
        }
    }
}
