//! Soft delete, restore, purge and freeze of a dialog (api.md §4.3–4.4). Each takes the
//! expected revision (If-Match, `None` for any) and returns the dialog's revision afterwards.

use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use uuid::Uuid;

use super::guard::{
    DIALOG_ENTITY, check_correspondence, check_mutable, check_revision, load_owned, lost_race,
};
use crate::events::{DialogRef, DomainEvent, Outcome};
use crate::{AppError, DialogState};

/// Soft delete: `deletedAt` is set, `updatedAt` stays (api.md §4.3).
pub async fn delete(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    expected: Option<Uuid>,
) -> Result<Outcome<Uuid>, AppError> {
    let stored = load_owned(state, principal, id).await?;
    check_mutable(state, principal, &stored.dialog, expected)?;
    let mut dialog = stored.dialog;
    dialog.deleted_at = Some(Timestamp::now());
    let event = DomainEvent::Deleted {
        dialog: DialogRef::of(&dialog, false),
        hard: false,
    };
    save(state, dialog, (stored.version, expected), event).await
}

/// Restores a soft-deleted dialog; a no-op on one that is not deleted keeps the revision
/// (api.md §4.1, §4.3).
pub async fn restore(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    expected: Option<Uuid>,
) -> Result<Outcome<Uuid>, AppError> {
    let stored = load_owned(state, principal, id).await?;
    check_revision(expected, stored.dialog.revision)?;
    if !stored.dialog.is_deleted() {
        return Ok(Outcome::unchanged(stored.dialog.revision));
    }
    let mut dialog = stored.dialog;
    dialog.deleted_at = None;
    let event = DomainEvent::Restored(DialogRef::of(&dialog, false));
    save(state, dialog, (stored.version, expected), event).await
}

/// Hard delete, also of deleted and frozen dialogs.
pub async fn purge(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    expected: Option<Uuid>,
) -> Result<Outcome<()>, AppError> {
    let stored = load_owned(state, principal, id).await?;
    check_revision(expected, stored.dialog.revision)?;
    check_correspondence(state, principal, &stored.dialog)?;
    if !state.store.purge_dialog(id).await? {
        return Err(AppError::entity_not_found(DIALOG_ENTITY, id));
    }
    let event = DomainEvent::Deleted {
        dialog: DialogRef::of(&stored.dialog, false),
        hard: true,
    };
    Ok(Outcome::new((), vec![event]))
}

/// Freezes a dialog: admin scope only (api.md §4.4); a frozen one keeps its revision.
pub async fn freeze(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    expected: Option<Uuid>,
) -> Result<Outcome<Uuid>, AppError> {
    check_may_freeze(principal)?;
    let stored = load_owned(state, principal, id).await?;
    check_mutable(state, principal, &stored.dialog, expected)?;
    if stored.dialog.frozen {
        return Ok(Outcome::unchanged(stored.dialog.revision));
    }
    let mut dialog = stored.dialog;
    dialog.frozen = true;
    let event = DomainEvent::Updated(DialogRef::of(&dialog, false));
    save(state, dialog, (stored.version, expected), event).await
}

/// Only the admin scope may freeze (the real service's `FreezeDialogCommand`).
pub fn check_may_freeze(principal: &Principal) -> Result<(), AppError> {
    if principal.is_admin() {
        return Ok(());
    }
    Err(AppError::forbidden(
        "Forbidden",
        "Only ServiceOwner admin can freeze dialogs.",
    ))
}

/// Writes a changed dialog under a new revision (compare-and-swap on the version read) and
/// returns that revision with the change's event.
/// `expected` is the caller's If-Match, for the error of a lost race ([`lost_race`]).
pub(super) async fn save(
    state: &DialogState,
    mut dialog: Dialog,
    (version, expected): (i64, Option<Uuid>),
    event: DomainEvent,
) -> Result<Outcome<Uuid>, AppError> {
    dialog.revision = Uuid::new_v4();
    let revision = dialog.revision;
    state
        .store
        .update_dialog(dialog, version)
        .await
        .map_err(lost_race(expected))?;
    Ok(Outcome::new(revision, vec![event]))
}
