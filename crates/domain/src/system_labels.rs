//! System-label changes on a dialog's end-user context (api.md §4.8, DP `SystemLabelService`):
//! Default, Bin and Archive are mutually exclusive and exactly one is always set; removing Bin
//! or Archive puts Default back; `Sent` is managed by the service; `MarkedAsUnopened` is free.
//! Every change other than to Default is written to the label assignment log.

use crate::Timestamp;
use crate::dialog::{Actor, EndUserContext, LabelAssignment};
use crate::enums::SystemLabel;

/// A request that breaks the label rules; the message names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LabelError {
    /// The request field at fault: `addLabels` or `removeLabels`.
    pub field: &'static str,
    pub message: String,
}

fn is_primary(label: SystemLabel) -> bool {
    matches!(
        label,
        SystemLabel::Default | SystemLabel::Bin | SystemLabel::Archive
    )
}

/// The real service's refusal of `Sent`, verbatim (typos included) from
/// `Digdir.Domain.Dialogporten.Application/Features/V1/Common/ValidationErrorStrings.cs`.
pub const SENT_MESSAGE: &str = "Cannot manually add or remove system label Sent. It is added automatically when a transmissions of type 'Submission or 'Correction' is added to the dialog.";

/// Checks a label request before anything changes: only `Sent` is refused (the service
/// manages it). Several of Default/Bin/Archive, or a label both removed and added, are valid:
/// [`apply`] gives them set semantics, as the real service's `SetSystemLabel` handlers do.
pub fn check(add: &[SystemLabel], remove: &[SystemLabel]) -> Result<(), LabelError> {
    if add.contains(&SystemLabel::Sent) {
        return Err(LabelError {
            field: "addLabels",
            message: SENT_MESSAGE.into(),
        });
    }
    if remove.contains(&SystemLabel::Sent) {
        return Err(LabelError {
            field: "removeLabels",
            message: SENT_MESSAGE.into(),
        });
    }
    Ok(())
}

fn log(context: &mut EndUserContext, label: SystemLabel, action: &str, by: &Actor, now: Timestamp) {
    if label != SystemLabel::Default {
        context.label_log.push(LabelAssignment {
            created_at: now,
            name: format!("systemlabel:{label}"),
            action: action.to_owned(),
            performed_by: by.clone(),
        });
    }
}

/// Applies a checked request with the real service's set semantics
/// (`Digdir.Domain.Dialogporten.Domain/DialogEndUserContexts/Entities/SystemLabelService.cs`):
/// removals first, then additions; adding one of Default/Bin/Archive replaces the one set, so of
/// several the last wins; removing Bin or Archive puts Default back. The log gets a `set` for
/// every label added, then a `remove` for every label removed (Default is never logged).
/// Returns whether anything changed (labels or log; the caller then gives the context a new
/// revision).
pub fn apply(
    context: &mut EndUserContext,
    add: &[SystemLabel],
    remove: &[SystemLabel],
    performed_by: &Actor,
    now: Timestamp,
) -> bool {
    let before = (context.system_labels.clone(), context.label_log.len());
    let mut added: Vec<SystemLabel> = Vec::new();
    let mut removed: Vec<SystemLabel> = Vec::new();
    for label in remove {
        if !context.system_labels.contains(label) || *label == SystemLabel::Default {
            continue;
        }
        if is_primary(*label) {
            context.set_primary(SystemLabel::Default);
        } else {
            context.system_labels.retain(|l| l != label);
        }
        removed.push(*label);
    }
    for label in add {
        if context.system_labels.contains(label) {
            continue;
        }
        if is_primary(*label) {
            let previous = context.primary_label();
            context.set_primary(*label);
            // A label added earlier in this request and replaced again was never really set.
            if let Some(position) = added.iter().position(|l| *l == previous) {
                added.remove(position);
            } else {
                removed.push(previous);
            }
        } else {
            context.system_labels.push(*label);
        }
        added.push(*label);
    }
    for label in added {
        log(context, label, "set", performed_by, now);
    }
    for label in removed {
        log(context, label, "remove", performed_by, now);
    }
    (context.system_labels.clone(), context.label_log.len()) != before
}

/// Opening a dialog takes `MarkedAsUnopened` away, logged as a `remove` by the end user who
/// opened it. Returns whether the label was there.
pub fn remove_unopened(context: &mut EndUserContext, opened_by: &Actor, now: Timestamp) -> bool {
    if !context
        .system_labels
        .contains(&SystemLabel::MarkedAsUnopened)
    {
        return false;
    }
    context
        .system_labels
        .retain(|l| *l != SystemLabel::MarkedAsUnopened);
    log(
        context,
        SystemLabel::MarkedAsUnopened,
        "remove",
        opened_by,
        now,
    );
    true
}

