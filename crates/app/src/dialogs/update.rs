//! Updating a dialog (api.md §2.5): PUT takes the create body minus the fields only create may
//! set (clients send a whole create body and expect them ignored); PATCH (built by the front
//! from a JSON Patch on the update document) and appending a transmission or an activity go
//! through the same [`update`].

use std::collections::HashSet;

use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_domain::dialog::{Dialog, Transmission};
use dp_store::StoredDialog;
use uuid::Uuid;

use super::authorize::authorize_service_resources;
use super::create::validation_context;
use super::guard::{check_mutable, is_correspondence, load_owned, lost_race};
use super::mapping::{self, ActorNames};
use super::rules;
use crate::events::{DomainEvent, Outcome, dialog_written};
use crate::input::CreateDialog;
use crate::{AppError, DialogState, validate};

/// The dialog `id` as a PUT or PATCH may change it: owned, not deleted, not frozen, the
/// correspondence scope where needed, and at the `expected` revision.
pub async fn load_for_update(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    expected: Option<Uuid>,
) -> Result<StoredDialog, AppError> {
    let stored = load_owned(state, principal, id).await?;
    check_mutable(state, principal, &stored.dialog, expected)?;
    Ok(stored)
}

/// `PUT`: replaces what an update may replace with `input`.
pub async fn put(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    expected: Option<Uuid>,
    input: CreateDialog,
    silent: bool,
) -> Result<Outcome<Uuid>, AppError> {
    let stored = load_for_update(state, principal, id, expected).await?;
    update(state, principal, (stored, expected), input, silent).await
}

fn already_exists(entity: &str, ids: &[Uuid]) -> AppError {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    AppError::Unprocessable(crate::FieldErrors::from([(
        entity.to_owned(),
        vec![format!(
            "Entity '{entity}' with the following key(s) already exists: ({})",
            ids.join(", ")
        )],
    )]))
}

/// Update time rules (api.md §2.5): a changed `expiresAt` must be in the future, a changed
/// `dueAt` in the future or null.
fn changed_times(existing: &Dialog, dto: &CreateDialog, now: Timestamp) -> Result<(), AppError> {
    let mut errors = crate::FieldErrors::new();
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
        Err(AppError::Unprocessable(errors))
    }
}

/// The shared PUT/PATCH path (also appending transmissions and activities): validate,
/// authorize, merge, save. Returns the new revision and the events: `Updated`, then one per
/// new transmission and activity.
/// `expected` is the If-Match the dialog was loaded with ([`load_for_update`]): a write that
/// then loses a race answers 412 with it, 409 without.
pub async fn update(
    state: &DialogState,
    principal: &Principal,
    (stored, expected): (StoredDialog, Option<Uuid>),
    mut dto: CreateDialog,
    silent: bool,
) -> Result<Outcome<Uuid>, AppError> {
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
    validate::create::validate(&dto, &context).into_result()?;
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
    let new_transmissions: Vec<Transmission> = dto
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
    let transmission_ids: Vec<Uuid> = new_transmissions.iter().map(|t| t.id).collect();
    let activity_ids: Vec<Uuid> = new_activities.iter().map(|a| a.id).collect();
    dialog.transmissions.extend(new_transmissions);
    dialog.activities.extend(new_activities);
    rules::transmission_hierarchy(&dialog.transmissions)?;
    rules::transmission_idempotent_keys(&dialog.transmissions)?;
    rules::activity_transmissions(&dialog)?;

    if !silent {
        let content_changed = dialog.content_changed_since(&existing, added_transmissions);
        dialog.touch_by_service_owner(content_changed, now);
    }
    let correspondence = is_correspondence(state, &dialog);
    rules::refresh_derived(&mut dialog, correspondence);
    dialog.revision = Uuid::new_v4();
    let revision = dialog.revision;
    let events = dialog_written(
        &dialog,
        silent,
        DomainEvent::Updated,
        &transmission_ids,
        &activity_ids,
    );
    state
        .store
        .update_dialog(dialog, stored.version)
        .await
        .map_err(lost_race(expected))?;
    Ok(Outcome::new(revision, events))
}
