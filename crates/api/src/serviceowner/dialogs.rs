//! Dialog commands and the dialog query of the service-owner API (api.md §1, §2.4, §4.3–4.4):
//! create, get, soft delete, restore, purge and freeze.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::read::serviceowner as view;
use dp_authz::ResourceType;
use dp_domain::Timestamp;
use dp_domain::dialog::{Dialog, EndUserContext, ServiceOwnerContext};
use dp_domain::enums::SystemLabel;
use uuid::Uuid;

use super::authorize::authorize_service_resources;
use super::common::{
    check_mutable, check_revision, created, if_match, load_owned, no_content, ok_json, parse_id,
};
use super::create_dialog::CreateDialog;
use super::mapping::{self, ActorNames};
use super::{rules, validate_create};
use crate::auth::ServiceOwner;
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::query::Query;
use crate::state::{DialogState, idempotent_key_conflict};

pub fn validation_context(
    principal: &dp_auth::Principal,
    now: Timestamp,
) -> super::validation::Context {
    super::validation::Context {
        now,
        is_admin: principal.is_admin(),
        correspondence: principal.has_correspondence_scope(),
        legacy_html: principal.has_scope(dp_auth::policy::scopes::LEGACY_HTML),
        existing_transmissions: Vec::new(),
        is_update: false,
        existing_attachments: Vec::new(),
    }
}

/// The resource type as the real service stores and returns it on a dialog: lower case
/// (`genericaccessresource`; its create handler keeps Resource Registry's type lower-cased).
fn resource_type_name(kind: ResourceType) -> String {
    serde_json::to_string(&kind)
        .unwrap_or_default()
        .trim_matches('"')
        .to_lowercase()
}