/// A service-owner update takes the dialog out of Bin or Archive back to Default, logged as a
/// `remove` by the service owner. Returns whether it was in one.
pub fn restore_default(
    context: &mut EndUserContext,
    service_owner: &Actor,
    now: Timestamp,
) -> bool {
    let previous = context.primary_label();
    if previous == SystemLabel::Default {
        return false;
    }
    context.set_primary(SystemLabel::Default);
    log(context, previous, "remove", service_owner, now);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::ActorType;
    use uuid::Uuid;

    fn context() -> EndUserContext {
        EndUserContext {
            revision: Uuid::nil(),
            system_labels: vec![SystemLabel::Default, SystemLabel::Sent],
            label_log: Vec::new(),
        }
    }

    fn actor() -> Actor {
        Actor {
            actor_type: ActorType::PartyRepresentative,
            actor_name: None,
            actor_id: Some("urn:altinn:person:identifier-no:08844397713".into()),
        }
    }

    #[test]
    fn bin_replaces_default_and_removing_it_brings_default_back() {
        let mut c = context();
        let now = Timestamp::now();
        assert!(apply(&mut c, &[SystemLabel::Bin], &[], &actor(), now));
        assert_eq!(c.primary_label(), SystemLabel::Bin);
        assert!(c.system_labels.contains(&SystemLabel::Sent));
        assert!(!c.system_labels.contains(&SystemLabel::Default));
        assert!(apply(&mut c, &[], &[SystemLabel::Bin], &actor(), now));
        assert_eq!(c.primary_label(), SystemLabel::Default);
        let log: Vec<(&str, &str)> = c
            .label_log
            .iter()
            .map(|l| (l.name.as_str(), l.action.as_str()))
            .collect();
        assert_eq!(
            log,
            [("systemlabel:Bin", "set"), ("systemlabel:Bin", "remove")]
        );
        // Nothing to do is no change.
        assert!(!apply(&mut c, &[SystemLabel::Default], &[], &actor(), now));
    }

    #[test]
    fn archive_over_bin_logs_set_before_remove_and_unopened_is_free() {
        let mut c = context();
        let now = Timestamp::now();
        apply(&mut c, &[SystemLabel::Bin], &[], &actor(), now);
        apply(
            &mut c,
            &[SystemLabel::Archive, SystemLabel::MarkedAsUnopened],
            &[],
            &actor(),
            now,
        );
        assert_eq!(c.primary_label(), SystemLabel::Archive);
        assert!(c.system_labels.contains(&SystemLabel::MarkedAsUnopened));
        let log: Vec<(&str, &str)> = c
            .label_log
            .iter()
            .map(|l| (l.name.as_str(), l.action.as_str()))
            .collect();
        assert_eq!(
            log,
            [
                ("systemlabel:Bin", "set"),
                ("systemlabel:Archive", "set"),
                ("systemlabel:MarkedAsUnopened", "set"),
                ("systemlabel:Bin", "remove"),
            ]
        );
        assert!(remove_unopened(&mut c, &actor(), now));
        assert_eq!(c.label_log.len(), 5);
        assert!(restore_default(&mut c, &actor(), now));
        assert_eq!(c.primary_label(), SystemLabel::Default);
        assert_eq!(c.label_log[5].name, "systemlabel:Archive");
        assert_eq!(c.label_log[5].action, "remove");
    }

    #[test]
    fn set_semantics_last_primary_wins_and_removal_runs_first() {
        let mut c = context();
        let now = Timestamp::now();
        assert!(check(&[SystemLabel::Bin, SystemLabel::Archive], &[]).is_ok());
        apply(
            &mut c,
            &[SystemLabel::Default, SystemLabel::Bin, SystemLabel::Archive],
            &[],
            &actor(),
            now,
        );
        assert_eq!(c.primary_label(), SystemLabel::Archive);
        assert!(check(&[SystemLabel::Archive], &[SystemLabel::Archive]).is_ok());
        apply(
            &mut c,
            &[SystemLabel::Archive],
            &[SystemLabel::Archive],
            &actor(),
            now,
        );
        assert_eq!(c.primary_label(), SystemLabel::Archive);
        let actions: Vec<&str> = c.label_log.iter().map(|l| l.action.as_str()).collect();
        // Archive (set, the Bin in between never counted), then set before remove.
        assert_eq!(actions, ["set", "set", "remove"]);
    }

    #[test]
    fn sent_is_refused() {
        assert_eq!(
            check(&[SystemLabel::Sent], &[]).expect_err("refused").field,
            "addLabels"
        );
        assert_eq!(
            check(&[], &[SystemLabel::Sent]).expect_err("refused").field,
            "removeLabels"
        );
        assert!(check(&[SystemLabel::Bin], &[SystemLabel::MarkedAsUnopened]).is_ok());
    }
}
