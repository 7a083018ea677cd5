//! End-user dialog reads (api.md §1, §4.9, §6; authz.md §3.6): the dialog, its transmissions,
//! activities, seen log and label-assignment log. The checks are `dp_app::enduser::dialogs`';
//! these handlers pick the parts and localize them.

use axum::extract::{Path, State};
use axum::response::Response;
use dp_app::dialogs::children::{ACTIVITY_ENTITY, SEEN_LOG_ENTITY, TRANSMISSION_ENTITY};
use dp_app::enduser::dialogs::{self as queries, Readable};
use dp_app::read::common::{Activity, LabelAssignment, SeenLog};
use dp_app::read::enduser as view;
use dp_domain::Timestamp;

use super::presentation::AcceptedLanguages;
use crate::auth::EndUser;
use crate::problem::ApiError;
use crate::respond::{ok_json, parse_id};
use crate::state::DialogState;

async fn readable(
    state: &DialogState,
    caller: &EndUser,
    dialog_id: &str,
) -> Result<Readable, ApiError> {
    let id = parse_id("dialogId", dialog_id)?;
    Ok(queries::readable(state, &caller.principal, id).await?)
}

/// `GET /api/v1/enduser/dialogs/{dialogId}`: opening the dialog records it seen.
pub async fn get(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let opened = queries::open(&state, &caller.principal, id).await?.value;
    let Readable {
        dialog,
        subject,
        access,
    } = &opened.readable;
    let mut body = view::dialog(dialog, &subject.urn, access, &languages);
    body.dialog_token = opened.dialog_token.clone();
    Ok(ok_json(&body, Some(dialog.revision)))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/transmissions`
pub async fn list_transmissions(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let Readable { dialog, access, .. } = readable(&state, &caller, &dialog_id).await?;
    let now = Timestamp::now();
    let mut items: Vec<view::Transmission> = dialog
        .transmissions
        .iter()
        .map(|t| view::transmission(&dialog, t, &access, now, false))
        .collect();
    view::finish(&mut items, &languages);
    Ok(ok_json(&items, None))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/transmissions/{transmissionId}`
pub async fn get_transmission(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    Path((dialog_id, transmission_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let Readable { dialog, access, .. } = readable(&state, &caller, &dialog_id).await?;
    let id = parse_id("transmissionId", &transmission_id)?;
    let transmission = dialog
        .transmissions
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::entity_not_found(TRANSMISSION_ENTITY, id))?;
    let mut item = view::transmission(&dialog, transmission, &access, Timestamp::now(), false);
    view::finish(&mut item, &languages);
    Ok(ok_json(&item, None))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/activities`
pub async fn list_activities(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let Readable { dialog, .. } = readable(&state, &caller, &dialog_id).await?;
    let mut items: Vec<view::ActivityListItem> = dialog
        .activities
        .iter()
        .map(view::ActivityListItem::from)
        .collect();
    view::finish(&mut items, &languages);
    Ok(ok_json(&items, None))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/activities/{activityId}`
pub async fn get_activity(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    Path((dialog_id, activity_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let Readable { dialog, .. } = readable(&state, &caller, &dialog_id).await?;
    let id = parse_id("activityId", &activity_id)?;
    let activity = dialog
        .activities
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::entity_not_found(ACTIVITY_ENTITY, id))?;
    let mut item = Activity::from(activity);
    view::finish(&mut item, &languages);
    Ok(ok_json(&item, None))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/seenlog`
pub async fn list_seen_log(
    caller: EndUser,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let Readable {
        dialog, subject, ..
    } = readable(&state, &caller, &dialog_id).await?;
    let mut items: Vec<SeenLog> = dialog
        .seen_log
        .iter()
        .map(|s| SeenLog::new(s, Some(&subject.urn)))
        .collect();
    view::finish(&mut items, &[]);
    Ok(ok_json(&items, None))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/seenlog/{seenLogId}`
pub async fn get_seen_log(
    caller: EndUser,
    State(state): State<DialogState>,
    Path((dialog_id, seen_log_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let Readable {
        dialog, subject, ..
    } = readable(&state, &caller, &dialog_id).await?;
    let id = parse_id("seenLogId", &seen_log_id)?;
    let entry = dialog
        .seen_log
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::entity_not_found(SEEN_LOG_ENTITY, id))?;
    let mut item = SeenLog::new(entry, Some(&subject.urn));
    view::finish(&mut item, &[]);
    Ok(ok_json(&item, None))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/context/labellog`
pub async fn list_label_log(
    caller: EndUser,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let Readable { dialog, .. } = readable(&state, &caller, &dialog_id).await?;
    let mut items: Vec<LabelAssignment> = dialog
        .end_user_context
        .label_log
        .iter()
        .map(LabelAssignment::from)
        .collect();
    view::finish(&mut items, &[]);
    Ok(ok_json(&items, None))
}
