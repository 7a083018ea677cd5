//! End users' system labels (api.md §4.8): one dialog with the end-user-context revision as
//! the expected revision, or up to 100 at once, all or nothing.

use dp_auth::Principal;
use dp_domain::dialog::Actor;
use dp_domain::enums::ActorType;
use uuid::Uuid;

use super::EndUserSubject;
use crate::dialogs::DIALOG_ENTITY;
use crate::dialogs::guard::check_revision;
use crate::dialogs::labels::{SystemLabelRequest, bulk_relabel, relabel_one};
use crate::events::Outcome;
use crate::{AppError, DialogState};

const MAX_BULK: usize = 100;

fn actor(subject: &EndUserSubject, state: &DialogState) -> Actor {
    Actor {
        actor_type: ActorType::PartyRepresentative,
        actor_name: state.registry.name_of(&subject.urn).map(str::to_owned),
        actor_id: Some(subject.urn.clone()),
    }
}

/// Sets the end user's system labels on dialog `id`; returns the end-user-context revision.
pub async fn set(
    state: &DialogState,
    principal: &Principal,
    (id, expected): (Uuid, Option<Uuid>),
    request: &SystemLabelRequest,
) -> Result<Outcome<Uuid>, AppError> {
    request.check()?;
    let subject = EndUserSubject::of(principal)?;
    let stored = super::dialogs::load(state, id).await?;
    if !subject.may_list(state, &stored.dialog) {
        return Err(AppError::forbidden("Forbidden", "Forbidden"));
    }
    if stored.dialog.is_deleted() {
        return Err(AppError::entity_gone(DIALOG_ENTITY, id));
    }
    // A login below the resource's minimum level changes nothing (issue 11 item 3; the real
    // service refuses its reads with the same 403).
    subject.check_level(state, &stored.dialog)?;
    check_revision(expected, stored.dialog.end_user_context.revision)?;
    relabel_one(state, stored, request, &actor(&subject, state)).await
}

/// Sets system labels on up to 100 dialogs at once, all or nothing.
pub async fn bulk_set(
    state: &DialogState,
    principal: &Principal,
    request: &SystemLabelRequest,
) -> Result<Outcome<()>, AppError> {
    request.check()?;
    let subject = EndUserSubject::of(principal)?;
    let performer = actor(&subject, state);
    bulk_relabel(
        state,
        request,
        MAX_BULK,
        &performer,
        |dialog| !dialog.is_deleted() && subject.may_list(state, dialog),
        |dialog| !subject.below_level(state, dialog),
        |_| super::level_too_low(),
    )
    .await
}
