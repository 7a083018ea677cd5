//! Service-owner labels and, on an end user's behalf, system labels (api.md §4.8). Both live in
//! side contexts with their own revisions: changing them leaves the dialog's revision and
//! `updatedAt` alone (api.md §4.1).

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_domain::Timestamp;
use dp_domain::dialog::{Actor, Dialog};
use dp_domain::enums::{ActorType, SystemLabel};
use dp_domain::system_labels;
use serde::Deserialize;
use uuid::Uuid;

use super::common::{
    DIALOG_ENTITY, check_revision, if_match, load_owned, no_content, ok_json, owns, parse_id,
};
use super::create_dialog;
use crate::auth::ServiceOwner;
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::query::Query;
use crate::state::DialogState;

const MAX_SERVICE_OWNER_LABELS: usize = 20;

/// `GET .../dialogs/{dialogId}/context/labels`: `Etag` is the service-owner-context revision.
pub async fn get_labels(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    Ok(ok_json(
        &dp_app::read::serviceowner::service_owner_labels(&stored.dialog),
        Some(stored.dialog.service_owner_context.revision),
    ))
}

/// `V1ServiceOwnerServiceOwnerContextCommandsCreateServiceOwnerLabel_Label`
#[derive(Debug, Deserialize)]
pub struct LabelRequest {
    #[serde(default)]
    value: Option<String>,
}

/// `POST .../dialogs/{dialogId}/context/labels`
pub async fn create_label(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    ContractJson(request): ContractJson<LabelRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let value = request.value.unwrap_or_default().trim().to_lowercase();
    // The real service's label validator: NotEmpty, MinimumLength(3), MaximumLength(255).
    let mut errors = super::validation::Errors::default();
    if value.is_empty() {
        errors.not_empty("dto.value", "Value");
    } else {
        errors.min_length("dto.value", "Value", Some(&value), 3);
        errors.max_length("dto.value", "Value", Some(&value), 255);
    }
    errors.into_result()?;
    // Labels stay writable on a soft-deleted dialog: the real service's label commands load
    // the dialog with deleted ones included and never answer 410.
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_revision(expected, stored.dialog.service_owner_context.revision)?;
    let mut dialog = stored.dialog;
    let labels = &mut dialog.service_owner_context.service_owner_labels;
    if labels.contains(&value) {
        return Err(ApiError::validation(
            "dto.value",
            format!("Cannot add duplicate label '{value}': the dialog already has it."),
        ));
    }
    if labels.len() >= MAX_SERVICE_OWNER_LABELS {
        return Err(ApiError::validation(
            "dto.value",
            format!("A dialog can have at most {MAX_SERVICE_OWNER_LABELS} service owner labels."),
        ));
    }
    labels.push(value);
    dialog.service_owner_context.revision = Uuid::new_v4();
    let revision = dialog.service_owner_context.revision;
    state.store.update_dialog(dialog, stored.version).await?;
    Ok(no_content(revision))
}

