//! The service-owner dialog query (api.md §4.3, §6): deleted dialogs are still returned; on an
//! end user's behalf (`endUserId`) only with that person's main access, and the read is their
//! opening of it (a seen-log entry).

use dp_auth::Principal;
use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::dialog::Dialog;
use uuid::Uuid;

use super::guard::{DIALOG_ENTITY, load_owned};
use super::seen::record_seen;
use crate::enduser::EndUserSubject;
use crate::events::Outcome;
use crate::{AppError, DialogState};

/// The dialog, and when read on an end user's behalf, who they are and the PDP's decisions.
pub struct OwnedDialog {
    pub dialog: Dialog,
    pub on_behalf_of: Option<(String, DetailsAuthorization)>,
}

pub async fn get(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
    end_user: Option<&str>,
) -> Result<Outcome<OwnedDialog>, AppError> {
    let stored = load_owned(state, principal, id).await?;
    let Some(end_user) = end_user.map(str::to_lowercase) else {
        return Ok(Outcome::unchanged(OwnedDialog {
            dialog: stored.dialog,
            on_behalf_of: None,
        }));
    };
    let access = EndUserSubject::acting_for(&end_user).details(state, &stored.dialog);
    if !access.has_main_access() {
        return Err(AppError::entity_not_found(DIALOG_ENTITY, id));
    }
    let seen = record_seen(state, stored, &end_user, true).await;
    let read = OwnedDialog {
        dialog: seen.value,
        on_behalf_of: Some((end_user, access)),
    };
    Ok(Outcome::new(read, seen.events))
}
