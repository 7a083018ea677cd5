//! The dialog handlers of the service-owner API (api.md §1, §2.4, §4.3–4.4): create, get, soft
//! delete, restore, purge and freeze. Each extracts, calls `dp_app::dialogs`, and answers.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::dialogs::{create as create_cmd, get as get_query, lifecycle};
use dp_app::input::CreateDialog;
use dp_app::read::serviceowner as view;

use crate::auth::ServiceOwner;
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::query::Query;
use crate::respond::{created, if_match, no_content, no_content_plain, ok_json, parse_id};
use crate::state::DialogState;

/// `POST /api/v1/serviceowner/dialogs`
pub async fn create(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    query: Query,
    ContractJson(input): ContractJson<CreateDialog>,
) -> Result<Response, ApiError> {
    let silent = query.is_silent_update()?;
    let outcome = create_cmd::create(&state, &caller.principal, input, silent).await?;
    let id = outcome.value.id;
    let location = format!("/api/v1/serviceowner/dialogs/{id}");
    Ok(created(id, location, outcome.value.revision))
}

/// `GET /api/v1/serviceowner/dialogs/{dialogId}`: deleted dialogs are still returned, with
/// `deletedAt` (api.md §4.3). With `endUserId`, on that person's behalf (api.md §6): 404 unless
/// they have main access, the flags computed for them, and a seen-log entry; no URL
/// replacement, no dialog token.
pub async fn get(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    query: Query,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let end_user = query.get("endUserId");
    let read = get_query::get(&state, &caller.principal, id, end_user)
        .await?
        .value;
    let on_behalf_of = read.on_behalf_of.as_ref();
    let mut body = view::dialog(&read.dialog, on_behalf_of.map(|(user, _)| user.as_str()));
    if let Some((_, access)) = on_behalf_of {
        body.flag_authorized(access);
    }
    Ok(ok_json(&body, Some(read.dialog.revision)))
}

/// `DELETE /api/v1/serviceowner/dialogs/{dialogId}`: soft delete; `updatedAt` stays.
pub async fn delete(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let outcome = lifecycle::delete(&state, &caller.principal, id, expected).await?;
    Ok(no_content(outcome.value))
}

/// `POST .../actions/restore`: a no-op keeps the revision (api.md §4.1, §4.3).
pub async fn restore(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let outcome = lifecycle::restore(&state, &caller.principal, id, expected).await?;
    Ok(no_content(outcome.value))
}

/// `POST .../actions/purge`: hard delete, also of deleted and frozen dialogs; no `Etag`.
pub async fn purge(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    lifecycle::purge(&state, &caller.principal, id, expected).await?;
    Ok(no_content_plain())
}

/// `POST .../actions/freeze`: admin scope only (api.md §4.4), refused before the id is read.
pub async fn freeze(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    lifecycle::check_may_freeze(&caller.principal)?;
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let outcome = lifecycle::freeze(&state, &caller.principal, id, expected).await?;
    Ok(no_content(outcome.value))
}
