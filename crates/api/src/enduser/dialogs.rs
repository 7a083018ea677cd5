//! End-user dialog reads (api.md §1, §4.9, §6; authz.md §3.6): the dialog, its transmissions,
//! activities, seen log and label-assignment log.

use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::Response;
use dp_app::read::common::{Activity, LabelAssignment, SeenLog};
use dp_app::read::enduser as view;
use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_store::StoredDialog;
use uuid::Uuid;

use super::access::EndUserSubject;
use super::presentation::AcceptedLanguages;
use crate::auth::EndUser;
use crate::problem::ApiError;
use crate::serviceowner::common::{DIALOG_ENTITY, ok_json, parse_id};
use crate::serviceowner::dialogs::record_seen;
use crate::state::DialogState;

/// `DateTime.ToString("s")`-style time in DP's visibility messages.
fn sortable(t: Timestamp) -> String {
    let text = t.to_string();
    text.split('.').next().unwrap_or(&text).to_owned()
}

/// RFC 1123, for the `Expires` header of a dialog not yet visible.
fn rfc1123(t: Timestamp) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.datetime().format(&format).unwrap_or_default()
}

pub(super) async fn load(state: &DialogState, id: Uuid) -> Result<StoredDialog, ApiError> {
    state
        .get_dialog(id)
        .await?
        .ok_or_else(|| ApiError::entity_not_found(DIALOG_ENTITY, id))
}

/// The checks of a sub-resource read (authz.md §3.6): no main access → 404, deleted → 410,
/// level too low → 403.
async fn readable(
    state: &DialogState,
    caller: &EndUser,
    dialog_id: &str,
) -> Result<(Dialog, EndUserSubject, DetailsAuthorization), ApiError> {
    let id = parse_id("dialogId", dialog_id)?;
    let subject = EndUserSubject::of(&caller.principal)?;
    let stored = load(state, id).await?;
    let access = subject.details(state, &stored.dialog);
    if !access.has_main_access() {
        return Err(ApiError::entity_not_found(DIALOG_ENTITY, id));
    }
    if stored.dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, id));
    }
    subject.check_level(state, &stored.dialog)?;
    Ok((stored.dialog, subject, access))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}`
pub async fn get(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let subject = EndUserSubject::of(&caller.principal)?;
    let stored = load(&state, id).await?;
    let access = subject.details(&state, &stored.dialog);
    if !access.has_main_access() && !subject.may_list(&state, &stored.dialog) {
        return Err(ApiError::forbidden("Forbidden", "Forbidden"));
    }
    if stored.dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, id));
    }
    subject.check_level(&state, &stored.dialog)?;
    let now = Timestamp::now();
    if let Some(visible) = stored.dialog.visible_from.filter(|v| *v > now) {
        let error = ApiError::NotFound(crate::problem::FieldErrors::from([(
            DIALOG_ENTITY.to_owned(),
            vec![format!("Dialog is not visible until {}", sortable(visible))],
        )]));
        let mut response = axum::response::IntoResponse::into_response(error);
        if let Ok(value) = HeaderValue::from_str(&rfc1123(visible)) {
            response
                .headers_mut()
                .insert(axum::http::header::EXPIRES, value);
        }
        return Ok(response);
    }
    if let Some(expired) = stored.dialog.expires_at.filter(|e| *e < now) {
        return Err(ApiError::NotFound(crate::problem::FieldErrors::from([(
            DIALOG_ENTITY.to_owned(),
            vec![format!("Dialog expired at {}", sortable(expired))],
        )])));
    }
    let dialog = record_seen(&state, stored, &subject.urn, false).await;
    let mut body = view::dialog(&dialog, &subject.urn, &access, &languages);
    if let Some(token) = state
        .dialog_tokens
        .as_ref()
        .and_then(|issuer| super::dialog_token(issuer, &caller.principal, &dialog, &access))
    {
        body.dialog_token = Some(token);
    }
    Ok(ok_json(&body, Some(dialog.revision)))
}

/// `GET /api/v1/enduser/dialogs/{dialogId}/transmissions`
pub async fn list_transmissions(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let (dialog, _, access) = readable(&state, &caller, &dialog_id).await?;
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
    let (dialog, _, access) = readable(&state, &caller, &dialog_id).await?;
    let id = parse_id("transmissionId", &transmission_id)?;
    let transmission = dialog
        .transmissions
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::entity_not_found("DialogTransmission", id))?;
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
    let (dialog, _, _) = readable(&state, &caller, &dialog_id).await?;
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
    let (dialog, _, _) = readable(&state, &caller, &dialog_id).await?;
    let id = parse_id("activityId", &activity_id)?;
    let activity = dialog
        .activities
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::entity_not_found("DialogActivity", id))?;
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
    let (dialog, subject, _) = readable(&state, &caller, &dialog_id).await?;
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
    let (dialog, subject, _) = readable(&state, &caller, &dialog_id).await?;
    let id = parse_id("seenLogId", &seen_log_id)?;
    let entry = dialog
        .seen_log
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::entity_not_found("DialogSeenLog", id))?;
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
    let (dialog, _, _) = readable(&state, &caller, &dialog_id).await?;
    let mut items: Vec<LabelAssignment> = dialog
        .end_user_context
        .label_log
        .iter()
        .map(LabelAssignment::from)
        .collect();
    view::finish(&mut items, &[]);
    Ok(ok_json(&items, None))
}