/// Builds the aggregate of a validated, authorized create body (api.md §2.4, §4.6).
fn build_dialog(
    dto: &CreateDialog,
    resolved: &super::authorize::ResolvedResource,
    state: &DialogState,
    now: Timestamp,
) -> Result<Dialog, ApiError> {
    // A future visibleFrom moves every creation time to it (api.md §4.6).
    let visible_later = dto.visible_from.filter(|v| *v > now);
    let created_at = visible_later.or(dto.created_at).unwrap_or(now);
    let updated_at = visible_later.or(dto.updated_at).unwrap_or(created_at);
    let transmission_time = visible_later.unwrap_or(now);
    let mut names = ActorNames::new(&state.registry);
    let transmissions = dto
        .transmissions
        .iter()
        .flatten()
        .map(|t| {
            let mut t = mapping::transmission(t, transmission_time, &mut names);
            if let Some(visible) = visible_later {
                t.created_at = visible;
            }
            t
        })
        .collect();
    let activities = dto
        .activities
        .iter()
        .flatten()
        .map(|a| mapping::activity(a, now, &mut names))
        .collect();
    names.finish()?;
    let mut labels: Vec<String> = Vec::new();
    for label in dto
        .service_owner_context
        .iter()
        .flat_map(|c| c.service_owner_labels.iter().flatten())
        .filter_map(|l| l.value.as_deref())
    {
        let label = label.trim().to_lowercase();
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    let mut dialog = Dialog {
        id: dto.id.unwrap_or_else(mapping::new_id),
        revision: Uuid::new_v4(),
        org: resolved.org_code.clone(),
        service_resource: resolved.service_resource.clone(),
        service_resource_type: resource_type_name(resolved.resource_type),
        party: dto.party.clone().unwrap_or_default().to_lowercase(),
        idempotent_key: dto.idempotent_key.clone(),
        progress: dto.progress,
        extended_status: dto.extended_status.clone(),
        external_reference: dto.external_reference.clone(),
        visible_from: dto.visible_from,
        due_at: dto.due_at,
        expires_at: dto.expires_at,
        created_at,
        updated_at,
        content_updated_at: updated_at,
        deleted_at: None,
        frozen: false,
        process: mapping::uri_value(&dto.process),
        preceding_process: mapping::uri_value(&dto.preceding_process),
        is_api_only: dto.is_api_only.unwrap_or(false),
        status: mapping::status(dto.status),
        has_unopened_content: false,
        content: mapping::content(&dto.content),
        search_tags: mapping::search_tags(&dto.search_tags),
        attachments: dto
            .attachments
            .iter()
            .flatten()
            .map(mapping::attachment)
            .collect(),
        gui_actions: dto
            .gui_actions
            .iter()
            .flatten()
            .map(mapping::gui_action)
            .collect(),
        api_actions: dto
            .api_actions
            .iter()
            .flatten()
            .map(mapping::api_action)
            .collect(),
        transmissions,
        activities,
        seen_log: Vec::new(),
        end_user_context: EndUserContext {
            revision: Uuid::new_v4(),
            system_labels: vec![dto.system_label.unwrap_or(SystemLabel::Default)],
            label_log: Vec::new(),
        },
        service_owner_context: ServiceOwnerContext {
            revision: Uuid::new_v4(),
            service_owner_labels: labels,
        },
    };
    rules::transmission_hierarchy(&dialog.transmissions)?;
    rules::transmission_idempotent_keys(&dialog.transmissions)?;
    rules::activity_transmissions(&dialog)?;
    rules::refresh_derived(
        &mut dialog,
        resolved.resource_type == ResourceType::CorrespondenceService,
    );
    Ok(dialog)
}

/// `POST /api/v1/serviceowner/dialogs`
pub async fn create(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    query: Query,
    ContractJson(dto): ContractJson<CreateDialog>,
) -> Result<Response, ApiError> {
    let principal = &caller.principal;
    let silent = query.is_silent_update()?;
    let now = Timestamp::now();
    validate_create::validate(&dto, &validation_context(principal, now)).into_result()?;
    let resolved = authorize_service_resources(&dto, &state.registry, principal)?;
    if let Some(key) = dto.idempotent_key.clone() {
        let org = resolved.org_code.clone();
        let lookup_key = key.clone();
        let existing = state
            .store
            .dialog_by_idempotent_key(org, lookup_key)
            .await?;
        if let Some(existing) = existing {
            return Err(idempotent_key_conflict(&key, existing));
        }
    }
    if !silent && !principal.is_admin() {
        rules::future_times(
            &[
                ("VisibleFrom", dto.visible_from),
                ("DueAt", dto.due_at),
                ("ExpiresAt", dto.expires_at),
            ],
            now,
        )?;
    }
    let dialog = build_dialog(&dto, &resolved, &state, now)?;
    rules::correspondence_activities(&dialog.activities, principal)?;
    let (id, revision) = (dialog.id, dialog.revision);
    state.store.insert_dialog(dialog).await?;
    Ok(created(
        id,
        format!("/api/v1/serviceowner/dialogs/{id}"),
        revision,
    ))
}

/// `GET /api/v1/serviceowner/dialogs/{dialogId}`: deleted dialogs are still returned, with
/// `deletedAt` (api.md §4.3).
pub async fn get(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    query: Query,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    let current = query.get("endUserId").map(str::to_lowercase);
    let Some(end_user) = current else {
        let body = view::dialog(&stored.dialog, None);
        return Ok(ok_json(&body, Some(stored.dialog.revision)));
    };
    // On a person's behalf (api.md §6): 404 unless that person has main access, the flags
    // computed for them, and a seen-log entry; no URL replacement, no dialog token.
    let subject = crate::enduser::access::EndUserSubject::acting_for(&end_user);
    let access = subject.details(&state, &stored.dialog);
    if !access.has_main_access() {
        return Err(ApiError::entity_not_found(super::common::DIALOG_ENTITY, id));
    }
    let dialog = record_seen(&state, stored, &end_user, true).await;
    let mut body = view::dialog(&dialog, Some(&end_user));
    body.flag_authorized(&access);
    Ok(ok_json(&body, Some(dialog.revision)))
}

/// A read on an end user's behalf marks the dialog seen by them (api.md §4.7): a seen-log entry
/// unless they saw it since the last update and it is not marked unopened; `MarkedAsUnopened`
/// goes. Neither the revision nor `updatedAt` moves. A lost race only skips the record.
pub(crate) async fn record_seen(
    state: &DialogState,
    stored: dp_store::StoredDialog,
    end_user: &str,
    via_service_owner: bool,
) -> Dialog {
    let mut dialog = stored.dialog;
    let marked = dialog
        .end_user_context
        .system_labels
        .contains(&SystemLabel::MarkedAsUnopened);
    let seen_already = dialog
        .seen_log
        .iter()
        .any(|s| s.seen_by.actor_id.as_deref() == Some(end_user) && s.seen_at >= dialog.updated_at);
    if seen_already && !marked {
        return dialog;
    }
    let original = dialog.clone();
    let now = Timestamp::now();
    let seen_by = dp_domain::dialog::Actor {
        actor_type: dp_domain::enums::ActorType::PartyRepresentative,
        actor_name: state.registry.name_of(end_user).map(str::to_owned),
        actor_id: Some(end_user.to_owned()),
    };
    dialog.seen_log.push(dp_domain::dialog::SeenLog {
        id: mapping::new_id(),
        seen_at: now,
        seen_by: seen_by.clone(),
        is_via_service_owner: via_service_owner,
    });
    // Opening takes `MarkedAsUnopened` away, logged as the end user's `remove` (the real
    // service's `DialogSeenLogWriter`).
    if dp_domain::system_labels::remove_unopened(&mut dialog.end_user_context, &seen_by, now) {
        dialog.end_user_context.revision = Uuid::new_v4();
    }
    let written = dialog.clone();
    match state.store.update_dialog(written, stored.version).await {
        Ok(()) => dialog,
        Err(_) => original,
    }
}

/// `DELETE /api/v1/serviceowner/dialogs/{dialogId}`: soft delete; `updatedAt` stays (api.md §4.3).
pub async fn delete(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_mutable(&state, &caller.principal, &stored.dialog, expected)?;
    let mut dialog = stored.dialog;
    dialog.deleted_at = Some(Timestamp::now());
    dialog.revision = Uuid::new_v4();
    save(&state, dialog, stored.version).await
}

/// `POST .../actions/restore`: a no-op keeps the revision (api.md §4.1, §4.3).
pub async fn restore(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_revision(expected, stored.dialog.revision)?;
    if !stored.dialog.is_deleted() {
        return Ok(no_content(stored.dialog.revision));
    }
    let mut dialog = stored.dialog;
    dialog.deleted_at = None;
    dialog.revision = Uuid::new_v4();
    save(&state, dialog, stored.version).await
}

/// `POST .../actions/purge`: hard delete, also of deleted and frozen dialogs; no `Etag`.
pub async fn purge(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_revision(expected, stored.dialog.revision)?;
    super::common::check_correspondence(&state, &caller.principal, &stored.dialog)?;
    let purged = state.store.purge_dialog(id).await?;
    if !purged {
        return Err(ApiError::entity_not_found(super::common::DIALOG_ENTITY, id));
    }
    Ok(axum::response::IntoResponse::into_response(
        axum::http::StatusCode::NO_CONTENT,
    ))
}

/// `POST .../actions/freeze`: admin scope only (api.md §4.4).
pub async fn freeze(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !caller.principal.is_admin() {
        return Err(ApiError::forbidden(
            "Forbidden",
            "Only ServiceOwner admin can freeze dialogs.",
        ));
    }
    let id = parse_id("dialogId", &dialog_id)?;
    let expected = if_match(&headers)?;
    let stored = load_owned(&state, &caller.principal, id).await?;
    check_mutable(&state, &caller.principal, &stored.dialog, expected)?;
    if stored.dialog.frozen {
        return Ok(no_content(stored.dialog.revision));
    }
    let mut dialog = stored.dialog;
    dialog.frozen = true;
    dialog.revision = Uuid::new_v4();
    save(&state, dialog, stored.version).await
}

/// Writes a changed dialog (compare-and-swap on the version read) and answers 204 + `Etag`.
pub async fn save(state: &DialogState, dialog: Dialog, version: i64) -> Result<Response, ApiError> {
    let revision = dialog.revision;
    state.store.update_dialog(dialog, version).await?;
    Ok(no_content(revision))
}
