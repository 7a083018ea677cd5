//! `PUT` and `PATCH /api/v1/serviceowner/dialogs/{dialogId}` (api.md §2.5).
//!
//! PUT takes the create body (`dp_app::dialogs::update`). PATCH applies an RFC 6902 patch to
//! the update document of the stored dialog ([`super::patch`]) and reads the result as a PUT
//! body: the patch is the REST front's way to write an update input.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::dialogs::update;
use dp_app::input::CreateDialog;
use serde_json::Value;

use super::patch;
use crate::auth::ServiceOwner;
use crate::json::{ContractJson, parse_body};
use crate::problem::ApiError;
use crate::query::Query;
use crate::respond::{if_match, no_content, parse_id};
use crate::state::DialogState;

/// `PUT /api/v1/serviceowner/dialogs/{dialogId}`
pub async fn put(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(input): ContractJson<CreateDialog>,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let silent = query.is_silent_update()?;
    let outcome = update::put(&state, &caller.principal, id, expected, input, silent).await?;
    Ok(no_content(outcome.value))
}

/// `PATCH /api/v1/serviceowner/dialogs/{dialogId}` (`application/json-patch+json` or
/// `application/json`).
pub async fn patch(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(operations): ContractJson<Value>,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let silent = query.is_silent_update()?;
    let principal = &caller.principal;
    let stored = update::load_for_update(&state, principal, id, expected).await?;
    let mut document = patch::update_document(&stored.dialog);
    patch::apply_patch(&mut document, operations)?;
    let input: CreateDialog = parse_body(document.to_string().as_bytes())?;
    let outcome = update::update(&state, principal, (stored, expected), input, silent).await?;
    Ok(no_content(outcome.value))
}
