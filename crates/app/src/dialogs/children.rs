//! Transmissions and activities of a dialog (api.md §1, §4.1, §4.5).
//!
//! Creating a transmission or an activity is an update of the dialog that appends one item
//! (DP's handlers do the same through the update command), so every rule of PUT applies:
//! If-Match, frozen, append-only ids, hierarchy, time bumps, `Default` label re-added.

use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_domain::enums::ActivityType;
use uuid::Uuid;

use super::authorize::authorize_service_resources;
use super::create::validation_context;
use super::guard::{DIALOG_ENTITY, check_mutable, check_revision, is_correspondence, load_owned};
use super::lifecycle::save;
use super::mapping::{self, ActorNames};
use super::rules;
use super::update::{load_for_update, update};
use crate::events::{DialogRef, DomainEvent, Outcome};
use crate::input::{Activity, CreateDialog, Transmission};
use crate::read::serviceowner as view;
use crate::{AppError, DialogState, validate};

pub const TRANSMISSION_ENTITY: &str = "DialogTransmission";
pub const ACTIVITY_ENTITY: &str = "DialogActivity";
pub const SEEN_LOG_ENTITY: &str = "DialogSeenLog";

/// What appending a child returns: its id and the dialog's new revision.
#[derive(Debug, Clone, Copy)]
pub struct Appended {
    pub id: Uuid,
    pub revision: Uuid,
}

/// The update input a stored dialog stands for (`V1ServiceOwnerDialogsCommandsUpdate_Dialog`,
/// whose members are the create body's minus the create-only ones, which [`update`] sets from
/// the stored dialog), with no transmissions or activities: the read model serialized and read
/// back as the input, as the real service maps the entity to its update DTO.
fn update_input(dialog: &Dialog) -> Result<CreateDialog, AppError> {
    let document = serde_json::to_value(view::dialog(dialog, None))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut input: CreateDialog =
        serde_json::from_value(document).map_err(|e| AppError::Internal(e.to_string()))?;
    input.transmissions = Some(Vec::new());
    input.activities = Some(Vec::new());
    Ok(input)
}

/// The dialog `id` for appending a child: admins may append to a soft-deleted dialog (the real
/// service's create-activity and create-transmission endpoints skip the deleted check for the
/// admin scope); for everyone else it is the update's checks.
async fn load_for_append(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    expected: Option<Uuid>,
) -> Result<dp_store::StoredDialog, AppError> {
    let stored = load_owned(state, principal, id).await?;
    if principal.is_admin() && stored.dialog.is_deleted() {
        check_revision(expected, stored.dialog.revision)?;
    } else {
        check_mutable(state, principal, &stored.dialog, expected)?;
    }
    Ok(stored)
}

/// Appends a transmission to dialog `id` (`POST .../transmissions`).
pub async fn append_transmission(
    state: &DialogState,
    principal: &Principal,
    (id, expected, silent): (Uuid, Option<Uuid>, bool),
    mut item: Transmission,
) -> Result<Outcome<Appended>, AppError> {
    let child = *item.id.get_or_insert_with(mapping::new_id);
    let stored = load_for_append(state, principal, id, expected).await?;
    let mut input = update_input(&stored.dialog)?;
    input.transmissions = Some(vec![item]);
    let outcome = update(state, principal, (stored, expected), input, silent).await?;
    Ok(appended(outcome, child))
}

/// Appends an activity to dialog `id` (`POST .../activities`).
pub async fn append_activity(
    state: &DialogState,
    principal: &Principal,
    (id, expected, silent): (Uuid, Option<Uuid>, bool),
    mut item: Activity,
) -> Result<Outcome<Appended>, AppError> {
    let child = *item.id.get_or_insert_with(mapping::new_id);
    let stored = load_for_append(state, principal, id, expected).await?;
    let mut input = update_input(&stored.dialog)?;
    input.activities = Some(vec![item]);
    let outcome = update(state, principal, (stored, expected), input, silent).await?;
    Ok(appended(outcome, child))
}

fn appended(outcome: Outcome<Uuid>, id: Uuid) -> Outcome<Appended> {
    let revision = outcome.value;
    Outcome::new(Appended { id, revision }, outcome.events)
}

