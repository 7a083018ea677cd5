//! Service-owner labels and system labels (api.md §4.8). Both live in side contexts with their
//! own revisions: changing them leaves the dialog's revision and `updatedAt` alone (api.md
//! §4.1), so their events are silent updates.

use std::collections::HashSet;

use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_domain::dialog::{Actor, Dialog};
use dp_domain::enums::{ActorType, SystemLabel};
use dp_domain::system_labels;
use serde::Deserialize;
use uuid::Uuid;

use super::guard::{DIALOG_ENTITY, check_revision, load_owned, owns};
use crate::events::{DialogRef, DomainEvent, Outcome};
use crate::{AppError, DialogState, FieldErrors, validate};

const MAX_SERVICE_OWNER_LABELS: usize = 20;
/// At most this many dialogs in one service-owner bulk request.
const MAX_SERVICE_OWNER_BULK: usize = 200;

/// `…SetSystemLabel_SetDialogSystemLabelRequest` and the bulk variant's label fields.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemLabelRequest {
    #[serde(default)]
    pub add_labels: Option<Vec<SystemLabel>>,
    #[serde(default)]
    pub remove_labels: Option<Vec<SystemLabel>>,
    /// Deprecated alias of `addLabels`.
    #[serde(default)]
    system_labels: Option<Vec<SystemLabel>>,
    #[serde(default)]
    performed_by: Option<crate::input::Actor>,
    /// Bulk only.
    #[serde(default)]
    pub dialogs: Option<Vec<DialogRevision>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialogRevision {
    #[serde(default)]
    pub dialog_id: Option<Uuid>,
    #[serde(default)]
    pub end_user_context_revision: Option<Uuid>,
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
    pub fn performer(&self, end_user: Option<String>) -> Result<Actor, AppError> {
        match (end_user, &self.performed_by) {
            (Some(id), None) => {
                if dp_domain::PartyIdentifier::parse(&id).is_err()
                    && !id.starts_with("urn:altinn:systemuser:uuid:")
                {
                    return Err(AppError::validation(
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
            _ => Err(AppError::validation(
                "dto",
                "Exactly one of 'enduserId' (query) and 'performedBy' (body) must be given.",
            )),
        }
    }

    /// The label rules of both APIs (api.md §4.8).
    pub fn check(&self) -> Result<(), AppError> {
        system_labels::check(&self.add(), &self.remove())
            .map_err(|e| AppError::validation(&format!("dto.{}", e.field), e.message))
    }
}

/// `enduserId` as the real service takes it: a URN, or a bare national identity number
/// (11 digits) for `urn:altinn:person:identifier-no:…`; lower case.
pub fn end_user_id(raw: Option<&str>) -> Option<String> {
    let id = raw?.trim().to_lowercase();
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
    end_user: Option<&str>,
    dialog: &Dialog,
) -> bool {
    let Some(end_user) = end_user else {
        return true;
    };
    principal.is_admin()
        || crate::enduser::EndUserSubject::acting_for(end_user).may_list(state, dialog)
}

/// 403 for dialogs the end user may not list, worded as the real service's `Forbidden` with
/// invalid dialog ids (`SetSystemLabelCommand`, `BulkSetSystemLabelCommand`).
fn unauthorized_dialogs(ids: &[String]) -> AppError {
    AppError::forbidden(
        "Forbidden",
        format!(
            "The following dialog ids are unauthorized and/or missing: ({}).",
            ids.join(", ")
        ),
    )
}

/// Applies the request to one dialog; true when its labels changed.
fn relabel(dialog: &mut Dialog, request: &SystemLabelRequest, actor: &Actor) -> bool {
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

/// The bulk system-label operation of both APIs (api.md §4.8), all or nothing: between 1 and
/// `max` distinct dialogs; any that is missing or that `visible` rejects makes a 404 naming every
/// such id, then any that `authorized` rejects the error `refusal` makes of their ids; each
/// given end-user-context revision must match; the changed dialogs are written in one
/// transaction.
pub async fn bulk_relabel(
    state: &DialogState,
    request: &SystemLabelRequest,
    max: usize,
    actor: &Actor,
    visible: impl Fn(&Dialog) -> bool,
    authorized: impl Fn(&Dialog) -> bool,
    refusal: impl Fn(&[String]) -> AppError,
) -> Result<Outcome<()>, AppError> {
    let entries = request.dialogs.as_deref().unwrap_or_default();
    if entries.is_empty() || entries.len() > max {
        return Err(AppError::validation(
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
            return Err(AppError::validation(
                &format!("dto.dialogs[{i}].dialogId"),
                "'Dialog Id' must not be empty.",
            ));
        };
        if !seen.insert(id) {
            return Err(AppError::validation(
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
        return Err(AppError::NotFound(crate::FieldErrors::from([(
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
    let events = updates
        .iter()
        .map(|(dialog, _)| DomainEvent::Updated(DialogRef::of(dialog, true)))
        .collect();
    if !updates.is_empty() {
        state.store.update_dialogs(updates).await?;
    }
    Ok(Outcome::new((), events))
}

/// Writes `dialog` after a change of a side context and answers that context's new revision.
async fn save_context(
    state: &DialogState,
    dialog: Dialog,
    version: i64,
    revision: Uuid,
) -> Result<Outcome<Uuid>, AppError> {
    let event = DomainEvent::Updated(DialogRef::of(&dialog, true));
    state.store.update_dialog(dialog, version).await?;
    Ok(Outcome::new(revision, vec![event]))
}

/// Adds a service-owner label (`POST .../context/labels`); `expected` is the
/// service-owner-context revision. Returns that context's new revision.
pub async fn add_label(
    state: &DialogState,
    principal: &Principal,
    (id, expected): (Uuid, Option<Uuid>),
    value: Option<String>,
) -> Result<Outcome<Uuid>, AppError> {
    let value = value.unwrap_or_default().trim().to_lowercase();
    // The real service's label validator: NotEmpty, MinimumLength(3), MaximumLength(255).
    let mut errors = validate::Errors::default();
    if value.is_empty() {
        errors.not_empty("dto.value", "Value");
    } else {
        errors.min_length("dto.value", "Value", Some(&value), 3);
        errors.max_length("dto.value", "Value", Some(&value), 255);
    }
    errors.into_result()?;
    // Labels stay writable on a soft-deleted dialog: the real service's label commands load
    // the dialog with deleted ones included and never answer 410.
    let stored = load_owned(state, principal, id).await?;
    check_revision(expected, stored.dialog.service_owner_context.revision)?;
    let mut dialog = stored.dialog;
    let labels = &mut dialog.service_owner_context.service_owner_labels;
    if labels.contains(&value) {
        return Err(AppError::validation(
            "dto.value",
            format!("Cannot add duplicate label '{value}': the dialog already has it."),
        ));
    }
    if labels.len() >= MAX_SERVICE_OWNER_LABELS {
        return Err(AppError::validation(
            "dto.value",
            format!("A dialog can have at most {MAX_SERVICE_OWNER_LABELS} service owner labels."),
        ));
    }
    labels.push(value);
    dialog.service_owner_context.revision = Uuid::new_v4();
    let revision = dialog.service_owner_context.revision;
    save_context(state, dialog, stored.version, revision).await
}

/// Removes a service-owner label (`DELETE .../context/labels/{label}`).
pub async fn remove_label(
    state: &DialogState,
    principal: &Principal,
    (id, expected): (Uuid, Option<Uuid>),
    label: &str,
) -> Result<Outcome<Uuid>, AppError> {
    // Labels stay writable on a soft-deleted dialog (see `add_label`).
    let stored = load_owned(state, principal, id).await?;
    check_revision(expected, stored.dialog.service_owner_context.revision)?;
    let label = label.trim().to_lowercase();
    let mut dialog = stored.dialog;
    let labels = &mut dialog.service_owner_context.service_owner_labels;
    let Some(position) = labels.iter().position(|l| *l == label) else {
        return Err(AppError::NotFound(FieldErrors::from([(
            "Label".to_owned(),
            vec![format!("Label '{label}' was not found on the dialog.")],
        )])));
    };
    labels.remove(position);
    dialog.service_owner_context.revision = Uuid::new_v4();
    let revision = dialog.service_owner_context.revision;
    save_context(state, dialog, stored.version, revision).await
}

/// Sets system labels on one dialog on an end user's behalf (`PUT
/// .../endusercontext/systemlabels?enduserId=`); `expected` is the end-user-context revision,
/// `end_user` the raw `enduserId`. Returns that context's revision afterwards.
pub async fn set_system_labels(
    state: &DialogState,
    principal: &Principal,
    (id, expected, end_user): (Uuid, Option<Uuid>, Option<&str>),
    request: &SystemLabelRequest,
) -> Result<Outcome<Uuid>, AppError> {
    let end_user = end_user_id(end_user);
    let actor = request.performer(end_user.clone())?;
    request.check()?;
    let stored = load_owned(state, principal, id).await?;
    if !end_user_may_list(state, principal, end_user.as_deref(), &stored.dialog) {
        return Err(unauthorized_dialogs(&[id.to_string()]));
    }
    if stored.dialog.is_deleted() {
        return Err(AppError::entity_gone(DIALOG_ENTITY, id));
    }
    check_revision(expected, stored.dialog.end_user_context.revision)?;
    relabel_one(state, stored, request, &actor).await
}

/// Applies `request` to one dialog the caller may change and saves it when it changed.
pub async fn relabel_one(
    state: &DialogState,
    stored: dp_store::StoredDialog,
    request: &SystemLabelRequest,
    actor: &Actor,
) -> Result<Outcome<Uuid>, AppError> {
    let mut dialog = stored.dialog;
    if !relabel(&mut dialog, request, actor) {
        return Ok(Outcome::unchanged(dialog.end_user_context.revision));
    }
    let revision = dialog.end_user_context.revision;
    save_context(state, dialog, stored.version, revision).await
}

/// The service owner's bulk system-label operation (`POST
/// .../endusercontext/systemlabels/actions/bulkset?enduserId=`): all or nothing.
pub async fn bulk_set_system_labels(
    state: &DialogState,
    principal: &Principal,
    end_user: Option<&str>,
    request: &SystemLabelRequest,
) -> Result<Outcome<()>, AppError> {
    let end_user = end_user_id(end_user);
    let actor = request.performer(end_user.clone())?;
    request.check()?;
    bulk_relabel(
        state,
        request,
        MAX_SERVICE_OWNER_BULK,
        &actor,
        |dialog| owns(state, principal, dialog) && !dialog.is_deleted(),
        |dialog| end_user_may_list(state, principal, end_user.as_deref(), dialog),
        unauthorized_dialogs,
    )
    .await
}
