//! End users' system labels (api.md §4.8): one dialog with the end-user-context revision as
//! If-Match, or up to 100 at once, all or nothing.

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_domain::dialog::Actor;
use dp_domain::enums::ActorType;
use uuid::Uuid;

use super::access::EndUserSubject;
use crate::auth::EndUser;
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::serviceowner::common::{DIALOG_ENTITY, check_revision, if_match, no_content, parse_id};
use crate::serviceowner::labels::{SystemLabelRequest, relabel};
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
    let stored = state
        .run(move |store| store.get_dialog(id))
        .await?
        .ok_or_else(|| ApiError::entity_not_found(DIALOG_ENTITY, id))?;
    let list = subject.list(
        &state,
        std::slice::from_ref(&stored.dialog.party),
        std::slice::from_ref(&stored.dialog.service_resource),
    );
    if !list.allows(&stored.dialog) {
        return Err(ApiError::forbidden("Forbidden", "Forbidden"));
    }
    if stored.dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, id));
    }
    check_revision(expected, stored.dialog.end_user_context.revision)?;
    let mut dialog = stored.dialog;
    if !relabel(&mut dialog, &request, &actor(&subject, &state)) {
        return Ok(no_content(dialog.end_user_context.revision));
    }
    let revision = dialog.end_user_context.revision;
    state
        .run(move |store| store.update_dialog(&dialog, stored.version))
        .await?;
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
    let entries = request.dialogs.as_deref().unwrap_or_default();
    if entries.is_empty() || entries.len() > MAX_BULK {
        return Err(ApiError::validation(
            "dto.dialogs",
            format!(
                "'Dialogs' must contain between 1 and {MAX_BULK} items. You entered {} items.",
                entries.len()
            ),
        ));
    }
    let mut wanted: Vec<(Uuid, Option<Uuid>)> = Vec::new();
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
    let found = state
        .run(move |store| {
            ids.into_iter()
                .map(|id| store.get_dialog(id).map(|d| (id, d)))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    // Missing, deleted and unauthorized dialogs are all "not found" (api.md §4.8).
    let missing: Vec<String> = found
        .iter()
        .filter(|(_, stored)| {
            !stored.as_ref().is_some_and(|s| {
                !s.dialog.is_deleted()
                    && subject
                        .list(
                            &state,
                            std::slice::from_ref(&s.dialog.party),
                            std::slice::from_ref(&s.dialog.service_resource),
                        )
                        .allows(&s.dialog)
            })
        })
        .map(|(id, _)| id.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::NotFound(BTreeMap::from([(
            DIALOG_ENTITY.to_owned(),
            vec![format!(
                "Entity '{DIALOG_ENTITY}' with the following key(s) was not found: ({}).",
                missing.join(", ")
            )],
        )])));
    }
    let performer = actor(&subject, &state);
    let mut updates = Vec::new();
    for ((_, expected), (_, stored)) in wanted.iter().zip(found) {
        let Some(stored) = stored else { continue };
        check_revision(*expected, stored.dialog.end_user_context.revision)?;
        let mut dialog = stored.dialog;
        if relabel(&mut dialog, &request, &performer) {
            updates.push((dialog, stored.version));
        }
    }
    if !updates.is_empty() {
        state
            .run(move |store| store.update_dialogs(&updates))
            .await?;
    }
    Ok(axum::response::IntoResponse::into_response(
        axum::http::StatusCode::NO_CONTENT,
    ))
}
