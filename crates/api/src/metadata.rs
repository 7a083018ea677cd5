//! `GET /api/v1/metadata/limits` (anonymous): the search limits this server enforces
//! (api.md §3.1–3.2), so clients can size their filters.

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use crate::problem::ApiError;

pub const MAX_FILTER_VALUES: usize = 20;
pub const MAX_END_USER_PARTY_FILTER_VALUES: usize = 100;

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

pub async fn limits(headers: HeaderMap) -> Result<Response, ApiError> {
    require_json_accept(&headers)?;
    let body = json!({
        "endUserSearch": {
            "maxExtendedStatusFilterValues": MAX_FILTER_VALUES,
            "maxOrgFilterValues": MAX_FILTER_VALUES,
            "maxPartyFilterValues": MAX_END_USER_PARTY_FILTER_VALUES,
            "maxServiceResourceFilterValues": MAX_FILTER_VALUES,
        },
        "serviceOwnerSearch": {
            "maxExtendedStatusFilterValues": MAX_FILTER_VALUES,
            "maxPartyFilterValues": MAX_FILTER_VALUES,
            "maxServiceResourceFilterValues": MAX_FILTER_VALUES,
        },
    });
    Ok(crate::serviceowner::common::ok_json(&body, None))
}