/// `DELETE .../dialogs/{dialogId}/context/labels/{label}`
pub async fn delete_label(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path((dialog_id, label)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    // Labels stay writable on a soft-deleted dialog: the real service's label commands load
    // the dialog with deleted ones included and never answer 410.
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_revision(expected, stored.dialog.service_owner_context.revision)?;
    let label = label.trim().to_lowercase();
    let mut dialog = stored.dialog;
    let labels = &mut dialog.service_owner_context.service_owner_labels;
    let Some(position) = labels.iter().position(|l| *l == label) else {
        return Err(ApiError::NotFound(crate::problem::FieldErrors::from([(
            "Label".to_owned(),
            vec![format!("Label '{label}' was not found on the dialog.")],
        )])));
    };
    labels.remove(position);
    dialog.service_owner_context.revision = Uuid::new_v4();
    let revision = dialog.service_owner_context.revision;
    state.store.update_dialog(dialog, stored.version).await?;
    Ok(no_content(revision))
}

/// `…SetSystemLabel_SetDialogSystemLabelRequest` and the bulk variant's label fields.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemLabelRequest {
    #[serde(default)]
    pub(crate) add_labels: Option<Vec<SystemLabel>>,
    #[serde(default)]
    pub(crate) remove_labels: Option<Vec<SystemLabel>>,
    /// Deprecated alias of `addLabels`.
    #[serde(default)]
    system_labels: Option<Vec<SystemLabel>>,
    #[serde(default)]
    performed_by: Option<create_dialog::Actor>,
    /// Bulk only.
    #[serde(default)]
    pub(crate) dialogs: Option<Vec<DialogRevision>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialogRevision {
    #[serde(default)]
    pub(crate) dialog_id: Option<Uuid>,
    #[serde(default)]
    pub(crate) end_user_context_revision: Option<Uuid>,
}

impl SystemLabelRequest {
    fn add(&self) -> Vec<SystemLabel> {
        let mut add = self.add_labels.clone().unwrap_or_default();
        add.extend(self.system_labels.clone().unwrap_or_default());
        add.dedup();
        add
    }

    fn remove(&self) -> Vec<SystemLabel> {
        self.remove_labels.clone().unwrap_or_default()
    }

    /// Who changes the labels: `enduserId` or `performedBy`, exactly one (api.md §4.8).
    fn performer(&self, query: &Query) -> Result<Actor, ApiError> {
        let end_user = end_user_id(query);
        match (end_user, &self.performed_by) {
            (Some(id), None) => {
                if dp_domain::PartyIdentifier::parse(&id).is_err()
                    && !id.starts_with("urn:altinn:systemuser:uuid:")
                {
                    return Err(ApiError::validation(
                        "EndUserId",
                        format!("'{id}' is not a valid end-user identifier."),
                    ));
                }
                Ok(Actor {
                    actor_type: ActorType::PartyRepresentative,
                    actor_name: None,
                    actor_id: Some(id),
                })
            }
            (None, Some(actor)) => Ok(Actor {
                actor_type: actor.actor_type.unwrap_or(ActorType::ServiceOwner),
                actor_name: actor.actor_name.clone(),
                actor_id: actor.actor_id.clone(),
            }),
            _ => Err(ApiError::validation(
                "dto",
                "Exactly one of 'enduserId' (query) and 'performedBy' (body) must be given.",
            )),
        }
    }

    pub(crate) fn check(&self) -> Result<(), ApiError> {
        system_labels::check(&self.add(), &self.remove())
            .map_err(|e| ApiError::validation(&format!("dto.{}", e.field), e.message))
    }
}

/// `enduserId` as the real service takes it: a URN, or a bare national identity number
/// (11 digits) for `urn:altinn:person:identifier-no:…`; lower case.
fn end_user_id(query: &Query) -> Option<String> {
    let id = query.get("enduserId")?.trim().to_lowercase();
    match id.len() {
        0 => None,
        11 if id.bytes().all(|b| b.is_ascii_digit()) => {
            Some(format!("urn:altinn:person:identifier-no:{id}"))
        }
        _ => Some(id),
    }
}

/// Acting for an end user (`enduserId`), the dialog must be one that user may list: the same
/// decision the end-user API makes (authz.md §3.4, issue 4 item 4). Admins skip the check, as
/// in the real service's `SetSystemLabelCommand`.
fn end_user_may_list(
    state: &DialogState,
    principal: &dp_auth::Principal,
    query: &Query,
    dialog: &Dialog,
) -> bool {
    let Some(end_user) = end_user_id(query) else {
        return true;
    };
    principal.is_admin()
        || crate::enduser::access::EndUserSubject::acting_for(&end_user).may_list(state, dialog)
}

/// 403 for dialogs the end user may not list, worded as the real service's `Forbidden` with
/// invalid dialog ids (`SetSystemLabelCommand`, `BulkSetSystemLabelCommand`).
fn unauthorized_dialogs(ids: &[String]) -> ApiError {
    ApiError::forbidden(
        "Forbidden",
        format!(
            "The following dialog ids are unauthorized and/or missing: ({}).",
            ids.join(", ")
        ),
    )
}

/// Applies the request to one dialog; true when its labels changed.
pub(crate) fn relabel(dialog: &mut Dialog, request: &SystemLabelRequest, actor: &Actor) -> bool {
    let changed = system_labels::apply(
        &mut dialog.end_user_context,
        &request.add(),
        &request.remove(),
        actor,
        Timestamp::now(),
    );
    if changed {
        dialog.end_user_context.revision = Uuid::new_v4();
    }
    changed
}

/// `PUT .../dialogs/{dialogId}/endusercontext/systemlabels?enduserId=`
pub async fn set_system_labels(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let actor = request.performer(&query)?;
    request.check()?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    if !end_user_may_list(&state, &caller.principal, &query, &stored.dialog) {
        return Err(unauthorized_dialogs(&[id.to_string()]));
    }
    if stored.dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, id));
    }
    check_revision(expected, stored.dialog.end_user_context.revision)?;
    let mut dialog = stored.dialog;
    if !relabel(&mut dialog, &request, &actor) {
        return Ok(no_content(dialog.end_user_context.revision));
    }
    let revision = dialog.end_user_context.revision;
    state.store.update_dialog(dialog, stored.version).await?;
    Ok(no_content(revision))
}

