//! Transmissions, activities and the seen log of a dialog (api.md §1, §4.1, §4.5, §4.7): the
//! handlers over `dp_app::dialogs::children`, where appending a child is an update of the
//! dialog with every rule of PUT.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::dialogs::children;
use dp_app::input::{Activity, Transmission};
use dp_app::read::common::Activity as ActivityView;
use dp_app::read::serviceowner as view;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;

use crate::auth::{ServiceOwner, ServiceOwnerAdmin, ServiceOwnerChangeTransmissions};
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::query::Query;
use crate::respond::{created, if_match, no_content, ok_json, parse_id};
use crate::state::DialogState;

/// The dialog for a read of its sub-collections: 404 unknown/unowned, 410 deleted.
async fn readable(
    state: &DialogState,
    caller: &ServiceOwner,
    dialog_id: &str,
    gone_if_deleted: bool,
) -> Result<Dialog, ApiError> {
    let id = parse_id("dialogId", dialog_id)?;
    Ok(children::readable(state, &caller.principal, id, gone_if_deleted).await?)
}

/// 201 for a new child of dialog `dialog_id`, listed as `list` in the URL.
fn created_child(dialog_id: uuid::Uuid, list: &str, appended: children::Appended) -> Response {
    let location = format!(
        "/api/v1/serviceowner/dialogs/{dialog_id}/{list}/{}",
        appended.id
    );
    created(appended.id, location, appended.revision)
}

/// `POST .../dialogs/{dialogId}/transmissions`
pub async fn create_transmission(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(item): ContractJson<Transmission>,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let target = (id, expected, query.is_silent_update()?);
    let outcome = children::append_transmission(&state, &caller.principal, target, item).await?;
    Ok(created_child(id, "transmissions", outcome.value))
}

/// `POST .../dialogs/{dialogId}/activities`
pub async fn create_activity(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(item): ContractJson<Activity>,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let target = (id, expected, query.is_silent_update()?);
    let outcome = children::append_activity(&state, &caller.principal, target, item).await?;
    Ok(created_child(id, "activities", outcome.value))
}

/// `V1ServiceOwnerDialogsCommandsUpdateTransmission_TransmissionRequest`: a transmission plus
/// the mandatory `isSilentUpdate`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTransmissionRequest {
    #[serde(default)]
    is_silent_update: Option<bool>,
    #[serde(flatten)]
    transmission: Transmission,
}

/// `PUT .../dialogs/{dialogId}/transmissions/{transmissionId}`: replaces a transmission; only
/// as a silent update (api.md §4.5).
pub async fn update_transmission(
    caller: ServiceOwnerChangeTransmissions,
    State(state): State<DialogState>,
    Path((dialog_id, transmission_id)): Path<(String, String)>,
    headers: HeaderMap,
    query: Query,
    ContractJson(request): ContractJson<UpdateTransmissionRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let transmission_id = parse_id("transmissionId", &transmission_id)?;
    let silent = request.is_silent_update.unwrap_or(false) || query.is_silent_update()?;
    children::require_silent(silent)?;
    let target = (id, transmission_id, if_match(&headers)?, silent);
    let principal = &caller.principal;
    let outcome =
        children::replace_transmission(&state, principal, target, request.transmission).await?;
    Ok(no_content(outcome.value))
}

/// `GET .../dialogs/{dialogId}/transmissions`
pub async fn list_transmissions(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let dialog = readable(&state, &caller, &dialog_id, true).await?;
    // Newest first, as the real service's service-owner transmission list
    // (`SearchTransmissionQuery` orders by `CreatedAt` descending).
    let mut transmissions: Vec<_> = dialog.transmissions.iter().collect();
    transmissions.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    let items: Vec<view::Transmission> = transmissions
        .into_iter()
        .map(|t| view::transmission(&dialog, t, false))
        .collect();
    Ok(ok_json(&items, None))
}

/// `GET .../dialogs/{dialogId}/transmissions/{transmissionId}`
pub async fn get_transmission(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path((dialog_id, transmission_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let dialog = readable(&state, &caller, &dialog_id, true).await?;
    let id = parse_id("transmissionId", &transmission_id)?;
    let transmission = dialog
        .transmissions
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::entity_not_found(children::TRANSMISSION_ENTITY, id))?;
    Ok(ok_json(
        &view::transmission(&dialog, transmission, false),
        None,
    ))
}

/// `GET .../dialogs/{dialogId}/activities`
pub async fn list_activities(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let dialog = readable(&state, &caller, &dialog_id, false).await?;
    let items: Vec<view::ActivityListItem> = dialog
        .activities
        .iter()
        .map(view::ActivityListItem::from)
        .collect();
    Ok(ok_json(&items, None))
}

/// `GET .../dialogs/{dialogId}/activities/{activityId}`
pub async fn get_activity(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path((dialog_id, activity_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let dialog = readable(&state, &caller, &dialog_id, true).await?;
    let id = parse_id("activityId", &activity_id)?;
    let activity = dialog
        .activities
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::entity_not_found(children::ACTIVITY_ENTITY, id))?;
    Ok(ok_json(&ActivityView::from(activity), None))
}

/// `GET .../dialogs/{dialogId}/seenlog`
pub async fn list_seen_log(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let dialog = readable(&state, &caller, &dialog_id, true).await?;
    let items: Vec<view::SeenLogItem> = dialog
        .seen_log
        .iter()
        .map(view::SeenLogItem::from)
        .collect();
    Ok(ok_json(&items, None))
}

/// `GET .../dialogs/{dialogId}/seenlog/{seenLogId}`
pub async fn get_seen_log(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path((dialog_id, seen_log_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let dialog = readable(&state, &caller, &dialog_id, true).await?;
    let id = parse_id("seenLogId", &seen_log_id)?;
    let entry = dialog
        .seen_log
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::entity_not_found(children::SEEN_LOG_ENTITY, id))?;
    Ok(ok_json(&view::SeenLogItem::from(entry), None))
}

/// `POST .../activities/{activityId}/actions/updateFormSavedActivityTime` (hidden, admin
/// scope; api.md §0): moves a FormSaved activity's time. Body: a JSON date-time.
pub async fn update_form_saved_activity_time(
    caller: ServiceOwnerAdmin,
    State(state): State<DialogState>,
    Path((dialog_id, activity_id)): Path<(String, String)>,
    headers: HeaderMap,
    ContractJson(time): ContractJson<Timestamp>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let activity_id = parse_id("activityId", &activity_id)?;
    let target = (id, activity_id, if_match(&headers)?);
    let principal = &caller.principal;
    let outcome = children::move_form_saved_activity(&state, principal, target, time).await?;
    Ok(no_content(outcome.value))
}
