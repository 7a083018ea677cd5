//! End users' system labels (api.md §4.8): one dialog with the end-user-context revision as
//! If-Match, or up to 100 at once, all or nothing.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_domain::dialog::Actor;
use dp_domain::enums::ActorType;

use super::access::EndUserSubject;
use crate::auth::EndUser;
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::serviceowner::common::{DIALOG_ENTITY, check_revision, if_match, no_content, parse_id};
use crate::serviceowner::labels::{SystemLabelRequest, bulk_relabel, relabel};
use crate::state::DialogState;

const MAX_BULK: usize = 100;

fn actor(subject: &EndUserSubject, state: &DialogState) -> Actor {
    Actor {
        actor_type: ActorType::PartyRepresentative,
        actor_name: state.registry.name_of(&subject.urn).map(str::to_owned),
        actor_id: Some(subject.urn.clone()),
    }
}

/// `PUT /api/v1/enduser/dialogs/{dialogId}/context/systemlabels`
pub async fn set(
    caller: EndUser,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    request.check()?;
    let subject = EndUserSubject::of(&caller.principal)?;
    let stored = super::dialogs::load(&state, id).await?;
    if !subject.may_list(&state, &stored.dialog) {
        return Err(ApiError::forbidden("Forbidden", "Forbidden"));
    }
    if stored.dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, id));
    }
    // A login below the resource's minimum level changes nothing (issue 11 item 3; the real
    // service refuses its reads with the same 403).
    subject.check_level(&state, &stored.dialog)?;
    check_revision(expected, stored.dialog.end_user_context.revision)?;
    let mut dialog = stored.dialog;
    if !relabel(&mut dialog, &request, &actor(&subject, &state)) {
        return Ok(no_content(dialog.end_user_context.revision));
    }
    let revision = dialog.end_user_context.revision;
    state.store.update_dialog(dialog, stored.version).await?;
    Ok(no_content(revision))
}

/// `POST /api/v1/enduser/dialogs/context/systemlabels/actions/bulkset`
pub async fn bulk_set(
    caller: EndUser,
    State(state): State<DialogState>,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    request.check()?;
    let subject = EndUserSubject::of(&caller.principal)?;
    let performer = actor(&subject, &state);
    bulk_relabel(
        &state,
        &request,
        MAX_BULK,
        &performer,
        |dialog| !dialog.is_deleted() && subject.may_list(&state, dialog),
        |dialog| !subject.below_level(&state, dialog),
        |_| super::access::level_too_low(),
    )
    .await
}
