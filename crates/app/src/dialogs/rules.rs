//! Handler-level rules of create and update that are not FluentValidation rules and so answer
//! with other statuses (api.md §2.4): correspondence activity types (403), the transmission
//! hierarchy (422), duplicate transmission idempotent keys (409), times in the future (422).

use std::collections::{HashMap, HashSet};

use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_domain::dialog::{Activity, Dialog, Transmission};
use dp_domain::enums::{ActivityType, SystemLabel};
use uuid::Uuid;

use crate::AppError;

/// Most children and most depth one transmission chain may have (DP `TransmissionHierarchyValidator`).
const MAX_HIERARCHY: usize = 100;

pub fn correspondence_activities(
    activities: &[Activity],
    principal: &Principal,
) -> Result<(), AppError> {
    let uses = activities.iter().any(|a| {
        matches!(
            a.activity_type,
            ActivityType::CorrespondenceOpened | ActivityType::CorrespondenceConfirmed
        )
    });
    if uses && !principal.has_correspondence_scope() {
        return Err(AppError::forbidden(
            "Forbidden",
            "Use of CorrespondenceConfirmed or CorrespondenceOpened activity types requires the scope digdir:dialogporten.correspondence.",
        ));
    }
    Ok(())
}

/// Every `relatedTransmissionId` names a transmission of the dialog, no chain is circular or
/// deeper than 100, no transmission has more than 100 direct children.
pub fn transmission_hierarchy(transmissions: &[Transmission]) -> Result<(), AppError> {
    let parents: HashMap<Uuid, Option<Uuid>> = transmissions
        .iter()
        .map(|t| (t.id, t.related_transmission_id))
        .collect();
    let mut errors = Vec::new();
    for t in transmissions {
        if let Some(parent) = t.related_transmission_id
            && !parents.contains_key(&parent)
        {
            errors.push(format!(
                "Transmission '{}' references a related transmission '{parent}' that does not exist in the dialog.",
                t.id
            ));
        }
    }
    let mut children: HashMap<Uuid, usize> = HashMap::new();
    for parent in transmissions
        .iter()
        .filter_map(|t| t.related_transmission_id)
    {
        *children.entry(parent).or_default() += 1;
    }
    for (parent, count) in &children {
        if *count > MAX_HIERARCHY {
            errors.push(format!(
                "Transmission '{parent}' has {count} related transmissions; the maximum width is {MAX_HIERARCHY}."
            ));
        }
    }
    for t in transmissions {
        let mut seen = HashSet::from([t.id]);
        let mut current = t.related_transmission_id;
        let mut depth = 1;
        while let Some(id) = current {
            if !seen.insert(id) {
                errors.push(format!(
                    "Transmission '{}' is part of a circular chain of related transmissions.",
                    t.id
                ));
                break;
            }
            depth += 1;
            if depth > MAX_HIERARCHY {
                errors.push(format!(
                    "Transmission '{}' is in a chain deeper than the maximum depth of {MAX_HIERARCHY}.",
                    t.id
                ));
                break;
            }
            current = parents.get(&id).copied().flatten();
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort();
    errors.dedup();
    Err(AppError::Unprocessable(crate::FieldErrors::from([(
        "DialogTransmission".to_owned(),
        errors,
    )])))
}

/// Transmission idempotent keys are unique within a dialog (409, api.md §2.2).
pub fn transmission_idempotent_keys(transmissions: &[Transmission]) -> Result<(), AppError> {
    let mut seen = HashSet::new();
    let mut duplicates = Vec::new();
    for key in transmissions
        .iter()
        .filter_map(|t| t.idempotent_key.as_deref())
    {
        if !seen.insert(key) && !duplicates.contains(&key) {
            duplicates.push(key);
        }
    }
    if duplicates.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = duplicates.iter().map(|k| format!("'{k}'")).collect();
    Err(AppError::conflict(
        "IdempotentKey",
        format!(
            "Duplicate IdempotentKey detected in dialog transmissions. Conflicting keys: {}.",
            keys.join(", ")
        ),
    ))
}

/// Create: `visibleFrom`, `dueAt` and `expiresAt` must lie in the future unless the caller is
/// an admin or the update is silent (422, api.md §2.1).
pub fn future_times(fields: &[(&str, Option<Timestamp>)], now: Timestamp) -> Result<(), AppError> {
    let mut errors = crate::FieldErrors::new();
    for (name, value) in fields {
        if value.is_some_and(|v| v <= now) {
            errors.insert((*name).to_owned(), vec!["Must be in the future".to_owned()]);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable(errors))
    }
}

/// Activities that name a transmission must name one of the dialog's (422, api.md §2.2).
pub fn activity_transmissions(dialog: &Dialog) -> Result<(), AppError> {
    let ids: HashSet<Uuid> = dialog.transmissions.iter().map(|t| t.id).collect();
    let missing: Vec<String> = dialog
        .activities
        .iter()
        .filter_map(|a| a.transmission_id)
        .filter(|id| !ids.contains(id))
        .map(|id| format!("Transmission with id '{id}' does not exist in the dialog."))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::Unprocessable(crate::FieldErrors::from([(
            "DialogActivity".to_owned(),
            missing,
        )])))
    }
}

/// After transmissions or activities changed: counts are derived, but `Sent` and
/// `hasUnopenedContent` are stored (api.md §2.4, §4.7).
pub fn refresh_derived(dialog: &mut Dialog, correspondence: bool) {
    if dialog.transmissions.iter().any(Transmission::is_from_party) {
        dialog.end_user_context.add(SystemLabel::Sent);
    }
    dialog.has_unopened_content = dialog.compute_has_unopened_content(correspondence);
}
