//! `GET /api/v1/serviceowner/dialoglookup` (instance references, api.md §4.8) and
//! `GET .../actions/should-send-notification` (notification conditions, api.md §1).

use axum::extract::{Path, State};
use axum::response::Response;
use dp_app::read::metadata::ServiceOwnerLookup;
use dp_app::read::serviceowner::NotificationCondition;
use dp_domain::enums::{ActivityType, DeletedFilter, NotificationConditionType};
use dp_domain::instance_ref::InstanceRef;
use dp_store::DialogQuery;
use uuid::Uuid;

use super::common::{DIALOG_ENTITY, ok_json, owns, parse_id};
use crate::auth::{NotificationConditionCheck, ServiceOwner};
use crate::problem::ApiError;
use crate::query::Query;
use crate::state::DialogState;

/// `GET /api/v1/serviceowner/dialoglookup?instanceRef=`
pub async fn dialog_lookup(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    query: Query,
) -> Result<Response, ApiError> {
    let raw = query.get("instanceRef").unwrap_or_default().to_owned();
    let Some(reference) = InstanceRef::parse(&raw) else {
        return Err(ApiError::validation(
            "InstanceRef",
            "InstanceRef must be one of 'urn:altinn:dialog-id:{guid}', 'urn:altinn:instance-id:{partyId}/{guid}', 'urn:altinn:integration:storage:{partyId}/{guid}' or 'urn:altinn:correspondence-id:{guid}'.",
        ));
    };
    let found = match reference {
        InstanceRef::Dialog(id) => state.get_dialog(id).await?.map(|s| s.dialog),
        InstanceRef::Labelled(label) => {
            // Either spelling of an app instance label matches (the store's instance filter).
            let query = DialogQuery {
                authorized_pairs: Some(Vec::new()),
                authorized_instances: vec![label],
                deleted: Some(DeletedFilter::Exclude),
                limit: 1,
                ..DialogQuery::default()
            };
            state.store.search_dialogs(query).await?.into_iter().next()
        }
    };
    match found {
        Some(dialog) if owns(&state, &caller.principal, &dialog) && !dialog.is_deleted() => {
            Ok(ok_json(
                &ServiceOwnerLookup::new(&dialog, raw.trim(), &state.registry),
                None,
            ))
        }
        _ => Err(ApiError::NotFound(crate::problem::FieldErrors::from([(
            "InstanceRef".to_owned(),
            vec![format!(
                "No dialog found for instance reference '{}'.",
                raw.trim()
            )],
        )]))),
    }
}

/// `GET .../dialogs/{dialogId}/actions/should-send-notification`: whether an activity of the
/// given type (for the given transmission) exists, or not, as the condition asks.
pub async fn should_send_notification(
    _caller: NotificationConditionCheck,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    query: Query,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let mut errors = crate::problem::FieldErrors::new();
    let condition = match query.get("conditionType") {
        None | Some("") => {
            errors.insert(
                "ConditionType".into(),
                vec!["'Condition Type' must not be empty.".into()],
            );
            None
        }
        Some(v) => match NotificationConditionType::parse(v) {
            Some(c) => Some(c),
            None => {
                errors.insert(
                    "ConditionType".into(),
                    vec![format!(
                        "'Condition Type' has a range of values which does not include '{v}'."
                    )],
                );
                None
            }
        },
    };
    let activity_type = match query.get("activityType") {
        None | Some("") => {
            errors.insert(
                "ActivityType".into(),
                vec!["'Activity Type' must not be empty.".into()],
            );
            None
        }
        Some(v) => match ActivityType::parse(v) {
            Some(a) => Some(a),
            None => {
                errors.insert(
                    "ActivityType".into(),
                    vec![format!(
                        "'Activity Type' has a range of values which does not include '{v}'."
                    )],
                );
                None
            }
        },
    };
    let transmission_id = match query.get("transmissionId") {
        None | Some("") => None,
        Some(v) => match Uuid::parse_str(v) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert(
                    "TransmissionId".into(),
                    vec![format!("Value [{v}] is not valid for a Guid property!")],
                );
                None
            }
        },
    };
    if activity_type == Some(ActivityType::TransmissionOpened) && transmission_id.is_none() {
        errors.entry("TransmissionId".into()).or_default().push(
            "'Transmission Id' must not be empty when 'Activity Type' is TransmissionOpened."
                .into(),
        );
    }
    let (Some(condition), Some(activity_type)) = (condition, activity_type) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let dialog = state
        .get_dialog(id)
        .await?
        .map(|s| s.dialog)
        .ok_or_else(|| ApiError::entity_not_found(DIALOG_ENTITY, id))?;
    if dialog.is_deleted() {
        return Err(ApiError::entity_gone(DIALOG_ENTITY, id));
    }
    let exists = dialog.activities.iter().any(|a| {
        a.activity_type == activity_type
            && (transmission_id.is_none() || a.transmission_id == transmission_id)
    });
    let send = match condition {
        NotificationConditionType::NotExists => !exists,
        NotificationConditionType::Exists => exists,
    };
    Ok(ok_json(
        &NotificationCondition {
            send_notification: send,
        },
        None,
    ))
}
