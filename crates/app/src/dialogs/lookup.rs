//! Finding a dialog by an instance reference (`dialoglookup`, api.md §4.8) and the
//! notification condition check (`should-send-notification`, api.md §1).

use dp_auth::Principal;
use dp_domain::dialog::Dialog;
use dp_domain::enums::{ActivityType, DeletedFilter, NotificationConditionType};
use dp_domain::instance_ref::InstanceRef;
use dp_store::DialogQuery;
use uuid::Uuid;

use super::guard::{DIALOG_ENTITY, owns};
use crate::{AppError, DialogState};

/// The dialog the caller owns behind instance reference `raw` (`instanceRef`); deleted ones
/// are not found.
pub async fn lookup(
    state: &DialogState,
    principal: &Principal,
    raw: &str,
) -> Result<Dialog, AppError> {
    let Some(reference) = InstanceRef::parse(raw) else {
        return Err(AppError::validation(
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
        Some(dialog) if owns(state, principal, &dialog) && !dialog.is_deleted() => Ok(dialog),
        _ => Err(AppError::NotFound(crate::FieldErrors::from([(
            "InstanceRef".to_owned(),
            vec![format!(
                "No dialog found for instance reference '{}'.",
                raw.trim()
            )],
        )]))),
    }
}

/// The parameters of the notification condition check, as given (`conditionType`,
/// `activityType`, `transmissionId`); validated here with the real service's messages.
#[derive(Debug, Default, Clone, Copy)]
pub struct NotificationConditionInput<'a> {
    pub condition_type: Option<&'a str>,
    pub activity_type: Option<&'a str>,
    pub transmission_id: Option<&'a str>,
}

/// Whether a notification should be sent for dialog `id`: an activity of the given type (for
/// the given transmission) exists, or not, as the condition asks.
pub async fn should_send_notification(
    state: &DialogState,
    id: Uuid,
    input: NotificationConditionInput<'_>,
) -> Result<bool, AppError> {
    let mut errors = crate::FieldErrors::new();
    let condition = match input.condition_type {
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
    let activity_type = match input.activity_type {
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
    let transmission_id = match input.transmission_id {
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
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let dialog = state
        .get_dialog(id)
        .await?
        .map(|s| s.dialog)
        .ok_or_else(|| AppError::entity_not_found(DIALOG_ENTITY, id))?;
    if dialog.is_deleted() {
        return Err(AppError::entity_gone(DIALOG_ENTITY, id));
    }
    let exists = dialog.activities.iter().any(|a| {
        a.activity_type == activity_type
            && (transmission_id.is_none() || a.transmission_id == transmission_id)
    });
    let send = match condition {
        NotificationConditionType::NotExists => !exists,
        NotificationConditionType::Exists => exists,
    };
    Ok(send)
}
