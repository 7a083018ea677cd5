//! Transmissions, activities and the seen log of a dialog (api.md §1, §4.1, §4.5, §4.7).
//!
//! Creating a transmission or an activity is an update of the dialog that appends one item
//! (DP's handlers do the same through the update command), so every rule of PUT applies:
//! If-Match, frozen, append-only ids, hierarchy, time bumps, `Default` label re-added.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::read::common::Activity as ActivityView;
use dp_app::read::serviceowner as view;
use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use serde_json::Value;
use uuid::Uuid;

use super::common::{
    DIALOG_ENTITY, check_mutable, check_revision, created, if_match, load_owned, no_content,
    ok_json, parse_id,
};
use super::create_dialog::{Activity, CreateDialog, Transmission};
use super::mapping::{self, ActorNames};
use super::patch::update_document;
use super::update::update;
use super::{dialogs::validation_context, validate_create};
use crate::auth::{ServiceOwner, ServiceOwnerChangeTransmissions};
use crate::json::{ContractJson, parse_body};
use crate::problem::ApiError;
use crate::query::Query;
use crate::state::DialogState;

const TRANSMISSION_ENTITY: &str = "DialogTransmission";
const ACTIVITY_ENTITY: &str = "DialogActivity";
const SEEN_LOG_ENTITY: &str = "DialogSeenLog";

/// The dialog for a read of its sub-collections: 404 unknown/unowned, 410 deleted.
async fn readable(
    state: &DialogState,
    caller: &ServiceOwner,
    dialog_id: &str,
    gone_if_deleted: bool,
) -> Result<Dialog, ApiError> {
    let id = parse_id("dialogId", dialog_id)?;
    let stored = load_owned(state, &caller.principal, id).await?;
    if gone_if_deleted && stored.dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, id));
    }
    Ok(stored.dialog)
}

/// The stored dialog's update body with one more transmission or activity.
fn appended(dialog: &Dialog, list: &str, item: Value) -> Result<CreateDialog, ApiError> {
    let mut document = update_document(dialog);
    document[list] = Value::Array(vec![item]);
    parse_body(document.to_string().as_bytes())
}

const TRANSMISSIONS: &str = "transmissions";
const ACTIVITIES: &str = "activities";

/// Appends `child` — (list, id, item), the list named as in the body and the URL — to dialog
/// `dialog_id` as an update of the whole dialog (If-Match, silent updates, the same rules as
/// PUT), and answers 201 with the child's id and location.
async fn append(
    state: &DialogState,
    principal: &Principal,
    dialog_id: &str,
    headers: &HeaderMap,
    query: &Query,
    (list, child_id, item): (&str, Uuid, Value),
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", dialog_id)?;
    let expected = if_match(headers)?;
    let silent = query.is_silent_update()?;
    let stored = load_owned(state, principal, id).await?;
    // Admins may append to a soft-deleted dialog (the real service's create-activity and
    // create-transmission endpoints skip the deleted check for the admin scope); for everyone
    // else it is the update's 410.
    if principal.is_admin() && stored.dialog.is_deleted() {
        check_revision(expected, stored.dialog.revision)?;
    } else {
        check_mutable(state, principal, &stored.dialog, expected)?;
    }
    let dto = appended(&stored.dialog, list, item)?;
    let revision = update(state, principal, stored, dto, silent).await?;
    Ok(created(
        child_id,
        format!("/api/v1/serviceowner/dialogs/{id}/{list}/{child_id}"),
        revision,
    ))
}

/// `POST .../dialogs/{dialogId}/transmissions`
pub async fn create_transmission(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(mut item): ContractJson<Transmission>,
) -> Result<Response, ApiError> {
    let transmission_id = *item.id.get_or_insert_with(mapping::new_id);
    let item = serde_json::to_value(&item).map_err(|e| ApiError::Internal(e.to_string()))?;
    let child = (TRANSMISSIONS, transmission_id, item);
    append(
        &state,
        &caller.principal,
        &dialog_id,
        &headers,
        &query,
        child,
    )
    .await
}

