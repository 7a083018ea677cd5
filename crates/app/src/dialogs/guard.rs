//! What every service-owner dialog operation does first: find the dialog among those the
//! caller owns (else 404, api.md §1), refuse changes to deleted (410) and frozen (403) dialogs,
//! and compare the expected revision (If-Match) with the stored one (412, api.md §4.1).

use dp_auth::Principal;
use dp_authz::ResourceType;
use dp_domain::dialog::Dialog;
use dp_store::StoredDialog;
use uuid::Uuid;

use crate::{AppError, DialogState};

pub const DIALOG_ENTITY: &str = "DialogEntity";

/// Does the caller's organisation own the dialog's service resource? Admins own everything.
pub fn owns(state: &DialogState, principal: &Principal, dialog: &Dialog) -> bool {
    principal.is_admin()
        || principal
            .consumer
            .as_ref()
            .is_some_and(|org| state.registry.owns(org.as_str(), &dialog.service_resource))
}

/// The dialog, if it exists and the caller owns it; 404 otherwise.
pub async fn load_owned(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
) -> Result<StoredDialog, AppError> {
    let stored = state.get_dialog(id).await?;
    match stored {
        Some(stored) if owns(state, principal, &stored.dialog) => Ok(stored),
        _ => Err(AppError::entity_not_found(DIALOG_ENTITY, id)),
    }
}

/// The error of a write that lost a race with another (any instance): 412 when the caller
/// named a revision with If-Match, which the real service checks up front and again at save,
/// else its 409 (api.md §4.1).
pub fn lost_race(expected: Option<Uuid>) -> impl FnOnce(dp_store::WriteError) -> AppError {
    move |error| match (error, expected) {
        (dp_store::WriteError::Concurrency, Some(_)) => AppError::PreconditionFailed,
        (error, _) => error.into(),
    }
}

pub fn check_revision(expected: Option<Uuid>, actual: Uuid) -> Result<(), AppError> {
    match expected {
        Some(expected) if expected != actual => Err(AppError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// DP's update order (api.md §2.5): 410 deleted, 403 frozen (admins exempt), 403 correspondence
/// without its scope, 412 revision.
pub fn check_mutable(
    state: &DialogState,
    principal: &Principal,
    dialog: &Dialog,
    expected: Option<Uuid>,
) -> Result<(), AppError> {
    if dialog.is_deleted() {
        return Err(AppError::entity_gone(DIALOG_ENTITY, dialog.id));
    }
    if dialog.frozen && !principal.is_admin() {
        return Err(AppError::forbidden(
            "Forbidden",
            "User cannot modify frozen dialog",
        ));
    }
    check_correspondence(state, principal, dialog)?;
    check_revision(expected, dialog.revision)
}

/// A CorrespondenceService dialog needs the correspondence scope to be changed (api.md §2.1).
pub fn check_correspondence(
    state: &DialogState,
    principal: &Principal,
    dialog: &Dialog,
) -> Result<(), AppError> {
    if is_correspondence(state, dialog)
        && !principal.is_admin()
        && !principal.has_correspondence_scope()
    {
        return Err(AppError::forbidden(
            "Forbidden",
            "User cannot create or modify a dialog with resource type correspondenceservice.",
        ));
    }
    Ok(())
}

pub fn is_correspondence(state: &DialogState, dialog: &Dialog) -> bool {
    state
        .registry
        .resource(&dialog.service_resource)
        .is_some_and(|r| r.resource_type == ResourceType::CorrespondenceService)
}
