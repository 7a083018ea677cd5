//! `PUT` and `PATCH /api/v1/serviceowner/dialogs/{dialogId}` (api.md §2.5).
//!
//! PUT takes the create body minus the fields only create may set (clients send a whole create
//! body and expect them ignored). PATCH applies an RFC 6902 patch to the update body built
//! from the stored dialog, with empty transmission and activity lists so `add /transmissions/-`
//! appends; the result then goes through exactly the PUT path.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_domain::dialog::Actor;
use dp_domain::dialog::Dialog;
use dp_domain::enums::ActorType;
use dp_domain::system_labels;
use dp_store::StoredDialog;
use serde_json::Value;
use uuid::Uuid;

use super::authorize::authorize_service_resources;
use super::common::{check_mutable, if_match, is_correspondence, load_owned, no_content, parse_id};
use super::create_dialog::CreateDialog;
use super::dialogs::validation_context;
use super::mapping::{self, ActorNames};
use super::{patch, rules, validate_create};
use crate::auth::ServiceOwner;
use crate::json::{ContractJson, parse_body};
use crate::problem::ApiError;
use crate::query::Query;
use crate::state::DialogState;

/// `PUT /api/v1/serviceowner/dialogs/{dialogId}`
pub async fn put(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(dto): ContractJson<CreateDialog>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let silent = query.is_silent_update()?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_mutable(&state, &caller.principal, &stored.dialog, expected)?;
    let revision = update(&state, &caller.principal, stored, dto, silent).await?;
    Ok(no_content(revision))
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
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let silent = query.is_silent_update()?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_mutable(&state, &caller.principal, &stored.dialog, expected)?;
    let mut document = patch::update_document(&stored.dialog);
    patch::apply_patch(&mut document, operations)?;
    let dto: CreateDialog = parse_body(document.to_string().as_bytes())?;
    let revision = update(&state, &caller.principal, stored, dto, silent).await?;
    Ok(no_content(revision))
}

fn already_exists(entity: &str, ids: &[Uuid]) -> ApiError {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    ApiError::Unprocessable(crate::problem::FieldErrors::from([(
        entity.to_owned(),
        vec![format!(
            "Entity '{entity}' with the following key(s) already exists: ({})",
            ids.join(", ")
        )],
    )]))
}

/// Update time rules (api.md §2.5): a changed `expiresAt` must be in the future, a changed
/// `dueAt` in the future or null.
fn changed_times(existing: &Dialog, dto: &CreateDialog, now: Timestamp) -> Result<(), ApiError> {
    let mut errors = crate::problem::FieldErrors::new();
    if dto.due_at != existing.due_at && dto.due_at.is_some_and(|d| d <= now) {
        errors.insert(
            "DueAt".to_owned(),
            vec!["Must be in future or current value.".to_owned()],
        );
    }
    if dto.expires_at != existing.expires_at && dto.expires_at.is_some_and(|e| e <= now) {
        errors.insert(
            "ExpiresAt".to_owned(),
            vec!["Must be in future or current value.".to_owned()],
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(errors))
    }
}