/// `POST .../dialogs/{dialogId}/activities`
pub async fn create_activity(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(mut item): ContractJson<Activity>,
) -> Result<Response, ApiError> {
    let activity_id = *item.id.get_or_insert_with(mapping::new_id);
    let item = serde_json::to_value(&item).map_err(|e| ApiError::Internal(e.to_string()))?;
    let child = (ACTIVITIES, activity_id, item);
    append(
        &state,
        &caller.principal,
        &dialog_id,
        &headers,
        &query,
        child,
    )
    .await
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
    if !silent {
        return Err(ApiError::validation(
            "IsSilentUpdate",
            "IsSilentUpdate must be true when updating transmissions.",
        ));
    }
    let expected = if_match(&headers)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_mutable(&state, &caller.principal, &stored.dialog, expected)?;
    let Some(index) = stored
        .dialog
        .transmissions
        .iter()
        .position(|t| t.id == transmission_id)
    else {
        return Err(ApiError::entity_not_found(
            TRANSMISSION_ENTITY,
            transmission_id,
        ));
    };
    // Validate the new transmission as the only one of an otherwise unchanged dialog.
    let mut item = request.transmission;
    item.id = None;
    let now = Timestamp::now();
    let mut context = validation_context(&caller.principal, now);
    context.existing_transmissions = stored.dialog.transmissions.iter().map(|t| t.id).collect();
    context.is_update = true;
    context.existing_attachments = stored.dialog.attachments.iter().map(|a| a.id).collect();
    let value = serde_json::to_value(&item).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut dto = appended(&stored.dialog, TRANSMISSIONS, value)?;
    dto.service_resource = Some(stored.dialog.service_resource.clone());
    dto.party = Some(stored.dialog.party.clone());
    dto.visible_from = stored.dialog.visible_from;
    validate_create::validate(&dto, &context).into_result()?;
    super::authorize::authorize_service_resources(&dto, &state.registry, &caller.principal)?;

    let mut dialog = stored.dialog;
    let original = dialog.transmissions[index].clone();
    let mut names = ActorNames::new(&state.registry);
    let mut replacement = mapping::transmission(&item, original.created_at, &mut names);
    names.finish()?;
    replacement.id = transmission_id;
    dialog.transmissions[index] = replacement;
    super::rules::transmission_hierarchy(&dialog.transmissions)?;
    super::rules::transmission_idempotent_keys(&dialog.transmissions)?;
    let correspondence = super::common::is_correspondence(&state, &dialog);
    super::rules::refresh_derived(&mut dialog, correspondence);
    dialog.revision = Uuid::new_v4();
    let revision = dialog.revision;
    state.store.update_dialog(dialog, stored.version).await?;
    Ok(no_content(revision))
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
        .ok_or_else(|| ApiError::entity_not_found(TRANSMISSION_ENTITY, id))?;
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
        .ok_or_else(|| ApiError::entity_not_found(ACTIVITY_ENTITY, id))?;
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
        .ok_or_else(|| ApiError::entity_not_found(SEEN_LOG_ENTITY, id))?;
    Ok(ok_json(&view::SeenLogItem::from(entry), None))
}

/// `POST .../activities/{activityId}/actions/updateFormSavedActivityTime` (hidden, admin
/// scope; api.md §0): moves a FormSaved activity's time. Body: a JSON date-time.
pub async fn update_form_saved_activity_time(
    caller: crate::auth::ServiceOwnerAdmin,
    State(state): State<DialogState>,
    Path((dialog_id, activity_id)): Path<(String, String)>,
    headers: HeaderMap,
    ContractJson(time): ContractJson<Timestamp>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let activity_id = parse_id("activityId", &activity_id)?;
    let expected = if_match(&headers)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_mutable(&state, &caller.principal, &stored.dialog, expected)?;
    let mut dialog = stored.dialog;
    let Some(activity) = dialog.activities.iter_mut().find(|a| a.id == activity_id) else {
        return Err(ApiError::entity_not_found(ACTIVITY_ENTITY, activity_id));
    };
    if activity.activity_type != dp_domain::enums::ActivityType::FormSaved {
        return Err(ApiError::validation(
            "ActivityId",
            format!("Activity '{activity_id}' is not of type FormSaved."),
        ));
    }
    activity.created_at = time;
    dialog.revision = Uuid::new_v4();
    let revision = dialog.revision;
    state.store.update_dialog(dialog, stored.version).await?;
    Ok(no_content(revision))
}