/// `POST .../dialogs/endusercontext/systemlabels/actions/bulkset?enduserId=`: all or nothing.
pub async fn bulk_set_system_labels(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    query: Query,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    let actor = request.performer(&query)?;
    request.check()?;
    bulk_relabel(
        &state,
        &request,
        200,
        &actor,
        |dialog| owns(&state, &caller.principal, dialog) && !dialog.is_deleted(),
        |dialog| end_user_may_list(&state, &caller.principal, &query, dialog),
        unauthorized_dialogs,
    )
    .await
}

/// The bulk system-label operation of both APIs (api.md §4.8), all or nothing: between 1 and
/// `max` distinct dialogs; any that is missing or that `visible` rejects makes a 404 naming every
/// such id, then any that `authorized` rejects the error `refusal` makes of their ids; each
/// given end-user-context revision must match; the changed dialogs are written in one
/// transaction.
pub(crate) async fn bulk_relabel(
    state: &DialogState,
    request: &SystemLabelRequest,
    max: usize,
    actor: &Actor,
    visible: impl Fn(&Dialog) -> bool,
    authorized: impl Fn(&Dialog) -> bool,
    refusal: impl Fn(&[String]) -> ApiError,
) -> Result<Response, ApiError> {
    let entries = request.dialogs.as_deref().unwrap_or_default();
    if entries.is_empty() || entries.len() > max {
        return Err(ApiError::validation(
            "dto.dialogs",
            format!(
                "'Dialogs' must contain between 1 and {max} items. You entered {} items.",
                entries.len()
            ),
        ));
    }
    let mut wanted = Vec::new();
    let mut seen = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(id) = entry.dialog_id else {
            return Err(ApiError::validation(
                &format!("dto.dialogs[{i}].dialogId"),
                "'Dialog Id' must not be empty.",
            ));
        };
        if !seen.insert(id) {
            return Err(ApiError::validation(
                "dto.dialogs",
                format!("Dialog '{id}' is listed more than once."),
            ));
        }
        wanted.push((id, entry.end_user_context_revision));
    }
    let ids: Vec<Uuid> = wanted.iter().map(|(id, _)| *id).collect();
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        found.push((id, state.get_dialog(id).await?));
    }
    // Missing, deleted and unauthorized dialogs are all "not found".
    let missing: Vec<String> = found
        .iter()
        .filter(|(_, stored)| !stored.as_ref().is_some_and(|s| visible(&s.dialog)))
        .map(|(id, _)| id.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::NotFound(crate::problem::FieldErrors::from([(
            DIALOG_ENTITY.to_owned(),
            vec![format!(
                "Entity '{DIALOG_ENTITY}' with the following key(s) was not found: ({}).",
                missing.join(", ")
            )],
        )])));
    }
    let unauthorized: Vec<String> = found
        .iter()
        .filter(|(_, stored)| stored.as_ref().is_some_and(|s| !authorized(&s.dialog)))
        .map(|(id, _)| id.to_string())
        .collect();
    if !unauthorized.is_empty() {
        return Err(refusal(&unauthorized));
    }
    let mut updates = Vec::new();
    for ((_, expected), (_, stored)) in wanted.iter().zip(found) {
        let Some(stored) = stored else { continue };
        check_revision(*expected, stored.dialog.end_user_context.revision)?;
        let mut dialog = stored.dialog;
        if relabel(&mut dialog, request, actor) {
            updates.push((dialog, stored.version));
        }
    }
    if !updates.is_empty() {
        state.store.update_dialogs(updates).await?;
    }
    Ok(axum::response::IntoResponse::into_response(
        axum::http::StatusCode::NO_CONTENT,
    ))
}