/// Replaces transmission `transmission_id` of dialog `id`; only as a silent update (api.md
/// §4.5). The new transmission is validated as the only one of an otherwise unchanged dialog.
pub async fn replace_transmission(
    state: &DialogState,
    principal: &Principal,
    (id, transmission_id, expected, silent): (Uuid, Uuid, Option<Uuid>, bool),
    mut item: Transmission,
) -> Result<Outcome<Uuid>, AppError> {
    require_silent(silent)?;
    let stored = load_for_update(state, principal, id, expected).await?;
    let Some(index) = stored
        .dialog
        .transmissions
        .iter()
        .position(|t| t.id == transmission_id)
    else {
        return Err(AppError::entity_not_found(
            TRANSMISSION_ENTITY,
            transmission_id,
        ));
    };
    item.id = None;
    let now = Timestamp::now();
    let mut context = validation_context(principal, now);
    context.existing_transmissions = stored.dialog.transmissions.iter().map(|t| t.id).collect();
    context.is_update = true;
    context.existing_attachments = stored.dialog.attachments.iter().map(|a| a.id).collect();
    let mut input = update_input(&stored.dialog)?;
    input.transmissions = Some(vec![item.clone()]);
    input.service_resource = Some(stored.dialog.service_resource.clone());
    input.party = Some(stored.dialog.party.clone());
    input.visible_from = stored.dialog.visible_from;
    validate::create::validate(&input, &context).into_result()?;
    authorize_service_resources(&input, &state.registry, principal)?;

    let mut dialog = stored.dialog;
    let original = dialog.transmissions[index].clone();
    let mut names = ActorNames::new(&state.registry);
    let mut replacement = mapping::transmission(&item, original.created_at, &mut names);
    names.finish()?;
    replacement.id = transmission_id;
    dialog.transmissions[index] = replacement;
    rules::transmission_hierarchy(&dialog.transmissions)?;
    rules::transmission_idempotent_keys(&dialog.transmissions)?;
    let correspondence = is_correspondence(state, &dialog);
    rules::refresh_derived(&mut dialog, correspondence);
    let event = DomainEvent::Updated(DialogRef::of(&dialog, true));
    save(state, dialog, (stored.version, expected), event).await
}

/// A transmission may only be replaced as a silent update (api.md §4.5); checked before the
/// revision, as the real service's validator runs first.
pub fn require_silent(silent: bool) -> Result<(), AppError> {
    if silent {
        return Ok(());
    }
    Err(AppError::validation(
        "IsSilentUpdate",
        "IsSilentUpdate must be true when updating transmissions.",
    ))
}

/// Moves a FormSaved activity's time (the hidden, admin-scoped
/// `.../actions/updateFormSavedActivityTime`, api.md §0).
pub async fn move_form_saved_activity(
    state: &DialogState,
    principal: &Principal,
    (id, activity_id, expected): (Uuid, Uuid, Option<Uuid>),
    time: Timestamp,
) -> Result<Outcome<Uuid>, AppError> {
    let stored = load_for_update(state, principal, id, expected).await?;
    let mut dialog = stored.dialog;
    let Some(activity) = dialog.activities.iter_mut().find(|a| a.id == activity_id) else {
        return Err(AppError::entity_not_found(ACTIVITY_ENTITY, activity_id));
    };
    if activity.activity_type != ActivityType::FormSaved {
        return Err(AppError::validation(
            "ActivityId",
            format!("Activity '{activity_id}' is not of type FormSaved."),
        ));
    }
    activity.created_at = time;
    let event = DomainEvent::Updated(DialogRef::of(&dialog, true));
    save(state, dialog, (stored.version, expected), event).await
}

/// The dialog `id` for a read of its sub-collections: 404 unknown or not owned, 410 deleted
/// when `gone_if_deleted`.
pub async fn readable(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    gone_if_deleted: bool,
) -> Result<Dialog, AppError> {
    let stored = load_owned(state, principal, id).await?;
    if gone_if_deleted && stored.dialog.is_deleted() {
        return Err(AppError::entity_gone(DIALOG_ENTITY, id));
    }
    Ok(stored.dialog)
}
