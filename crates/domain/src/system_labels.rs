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

/// Checks a label request before anything changes.
pub fn check(add: &[SystemLabel], remove: &[SystemLabel]) -> Result<(), LabelError> {
    if add.contains(&SystemLabel::Sent) {
        return Err(LabelError {
            field: "addLabels",
            message: "The 'Sent' label is managed by the system and cannot be added.".into(),
        });
    }
    if remove.contains(&SystemLabel::Sent) {
        return Err(LabelError {
            field: "removeLabels",
            message: "The 'Sent' label is managed by the system and cannot be removed.".into(),
        });
    }
    if add.iter().filter(|l| is_primary(**l)).count() > 1 {
        return Err(LabelError {
            field: "addLabels",
            message: "Only one of 'Default', 'Bin' and 'Archive' can be added.".into(),
        });
    }
    if let Some(both) = add.iter().find(|l| remove.contains(l)) {
        return Err(LabelError {
            field: "addLabels",
            message: format!("The label '{both}' cannot be both added and removed."),
        });
    }
    Ok(())
}

/// Applies a checked request. Returns whether anything changed (the caller then gives the
/// context a new revision).
pub fn apply(
    context: &mut EndUserContext,
    add: &[SystemLabel],
    remove: &[SystemLabel],
    performed_by: &Actor,
    now: Timestamp,
) -> bool {
    let before = context.system_labels.clone();
    let log = |label: SystemLabel, action: &str, context: &mut EndUserContext| {
        if label != SystemLabel::Default {
            context.label_log.push(LabelAssignment {
                created_at: now,
                name: format!("systemlabel:{label}"),
                action: action.to_owned(),
                performed_by: performed_by.clone(),
            });
        }
    };
    for label in remove {
        if !context.system_labels.contains(label) {
            continue;
        }
        if is_primary(*label) {
            if *label != SystemLabel::Default {
                log(*label, "remove", context);
                context.set_primary(SystemLabel::Default);
            }
        } else {
            context.system_labels.retain(|l| l != label);
            log(*label, "remove", context);
        }
    }
    for label in add {
        if context.system_labels.contains(label) {
            continue;
        }
        if is_primary(*label) {
            let previous = context.primary_label();
            if previous != SystemLabel::Default {
                log(previous, "remove", context);
            }
            context.set_primary(*label);
        } else {
            context.system_labels.push(*label);
        }
        log(*label, "set", context);
    }
    context.system_labels != before
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
    fn archive_over_bin_logs_both_and_unopened_is_free() {
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
        assert_eq!(c.label_log.len(), 4);
        assert_eq!(c.label_log[1].name, "systemlabel:Bin");
        assert_eq!(c.label_log[1].action, "remove");
    }

    #[test]
    fn sent_and_two_primaries_are_refused() {
        assert_eq!(
            check(&[SystemLabel::Sent], &[]).expect_err("refused").field,
            "addLabels"
        );
        assert_eq!(
            check(&[], &[SystemLabel::Sent]).expect_err("refused").field,
            "removeLabels"
        );
        assert!(check(&[SystemLabel::Bin, SystemLabel::Archive], &[]).is_err());
        assert!(check(&[SystemLabel::Bin], &[SystemLabel::Bin]).is_err());
        assert!(check(&[SystemLabel::Bin], &[SystemLabel::MarkedAsUnopened]).is_ok());
    }
}
