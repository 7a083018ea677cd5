//! Domain events: what a command changed, returned with its result so that the outbox (issue
//! 14) can store them in the same transaction as the change. Modelled on the real service's
//! `Digdir.Domain.Dialogporten.Domain/Dialogs/Events` (`DialogCreatedDomainEvent`,
//! `DialogUpdatedDomainEvent`, `DialogDeletedDomainEvent`, `DialogRestoredDomainEvent`,
//! `DialogSeenDomainEvent`, `DialogTransmissionCreatedDomainEvent`,
//! `Activities/DialogActivityCreatedDomainEvent`): each carries the dialog id, its service
//! resource, party and process, and here also whether the change was a silent update and
//! from when the dialog is visible, so a publisher can hold back what end users may not see yet.

use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_domain::enums::ActivityType;
use uuid::Uuid;

/// What every event about a dialog says about the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogRef {
    pub dialog_id: Uuid,
    pub service_resource: String,
    pub party: String,
    pub process: Option<String>,
    pub preceding_process: Option<String>,
    /// `isSilentUpdate` was given (api.md §4.5): no timestamps moved.
    pub silent: bool,
    /// The dialog's `visibleFrom`: end users do not see it (nor its events) before then.
    pub visible_from: Option<Timestamp>,
}

impl DialogRef {
    pub fn of(dialog: &Dialog, silent: bool) -> Self {
        Self {
            dialog_id: dialog.id,
            service_resource: dialog.service_resource.clone(),
            party: dialog.party.clone(),
            process: dialog.process.clone(),
            preceding_process: dialog.preceding_process.clone(),
            silent,
            visible_from: dialog.visible_from,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    Created(DialogRef),
    Updated(DialogRef),
    /// Soft delete, or `hard` for a purge (the real service raises the same event for both).
    Deleted {
        dialog: DialogRef,
        hard: bool,
    },
    Restored(DialogRef),
    /// An end user opened the dialog (a new seen-log entry).
    Seen {
        dialog: DialogRef,
        seen_by: String,
    },
    TransmissionCreated {
        dialog: DialogRef,
        transmission_id: Uuid,
    },
    ActivityCreated {
        dialog: DialogRef,
        activity_id: Uuid,
        activity_type: ActivityType,
        extended_type: Option<String>,
        transmission_id: Option<Uuid>,
    },
}

impl DomainEvent {
    pub fn dialog(&self) -> &DialogRef {
        match self {
            Self::Created(d) | Self::Updated(d) | Self::Restored(d) => d,
            Self::Deleted { dialog, .. }
            | Self::Seen { dialog, .. }
            | Self::TransmissionCreated { dialog, .. }
            | Self::ActivityCreated { dialog, .. } => dialog,
        }
    }
}

/// A command's result and the events it caused, in the order they happened.
#[derive(Debug)]
pub struct Outcome<T> {
    pub value: T,
    pub events: Vec<DomainEvent>,
}

impl<T> Outcome<T> {
    pub fn new(value: T, events: Vec<DomainEvent>) -> Self {
        Self { value, events }
    }

    /// A command that changed nothing.
    pub fn unchanged(value: T) -> Self {
        Self::new(value, Vec::new())
    }
}

/// The events of a create or an update: the dialog's own (`head`, e.g. `DomainEvent::Created`),
/// then one per new transmission and activity, as the real service's `DialogEntity` raises them.
pub fn dialog_written(
    dialog: &Dialog,
    silent: bool,
    head: fn(DialogRef) -> DomainEvent,
    new_transmissions: &[Uuid],
    new_activities: &[Uuid],
) -> Vec<DomainEvent> {
    let reference = || DialogRef::of(dialog, silent);
    let mut events = vec![head(reference())];
    events.extend(
        new_transmissions
            .iter()
            .map(|id| DomainEvent::TransmissionCreated {
                dialog: reference(),
                transmission_id: *id,
            }),
    );
    events.extend(
        dialog
            .activities
            .iter()
            .filter(|a| new_activities.contains(&a.id))
            .map(|activity| DomainEvent::ActivityCreated {
                dialog: reference(),
                activity_id: activity.id,
                activity_type: activity.activity_type,
                extended_type: activity.extended_type.clone(),
                transmission_id: activity.transmission_id,
            }),
    );
    events
}
