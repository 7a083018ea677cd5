//! How handlers read route ids and `If-Match` and answer: 200 with a read model, 201 with a new
//! id, 204 with the new revision as `Etag` (api.md §4.1). Shared by both API groups.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::problem::ApiError;

/// Parses a dialog id from the route; anything else is 400 as FastEndpoints' route binding.
pub fn parse_id(name: &str, value: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value).map_err(|_| {
        ApiError::validation(
            name,
            format!("Value [{value}] is not valid for a Guid property!"),
        )
    })
}

/// The `If-Match` header as a revision: a bare UUID, quotes tolerated. A value that is not a
/// UUID can never match, so it fails the precondition.
pub fn if_match(headers: &HeaderMap) -> Result<Option<Uuid>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(text.trim_start_matches("W/").trim_matches('"'))
        .map(Some)
        .map_err(|_| ApiError::PreconditionFailed)
}

fn etag(revision: Uuid) -> HeaderValue {
    HeaderValue::from_str(&revision.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// 406 when `Accept` excludes JSON (api.md §0, `RequireJsonAcceptPreProcessor`).
pub fn require_json_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(accept) = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let accepts_json = accept.split(',').any(|part| {
        let media = part
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        media.is_empty()
            || media == "*/*"
            || media == "application/*"
            || media == "application/json"
            || media.ends_with("+json")
    });
    if accepts_json {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable)
    }
}

/// 204 with the new revision as `Etag`.
pub fn no_content(revision: Uuid) -> Response {
    (StatusCode::NO_CONTENT, [("Etag", etag(revision))]).into_response()
}

/// 200 with a JSON body (a read model serialized straight into the response) and, when given,
/// an `Etag`.
pub fn ok_json(body: &impl serde::Serialize, revision: Option<Uuid>) -> Response {
    let body = match serde_json::to_vec(body) {
        Ok(body) => body,
        Err(error) => return ApiError::Internal(error.to_string()).into_response(),
    };
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(revision) = revision {
        response.headers_mut().insert("Etag", etag(revision));
    }
    response
}

/// 201 with the new id as a JSON string, `Location` and the dialog revision as `Etag`.
pub fn created(id: Uuid, location: String, revision: Uuid) -> Response {
    let mut response = (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        format!("\"{id}\""),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert("Etag", etag(revision));
    response
}

/// 204 without a body or `Etag` (purge, bulk label changes).
pub fn no_content_plain() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