/// The shared PUT/PATCH path (also appending transmissions and activities): validate,
/// authorize, merge, save. Returns the new revision.
pub async fn update(
    state: &DialogState,
    principal: &Principal,
    stored: StoredDialog,
    mut dto: CreateDialog,
    silent: bool,
) -> Result<Uuid, ApiError> {
    let existing = stored.dialog;
    let now = Timestamp::now();
    // Create-only fields come from the stored dialog (api.md §2.5).
    dto.id = None;
    dto.idempotent_key = None;
    dto.service_resource = Some(existing.service_resource.clone());
    dto.party = Some(existing.party.clone());
    dto.visible_from = existing.visible_from;
    dto.created_at = None;
    dto.updated_at = None;
    dto.system_label = None;
    dto.service_owner_context = None;

    let mut context = validation_context(principal, now);
    context.existing_transmissions = existing.transmissions.iter().map(|t| t.id).collect();
    context.is_update = true;
    context.existing_attachments = existing.attachments.iter().map(|a| a.id).collect();
    validate_create::validate(&dto, &context).into_result()?;
    authorize_service_resources(&dto, &state.registry, principal)?;
    if !silent && !principal.is_admin() {
        changed_times(&existing, &dto, now)?;
    }

    let existing_transmissions: HashSet<Uuid> =
        existing.transmissions.iter().map(|t| t.id).collect();
    let existing_activities: HashSet<Uuid> = existing.activities.iter().map(|a| a.id).collect();
    let repeated: Vec<Uuid> = dto
        .transmissions
        .iter()
        .flatten()
        .filter_map(|t| t.id)
        .filter(|id| existing_transmissions.contains(id))
        .collect();
    if !repeated.is_empty() {
        return Err(already_exists("DialogTransmission", &repeated));
    }
    let repeated: Vec<Uuid> = dto
        .activities
        .iter()
        .flatten()
        .filter_map(|a| a.id)
        .filter(|id| existing_activities.contains(id))
        .collect();
    if !repeated.is_empty() {
        return Err(already_exists("DialogActivity", &repeated));
    }

    let mut names = ActorNames::new(&state.registry);
    let new_transmissions: Vec<_> = dto
        .transmissions
        .iter()
        .flatten()
        .map(|t| mapping::transmission(t, now, &mut names))
        .collect();
    let new_activities: Vec<_> = dto
        .activities
        .iter()
        .flatten()
        .map(|a| mapping::activity(a, now, &mut names))
        .collect();
    names.finish()?;
    rules::correspondence_activities(&new_activities, principal)?;

    let mut dialog = existing.clone();
    dialog.progress = dto.progress;
    dialog.extended_status = dto.extended_status.clone();
    dialog.external_reference = dto.external_reference.clone();
    dialog.due_at = dto.due_at;
    dialog.expires_at = dto.expires_at;
    dialog.process = mapping::uri_value(&dto.process);
    dialog.preceding_process = mapping::uri_value(&dto.preceding_process);
    dialog.is_api_only = dto.is_api_only.unwrap_or(false);
    dialog.status = mapping::status(dto.status);
    dialog.content = mapping::content(&dto.content);
    dialog.search_tags = mapping::search_tags(&dto.search_tags);
    dialog.attachments = dto
        .attachments
        .iter()
        .flatten()
        .map(mapping::attachment)
        .collect();
    dialog.gui_actions = dto
        .gui_actions
        .iter()
        .flatten()
        .map(mapping::gui_action)
        .collect();
    dialog.api_actions = dto
        .api_actions
        .iter()
        .flatten()
        .map(mapping::api_action)
        .collect();
    let added_transmissions = !new_transmissions.is_empty();
    dialog.transmissions.extend(new_transmissions);
    dialog.activities.extend(new_activities);
    rules::transmission_hierarchy(&dialog.transmissions)?;
    rules::transmission_idempotent_keys(&dialog.transmissions)?;
    rules::activity_transmissions(&dialog)?;

    // `contentUpdatedAt` moves only for content-like changes (api.md §4.6 `ContentHasChanged`).
    let content_changed = added_transmissions
        || dialog.content != existing.content
        || dialog.attachments != existing.attachments
        || dialog.gui_actions != existing.gui_actions
        || dialog.api_actions != existing.api_actions
        || dialog.status != existing.status
        || dialog.extended_status != existing.extended_status;
    if !silent {
        dialog.updated_at = now;
        if content_changed {
            dialog.content_updated_at = now;
        }
        // A non-silent update moves the dialog out of Bin/Archive (api.md §4.8), logged as a
        // `remove` by the service owner without id or name, as the real service's
        // `SystemLabelAdder` and `LabelAssignmentLogActorFactory` write it.
        let service_owner = Actor {
            actor_type: ActorType::ServiceOwner,
            actor_name: None,
            actor_id: None,
        };
        if system_labels::restore_default(&mut dialog.end_user_context, &service_owner, now) {
            dialog.end_user_context.revision = Uuid::new_v4();
        }
    }
    let correspondence = is_correspondence(state, &dialog);
    rules::refresh_derived(&mut dialog, correspondence);
    dialog.revision = Uuid::new_v4();
    let revision = dialog.revision;
    state.store.update_dialog(dialog, stored.version).await?;
    Ok(revision)
}
