//! Creating a dialog (api.md §2.1, §2.4, §4.6): validate, authorize the service resource,
//! refuse a used idempotent key (409), build the aggregate and insert it.

use dp_auth::Principal;
use dp_authz::ResourceType;
use dp_domain::Timestamp;
use dp_domain::dialog::{Dialog, EndUserContext, ServiceOwnerContext};
use dp_domain::enums::SystemLabel;
use uuid::Uuid;

use super::authorize::{ResolvedResource, authorize_service_resources};
use super::mapping::{self, ActorNames};
use super::rules;
use crate::events::{DomainEvent, Outcome, dialog_written};
use crate::input::CreateDialog;
use crate::{AppError, DialogState, validate};

/// What a create returns: the new dialog's id and revision.
#[derive(Debug, Clone, Copy)]
pub struct Created {
    pub id: Uuid,
    pub revision: Uuid,
}

pub fn validation_context(
    principal: &dp_auth::Principal,
    now: Timestamp,
) -> crate::validate::Context {
    crate::validate::Context {
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
    resolved: &ResolvedResource,
    state: &DialogState,
    now: Timestamp,
) -> Result<Dialog, AppError> {
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

/// Creates a dialog from `input` for `principal`; `silent` is `isSilentUpdate` (api.md §4.5),
/// which also lifts the future-time rules.
pub async fn create(
    state: &DialogState,
    principal: &Principal,
    input: CreateDialog,
    silent: bool,
) -> Result<Outcome<Created>, AppError> {
    let now = Timestamp::now();
    validate::create::validate(&input, &validation_context(principal, now)).into_result()?;
    let resolved = authorize_service_resources(&input, &state.registry, principal)?;
    if let Some(key) = input.idempotent_key.clone() {
        let existing = state
            .store
            .dialog_by_idempotent_key(resolved.org_code.clone(), key.clone())
            .await?;
        if let Some(existing) = existing {
            return Err(AppError::idempotent_key_conflict(&key, existing));
        }
    }
    if !silent && !principal.is_admin() {
        rules::future_times(
            &[
                ("VisibleFrom", input.visible_from),
                ("DueAt", input.due_at),
                ("ExpiresAt", input.expires_at),
            ],
            now,
        )?;
    }
    let dialog = build_dialog(&input, &resolved, state, now)?;
    rules::correspondence_activities(&dialog.activities, principal)?;
    let created = Created {
        id: dialog.id,
        revision: dialog.revision,
    };
    let transmissions: Vec<Uuid> = dialog.transmissions.iter().map(|t| t.id).collect();
    let activities: Vec<Uuid> = dialog.activities.iter().map(|a| a.id).collect();
    let events = dialog_written(
        &dialog,
        silent,
        DomainEvent::Created,
        &transmissions,
        &activities,
    );
    state.store.insert_dialog(dialog).await?;
    Ok(Outcome::new(created, events))
}
