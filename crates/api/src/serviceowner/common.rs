//! What every service-owner dialog operation does first: find the dialog among those the
//! caller owns (else 404, api.md §1), refuse changes to deleted (410) and frozen (403) dialogs,
//! and compare `If-Match` with the revision (412, api.md §4.1).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dp_auth::Principal;
use dp_authz::ResourceType;
use dp_domain::dialog::Dialog;
use dp_store::StoredDialog;
use uuid::Uuid;

use crate::problem::ApiError;
use crate::state::DialogState;

pub const DIALOG_ENTITY: &str = "DialogEntity";

/// Does the caller's organisation own the dialog's service resource? Admins own everything.
pub fn owns(state: &DialogState, principal: &Principal, dialog: &Dialog) -> bool {
    principal.is_admin()
        || principal
            .consumer
            .as_ref()
            .is_some_and(|org| state.registry.owns(org.as_str(), &dialog.service_resource))
}

/// Parses a dialog id from the route; anything else is 400 as FastEndpoints' route binding.
pub fn parse_id(name: &str, value: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value).map_err(|_| {
        ApiError::validation(
            name,
            format!("Value [{value}] is not valid for a Guid property!"),
        )
    })
}

/// The dialog, if it exists and the caller owns it; 404 otherwise.
pub async fn load_owned(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
) -> Result<StoredDialog, ApiError> {
    let stored = state.get_dialog(id).await?;
    match stored {
        Some(stored) if owns(state, principal, &stored.dialog) => Ok(stored),
        _ => Err(ApiError::entity_not_found(DIALOG_ENTITY, id)),
    }
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

pub fn check_revision(expected: Option<Uuid>, actual: Uuid) -> Result<(), ApiError> {
    match expected {
        Some(expected) if expected != actual => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// DP's update order (api.md §2.5): 410 deleted, 403 frozen (admins exempt), 403 correspondence
/// without its scope, 412 revision.
pub fn check_mutable(
    state: &DialogState,
    principal: &Principal,
    dialog: &Dialog,
    expected: Option<Uuid>,
) -> Result<(), ApiError> {
    if dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, dialog.id));
    }
    if dialog.frozen && !principal.is_admin() {
        return Err(ApiError::forbidden(
            "Forbidden",
            "User cannot modify frozen dialog",
        ));
    }
    check_correspondence(state, principal, dialog)?;
    check_revision(expected, dialog.revision)
}

/// A CorrespondenceService dialog needs the correspondence scope to be changed (api.md §2.1).
pub fn check_correspondence(
    state: &DialogState,
    principal: &Principal,
    dialog: &Dialog,
) -> Result<(), ApiError> {
    let correspondence = state
        .registry
        .resource(&dialog.service_resource)
        .is_some_and(|r| r.resource_type == ResourceType::CorrespondenceService);
    if correspondence && !principal.is_admin() && !principal.has_correspondence_scope() {
        return Err(ApiError::forbidden(
            "Forbidden",
            "User cannot create or modify a dialog with resource type correspondenceservice.",
        ));
    }
    Ok(())
}

pub fn is_correspondence(state: &DialogState, dialog: &Dialog) -> bool {
    state
        .registry
        .resource(&dialog.service_resource)
        .is_some_and(|r| r.resource_type == ResourceType::CorrespondenceService)
}

fn etag(revision: Uuid) -> HeaderValue {
    HeaderValue::from_str(&revision.to_string()).unwrap_or(HeaderValue::from_static(""))
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
